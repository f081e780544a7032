#!/usr/bin/env bash
# Fills .devcarry/ (ignored by git; carried to the GPU machine by the device tool) with what the GPU
# run needs and the machine cannot fetch: the pinned llama.cpp source without .git
# (llama-src.tar.gz, ~38 MB, top folder llama.cpp/), the shared tiny model (for test_engine_specs)
# and a 4-block F16 test model made by the project's generator (test-model.gguf, for
# test_engine_cuda; also the vocabulary source of the generated 1B-shaped benchmark model).
# Run from the repository root after a build (mvn -B -q -pl java -am -DskipTests package):
#   bash bench/tools/prepare_devcarry.sh
set -euo pipefail
cache=${LLAMA_SAE_CACHE_DIR:-$HOME/.cache/llama-sae}
src=$cache/llama.cpp-node-llama-cpp-3.22.1
[ -f "$src/include/llama.h" ] || { echo "no pinned llama.cpp at $src (run a build first)"; exit 2; }
mkdir -p .devcarry/shared/models
tar czf .devcarry/llama-src.tar.gz --exclude=.git --transform 's,^llama.cpp-node-llama-cpp-3.22.1,llama.cpp,' \
  -C "$cache" llama.cpp-node-llama-cpp-3.22.1
cp ../shared/models/llama-2-tiny-random.gguf .devcarry/shared/models/
cp=$(ls java/target/llama-sae-cli.jar 2>/dev/null || echo java/target/classes)
java -cp "$cp" io.llamasae.model.TestModelGenerator .devcarry/test-model.gguf f16 7 4
du -sh .devcarry/* | sed 's/^/  /'
echo "total $(du -sm .devcarry | cut -f1) MiB (the device tool carries at most 64 MiB)"
