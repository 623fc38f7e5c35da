"""`rnn-lessons ladder --quick`: the demo runs and memory wins."""

import subprocess
import sys

import numpy as np
import pytest

from lessons.ladder import run_ladder
from lessons.tasks import ADDING_BASELINE_MSE, adding_problem


def test_adding_problem_is_what_it_says(rng):
    x, y = adding_problem(2000, 40, seed=5)
    assert x.shape == (2000, 40, 2) and y.shape == (2000, 1)
    markers = x[..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    first, second = np.argmax(markers[:, :20], axis=1), 20 + np.argmax(markers[:, 20:], axis=1)
    assert np.all(markers[np.arange(2000), first] == 1) and np.all(
        markers[np.arange(2000), second] == 1
    )
    np.testing.assert_allclose(
        y[:, 0], x[np.arange(2000), first, 0] + x[np.arange(2000), second, 0], rtol=1e-6
    )
    # Always answering 1 scores about 1/6, the baseline the ladder reports.
    assert abs(np.mean((y - 1.0) ** 2) - ADDING_BASELINE_MSE) < 0.01


@pytest.mark.parametrize(
    "bad, error",
    [
        ({"n": 0, "length": 5}, ValueError),
        ({"n": 3, "length": 1}, ValueError),
        ({"n": 3, "length": 2.5}, TypeError),  # not an integer: a wrong type
    ],
)
def test_adding_problem_rejects_bad_sizes(bad, error):
    with pytest.raises(error, match="`n`|`length`"):
        adding_problem(**bad)


def test_quick_ladder_gated_models_beat_the_vanilla_rnn(tmp_path, capsys):
    plot = tmp_path / "curves.png"
    rows = run_ladder(quick=True, plot_path=str(plot))
    out = capsys.readouterr().out
    assert f"Validation curves saved to {plot}" in out and plot.stat().st_size > 10_000
    val_mse = {r["model"]: r["val_mse"] for r in rows}
    for r in rows:  # the table shows every rung
        assert f"{r['model']:36s} {r['parameters']:10d} {r['val_mse']:8.4f}" in out
    vanilla = val_mse.pop("vanilla RNN")
    assert set(val_mse) == {"GRU", "LSTM", "deep bidirectional LSTM (2 layers)"}
    for name, mse in val_mse.items():
        assert mse < 0.5 * vanilla, (name, out)


def test_cli_help_lists_ladder():
    result = subprocess.run(
        [sys.executable, "-m", "lessons", "--help"], capture_output=True, text=True, check=True
    )
    assert "ladder" in result.stdout
