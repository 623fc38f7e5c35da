"""Training-step and decoding time of the kit on TensorFlow, JAX and PyTorch (CPU).

Each backend runs in its own process (Keras picks its backend once, at import), one
after the other, on the same sizes; the table gives medians and the ratio to
TensorFlow. Timed: one `train_on_batch` of an RNN of the kit's LSTMCell and of
Keras' LSTM (batch 64, 50 steps, 32 inputs, 64 units), and a 4-wide beam search of
a small attention Seq2Seq.

    python benchmarks/backends.py            # all three backends
    python benchmarks/backends.py --reps 10
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BACKENDS = ["tensorflow", "jax", "torch"]


def measure(reps):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    import lessons
    from lessons import seq2seq as s2s
    from lessons.text import CharVocab

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 50, 32), dtype=np.float32)
    y = rng.standard_normal((64, 1), dtype=np.float32)
    result = {}
    for name, layer in [
        ("kit LSTMCell step", lambda: keras.layers.RNN(lessons.LSTMCell(64))),
        ("Keras LSTM step", lambda: keras.layers.LSTM(64)),
    ]:
        model = keras.Sequential([keras.Input((50, 32)), layer(), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.train_on_batch(x, y)  # compiles
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            model.train_on_batch(x, y)
            times.append(time.perf_counter() - start)
        result[name] = statistics.median(times)

    words = ["abcde", "bcdea", "cdeab", "deabc"]
    model = s2s.Seq2Seq(
        CharVocab(words), CharVocab(words, bos=True), units=32, attention="additive"
    )
    s2s.beam_search(model, "abcde", beam_size=4, max_len=12)  # builds (and compiles)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        s2s.beam_search(model, "abcde", beam_size=4, max_len=12)
        times.append(time.perf_counter() - start)
    result["beam search (4 wide)"] = statistics.median(times)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--child", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.reps)
    results = {}
    for backend in BACKENDS:
        if importlib.util.find_spec("torch" if backend == "torch" else backend) is None:
            print(f"{backend}: not installed, skipped")
            continue
        env = {**os.environ, "KERAS_BACKEND": backend}
        command = [sys.executable, __file__, "--child", backend, "--reps", str(args.reps)]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        results[backend] = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"median of {args.reps}"
    )
    rows = list(next(iter(results.values())))
    print(f"{'':24}" + "".join(f"{b:>18}" for b in results))
    for row in rows:
        base = results["tensorflow"][row]
        cells = "".join(f"{r[row] * 1e3:9.1f} ms ({r[row] / base:4.1f}x)" for r in results.values())
        print(f"{row:24}{cells}")


if __name__ == "__main__":
    main()
