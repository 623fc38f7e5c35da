"""`python -m lessons`: the ladder demo, from the vanilla RNN to a deep bidirectional LSTM."""

import argparse

from lessons.ladder import LADDER_DESCRIPTION, add_arguments, main_from_args

parser = argparse.ArgumentParser(prog="python -m lessons", description=LADDER_DESCRIPTION)
add_arguments(parser)
raise SystemExit(main_from_args(parser.parse_args()))
