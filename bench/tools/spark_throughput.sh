#!/usr/bin/env bash
# Times `llama-sae sweep --spark` at 1 and 2 executor slots (local[1], local[2]) on generated inputs, and the driver's
# merge cost per partition at a sweep's shape. Needs `mvn -B -pl spark -am -DskipTests test-compile package` first.
#
#   bash bench/tools/spark_throughput.sh [DIR] [REPEATS]
#
# Inputs (DIR, default /tmp/llama-sae-spark-bench): a 4-block llama-architecture model, n_embd 256, n_ff 768 (F32),
# 768 synthetic problems, one random Top-K SAE per block (F = 1024, k = 32); codes at the last position of every block.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:-/tmp/llama-sae-spark-bench}"
reps="${2:-3}"
cp="$here/spark/target/test-classes:$here/spark/target/llama-sae-spark.jar:$(cat "$here/spark/target/spark-runtime.classpath")"
export SPARK_LOCAL_IP=127.0.0.1   # local masters: loopback only
jvm=(-Dlog4j2.configurationFile="$here/spark/conf/log4j2-quiet.properties" @"$here/spark/conf/jvm-options")
[ -f "$dir/model.gguf" ] || java "${jvm[@]}" -cp "$cp" io.llamasae.spark.bench.ThroughputInputs "$dir" 4 256 768 768 1024 32

for rep in $(seq 1 "$reps"); do
  for master in 'local[1]' 'local[2]'; do
    out="$dir/out-$master-$rep"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    start=$(date +%s.%N)
    java "${jvm[@]}" -cp "$cp" io.llamasae.spark.SparkMain sweep --model "$dir/model.gguf" --saes "$dir/saes" \
      --dataset "$dir/data.jsonl" --positions -1 --batch 16 --partitions 8 --codes --ce-samples 0 --no-dashboard --no-plots \
      --spark "$master" --out "$out" > "$out.log" 2>&1
    end=$(date +%s.%N)
    job=$(python3 -c "import json;d=json.load(open('$out/spark_summary.json'));p=d['partitions'];print('%.2f %.2f %.2f %.3f' % (d['seconds'], sum(x['seconds'] for x in p), sum(x['cpuSeconds'] for x in p), d['merge_seconds']))")
    echo "rep $rep $master: process $(python3 -c "print('%.2f' % ($end - $start))") s; job, summed task wall, summed task CPU, merge: $job s; load before: $load"
  done
done
# The cost is linear in layers; 4 layers keep six partition results (274 MB each) within a 10 GB heap.
echo "merge cost per partition (driver): 1 and 4 layers x 16,384 latents, d 2048, top 100, heaps full"
java -Xmx6g -cp "$cp" io.llamasae.spark.bench.MergeCost 1 16384 2048 100 7
java -Xmx10g -cp "$cp" io.llamasae.spark.bench.MergeCost 4 16384 2048 100 5
