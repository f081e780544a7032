#!/usr/bin/env python3
"""Turns the logs of bench/tools/run_engine_gpu.sh into one results markdown (stdout), ready to copy
to bench/results/<date>-h200-gpu-speed.md: steps and test outcomes, the encode grid of issue 13
against PyTorch and the GEMM alone (same run), forced-path comparisons, and the engine tables.

  python3 bench/tools/gpu_results.py OUT_DIR > OUT_DIR/results.md

Reads: steps.txt, env.log, torch_baseline.log ("TORCH k=v" lines), bench_encode*.log ("RESULT encode
k=v" lines), test_*.log, bench_edit.log, bench_stats.log, bench_hook*.log. Missing logs are noted,
never fatal: a partial run still gives a partial report.
"""
import datetime
import os
import re
import sys


def read(out, name):
    try:
        with open(os.path.join(out, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def kv_lines(text, prefix):
    rows = []
    for line in (text or "").splitlines():
        if line.startswith(prefix):
            rows.append(dict(re.findall(r"(\w+)=(\S+)", line[len(prefix):])))
    return rows


def num(d, key):
    try:
        return float(d[key])
    except (KeyError, ValueError):
        return None


def fmt(v, digits=1):
    return "—" if v is None else f"{v:,.{digits}f}"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    p = print
    env = read(out, "env.log") or ""
    gpu = next((l for l in env.splitlines() if "H200" in l or "NVIDIA" in l), "(env.log missing)")
    p(f"# Issue 13 on the GPU: encode vs PyTorch, hook overhead ({datetime.date.today().isoformat()})\n")
    p(f"Machine: `{gpu.strip()}`. Command (repository root on the GPU machine, `.devcarry/` from")
    p("`bench/tools/prepare_devcarry.sh`): `bash bench/tools/run_engine_gpu.sh` (results: this file = `$OUT/results.md`).\n")
    for line in env.splitlines():
        if line.startswith("cuBLAS") or line.startswith("torch") or "release" in line:
            p(f"- {line.strip()}")
    p("")

    # ---- steps
    steps = read(out, "steps.txt")
    p("## Steps\n\n| step | exit code | seconds |\n|---|---|---|")
    for line in (steps or "").splitlines():
        m = re.match(r"(\S+) rc=(\d+) (?:waited )?(\d+)s", line)
        if m:
            rc = m.group(2)
            note = "" if rc == "0" else (" (skipped)" if rc == "77" else (" **TIMED OUT**" if rc in ("124", "137") else " **FAILED**"))
            p(f"| {m.group(1)} | {rc}{note} | {m.group(3)} |")
        elif line.startswith("total"):
            p(f"| total | | {line.split()[1]} |")
    p("")

    # ---- tests
    p("## Tests\n")
    for name in ["test_cuda_api", "test_cublas_runtime", "test_cuda_topk_encode", "test_cuda_topk_encode_no_cublas",
                 "test_cuda_sparse_edit", "test_cuda_feature_stats", "test_engine_cuda", "test_engine_specs",
                 "test_engine_smoke", "test_engine_in_graph"]:
        text = read(out, f"{name}.log")
        if text is None:
            continue
        lines = [l for l in text.splitlines() if l.strip()]
        keep = [l for l in lines if re.search(r"FAIL|mismatch|passed|skipped|ok \(|bit|max|CUDA backend|in-graph", l)]
        p(f"**{name}** — last line: `{lines[-1] if lines else '(empty)'}`\n")
        if keep:
            p("```")
            for l in keep[-14:]:
                p(l)
            p("```\n")

    # ---- encode grid
    torch = {}
    tl = read(out, "torch_baseline.log")
    for r in kv_lines(tl, "TORCH "):
        torch[(int(r["F"]), int(r["T"]), int(r["k"]), r.get("dtype"))] = r
    peak = re.search(r"PEAK_BF16_TFLOPS=([\d.]+)", tl or "")
    hbm = re.search(r"HBM copy bandwidth \(read\+write\): (\d+)", read(out, "bench_encode.log") or "")
    enc_text = read(out, "bench_encode.log") or ""
    cublas_ok = "cuBLAS path: available" in enc_text
    enc = kv_lines(enc_text, "RESULT encode ")
    p("## Top-K encode, d = 2048, topk-relu, bf16 weights (median, L2 flushed, same run as PyTorch)\n")
    p(f"Ceilings measured in this run: bf16 tensor cores {peak.group(1) if peak else '?'} TFLOP/s (torch 8192³ matmul), "
      f"HBM {hbm.group(1) if hbm else '?'} GB/s (copy kernel). cuBLAS path: {'loaded' if cublas_ok else 'NOT loaded'}. "
      "AUTO = GEMV for T ≤ 8, else the cuBLAS path (WMMA where cuBLAS is absent).\n")
    p("Efficiency: T ≥ 512 → compute floor (2·T·d·F at the bf16 peak) / ours (target ≥ 70 %); T ≤ 16 → memory floor "
      "(bf16 W_enc + x + codes at HBM bandwidth) / ours (target ≥ 80 %). Ratios < 1 mean ours is faster (target: "
      "< 1 against PyTorch at every shape). \"GEMM alone\" = torch `addmm` bf16 of the same shape; \"score\" = our "
      "scoring pass alone.\n")
    p("| F | T | k | path | ours µs | score µs | torch topk(relu(xW+b)) µs | torch GEMM µs | ours / torch | ours / GEMM | eff | target |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    met = {"torch": [0, 0], "eff": [0, 0]}
    for r in enc:
        if r.get("path") != "auto" or r.get("mode") != "relu" or r.get("dtype") != "bf16":
            continue
        F, T, k = int(r["F"]), int(r["T"]), int(r["k"])
        us, score = num(r, "enc_us"), num(r, "score_us")
        t = torch.get((F, T, k, "bf16"), {})
        tus, gus = num(t, "relu_topk_us"), num(t, "gemm_us")
        if T >= 512:
            eff, goal, what = num(r, "cmp_floor_us") / us if us else None, 0.70, "roofline"
        else:
            eff, goal, what = num(r, "mem_floor_us") / us if us else None, 0.80, "HBM"
        ratio = us / tus if us and tus else None
        eff_ok = eff is not None and (T not in (1, 16, 512, 4096) or eff >= goal)
        if ratio is not None:
            met["torch"][0] += ratio < 1.0
            met["torch"][1] += 1
        if eff is not None and T in (1, 16, 512, 4096):
            met["eff"][0] += eff >= goal
            met["eff"][1] += 1
        path = "gemv" if T <= 8 else ("cublas" if cublas_ok else "wmma")
        p(f"| {F:,} | {T} | {k} | {path} | {fmt(us)} | {fmt(score)} | {fmt(tus)} | {fmt(gus)} | {fmt(ratio, 2)} | "
          f"{fmt(us / gus if us and gus else None, 2)} | {fmt(eff * 100 if eff is not None else None, 0)} % {what} | "
          f"{'met' if (ratio or 9) < 1 and eff_ok else 'not met'} |")
    p(f"\nFaster than PyTorch at {met['torch'][0]} of {met['torch'][1]} shapes; efficiency target met at "
      f"{met['eff'][0]} of {met['eff'][1]}.\n")
    forced = [r for r in enc if r.get("path") != "auto" or r.get("mode") != "relu" or r.get("dtype") != "bf16"]
    if forced:
        p("### Paths forced, other modes and storage (k = 64 unless shown)\n")
        p("| F | T | k | mode | dtype | path | ours µs | score µs | eff (max floor / ours) |\n|---|---|---|---|---|---|---|---|---|")
        for r in forced:
            us = num(r, "enc_us")
            floor = max(num(r, "mem_floor_us") or 0, num(r, "cmp_floor_us") or 0)
            p(f"| {int(r['F']):,} | {r['T']} | {r['k']} | {r['mode']} | {r['dtype']} | {r['path']} | {fmt(us)} | "
              f"{fmt(num(r, 'score_us'))} | {fmt(100 * floor / us if us else None, 0)} % |")
        p("")
    p64 = kv_lines(read(out, "bench_encode_p64mb.log"), "RESULT encode ")
    if p64:
        p("Chunk budget check (F = 65,536, T = 512, P chunk 64 MiB instead of L2/2): " +
          ", ".join(f"{r['path']} {r['enc_us']} µs" for r in p64) + "\n")

    for name, title in [("bench_edit.log", "Sparse edit + residual update"), ("bench_stats.log", "Feature statistics")]:
        text = read(out, name)
        if text:
            p(f"## {title} (raw output)\n\n```")
            p("\n".join(text.strip().splitlines()[-14:]))
            p("```\n")

    # ---- engine
    for name, title in [("bench_hook.log", "Engine, cb_eval hook"), ("bench_hook_no_cuda_graphs.log", "Engine, cb_eval hook, GGML_CUDA_DISABLE_GRAPHS=1 (decode)")]:
        text = read(out, name)
        if text is None:
            continue
        p(f"## {title}: generated 1B-shaped model (16 blocks, n_embd 2048, n_ff 8192, F16), SAE F = 16,384, k = 64 per layer\n")
        p("Targets: codes at one position of all 16 layers ≤ 1.10 × plain prefill; edits at all 16 layers ≤ 1.20 × plain "
          "decode; the reference workload (1,495 prompts × 16 layers, codes + statistics) ≤ 1.1 × the plain forward.\n")
        for line in text.splitlines():
            if line.startswith("#") or line.startswith("|") or line.startswith("hook profile") or not line.strip():
                p(line)
        p("")


if __name__ == "__main__":
    main()
