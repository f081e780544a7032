#!/usr/bin/env bash
# Issue 14 benchmarks, both parts in one run (public tools only: bash, /usr/bin/time, yes).
#
#  1. The demo at default threads, alone and beside one CPU-bound process (`yes > /dev/null`):
#     wall and CPU time (user + sys of the demo's JVM) from /usr/bin/time, RUNS runs each,
#     alternated, medians. Target: CPU time beside the competitor <= 1.2x the quiet run's.
#     BASELINE_JAR (optional) runs the same for an earlier jar (e.g. one with spinning OpenMP),
#     BASELINE_RUNS times (default RUNS).
#  2. Plain llama.cpp prefill of a generated llama model (no hook), same binary and model:
#     every CPU variant available pinned one at a time (LLAMA_SAE_BACKEND_DIR = a folder with only
#     that module), the runtime choice (all modules), and PORTABLE_LIB (optional: the lib folder
#     of the build before runtime dispatch, GGML_NATIVE=OFF, one AVX2-level CPU backend; with
#     PORTABLE_BIN, bench_prefill compiled against that build's llama_sae.h, since the C API's
#     structs changed since), in rounds so drift hits all alike; median of each.
#
# PARTS="1 2" (default) chooses the parts.
# Usage (from the repository root, after `mvn -B -pl java -am package`):
#   RUNS=5 BASELINE_JAR=old.jar PORTABLE_LIB=old-install/lib bench/tools/hardening_bench.sh > results.md
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=${JAR:-java/target/llama-sae-cli.jar}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-5}
WORK=${WORK:-$(mktemp -d /tmp/llama-sae-hardening-bench.XXXXXX)}
BIN=${BIN:-build/native/native/bench_prefill}
MODULES=${MODULES:-build/native/install/lib}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# one demo run: prints "wall cpu"
demo_once() {
  local jar=$1 out=$WORK/demo-$RANDOM
  /usr/bin/time -f "%e %U %S" -o "$WORK/time" java -jar "$jar" demo --out "$out" > "$WORK/demo.log" 2>&1 || {
    tail -5 "$WORK/demo.log" >&2; exit 1; }
  rm -rf "$out"
  awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$WORK/time"
}

demo_table() {
  local name=$1 jar=$2 runs=$3
  : > "$WORK/$name.quiet"; : > "$WORK/$name.busy"
  for i in $(seq "$runs"); do
    demo_once "$jar" >> "$WORK/$name.quiet"
    yes > /dev/null & local hog=$!
    demo_once "$jar" >> "$WORK/$name.busy"
    kill "$hog"; wait "$hog" 2>/dev/null || true
  done
  local qw qc bw bc
  qw=$(cut -d' ' -f1 "$WORK/$name.quiet" | median); qc=$(cut -d' ' -f2 "$WORK/$name.quiet" | median)
  bw=$(cut -d' ' -f1 "$WORK/$name.busy" | median); bc=$(cut -d' ' -f2 "$WORK/$name.busy" | median)
  echo "| $name | $qw | $qc | $bw | $bc | $(awk -v a="$bc" -v b="$qc" 'BEGIN{printf "%.2f", a/b}') | $(awk -v a="$bw" -v b="$qw" 'BEGIN{printf "%.2f", a/b}') |"
}

if [[ " ${PARTS:-1 2} " == *" 1 "* ]]; then
echo "## 1. demo, default threads, alone vs beside one CPU-bound process"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, alternated; medians"
echo
echo "| jar | quiet wall s | quiet CPU s | busy wall s | busy CPU s | CPU busy/quiet | wall busy/quiet |"
echo "|---|---|---|---|---|---|---|"
demo_table "this build" "$JAR" "$RUNS"
if [ -n "${BASELINE_JAR:-}" ]; then demo_table "baseline" "$BASELINE_JAR" "${BASELINE_RUNS:-$RUNS}"; fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
fi
[[ " ${PARTS:-1 2} " == *" 2 "* ]] || exit 0

echo "## 2. plain llama.cpp prefill, CPU backends"
echo
MODEL=$WORK/model.gguf
java -cp java/target/classes:"$(ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-databind/*/jackson-databind-*.jar | head -1)" \
  io.llamasae.model.TestModelGenerator "$MODEL" q8_0 1 8 512 8 4 1536 > /dev/null
PROMPTS=${PROMPTS:-8}; PLEN=${PLEN:-128}; REPS=${REPS:-5}
declare -A dirs
for so in "$MODULES"/libggml-cpu-*.so; do
  v=$(basename "$so" .so); v=${v#libggml-cpu-}
  mkdir -p "$WORK/only-$v"; ln -sf "$(realpath "$so")" "$WORK/only-$v/"
  dirs[$v]=$WORK/only-$v
done
run_prefill() {  # name, then env assignments
  local name=$1; shift
  local line
  # native programs load libgomp before any code of theirs runs: the wait policy the JVM path sets, set here for all rows
  if ! line=$(env OMP_WAIT_POLICY=PASSIVE "$@" "$BIN" "$MODEL" "$PROMPTS" "$PLEN" "$REPS" 0 2>/dev/null | grep prefill_ms_median); then return; fi
  echo "$line" | awk '{print $2}' >> "$WORK/prefill-$name"
}
names=()
for round in $(seq "$ROUNDS"); do
  names=()
  if [ -n "${PORTABLE_LIB:-}" ]; then BIN=${PORTABLE_BIN:-$BIN} run_prefill portable-build "LD_LIBRARY_PATH=$PORTABLE_LIB"; names+=(portable-build); fi
  for v in "${!dirs[@]}"; do
    if [ -n "${VARIANTS:-}" ] && ! grep -qw "$v" <<< "$VARIANTS"; then continue; fi
    run_prefill "variant-$v" "LLAMA_SAE_BACKEND_DIR=${dirs[$v]}"; names+=("variant-$v")
  done
  run_prefill runtime-choice "LLAMA_SAE_BACKEND_DIR=$(realpath "$MODULES")"; names+=(runtime-choice)
done
chosen=$("$BIN" "$MODEL" 1 8 1 0 2>/dev/null | head -1)
echo "model: generated llama, 8 blocks, n_embd 512, n_ff 1536, Q8_0 weights; $PROMPTS prompts x $PLEN tokens per prefill; threads: all cores; median of $REPS reps per process, $ROUNDS processes per row"
echo "runtime choice: $chosen"
echo
echo "| CPU backend | prefill ms (median of $ROUNDS) | tokens/s | time vs portable build |"
echo "|---|---|---|---|"
base=""
[ -f "$WORK/prefill-portable-build" ] && base=$(median < "$WORK/prefill-portable-build")
for n in $(ls "$WORK" | grep '^prefill-' | sed 's/^prefill-//' | sort); do
  m=$(median < "$WORK/prefill-$n")
  ratio=$([ -n "$base" ] && awk -v a="$m" -v b="$base" 'BEGIN{printf "%.2f", a/b}' || echo "-")
  echo "| $n | $m | $(awk -v m="$m" -v t=$((PROMPTS * PLEN)) 'BEGIN{printf "%.0f", t/m*1000}') | $ratio |"
done
