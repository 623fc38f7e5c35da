"""Run lesson notebooks into a scratch folder: their time, printed numbers and figures.

The stored notebooks are never touched: each lesson's source
(`solutions/NN_topic.py`) is read with jupytext, executed with nbclient in a
fresh kernel, and written with its outputs to OUT/NN_topic.ipynb, its figures
to OUT/NN_topic/figure_K.png. A time budget stops a lesson between cells.
One Markdown section per lesson is appended to OUT/results.md.

    python benchmarks/gpu_lessons.py --out gpu-results --size gpu --budget 200 03 09
    python benchmarks/gpu_lessons.py --out /tmp/x --dry-run   # a 3-cell stand-in, seconds
"""

import argparse
import base64
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The dry run's stand-in lesson: the set-up cell, the fast path trained both ways, a figure.
DRY_RUN_CELLS = [
    "import lessons\nfrom lessons import config\n\nlessons.set_seed(0)\nprint(config.describe())",
    """import keras
import numpy as np

x = np.random.normal(size=(32, 5, 3)).astype("float32")
losses = {}
for implementation in ("kit", "keras"):
    model = keras.Sequential([keras.Input((5, 3)), lessons.StackedRNN(4, cell="gru",
        implementation=implementation), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    losses[implementation] = model.fit(x, x[:, -1, :1], epochs=2, verbose=0).history["loss"]
print("final loss", {k: round(v[-1], 4) for k, v in losses.items()})""",
    """import matplotlib.pyplot as plt

for implementation, curve in losses.items():
    plt.plot(curve, label=implementation)
plt.legend()
plt.show()""",
]


def _lesson_source(lesson):
    matches = sorted((ROOT / "solutions").glob(f"{lesson}_*.py"))
    if not matches:
        raise SystemExit(f"no solutions/{lesson}_*.py")
    return matches[0]


def _read(lesson, dry_run):
    import jupytext
    import nbformat

    if dry_run:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(code) for code in DRY_RUN_CELLS]
        return "dry_run", nb
    path = _lesson_source(lesson)
    return path.stem, jupytext.read(path)


def run(name, nb, out, budget):
    """Execute `nb` cell by cell until done, an error, or `budget` seconds; save it."""
    import nbclient
    import nbformat

    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "solutions")}},
    )
    status, start = "completed", time.monotonic()
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    with client.setup_kernel():
        for done, (index, cell) in enumerate(code):
            left = budget - (time.monotonic() - start)
            if left <= 1:
                status = f"stopped by the time budget after {done} of {len(code)} code cells"
                break
            client.timeout = int(left)
            try:
                client.execute_cell(cell, index)
            except nbclient.exceptions.CellTimeoutError:
                status = f"stopped by the time budget in code cell {done + 1} of {len(code)}"
                break
            except nbclient.exceptions.CellExecutionError as error:
                status = f"error in code cell {done + 1}: {str(error).strip().splitlines()[-1]}"
                break
    seconds = time.monotonic() - start
    nbformat.write(nb, out / f"{name}.ipynb")
    return status, seconds, _save_figures(nb, out / name), _printed(nb)


def _save_figures(nb, folder):
    paths = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"figure_{len(paths) + 1}.png"
                path.write_bytes(base64.b64decode(png))
                paths.append(path)
    return paths


def _printed(nb):
    lines = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                lines += output["text"].splitlines()
            elif output.get("output_type") == "execute_result":
                lines += output.get("data", {}).get("text/plain", "").splitlines()
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=["03", "09"], help="lesson numbers")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", default="gpu", choices=["ci", "gpu", "full"])
    parser.add_argument("--budget", type=float, default=210.0, help="seconds per lesson")
    parser.add_argument("--dry-run", action="store_true", help="a 3-cell stand-in, CI size")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    # The kernels inherit the environment: the run size, and quiet TensorFlow start-up.
    os.environ["RNN_LESSONS_SIZE"] = "ci" if args.dry_run else args.size
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    lessons = ["dry run"] if args.dry_run else args.lessons
    with open(args.out / "results.md", "a", encoding="utf-8") as results:
        for lesson in lessons:
            name, nb = _read(lesson, args.dry_run)
            status, seconds, figures, printed = run(name, nb, args.out, args.budget)
            results.write(
                f"\n### {name} (size {os.environ['RNN_LESSONS_SIZE']})\n\n"
                f"- {status}; {seconds:.0f} s (kernel start included)\n"
                f"- executed notebook: {name}.ipynb; figures: "
                f"{', '.join(str(p.relative_to(args.out)) for p in figures) or 'none'}\n\n"
                "Printed (last 80 lines):\n\n```\n" + "\n".join(printed[-80:]) + "\n```\n"
            )
            results.flush()
            print(f"{name}: {status}, {seconds:.0f} s, {len(figures)} figures", flush=True)


if __name__ == "__main__":
    main()
