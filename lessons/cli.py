"""The `rnn-lessons` command line (also `python -m lessons`)."""

import argparse
import os
import sys


def _ladder(args):
    from lessons.ladder import run_ladder

    run_ladder(quick=args.quick, length=args.length, plot_path=args.plot, seed=args.seed)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="rnn-lessons", description="Recurrent networks from the slides' equations."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ladder = commands.add_parser(
        "ladder",
        help="train vanilla RNN, GRU, LSTM and a deep bidirectional LSTM on the adding problem",
        description=(
            "Train vanilla RNN -> GRU -> LSTM -> deep bidirectional LSTM, all built from the "
            "kit's cells, on the adding problem, where memory matters; print a table and save "
            "a plot of the validation curves."
        ),
    )
    ladder.add_argument("--quick", action="store_true", help="a small, fast version (for tests)")
    ladder.add_argument("--length", type=int, default=None, help="sequence length")
    ladder.add_argument("--plot", default="ladder.png", help="where to save the plot")
    ladder.add_argument("--seed", type=int, default=0, help="random seed")
    ladder.set_defaults(func=_ladder)
    return parser


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
