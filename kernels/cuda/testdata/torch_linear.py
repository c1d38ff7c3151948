"""torch bf16 F.linear on the BitNet b1.58 2B4T shapes, timed like
kernels/cuda's BenchmarkPrefill2B4T: cold (copies of the weight, >= 256 MB
together, so each launch reads its weight from HBM), the launches captured
in a CUDA graph and timed with CUDA events. Prints Go benchmark lines
(gpu-us/launch), so the figures sit beside the Go ones in one log.

    python3 kernels/cuda/testdata/torch_linear.py [M ...]
"""
import sys

import torch
import torch.nn.functional as F

SHAPES = [(2560, 2560), (640, 2560), (3840, 2560), (6912, 2560), (13824, 2560), (2560, 6912)]


def bench(m, n, k, reps=20):
    wbytes = n * k * 2
    copies = max(8, int(256e6 / wbytes) + 1)
    ws = [torch.randn(n, k, device="cuda", dtype=torch.bfloat16) for _ in range(copies)]
    x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
    y = torch.empty(m, n, device="cuda", dtype=torch.bfloat16)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # warm-up: cuBLAS picks and loads its kernels
        for w in ws[:3]:
            torch.matmul(x, w.t(), out=y)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for w in ws:
            torch.matmul(x, w.t(), out=y)  # F.linear without bias
    g.replay()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        start.record()
        g.replay()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1e3 / copies)
    times.sort()
    us = times[len(times) // 2]
    ref = F.linear(x, ws[0])
    torch.matmul(x, ws[0].t(), out=y)
    assert torch.equal(ref, y), "matmul into out differs from F.linear"
    del ws
    torch.cuda.empty_cache()
    return us


def main():
    ms = [int(a) for a in sys.argv[1:]] or [1, 8, 128]
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name()}, bf16 F.linear, cold, CUDA graph, median of 20")
    for m in ms:
        for n, k in SHAPES:
            us = bench(m, n, k)
            print(f"BenchmarkTorchLinearBF16/M={m}/{n}x{k} \t1\t{us:.3f} gpu-us/launch\t{2*m*n*k/us/1e6:.2f} TOP/s")


if __name__ == "__main__":
    main()
