"""`rnn-lessons ladder`: climb from the vanilla RNN to a deep bidirectional LSTM.

Every rung is built from the kit's own cells and trained on the adding
problem, where the answer depends on a number seen many steps earlier. The
vanilla RNN stays at the trivial baseline; the gated cells learn to remember.
"""

import dataclasses
import time

import keras
import numpy as np

from lessons.gru import GRUCell
from lessons.lstm import LSTMCell
from lessons.rnn import SimpleRNNCell
from lessons.seeding import set_seed
from lessons.tasks import ADDING_BASELINE_MSE, adding_problem


@dataclasses.dataclass(frozen=True)
class LadderSize:
    length: int  # steps per sequence
    n_train: int
    n_val: int
    units: int
    epochs: int
    batch_size: int = 64
    learning_rate: float = 1e-2


# At 50 steps the vanilla RNN stays at the baseline; all gated rungs get
# below 1 % of it. About 2.5 minutes on a 2-core CPU.
FULL = LadderSize(length=50, n_train=8192, n_val=1024, units=32, epochs=8)
# Short enough for the tests (under a minute), long enough that the gated
# rungs already beat the vanilla RNN.
QUICK = LadderSize(length=30, n_train=4096, n_val=512, units=16, epochs=6)


def _rnn(cell, **kwargs):
    return keras.layers.RNN(cell, **kwargs)


def rungs(units):
    """The ladder's models, as (name, list of recurrent layers) pairs."""
    return [
        ("vanilla RNN", [_rnn(SimpleRNNCell(units))]),
        ("GRU", [_rnn(GRUCell(units))]),
        ("LSTM", [_rnn(LSTMCell(units))]),
        (
            "deep bidirectional LSTM (2 layers)",
            [
                keras.layers.Bidirectional(_rnn(LSTMCell(units), return_sequences=True)),
                keras.layers.Bidirectional(_rnn(LSTMCell(units))),
            ],
        ),
    ]


def build_model(recurrent_layers, length, learning_rate):
    """Sequence (length, 2) -> recurrent layers -> Dense(1), compiled for MSE."""
    model = keras.Sequential([keras.Input((length, 2)), *recurrent_layers, keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
        loss="mse",
    )
    return model


def run_ladder(quick=False, length=None, plot_path="ladder.png", seed=0, verbose=1):
    """Train each rung, print a table, save the validation curves; return the rows."""
    size = QUICK if quick else FULL
    if length is not None:
        size = dataclasses.replace(size, length=length)
    set_seed(seed)
    x, y = adding_problem(size.n_train, size.length, seed=seed)
    x_val, y_val = adding_problem(size.n_val, size.length, seed=seed + 1)
    print(
        f"The adding problem: {size.length} steps, {size.n_train} training sequences; "
        f"always answering 1 scores MSE {ADDING_BASELINE_MSE:.3f}.\n"
    )

    rows, curves = [], {}
    for name, layers in rungs(size.units):
        print(f"--- {name}")
        model = build_model(layers, size.length, size.learning_rate)
        start = time.perf_counter()
        history = model.fit(
            x,
            y,
            validation_data=(x_val, y_val),
            epochs=size.epochs,
            batch_size=size.batch_size,
            verbose=verbose,
        )
        seconds = time.perf_counter() - start
        curves[name] = history.history["val_loss"]
        rows.append(
            {
                "model": name,
                "parameters": model.count_params(),
                "val_mse": curves[name][-1],
                "seconds": seconds,
            }
        )

    print()
    print(format_table(rows))
    path = plot_curves(curves, plot_path, size.length)
    print(f"\nValidation curves saved to {path}")
    return rows


def format_table(rows):
    """The ladder's results as an aligned text table."""
    lines = [
        f"{'model':36s} {'parameters':>10s} {'val MSE':>8s} {'vs baseline':>11s} {'seconds':>8s}"
    ]
    for r in rows:
        ratio = r["val_mse"] / ADDING_BASELINE_MSE
        lines.append(
            f"{r['model']:36s} {r['parameters']:10d} {r['val_mse']:8.4f} "
            f"{ratio:10.1%} {r['seconds']:8.1f}"
        )
    lines.append(f"{'trivial baseline (always 1)':36s} {0:10d} {ADDING_BASELINE_MSE:8.4f}")
    return "\n".join(lines)


def plot_curves(curves, path, length):
    """Save validation MSE per epoch for each rung; return the absolute path."""
    import os

    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=name)
    ax.axhline(ADDING_BASELINE_MSE, color="gray", linestyle="--", label="trivial baseline")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation MSE (log scale)")
    ax.set_title(f"The adding problem, {length} steps")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return os.path.abspath(path)


LADDER_DESCRIPTION = (
    "The ladder demo: train vanilla RNN -> GRU -> LSTM -> deep bidirectional LSTM, all built "
    "from the kit's cells, on the adding problem, where memory matters; print a table and save "
    "a plot of the validation curves."
)


def add_arguments(parser):
    """The ladder's command-line options (`python -m lessons` and `rnn-lessons ladder`)."""
    parser.add_argument("--quick", action="store_true", help="a small, fast version (for tests)")
    parser.add_argument("--length", type=int, default=None, help="sequence length")
    parser.add_argument("--plot", default="ladder.png", help="where to save the plot")
    parser.add_argument("--seed", type=int, default=0, help="random seed")


def main_from_args(args):
    run_ladder(quick=args.quick, length=args.length, plot_path=args.plot, seed=args.seed)
    return 0
