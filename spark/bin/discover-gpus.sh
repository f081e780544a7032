#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript, and the worker's
# spark.worker.resource.gpu.discoveryScript in standalone mode): prints the GPUs this executor may use in
# Spark's ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0","1"]}.
#
# Addresses are nvidia-smi indices. They are the CUDA ordinals llama-sae binds (llama_sae_model_params.main_gpu)
# when executors run with CUDA_DEVICE_ORDER=PCI_BUS_ID (nvidia-smi's order; CUDA's default order is
# "fastest first"): set spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID. Where the cluster manager isolates GPUs
# (YARN, Kubernetes: CUDA_VISIBLE_DEVICES set per container), nvidia-smi honours the same view only if run inside
# the container, which is where Spark runs this script.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo '{"name": "gpu", "addresses": []}'
  exit 0
fi
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader,nounits)
if [ -n "${CUDA_VISIBLE_DEVICES+set}" ]; then
  # Only the devices this process may see, renumbered 0..n-1 as CUDA numbers them ("" means none).
  n=$(printf '%s' "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c . || true)
  indices=$( [ "$n" -gt 0 ] && seq 0 $((n - 1)) || true)
fi
addresses=$(echo "$indices" | sed '/^\s*$/d; s/^\s*//; s/\s*$//; s/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
