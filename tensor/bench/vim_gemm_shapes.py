"""Times (with PyTorch on the GPU machine, as a measuring stick) the float32 GEMMs of one Vim-T layer at batch 128
(B·L = 25216 tokens), in the channel-major form jmamba's VimMixer uses, to see which shapes cuBLAS runs slowly.
Prints one line per shape: ms (median of 50, CUDA events) and TFLOP/s. TF32 off (fp32 semantics)."""
import torch

torch.backends.cuda.matmul.allow_tf32 = False
T, dm, di, R, N = 25216, 192, 384, 12, 16
shapes = [  # (name, m, k, n): (m, k) @ (k, n)
    ("in_proj x/z fwd (di,dm)@(dm,T)", di, dm, T),
    ("x_proj fwd (R+2N,di)@(di,T)", R + 2 * N, di, T),
    ("dt_proj fwd (di,R)@(R,T)", di, R, T),
    ("out_proj fwd (T,di)@(di,dm)", T, di, dm),
    ("in_proj dW (di,T)@(T,dm)", di, T, dm),
    ("in_proj dtokens (dm,di)@(di,T)", dm, di, T),
    ("x_proj dW (R+2N,T)@(T,di)", R + 2 * N, T, di),
    ("x_proj du (di,R+2N)@(R+2N,T)", di, R + 2 * N, T),
    ("dt_proj dW (di,T)@(T,R)", di, T, R),
    ("dt_proj dxdbl (R,di)@(di,T)", R, di, T),
    ("out_proj dW (dm,T)@(T,di)", dm, T, di),
    ("out_proj dy (di,dm)@(dm,T)", di, dm, T),
]
for name, m, k, n in shapes:
    a = torch.randn(m, k, device="cuda")
    b = torch.randn(k, n, device="cuda")
    for _ in range(5):
        a @ b
    times = []
    for _ in range(50):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); a @ b; e.record(); e.synchronize()
        times.append(s.elapsed_time(e))
    times.sort()
    ms = times[len(times) // 2]
    print(f"{name:34s} {ms:8.4f} ms {2 * m * k * n / ms / 1e9:8.2f} TFLOP/s")
