#!/usr/bin/env python3
"""jmamba's SGEMM against numpy/OpenBLAS in paired batches: per shape, ROUNDS rounds of one jmamba batch and one numpy
batch of BATCH_MS each, a GAP apart, the order alternating (with BASE_JAR a third, another build); each round gives a paired ratio (numpy's median time per
call / jmamba's), and the table shows the median of those ratios with their range.

Why (issue 22): on a VM the host moves the vCPUs between cores that share a cache, cores that do not and the two
hyperthreads of one core, for seconds at a time; jmamba's thread round trip read 29, 65 and 300-800 ns within one run
(GEMM-NOTES.md). compare_gemm.sh times each side in its own process, minutes apart, so one side can meet a fast moment
and the other a slow one; here both batches of a round run within about a second.

numpy runs in this process (its OpenBLAS set up from the environment below before numpy is imported); jmamba in one
long-lived JVM (`bench gemm --serve`), so neither side pays start-up or JIT warm-up per round. The GAP (default 0.3 s)
lets the other side's threads stop spinning (jmamba's helpers park after 200 us; OpenBLAS's threads spin-yield up to
2^28 cycles, about 0.1 s) before a batch starts; each batch's first calls still meet parked threads, and the median
per call of a batch hides them on both sides alike.

Usage: tensor/bench/paired_gemm.py [ROUNDS]        (default 9)
env:   SHAPES="M,N,K,TA,TB ..." (default: the 16 model shapes of `bench gemm --list-model-shapes`, then 256³ and 1024³),
       THREADS (both sides; default all cores), AVX2=1 (the JVM with -XX:UseAVX=2, OpenBLAS with
       OPENBLAS_CORETYPE=Haswell: an AVX2-only machine emulated), CORETYPE=NAME (OpenBLAS's core otherwise),
       BATCH_MS (150), GAP_S (0.3), NP_WARMUP_S (1.0: numpy's first timed second per shape, then 50 ms windows until
       they stop improving; jmamba warms its first shape 2 s, later ones 300 ms, alike), JAVA_CMD (the command that runs jmamba's Main, as in compare_gemm.sh; default the
       one ./jmamba prints), JMAMBA_JAVA_OPTS (more JVM flags), JSON=path (also writes every batch as a JSON line),
       BASE_JAR=path (a third side: the same java command with that jar instead, e.g. the previous build; adds its
       GFLOP/s and the paired ratio jmamba / base; the three sides take turns at going first), or BASE_JAVA_CMD (the
       base's whole command, e.g. another class path where there is no jar).
"""
import json, os, shlex, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
threads = int(os.environ.get("THREADS") or os.cpu_count())
coretype = "Haswell" if os.environ.get("AVX2") else os.environ.get("CORETYPE", "")
os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
os.environ["OMP_NUM_THREADS"] = str(threads)
if coretype:
    os.environ["OPENBLAS_CORETYPE"] = coretype
else:
    os.environ.pop("OPENBLAS_CORETYPE", None)
import numpy as np  # noqa: E402  (after the OpenBLAS environment)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_gemm import blas_info  # noqa: E402


def java_command():
    if os.environ.get("JAVA_CMD"):
        cmd = shlex.split(os.environ["JAVA_CMD"])
    else:
        cmd = shlex.split(subprocess.run([os.path.join(ROOT, "jmamba"), "--print-java-command"], check=True,
                                         capture_output=True, text=True).stdout)
    extra = shlex.split(os.environ.get("JMAMBA_JAVA_OPTS", ""))
    if os.environ.get("AVX2"):
        extra = ["-XX:UseAVX=2"] + extra
    return [cmd[0]] + extra + cmd[1:]


def base_command():
    """BASE_JAVA_CMD as given (AVX2 and JMAMBA_JAVA_OPTS added), else the java command with the jar after -jar replaced by BASE_JAR."""
    if os.environ.get("BASE_JAVA_CMD"):
        cmd = shlex.split(os.environ["BASE_JAVA_CMD"])
        extra = shlex.split(os.environ.get("JMAMBA_JAVA_OPTS", ""))
        return [cmd[0]] + (["-XX:UseAVX=2"] if os.environ.get("AVX2") else []) + extra + cmd[1:]
    cmd = java_command()
    if "-jar" not in cmd:
        sys.exit("paired_gemm: BASE_JAR needs a java command with -jar JAR (JAVA_CMD has none)")
    i = cmd.index("-jar")
    return cmd[:i + 1] + [os.environ["BASE_JAR"]] + cmd[i + 2:]


