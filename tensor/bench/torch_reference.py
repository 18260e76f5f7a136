#!/usr/bin/env python3
"""PyTorch reference for dev.jmamba.tensor.cuda.CudaTensorBench (tensor test sources): the same cases, one JSON line each.

Cases: torch.add at 2^26 floats and a device-to-device copy (GB/s, bytes read + written),
torch.mm 4096^3 fp32 with TF32 disabled (TFLOP/s), host cost per tiny launch, and a CUDA graph
of 1000 small adds against 1000 eager adds. Device times from CUDA events, host times from
time.perf_counter. Usage: python3 tensor/bench/torch_reference.py
"""
import json
import time

import torch


def device_ms(work, warmup, iterations):
    for _ in range(warmup):
        work()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iterations):
        work()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / iterations


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda:0")
    props = torch.cuda.get_device_properties(dev)
    print(json.dumps({"case": "device", "name": props.name, "torch": torch.__version__,
                      "arch": f"sm_{props.major}{props.minor}", "sms": props.multi_processor_count}))

    n = 1 << 26
    a = torch.full((n,), 1.0, device=dev)
    b = torch.full((n,), 2.0, device=dev)
    c = torch.empty_like(a)
    ms = device_ms(lambda: torch.add(a, b, out=c), 5, 50)
    print(json.dumps({"case": "add", "n": n, "ms": round(ms, 4), "gbps": round(12.0 * n / ms / 1e6, 1)}))
    ms = device_ms(lambda: c.copy_(a), 5, 50)
    print(json.dumps({"case": "copy_dtod", "bytes": 4 * n, "ms": round(ms, 4), "gbps": round(8.0 * n / ms / 1e6, 1)}))
    del a, b, c

    m = 4096
    x = torch.full((m, m), 0.5, device=dev)
    y = torch.full((m, m), 0.25, device=dev)
    z = torch.empty_like(x)
    ms = device_ms(lambda: torch.mm(x, y, out=z), 3, 20)
    print(json.dumps({"case": "sgemm", "n": m, "tf32": False, "ms": round(ms, 3),
                      "tflops": round(2.0 * m ** 3 / ms / 1e9, 2)}))
    del x, y, z

    t = torch.zeros(1, device=dev)
    for i in range(2000):
        t.fill_(float(i))
    torch.cuda.synchronize()
    launches = 10000
    t0 = time.perf_counter()
    for i in range(launches):
        t.fill_(float(i))
    torch.cuda.synchronize()
    us = (time.perf_counter() - t0) * 1e6 / launches
    print(json.dumps({"case": "launch_overhead", "launches": launches, "us_per_launch": round(us, 3)}))

    small_x = torch.zeros(1024, device=dev)
    small_y = torch.full((1024,), 1e-3, device=dev)

    def one_pass():
        for _ in range(1000):
            torch.add(small_x, small_y, out=small_x)

    passes = 20
    one_pass()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(passes):
        one_pass()
    torch.cuda.synchronize()
    eager_ms = (time.perf_counter() - t0) * 1e3 / passes
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        one_pass()  # warm-up on a side stream, as torch.cuda.graphs recommends
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        one_pass()
    graph.replay()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(passes):
        graph.replay()
    torch.cuda.synchronize()
    graph_ms = (time.perf_counter() - t0) * 1e3 / passes
    print(json.dumps({"case": "graph_vs_eager", "kernels": 1000, "eager_ms": round(eager_ms, 3),
                      "graph_ms": round(graph_ms, 3), "speedup": round(eager_ms / graph_ms, 2)}))


if __name__ == "__main__":
    main()
