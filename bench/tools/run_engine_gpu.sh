#!/usr/bin/env bash
# Builds llama.cpp's CUDA backend + the engine with LLAMA_SAE_CUDA=ON on a GPU machine, runs the
# GPU-vs-CPU hook test and the hook-overhead benchmark on a generated ~1B-parameter model.
# Run from the repository root with the carried folder .devcarry/ holding llama-src.tar.gz (the
# pinned llama.cpp source, no .git) and test-model.gguf (a model from TestModelGenerator):
#   bash bench/tools/run_engine_gpu.sh [out-dir]
set -uo pipefail
out=${1:-${OUT:-/tmp/out}}
mkdir -p "$out"
root=$(pwd)
work=/tmp/llama-sae-gpu
mkdir -p $work && tar xzf .devcarry/llama-src.tar.gz -C $work
# cuBLAS comes from Python's nvidia-cublas package on these machines (the toolkit lacks it).
inc=$(dirname "$(find / -name cublas_v2.h -path '*nvidia*' 2>/dev/null | head -1)")
lib=$(find / -name 'libcublas.so*' -path '*nvidia*' 2>/dev/null | head -1)
liblt=$(find / -name 'libcublasLt.so*' -path '*nvidia*' 2>/dev/null | head -1)
echo "cuBLAS include $inc, lib $lib, $liblt" | tee $out/build.log
export LIBRARY_PATH=$(dirname "$lib"):${LIBRARY_PATH:-}
export LD_LIBRARY_PATH=$(dirname "$lib"):${LD_LIBRARY_PATH:-}
t0=$(date +%s)
cmake -S . -B $work/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_CPP_DIR=$work/llama.cpp -DLLAMA_SAE_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_FA=OFF -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_GRAPHS=OFF \
  -DCUDA_cublas_LIBRARY="$lib" -DCUDA_cublasLt_LIBRARY="$liblt" \
  -DCMAKE_CUDA_FLAGS="-I$inc" -DCMAKE_CXX_FLAGS="-I$inc" >> $out/build.log 2>&1 || { tail -30 $out/build.log; exit 1; }
cmake --build $work/build -j 20 --target test_engine_cuda test_engine_smoke bench_hook test_cuda_topk_encode test_cuda_sparse_edit >> $out/build.log 2>&1 \
  || { tail -40 $out/build.log; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s" | tee -a $out/build.log
nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv | tee $out/gpu.txt
LLAMA_SAE_TEST_MODEL=.devcarry/test-model.gguf $work/build/native/test_engine_cuda 2>&1 | tee $out/test_engine_cuda.log
LLAMA_SAE_SHARED=/nonexistent $work/build/native/test_engine_smoke > /dev/null 2>&1; echo "smoke exit $?"
GGUF_PY=$work/llama.cpp/gguf-py python3 bench/tools/make_llama_gguf.py .devcarry/test-model.gguf $work/bench-1b.gguf \
  --layers 16 --embd 2048 --ff 8192 --heads 32 --kv-heads 8 2>&1 | tail -1
timeout 240 $work/build/native/bench_hook $work/bench-1b.gguf -1 64 64 16384 64 32 1495 2>&1 | tee $out/bench_hook_gpu.md
