#!/usr/bin/env python3
"""PyTorch baseline for the Top-K SAE encode, timed with CUDA events in the same run as the CUDA
benchmarks: torch.topk(torch.relu(x @ W.T + b), k), and the GEMM alone (addmm), in bf16 (and fp32
with --fp32: cuBLAS with TF32 off), for issue 13's grid: d = 2048, F in {16384, 65536, 131072},
k in {32, 64, 128}, T in {1, 16, 512, 4096} (the GEMM does not depend on k: timed once per F, T). Also measures the machine's ceilings used for the floors:
  - HBM bandwidth: device-to-device copy of 1 GiB (bytes read + written),
  - bf16 tensor-core peak: 8192^3 bf16 matmul on random data.
L2 is flushed (256 MiB write) before every timed repetition; the median of `reps` is reported.
Every measurement also prints a "TORCH key=value ..." line for bench/tools/gpu_results.py.
Last line: PEAK_BF16_TFLOPS=<value> (the run script passes it to the C++ benchmark).

Run: python3 cuda/bench/torch_topk_baseline.py [--quick] [--fp32] [--reps 20]
"""
import argparse
import statistics

import torch


def timed(fn, reps=20, warmup=3):
    flush = timed.flush
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        flush.zero_()
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return statistics.median(times), times[len(times) // 10]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--fp32", action="store_true", help="also time fp32 (TF32 off)")
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    timed.flush = torch.empty(64 << 20, dtype=torch.float32, device=dev)  # 256 MiB
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}")

    src = torch.randn(256 << 20, device=dev)  # 1 GiB
    dst = torch.empty_like(src)
    ms, _ = timed(lambda: dst.copy_(src), reps=20)
    hbm = 2 * src.numel() * 4 / (ms * 1e-3) / 1e9
    print(f"HBM copy bandwidth (read+write): {hbm:.0f} GB/s")
    del src, dst

    n = 8192
    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    ms, _ = timed(lambda: a @ b, reps=20)
    peak = 2 * n**3 / (ms * 1e-3) / 1e12
    print(f"bf16 matmul {n}^3 on random data: {peak:.0f} TFLOP/s")
    del a, b

    d = 2048
    grid_F = [16384, 65536, 131072]
    grid_T = [1, 16, 512, 4096]
    grid_k = [32, 64, 128]
    if args.quick:
        grid_F, grid_T, grid_k = [65536], [1, 512], [64]
    dtypes = [torch.bfloat16] + ([torch.float32] if args.fp32 else [])
    print(f"\n{'F':>6} {'T':>5} {'k':>4} {'dtype':>5} | {'relu_us':>9} {'gemm_us':>9} | {'TFLOP/s':>8}")
    for F in grid_F:
        for dt in dtypes:
            W = (torch.randn(F, d, device=dev) / d**0.5).to(dt)
            bias = (0.1 * torch.randn(F, device=dev)).to(dt)
            name = "bf16" if dt == torch.bfloat16 else "fp32"
            for T in grid_T:
                x = torch.randn(T, d, device=dev).to(dt)
                gemm_ms, _ = timed(lambda: torch.addmm(bias, x, W.t()), reps=args.reps)
                for k in grid_k:
                    relu_ms, _ = timed(lambda: torch.topk(torch.relu(torch.addmm(bias, x, W.t())), k), reps=args.reps)
                    flops = 2 * T * d * F
                    print(f"{F:>6} {T:>5} {k:>4} {name:>5} | {relu_ms * 1e3:>9.1f} {gemm_ms * 1e3:>9.1f}"
                          f" | {flops / (relu_ms * 1e-3) / 1e12:>8.1f}")
                    print(f"TORCH F={F} T={T} k={k} dtype={name} relu_topk_us={relu_ms * 1e3:.2f} gemm_us={gemm_ms * 1e3:.2f}",
                          flush=True)
                del x
            del W, bias
            torch.cuda.empty_cache()
    print(f"HBM_GBS={hbm:.0f}")
    print(f"PEAK_BF16_TFLOPS={peak:.1f}")


if __name__ == "__main__":
    main()
