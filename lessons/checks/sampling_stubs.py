"""Tiny language models with a known next-token distribution, for checking a sampler.

Lesson 03's sampling check and its probe (and the kit's own tests of
`lessons.text.sample`) run a sampler on these instead of a trained network, so
that what it should draw is known exactly: a fixed distribution, a bigram
table, a counter of the tokens read. `frequencies_match` judges thousands of
draws against the distribution with a chi-square test that a correct sampler
fails about once in a million runs.
"""

import math

import numpy as np


class StubModel:
    """A language model with a known next-token distribution, as a plain function of the input.

    It follows the lesson's model interface: called on a batch of index
    sequences x, shape (batch, T), it returns probabilities of shape
    (batch, T, |V|), computed by `probabilities(x)` (vectorized, so thousands
    of draws stay fast). It has `predict` and `predict_on_batch` too, like a
    Keras model.
    """

    def __init__(self, probabilities):
        self.probabilities = probabilities

    def __call__(self, x, training=False):
        x = np.asarray(x)
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
            raise ValueError(
                "the model expects a batch of index sequences, integers of shape (batch, T); "
                f"got shape {x.shape} and dtype {x.dtype}. Wrap one sequence as np.array([ids])."
            )
        return self.probabilities(x)

    def predict(self, x, verbose=0, **kwargs):
        return self(x)

    def predict_on_batch(self, x):
        return self(x)


class FixedModel(StubModel):
    """ŷ^<t> = p at every step, whatever it has read (a model with no memory)."""

    def __init__(self, p):
        p = np.asarray(p, dtype=np.float32)
        super().__init__(lambda x: np.broadcast_to(p, x.shape + p.shape))


class BigramModel(StubModel):
    """ŷ^<t> = table[x^<t>]: the next token depends on the last token read only."""

    def __init__(self, table):
        table = np.asarray(table, dtype=np.float32)
        super().__init__(lambda x: table[x])


class CounterModel(StubModel):
    """After reading n tokens the next one is surely cycle[n % len(cycle)], whatever they were."""

    def __init__(self, size, cycle):
        def probabilities(x):
            n_read = np.arange(1, x.shape[1] + 1)  # tokens read up to and including step t
            out = np.zeros(x.shape + (size,), dtype=np.float32)
            out[:, np.arange(x.shape[1]), np.asarray(cycle)[n_read % len(cycle)]] = 1.0
            return out

        super().__init__(probabilities)


def chi_square_threshold(df, z=4.753):
    """The chi-square value exceeded with probability 1e-6 (Wilson–Hilferty; conservative)."""
    a = 2.0 / (9.0 * df)
    return df * (1.0 - a + z * math.sqrt(a)) ** 3


def frequencies_match(counts, p):
    """Whether counts (over the tokens with p > 0) could come from p: chi-square at 1e-6."""
    keep = p > 0
    if np.any(counts[~keep]):  # a token that cannot come came
        return False
    n = counts.sum()
    expected = n * p[keep]
    statistic = float(((counts[keep] - expected) ** 2 / expected).sum())
    return statistic <= chi_square_threshold(max(int(keep.sum()) - 1, 1))
