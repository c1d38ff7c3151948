"""The dense baseline a GPU prefill is held against: torch bf16 linear
layers of BitNet b1.58 2B4T's projection shapes (per layer: fused QKV
3840x2560, O 2560x2560, fused gate+up 13824x2560, down 2560x6912; 30
layers, each its own weights), for M tokens, timed with CUDA events over
a CUDA graph of the 120 matmuls. Prints one line per M:

    torch-bf16-linear M=128 ms=2.512 tokens/s=50955 device=NVIDIA H100 ...

Only the projections: no norms, attention or LM head, so it is a lower
bound on a bf16 model's prefill time. Needs torch with CUDA; no downloads.
"""
import sys

import torch


def main():
    if not torch.cuda.is_available():
        print("torch-bf16-linear: no CUDA device", file=sys.stderr)
        return 1
    torch.manual_seed(0)
    layers, hidden, ffn, qkv = 30, 2560, 6912, 3840
    shapes = [(qkv, hidden), (hidden, hidden), (2 * ffn, hidden), (hidden, ffn)]
    weights = [[torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02 for n, k in shapes] for _ in range(layers)]
    dev = torch.cuda.get_device_name(0)
    for m in [int(a) for a in (sys.argv[1:] or ["128", "512"])]:
        xs = {k: torch.randn(m, k, device="cuda", dtype=torch.bfloat16) for _, k in shapes}

        def run():
            for ws in weights:
                for w in ws:
                    torch.nn.functional.linear(xs[w.shape[1]], w)

        for _ in range(3):
            run()
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            run()
            torch.cuda.synchronize()
            with torch.cuda.graph(g):
                run()
        torch.cuda.current_stream().wait_stream(s)
        times = []
        for _ in range(20):
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            g.replay()
            b.record()
            torch.cuda.synchronize()
            times.append(a.elapsed_time(b))
        times.sort()
        ms = times[len(times) // 2]
        print(f"torch-bf16-linear M={m} ms={ms:.3f} tokens/s={m / ms * 1e3:.0f} median-of={len(times)} device={dev}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
