#!/usr/bin/env bash
# ONE command on a GPU machine for issue 13: builds the CUDA kernels and the engine (llama.cpp's
# CUDA backend, LLAMA_SAE_CUDA=ON, cuBLAS from Python's nvidia-cublas package), runs every GPU test
# and every benchmark the issue asks for, and writes $OUT/results.md (ready to copy to
# bench/results/<date>-h200-gpu-speed.md) plus one log per step. A failed step is recorded in
# $OUT/steps.txt and the run goes on; every step has a time limit.
#
# Before (on the workstation, from the repository root, after a build):
#   bash bench/tools/prepare_devcarry.sh      # .devcarry/: llama.cpp source, tiny + test models (~45 MiB)
# With the device tool (one call; the machine has 16 cores; the whole run takes ~6-8 minutes):
#   run(command="bash bench/tools/run_engine_gpu.sh", carry=[".devcarry"], timeout_s=600)
# then copy $OUT/results.md (files_at/.../results.md) to bench/results/<date>-h200-gpu-speed.md and
# the logs to cuda/bench/logs/<date>-h200/. Options (environment):
#   OUT=dir        output folder (the device tool sets it; default /tmp/out)
#   BUDGET_S=570   wall-time budget: every step's limit is cut to what is left (the device tool stops a
#                  command at 600 s); optional comparisons are skipped when little is left, and
#                  results.md is written after the kernel phase too, so a stopped run still has one.
#                  (If it was stopped anyway: python3 bench/tools/gpu_results.py <fetched logs> here.)
#   QUICK=1        fewer shapes and repetitions (a smoke run, ~3 minutes)
#   SKIP_ENGINE=1  kernels only (no llama.cpp build)
#
# Steps (those that do not need the engine build run while it compiles, at low priority):
#   env, cuBLAS lookup -> engine build (background) | kernel build, cuBLAS ABI check, kernel tests
#   (cuBLAS required), PyTorch baseline, encode / edit / stats benchmarks -> 1B-shaped model ->
#   engine tests (test_engine_cuda, test_engine_specs' CUDA half, test_engine_smoke,
#   test_engine_in_graph) -> bench_hook (prefill, sweep, decode, study; hook profile; decode without
#   CUDA graphs) -> kernel tests with cuBLAS disabled (the WMMA fallback) -> results.md
set -uo pipefail
out=${OUT:-/tmp/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$(pwd)
work=/tmp/llama-sae-gpu
mkdir -p $work
quick=${QUICK:-}
: > "$out/steps.txt"
t_start=$(date +%s)
budget=${BUDGET_S:-570}
left() { echo $(( budget - ($(date +%s) - t_start) )); }
# have_time N: at least N seconds of the budget are left (for optional steps)
have_time() { [ "$(left)" -gt "$1" ]; }

# step NAME TIMEOUT_S CMD...: runs CMD with its output in $out/NAME.log, records rc and seconds;
# the limit is cut to the budget left (minus 20 s for the results).
step() {
  local name=$1 limit=$2
  shift 2
  local rest=$(( $(left) - 20 ))
  [ $rest -lt $limit ] && limit=$rest
  if [ $limit -lt 5 ]; then echo "$name rc=124 0s (no time left)" | tee -a "$out/steps.txt"; return 124; fi
  local t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "$name rc=$rc $(( $(date +%s) - t0 ))s" | tee -a "$out/steps.txt"
  return $rc
}

# --- environment and cuBLAS (Python's nvidia-cublas: the toolkit on these machines lacks it)
{
  nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version,clocks.sm,clocks.mem --format=csv
  nvcc --version | tail -2
  python3 -c "import torch; print('torch', torch.__version__)" 2>&1
  nproc; cat /proc/loadavg
} > "$out/env.log" 2>&1
sites=$(python3 -c "import site; print(' '.join(site.getsitepackages()))" 2>/dev/null)
hdr=$(find $sites /usr/local/cuda* -name cublas_v2.h 2>/dev/null | head -1)
[ -n "$hdr" ] || hdr=$(find / -xdev -name cublas_v2.h 2>/dev/null | head -1)
inc=$(dirname "$hdr" 2>/dev/null)
lib=$(find $(dirname "$inc" 2>/dev/null) -name 'libcublas.so*' ! -name '*Lt*' 2>/dev/null | sort | head -1)
liblt=$(find $(dirname "$inc" 2>/dev/null) -name 'libcublasLt.so*' 2>/dev/null | sort | head -1)
echo "cuBLAS: include $inc, lib $lib, $liblt" | tee -a "$out/env.log"
libdir=$(dirname "$lib" 2>/dev/null)
export LIBRARY_PATH=$libdir:${LIBRARY_PATH:-}
export LD_LIBRARY_PATH=$libdir:${LD_LIBRARY_PATH:-}

# --- engine build in the background (llama.cpp CUDA backend: the long pole, ~150 s on 16 cores)
if [ -z "${SKIP_ENGINE:-}" ]; then
  tar xzf .devcarry/llama-src.tar.gz -C $work
  set -m  # the build gets its own process group, so a build past the budget can be stopped whole
  (
    nice -n 10 cmake -S . -B $work/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_CPP_DIR=$work/llama.cpp -DLLAMA_SAE_CUDA=ON \
      -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_FA=OFF -DGGML_CUDA_NCCL=OFF \
      -DLLAMA_SAE_CUBLAS_INCLUDE_DIR="$inc" -DCUDA_cublas_LIBRARY="$lib" -DCUDA_cublasLt_LIBRARY="$liblt" \
      -DCMAKE_CUDA_FLAGS="-I$inc" -DCMAKE_CXX_FLAGS="-I$inc" &&
    nice -n 10 cmake --build $work/build -j 14 --target test_engine_cuda test_engine_specs test_engine_smoke test_engine_in_graph bench_hook
  ) > "$out/build_engine.log" 2>&1 &
  engine_pid=$!
  set +m
fi

# --- kernels: standalone build (sm_90), ABI check against the real cublas_v2.h, tests, benchmarks
kb=$work/build-cuda
step build_kernels 300 bash -c "cmake -S cuda -B $kb -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DLLAMA_SAE_CUBLAS_INCLUDE_DIR='$inc' && cmake --build $kb -j 4 --target llama_sae_cuda test_cuda_api test_cublas_runtime \
  test_cuda_topk_encode test_cuda_sparse_edit test_cuda_feature_stats bench_cuda_topk_encode bench_cuda_sparse_edit bench_cuda_feature_stats"
step cublas_abi_check 120 cmake --build $kb --target llama_sae_cublas_abi_check
step test_cuda_api 60 $kb/test_cuda_api
step test_cublas_runtime 60 $kb/test_cublas_runtime
LLAMA_SAE_REQUIRE_CUBLAS=1 step test_cuda_topk_encode 240 $kb/test_cuda_topk_encode
step test_cuda_sparse_edit 120 $kb/test_cuda_sparse_edit
step test_cuda_feature_stats 120 $kb/test_cuda_feature_stats
if [ -n "$quick" ]; then
  step torch_baseline 240 env PYTHONUNBUFFERED=1 python3 cuda/bench/torch_topk_baseline.py --quick --reps 10
else
  step torch_baseline 300 env PYTHONUNBUFFERED=1 python3 cuda/bench/torch_topk_baseline.py --reps 20
fi
peak=$(sed -n 's/^PEAK_BF16_TFLOPS=//p' "$out/torch_baseline.log")
step bench_encode 360 $kb/bench_cuda_topk_encode --peak-tflops "${peak:-0}" --reps $([ -n "$quick" ] && echo 8 || echo 20) \
  $([ -n "$quick" ] && echo "--only-F 65536")
have_time 300 && LLAMA_SAE_CUDA_P_BUDGET_MB=64 step bench_encode_p64mb 120 $kb/bench_cuda_topk_encode --peak-tflops "${peak:-0}" --reps 10 \
  --only-F 65536 --only-T 512
step bench_edit 120 $kb/bench_cuda_sparse_edit
step bench_stats 120 $kb/bench_cuda_feature_stats
python3 bench/tools/gpu_results.py "$out" > "$out/results.md" 2> "$out/gpu_results.err"  # kernel phase, in case the rest is stopped

# --- engine: tests and the hook benchmarks on a generated 1B-shaped model (16 blocks, n_embd 2048)
if [ -z "${SKIP_ENGINE:-}" ]; then
  step model_1b 300 env GGUF_PY=$work/llama.cpp/gguf-py python3 bench/tools/make_llama_gguf.py .devcarry/test-model.gguf \
    $work/bench-1b.gguf --layers 16 --embd 2048 --ff 8192 --heads 32 --kv-heads 8
  t0=$(date +%s)
  while kill -0 $engine_pid 2>/dev/null && have_time 60; do sleep 2; done
  if kill -0 $engine_pid 2>/dev/null; then kill -- -$engine_pid; fi
  wait $engine_pid
  echo "build_engine rc=$? waited $(( $(date +%s) - t0 ))s" | tee -a "$out/steps.txt"
  tail -30 "$out/build_engine.log" > "$out/build_engine.tail"
  e=$work/build/native
  export LLAMA_SAE_SHARED=$root/.devcarry/shared
  LLAMA_SAE_TEST_MODEL=.devcarry/test-model.gguf step test_engine_cuda 180 $e/test_engine_cuda
  step test_engine_specs 180 $e/test_engine_specs
  step test_engine_smoke 180 $e/test_engine_smoke
  # the in-graph hook against the callback hook (CPU backend in this version, on the 4-block test model)
  LLAMA_SAE_TEST_MODEL=.devcarry/test-model.gguf step test_engine_in_graph 180 $e/test_engine_in_graph
  reps=$([ -n "$quick" ] && echo 3 || echo 5)
  # bench_hook MODEL ngl prompts prompt_len latents k gen_tokens study_prompts sections reps
  LLAMA_SAE_HOOK_PROFILE=1 step bench_hook 420 $e/bench_hook $work/bench-1b.gguf -1 64 64 16384 64 32 1495 prefill,sweep,decode,study $reps
  # the same without llama.cpp's CUDA graphs (GGML_CUDA_DISABLE_GRAPHS=1): what graph capture gives the plain forward
  have_time 90 && GGML_CUDA_DISABLE_GRAPHS=1 LLAMA_SAE_HOOK_PROFILE=1 step bench_hook_no_cuda_graphs 300 $e/bench_hook $work/bench-1b.gguf -1 64 64 16384 64 32 1495 decode $reps
fi
# optional: the kernel tests again with cuBLAS disabled (AUTO then takes the cudart-only WMMA path)
have_time 100 && LLAMA_SAE_CUDA_CUBLAS=0 step test_cuda_topk_encode_no_cublas 240 $kb/test_cuda_topk_encode
echo "total $(( $(date +%s) - t_start ))s" | tee -a "$out/steps.txt"
python3 bench/tools/gpu_results.py "$out" > "$out/results.md" 2> "$out/gpu_results.err" || echo "gpu_results.py failed (see gpu_results.err)"
tail -5 "$out/results.md"
