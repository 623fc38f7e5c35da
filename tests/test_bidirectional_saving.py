"""Bidirectional layers that the kit builds load back from a `.keras` file, whatever ids recur.

Inside `load_model` Keras matches serialized objects by `id()`. CPython hands a freed object's
id to the next new object, so a Bidirectional built from a temporary layer could be given an
earlier layer's copy; whether it happened depended on the allocator (seen on JAX, in some runs).
Keras layers sit in reference cycles, so a temporary layer dies whenever the cyclic collector
runs: that was the chance. Here `id` is replaced, in Keras' serialization module only, by ids
that a dead object hands to the next one, with the collector run before each new id is given:
the worst case the allocator allows, in every run.
"""

import gc
import weakref

import keras
import numpy as np
import pytest
from keras.src.saving import serialization_lib

import lessons.seq2seq as s2s
from lessons import StackedRNN
from lessons.text import WordVocab
from tests.backend import assert_close


class RecycledIds:
    """id() that gives each live object a small number, and a dead object's number to the next."""

    def __init__(self):
        self.free, self.count, self.live = [], 0, {}

    def __call__(self, obj):
        key = object.__repr__(obj)  # unique among live objects, like id()
        if key in self.live:
            return self.live[key]
        try:
            weakref.finalize(obj, self._release, key)
        except TypeError:  # not weakly referable (dicts, ints): never recycled, as before
            return -1 - id(obj)
        gc.collect()  # what may die has died, and freed its number
        number = self.free.pop() if self.free else self._new()
        self.live[key] = number
        return number

    def _new(self):
        self.count += 1
        return self.count

    def _release(self, key):
        self.free.append(self.live.pop(key))


@pytest.fixture
def recycled_ids(monkeypatch):
    monkeypatch.setattr(serialization_lib, "id", RecycledIds(), raising=False)


def test_stacked_bidirectional_layers_load_with_their_own_weights(recycled_ids, tmp_path):
    inputs = keras.Input((None, 3))
    stack = StackedRNN(4, num_layers=3, cell="gru", bidirectional=True, seed=1)
    model = keras.Model(inputs, stack(inputs))
    path = tmp_path / "stack.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    layers = loaded.layers[-1].recurrent_layers
    # Six distinct RNNs, each facing its own way, as built.
    rnns = [rnn for layer in layers for rnn in (layer.forward_layer, layer.backward_layer)]
    assert len({id(rnn) for rnn in rnns}) == 6
    assert [rnn.go_backwards for rnn in rnns] == [False, True] * 3
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    assert_close(loaded(x), model(x), atol=1e-6)


def test_seq2seq_with_a_deep_bidirectional_encoder_loads(recycled_ids, tmp_path):
    vocab = WordVocab(["one", "two", "three"])
    target = WordVocab(["one", "two", "three"], bos=True)
    model = s2s.Seq2Seq(
        vocab,
        target,
        units=4,
        embedding_dim=3,
        cell="lstm",
        num_layers=3,
        bidirectional_encoder=True,
    )
    path = tmp_path / "seq2seq.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert s2s.greedy_decode(loaded, ["one two", "three"], max_len=4) == s2s.greedy_decode(
        model, ["one two", "three"], max_len=4
    )