class Jvm:
    def __init__(self, command):
        self.proc = subprocess.Popen(command + ["bench", "gemm", "--serve", "--threads", str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.kernel = self.read()

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"paired_gemm: the JVM ended without an answer (exit {self.proc.wait()}); run `{' '.join(java_command())} "
                     f"bench gemm --serve` by hand to see why")
        reply = json.loads(line)
        if reply.get("case") == "gemm-error":
            sys.exit(f"paired_gemm: jmamba refused a request: {reply['message']}")
        return reply

    def batch(self, spec, ms):
        self.proc.stdin.write(f"{spec} {ms}\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


class Numpy:
    def __init__(self, spec):
        m, n, k, ta, tb = spec
        rng = np.random.default_rng(1)
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        self.A, self.B = (a.T if ta else a), (b.T if tb else b)
        self.c = np.empty((m, n), dtype=np.float32)

    def timed(self, seconds):
        t, end = [], time.perf_counter() + seconds
        now = time.perf_counter()
        while len(t) < 5 or now < end:
            np.matmul(self.A, self.B, out=self.c)
            after = time.perf_counter()
            t.append(after - now)
            now = after
        return statistics.median(t) * 1e3, len(t)

    def warm_up(self, seconds):
        self.timed(seconds)
        previous = float("inf")
        for _ in range(20):
            med, _ = self.timed(0.05)
            if med > 0.97 * previous:
                break
            previous = med


def parse(spec):
    v = [int(x) for x in spec.split(",")]
    return (v[0], v[1], v[2], len(v) == 5 and v[3] == 1, len(v) == 5 and v[4] == 1)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    batch_ms = int(os.environ.get("BATCH_MS", "150"))
    gap = float(os.environ.get("GAP_S", "0.3"))
    np_warmup = float(os.environ.get("NP_WARMUP_S", "1.0"))
    jvm = Jvm(java_command())
    base = Jvm(base_command()) if os.environ.get("BASE_JAR") or os.environ.get("BASE_JAVA_CMD") else None
    if os.environ.get("SHAPES"):
        specs = os.environ["SHAPES"].split()
    else:
        listed = subprocess.run(java_command() + ["bench", "gemm", "--list-model-shapes"], capture_output=True, text=True).stdout
        specs = [line.split()[0] for line in listed.splitlines() if line.strip()] + ["256,256,256,0,0", "1024,1024,1024,0,0"]
    out = open(os.environ["JSON"], "w") if os.environ.get("JSON") else None
    print(f"jmamba: {jvm.kernel['kernel']}")
    print(f"numpy {np.__version__}: {blas_info()}; threads {threads} on both sides; {rounds} rounds of {batch_ms} ms batches, "
          f"{gap} s apart; load {open('/proc/loadavg').read().split()[:3]}")
    print(f"\n{'M,N,K,TA,TB':<20} {'jm GF/s':>8} {'np GF/s':>8} {'paired jm/np':>13} {'range':>11}  rounds>=0.8  jm cpu/wall"
          + ("   base GF/s  paired jm/base  range" if base else ""))
    for spec in specs:
        m, n, k, ta, tb = parse(spec)
        flop = 2.0 * m * n * k
        ref = Numpy((m, n, k, ta, tb))
        jvm.batch(spec, 50)  # warms the shape up (the JVM's first shape for 2 s)
        if base:
            base.batch(spec, 50)
        ref.warm_up(np_warmup)
        jm_ms, np_ms, ratios, cpu, base_ms, base_ratios = [], [], [], [], [], []
        sides = ["jm", "np"] + (["base"] if base else [])
        for r in range(rounds):
            got = {}
            for side in sides[r % len(sides):] + sides[:r % len(sides)]:  # each side first in turn
                time.sleep(gap)
                if side in ("jm", "base"):
                    reply = (jvm if side == "jm" else base).batch(spec, batch_ms)
                    got[side] = reply["ms"]
                    if side == "jm":
                        cpu.append(reply["cpu_per_wall"])
                    reply["side"] = side
                    if out:
                        out.write(json.dumps(reply) + "\n")
                else:
                    got["np"], calls = ref.timed(batch_ms / 1e3)
                    if out:
                        out.write(json.dumps({"case": "numpy-batch", "m": m, "n": n, "k": k, "ta": int(ta), "tb": int(tb),
                                              "threads": threads, "calls": calls, "ms": round(got["np"], 5)}) + "\n")
            jm_ms.append(got["jm"])
            np_ms.append(got["np"])
            ratios.append(got["np"] / got["jm"])
            if base:
                base_ms.append(got["base"])
                base_ratios.append(got["base"] / got["jm"])
        ratio = statistics.median(ratios)
        line = (f"{spec:<20} {flop / statistics.median(jm_ms) / 1e6:8.1f} {flop / statistics.median(np_ms) / 1e6:8.1f} "
                f"{ratio:13.2f} {min(ratios):5.2f}-{max(ratios):<5.2f}  {sum(x >= 0.8 for x in ratios):>4}/{rounds:<6} "
                f"{statistics.median(cpu):6.2f}")
        if base:
            line += (f"   {flop / statistics.median(base_ms) / 1e6:9.1f}  {statistics.median(base_ratios):14.2f}  "
                     f"{min(base_ratios):.2f}-{max(base_ratios):.2f}")
        print(line, flush=True)
    jvm.close()
    if base:
        base.close()
    if out:
        out.close()


main()
