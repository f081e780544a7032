#!/usr/bin/env bash
# Runs `sweep --spark` on Spark's local-cluster master: a standalone master and workers inside the driver JVM, each
# executor in its own JVM (as on a cluster). Spark launches executors from $SPARK_HOME/jars, so this makes a
# SPARK_HOME whose jars/ links the Spark runtime jars the spark/ module recorded at build time.
#
#   bash bench/tools/spark_local_cluster.sh EXECUTORS DATA_DIR OUT [extra sweep options...]
#
# DATA_DIR holds model.gguf, data.jsonl and saes/ (bench/tools/spark_throughput.sh makes one).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
executors="$1"; dir="$2"; out="$3"; shift 3
home="$here/spark/target/spark-home"
if [ ! -f "$home/RELEASE" ]; then
  mkdir -p "$home/jars"
  tr ':' '\n' < "$here/spark/target/spark-runtime.classpath" | while read -r j || [ -n "$j" ]; do ln -sf "$j" "$home/jars/"; done
  echo "Spark (jars linked from the local Maven repository for local-cluster runs)" > "$home/RELEASE"
fi
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1   # loopback only
jar="$here/spark/target/llama-sae-spark.jar"
exec java -Dlog4j2.configurationFile="$here/spark/conf/log4j2-quiet.properties" @"$here/spark/conf/jvm-options" \
  -cp "$(cat "$here/spark/target/spark-runtime.classpath"):$jar" io.llamasae.spark.SparkMain sweep \
  --model "$dir/model.gguf" --saes "$dir/saes" --dataset "$dir/data.jsonl" --positions -1 --batch 16 --partitions 8 --codes \
  --ce-samples 0 --no-dashboard --no-plots \
  --spark "local-cluster[$executors,1,1536]" --spark-conf spark.jars="$jar" \
  --spark-conf spark.executor.extraJavaOptions="-Dlog4j2.configurationFile=$here/spark/conf/log4j2-quiet.properties" \
  --out "$out" "$@"
