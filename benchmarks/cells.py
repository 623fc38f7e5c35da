"""Training-step time of the kit's cells inside `keras.layers.RNN` vs Keras' built-ins.

Each pair (kit cell, Keras layer with the same weights layout and options) is
timed alternately in one run, so both see the same machine load; the script
prints the median step time of each and their ratio, per compile mode:
"graph" (tf.function, `jit_compile=False`: what `model.fit` runs on a CPU,
where Keras' "auto" leaves XLA off) and "xla" (`jit_compile=True`). On a GPU
the Keras built-ins run cuDNN, which refuses XLA: their "xla" column is then
the cuDNN kernel again (Keras warns and compiles without XLA).

The "StackedRNN" pairs are the fast-path switch itself: the same 2-layer
stack with `implementation="kit"` and `"keras"` (GRU in the cuDNN form).

    python benchmarks/cells.py                 # B=256, T=100, 256 inputs and units
    python benchmarks/cells.py --reps 5 --batch 64 --steps 50
"""

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import lessons  # noqa: E402


def _stack(cell, implementation):
    return lambda u: lessons.StackedRNN(u, 2, cell=cell, implementation=implementation)


def _rnn(cell_type, **options):
    return lambda u: keras.layers.RNN(cell_type(u, **options))


# name -> (the kit's layer, Keras' layer), each a function of the number of units.
PAIRS = {
    "GRU (reset_after=False)": (
        _rnn(lessons.GRUCell),
        lambda u: keras.layers.GRU(u, reset_after=False),
    ),
    "GRU (reset_after=True)": (
        _rnn(lessons.GRUCell, reset_after=True),
        lambda u: keras.layers.GRU(u, reset_after=True),
    ),
    "LSTM": (_rnn(lessons.LSTMCell), lambda u: keras.layers.LSTM(u)),
    "StackedRNN GRU x2": (
        lambda u: lessons.StackedRNN(u, 2, cell="gru", implementation="kit", reset_after=True),
        _stack("gru", "keras"),
    ),
    "StackedRNN LSTM x2": (_stack("lstm", "kit"), _stack("lstm", "keras")),
}


def make_model(layer, steps, features, jit):
    inputs = keras.Input((steps, features))
    outputs = keras.layers.Dense(1)(layer(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit)
    return model


def time_pair(name, args, jit):
    kit_layer, keras_layer = PAIRS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, args.steps, args.features), dtype=np.float32)
    y = rng.standard_normal((args.batch, 1), dtype=np.float32)
    models = {
        "lessons": make_model(kit_layer(args.units), args.steps, args.features, jit),
        "keras": make_model(keras_layer(args.units), args.steps, args.features, jit),
    }
    times = {k: [] for k in models}
    for model in models.values():  # compile and warm up
        for _ in range(args.warmup):
            model.train_on_batch(x, y)
    for _ in range(args.reps):  # alternate, so both see the same load
        for key, model in models.items():
            start = time.perf_counter()
            model.train_on_batch(x, y)
            times[key].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def device_name():
    """The GPU TensorFlow sees (by name), else the CPU model."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        for gpu in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(gpu)
            return f"GPU {details.get('device_name', gpu.name)}"
    return cpu_name()


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--features", type=int, default=256)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--modes", default="graph,xla")
    parser.add_argument("--cells", default=",".join(list(PAIRS)[:3]), help="names from PAIRS")
    args = parser.parse_args()

    backend = keras.backend.backend()
    print(f"keras {keras.__version__} ({backend}) on {device_name()}, {os.cpu_count()} CPUs")
    print(
        f"B={args.batch} T={args.steps} d={args.features} h={args.units}, "
        f"median of {args.reps} alternated training steps (SGD, MSE, Dense(1) head)"
    )
    print(f"{'cell':26s} {'mode':6s} {'lessons ms':>11s} {'keras ms':>10s} {'ratio':>6s}")
    for mode in args.modes.split(","):
        for name in args.cells.split(","):
            t = time_pair(name, args, jit=(mode == "xla"))
            ratio = t["lessons"] / t["keras"]
            ms = f"{1e3 * t['lessons']:11.1f} {1e3 * t['keras']:10.1f}"
            print(f"{name:26s} {mode:6s} {ms} {ratio:6.2f}", flush=True)


if __name__ == "__main__":
    main()
