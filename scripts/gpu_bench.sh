#!/usr/bin/env bash
# GPU throughput of the paper-size models (issue #6): bert-base-multilingual-cased, xlm-roberta-base and
# xlm-roberta-large shapes with random weights (nothing is downloaded), trained and evaluated at sequence
# length 128 and with dynamic padding; MFU in bf16 against the card's measured bf16 matmul rate.
# About a minute of work on one H100/H200 (well under 5 minutes with start-up).
#
#   scripts/gpu_bench.sh               # on the GPU machine, from anywhere; needs python3 with torch + transformers
#   scripts/gpu_bench.sh --compile     # also torch.compile the models (slower start; try it when time is left)
#   XSTILTS_GPU_BENCH_SIZE=tiny scripts/gpu_bench.sh   # tiny shapes, on the CPU if there is no GPU: a check
#
# Prints a table, then one JSON line; writes the JSON to $OUT/gpu_bench.json when OUT is set, else to
# ./gpu_bench.json. Save it as docs/gpu_throughput.json for `xstilts plan` to use.
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
exec "$python" -m xstilts.bench --shapes --device "$device" --size "$size" --json --out "$out" "$@"
