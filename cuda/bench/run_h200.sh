#!/usr/bin/env bash
# One device call: build, test, benchmark; logs into $OUT (or ./out). Run from the folder that
# contains cuda/ (or pass it): bash cuda/bench/run_h200.sh [cuda-dir]
set -uo pipefail
SRC=${1:-cuda}
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
B=/tmp/build-cuda
{ nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv; nvcc --version | tail -1; } 2>&1 | tee "$OUT/env.log"
cmake -S "$SRC" -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > "$OUT/build.log" 2>&1 && cmake --build $B -j16 >> "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
echo "== tests"; for t in topk_encode sparse_edit feature_stats; do $B/test_cuda_$t > "$OUT/test_$t.log" 2>&1; echo "test_cuda_$t rc=$?"; grep -E "FAIL|mismatch|passed|error" "$OUT/test_$t.log" | head -20; done
echo "== torch baseline"; PYTHONUNBUFFERED=1 python3 "$SRC/bench/torch_topk_baseline.py" 2>&1 | tee "$OUT/torch.log" | tail -30
PEAK=$(sed -n 's/^PEAK_BF16_TFLOPS=//p' "$OUT/torch.log")
echo "== encode bench (peak $PEAK)"; $B/bench_cuda_topk_encode --peak-tflops "${PEAK:-0}" 2>&1 | tee "$OUT/bench_encode.log"
echo "== edit bench"; $B/bench_cuda_sparse_edit 2>&1 | tee "$OUT/bench_edit.log" | tail -12
echo "== stats bench"; $B/bench_cuda_feature_stats 2>&1 | tee "$OUT/bench_stats.log" | tail -6
