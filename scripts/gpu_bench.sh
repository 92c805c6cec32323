#!/usr/bin/env bash
# GPU throughput of the paper-size models: bert-base-multilingual-cased, xlm-roberta-base and
# xlm-roberta-large shapes with random weights (nothing is downloaded), trained and evaluated padded to 128,
# with dynamic padding and bucketed to multiples of 32; MFU in bf16 against the card's measured bf16 matmul
# rate; then, for xlm-roberta-large, profiles and experiments (batch size, attention kernels, torch.compile,
# CUDA graphs). See src/xstilts/perf/gpu.py. About 2 minutes on one H100/H200, plus compilation.
#
#   scripts/gpu_bench.sh                      # on the GPU machine, from anywhere; needs python3 with torch + transformers
#   scripts/gpu_bench.sh --deadline 300       # start no experiment after 300 s (the recipe rows always run)
#   scripts/gpu_bench.sh --no-experiments     # the recipe rows only (what `xstilts plan` reads)
#   XSTILTS_GPU_BENCH_SIZE=tiny scripts/gpu_bench.sh   # tiny shapes, on the CPU if there is no GPU: a check
#
# Prints a table, then one JSON line; writes the JSON (after every measurement, so a run cut short keeps
# its numbers) to $OUT/gpu_bench.json when OUT is set, else to ./gpu_bench.json, and the step profiles
# beside it. Save the JSON as docs/gpu_throughput.json for `xstilts plan` to use.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
size=${XSTILTS_GPU_BENCH_SIZE:-full}
# the package runs from the source tree (no install needed); no hub access is ever attempted
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false

device=cuda
if ! "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  if [ "$size" != tiny ]; then
    echo "gpu_bench.sh: no CUDA device visible to $python (set XSTILTS_GPU_BENCH_SIZE=tiny to check the code on a CPU)" >&2
    exit 1
  fi
  device=cpu
fi
out="${OUT:-.}/gpu_bench.json"
"$python" - <<'PY' || true
import torch
print(f"torch {torch.__version__}, cuda {torch.version.cuda}, devices: "
      f"{[torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]}", flush=True)
PY
exec "$python" -m xstilts.perf.bench --shapes --device "$device" --size "$size" --json --out "$out" "$@"
