"""rnn-lessons: recurrent networks from the lecture slides' equations.

Each cell is a `keras.layers.Layer` that computes one time step of the
slides' equations with `keras.ops`, so it runs on every Keras backend and
plugs into `keras.layers.RNN`, `Bidirectional` and `StackedRNNCells`.
"""

import os

__version__ = "0.1.0"  # = [project] version in pyproject.toml; Colab's set-up cell checks it

# TensorFlow's C++ start-up chatter (INFO, WARNING) is noise for students; an
# explicit TF_CPP_MIN_LOG_LEVEL in the environment still wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lessons import fonts, tasks  # noqa: F401  (lessons.tasks without a second import)
from lessons.deep import StackedRNN, Zoneout
from lessons.gru import GRUCell
from lessons.interop import from_keras, to_keras
from lessons.lstm import CoupledLSTMCell, LSTMCell, PeepholeLSTMCell
from lessons.regularize import ActivationRegularization, PerStepDropout
from lessons.rnn import SimpleRNNCell
from lessons.seeding import set_seed
from lessons.seq2seq import Seq2Seq  # also registers its layers for keras load_model

# The lessons' figures draw Chinese (lessons 03 and 09) with an installed font that has it.
fonts.use_cjk_font()

__all__ = [
    "SimpleRNNCell",
    "GRUCell",
    "LSTMCell",
    "PeepholeLSTMCell",
    "CoupledLSTMCell",
    "StackedRNN",
    "Zoneout",
    "PerStepDropout",
    "ActivationRegularization",
    "Seq2Seq",
    "from_keras",
    "to_keras",
    "set_seed",
]
