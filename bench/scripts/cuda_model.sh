#!/bin/bash
# The CUDA model's checks and figures in one go, on a machine with an
# NVIDIA GPU. Either run it from the repository root with Go installed, or
# build the binaries elsewhere and point BIN at them:
#   CGO_ENABLED=0 go test -c -o $BIN/cuda.test ./kernels/cuda
#   CGO_ENABLED=0 go test -c -o $BIN/bench.test ./bench
#   CGO_ENABLED=0 go build -o $BIN/bitnet-bench ./cmd/bitnet-bench
# Writes logs under ${OUT:-out/cuda-model}. Exits 1 when the GPU tests fail.
set -u
OUT=${OUT:-out/cuda-model}
mkdir -p "$OUT"
if [ -z "${BIN:-}" ]; then
  BIN=$(mktemp -d)
  CGO_ENABLED=0 go test -c -o "$BIN/cuda.test" ./kernels/cuda || exit 1
  CGO_ENABLED=0 go test -c -o "$BIN/bench.test" ./bench || exit 1
  CGO_ENABLED=0 go build -o "$BIN/bitnet-bench" ./cmd/bitnet-bench || exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
# Logits against the pure-Go reference (fused and unfused launches).
"$BIN/cuda.test" -test.run 'TestModel|TestDevice$' -test.v > "$OUT/cuda_test.txt" 2>&1
r=$?
grep -E '^(---|    ---)|model_test.go' "$OUT/cuda_test.txt"
[ $r -eq 0 ] || exit 1
# The dense baseline: torch bf16 linear layers of the same shapes.
python3 "$here/torch_linear_bf16.py" 128 512 | tee "$OUT/torch.txt"
# Go benchmarks: tokens/s, device-tokens/s, pct-of-hbm-bound, J/token, ms per part.
(cd bench && "$BIN/bench.test" -test.run '^$' -test.bench '(Decode|Prefill)/2B4T/.*/cuda' -test.benchtime 2s) | tee "$OUT/bench.txt"
BITNET_CUDA_MODEL_FUSE=0 "$BIN/bench.test" -test.run '^$' -test.bench 'Decode/2B4T/.*/cuda' -test.benchtime 2s | grep tokens | tee "$OUT/bench_nofuse.txt"
# results.json, results.txt and report.html of the same workloads.
"$BIN/bitnet-bench" compare --devices cuda --operations none --workloads decode,prefill --output "$OUT/compare" 2>&1 | tail -15
