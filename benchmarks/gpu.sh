#!/usr/bin/env bash
# The GPU run, one command, at most 9 minutes: what the GPU and its software are; the
# kit's cells against the cuDNN built-ins (benchmarks/cells.py: training step, the CPU
# table's batch, length and units, graph mode and XLA); lessons 03 and 09 executed in
# GPU size into a scratch folder (the stored notebooks are not touched), with their
# figures and times. Everything goes to OUT/results.md (figures and notebooks beside it).
#
#   bash benchmarks/gpu.sh [--out DIR]     # on the GPU machine, from the repository root
#   bash benchmarks/gpu.sh --dry-run       # on a CPU in seconds: tiny sizes, same plumbing
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=gpu-results
DRY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY=1 ;;
        --out) OUT=$2; shift ;;
        *) echo "usage: bash benchmarks/gpu.sh [--dry-run] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"
RESULTS=$OUT/results.md
START=$(date +%s)
export TF_CPP_MIN_LOG_LEVEL=2

{
    echo "# GPU run of rnn-lessons, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    if [ "$DRY" = 1 ]; then echo "DRY RUN: CPU, tiny sizes; no figure here is a measurement."; fi
    echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "## Device and versions"
    echo
    echo '```'
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    else
        echo "nvidia-smi: not available (no NVIDIA driver on this machine)"
    fi
    "$PY" - 2>/dev/null <<'PYTHON'
import platform

import keras
import tensorflow as tf

build = tf.sysconfig.get_build_info()
print(f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}")
print(f"TensorFlow built for CUDA {build.get('cuda_version', 'none')}, "
      f"cuDNN {build.get('cudnn_version', 'none')}")
gpus = tf.config.list_physical_devices("GPU")
names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
print("GPUs TensorFlow sees:", ", ".join(names) or "none")
PYTHON
    echo '```'
} > "$RESULTS"

# The kit's cell (graph mode and XLA) against the built-in (cuDNN on a GPU).
if [ "$DRY" = 1 ]; then
    SIZES=(--batch 4 --steps 3 --features 4 --units 4 --reps 2 --warmup 1 --modes graph
        --cells "StackedRNN GRU x2")
    BUDGET=300  # generous: a busy CPU takes a minute to import TensorFlow
else
    # The CPU table's B=256, T=100, 256 inputs and units.
    SIZES=(--reps 15 --modes graph,xla --cells "GRU (reset_after=True),LSTM,StackedRNN GRU x2")
    BUDGET=150
fi
{
    echo
    echo "## benchmarks/cells.py"
    echo
    echo '```'
    # stderr dropped: TensorFlow's start-up log, and Keras' warning that the cuDNN layers
    # refuse jit_compile=True (their "xla" row is cuDNN without XLA, as cells.py says).
    timeout "$BUDGET" "$PY" benchmarks/cells.py "${SIZES[@]}" 2>/dev/null ||
        echo "(cells.py stopped: the ${BUDGET} s budget, or an error)"
    echo '```'
} >> "$RESULTS"

# Lessons 03 and 09 share what is left of the 9 minutes (less a margin for writing).
LEFT=$(( 9 * 60 - 20 - $(date +%s) + START ))
if [ "$DRY" = 1 ]; then
    "$PY" benchmarks/gpu_lessons.py --out "$OUT" --dry-run --budget 300
else
    echo >> "$RESULTS"
    echo "## Lessons in GPU size (budget $(( LEFT / 2 )) s each)" >> "$RESULTS"
    "$PY" benchmarks/gpu_lessons.py --out "$OUT" --size gpu --budget $(( LEFT / 2 )) 03 09
fi
echo >> "$RESULTS"
echo "Total: $(( $(date +%s) - START )) s" >> "$RESULTS"
echo "Results: $RESULTS"
