"""The docstring examples of the kit's modules run, and print what they say."""

import doctest
import importlib

import keras
import numpy as np
import pytest

import lessons

MODULES = [
    "lessons.rnn",
    "lessons.gru",
    "lessons.lstm",
    "lessons.deep",
    "lessons.regularize",
    "lessons.gates",
    "lessons.diagrams",
    "lessons.interop",
    "lessons.tasks",
    "lessons.text.vocab",
    "lessons.text.batching",
    "lessons.text.language_model",
    "lessons.seq2seq",
    "lessons.seq2seq.layers",
    "lessons.seq2seq.training",
    "lessons.seq2seq.metrics",
    "lessons.fonts",
    "lessons.checks",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run(name):
    module = importlib.import_module(name)
    lessons.set_seed(0)
    names = {"keras": keras, "np": np, "lessons": lessons}
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    results = doctest.testmod(module, extraglobs=names, optionflags=flags, verbose=False)
    assert results.attempted > 0, f"{name} has no examples"
    assert results.failed == 0
