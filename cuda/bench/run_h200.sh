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
echo "== tests"; for t in topk_encode sparse_edit feature_stats; do echo "== test_cuda_$t" >> "$OUT/tests.log"; $B/test_cuda_$t >> "$OUT/tests.log" 2>&1; echo "test_cuda_$t rc=$?"; done
echo "== test_cuda_topk_encode LLAMA_SAE_CUDA_TC_BK=32" >> "$OUT/tests.log"; LLAMA_SAE_CUDA_TC_BK=32 $B/test_cuda_topk_encode >> "$OUT/tests.log" 2>&1; echo "test_cuda_topk_encode (BK=32) rc=$?"
grep -E "FAIL|[1-9][0-9]* (index|value) mismatches|passed" "$OUT/tests.log" | head -30
echo "== torch baseline"; PYTHONUNBUFFERED=1 python3 "$SRC/bench/torch_topk_baseline.py" 2>&1 | tee "$OUT/torch.log" | tail -30
PEAK=$(sed -n 's/^PEAK_BF16_TFLOPS=//p' "$OUT/torch.log")
echo "== encode bench (peak $PEAK)"; $B/bench_cuda_topk_encode --peak-tflops "${PEAK:-0}" 2>&1 | tee "$OUT/bench_encode.log"
echo "== encode bench, LLAMA_SAE_CUDA_TC_BK=32 (tensor-core shapes only)"; for T in 512 4096; do LLAMA_SAE_CUDA_TC_BK=32 $B/bench_cuda_topk_encode --peak-tflops "${PEAK:-0}" --only-T $T 2>&1; done | tee "$OUT/bench_encode_alt_bk.log" | grep -E "^ *[0-9]+ +[0-9]+ "
echo "== edit bench"; $B/bench_cuda_sparse_edit 2>&1 | tee "$OUT/bench_edit.log" | tail -12
echo "== stats bench"; $B/bench_cuda_feature_stats 2>&1 | tee "$OUT/bench_stats.log" | tail -6
if [ "${PROFILE:-0}" = 1 ]; then
  echo "== ncu (F=65536, T=512)"
  ncu --clock-control none -k regex:'score_tc|seg_select|rescore|merge_select' --launch-skip 40 --launch-count 6 \
      --section SpeedOfLight --section WarpStateStats --section Occupancy \
      $B/bench_cuda_topk_encode --only-F 65536 --only-T 512 > "$OUT/ncu.log" 2>&1
  grep -E "score_tc|seg_select|rescore|merge_select|Duration|Throughput|Stall|Achieved Occupancy|Registers|Warp Cycles" "$OUT/ncu.log" | head -80
fi
