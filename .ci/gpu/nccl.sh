#!/usr/bin/env bash
# issue 19 on ONE GPU (the multi-GPU kinds are withheld): NCCL gpu tests; world size 1 through the real
# rendezvous + NCCL equals the plain run bit for bit (JUnit, `train --gpus 1`, RANK/WORLD_SIZE variables);
# the error paths (too many GPUs, rendezvous timeouts, a rank that dies); plain vs --gpus 1 speed. ~2-3 min.
# Overlap (buckets all-reduced on NCCL's communication stream during backward): NcclGpuTest's asynchronous test,
# DataParallelGpuTest's three NCCL runs, and --bucket-mb 0.0625 with and without --no-overlap (and with
# --checkpoint-activations) cmp'd with the plain runs (+ ~1.5 min); NCCL_SPEED_EXTRA=1 adds speed runs with --no-overlap and --bucket-mb 1.
export NCCL_NVLS_ENABLE=0
app() { .device/run -Xss8m "$@"; }
main() { app -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
ls /usr/lib/x86_64-linux-gnu/libnccl.so.2* 2>&1 | head -2
if [ -z "${SKIP_JUNIT:-}" ]; then   # SKIP_JUNIT=1: the gpu tests ran already (.ci/gpu/tests.sh)
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-class dev.jmamba.tensor.cuda.NcclGpuTest --select-class dev.jmamba.app.train.DataParallelGpuTest > $OUT/nccl-tests.log 2>&1
echo "junit rc=$?"; grep -E "tests (found|successful|failed|aborted|skipped)|✘|NCCL 2" $OUT/nccl-tests.log | head -12
fi
c="--model vim-nano --data synthetic --train-limit 1024 --val-limit 64 --batch-size 32 --max-steps 12 --seed 5 --workers 4 --device cuda --checkpoint-every 0 --log-every 4"
main train $c --out /tmp/plain > /tmp/plain.txt 2>&1; echo "plain rc=$?"
main train $c --gpus 1 --out /tmp/gpus1 > /tmp/gpus1.txt 2>&1; echo "--gpus 1 rc=$?"; grep -E "data parallel|done" /tmp/gpus1.txt
RANK=0 WORLD_SIZE=1 MASTER_PORT=29531 main train $c --out /tmp/env1 > /tmp/env1.txt 2>&1; echo "RANK=0 WORLD_SIZE=1 rc=$?"
# overlap: 64 KiB buckets all-reduced on the communication stream during backward, and the same after backward
main train $c --gpus 1 --bucket-mb 0.0625 --out /tmp/small1 > /tmp/small1.txt 2>&1; echo "--gpus 1 --bucket-mb 0.0625 rc=$?"
main train $c --gpus 1 --bucket-mb 0.0625 --no-overlap --out /tmp/after1 > /tmp/after1.txt 2>&1; echo "--gpus 1 --bucket-mb 0.0625 --no-overlap rc=$?"
main train $c --gpus 1 --checkpoint-activations --bucket-mb 0.0625 --out /tmp/ckpt1 > /tmp/ckpt1.txt 2>&1; echo "--gpus 1 --checkpoint-activations --bucket-mb 0.0625 rc=$?"
main train $c --checkpoint-activations --out /tmp/ckpt0 > /tmp/ckpt0.txt 2>&1; echo "plain --checkpoint-activations rc=$?"
for f in model optimizer; do
  cmp -s /tmp/ckpt0/checkpoint/$f.safetensors /tmp/ckpt1/checkpoint/$f.safetensors && echo "ckpt1 $f.safetensors: identical to plain --checkpoint-activations" || echo "ckpt1 $f.safetensors: DIFFERS from plain --checkpoint-activations"
done
cat /tmp/small1.txt /tmp/after1.txt /tmp/ckpt1.txt /tmp/ckpt0.txt >> $OUT/nccl-runs.log
for r in gpus1 env1 small1 after1; do for f in model optimizer; do
  cmp -s /tmp/plain/checkpoint/$f.safetensors /tmp/$r/checkpoint/$f.safetensors && echo "$r $f.safetensors: identical to plain" || echo "$r $f.safetensors: DIFFERS from plain"
done; done
cat /tmp/plain.txt /tmp/gpus1.txt /tmp/env1.txt >> $OUT/nccl-runs.log
echo "== error paths (one line each, then the exit code)"
main train $c --gpus 2 --out /tmp/g2 2>&1 | grep -v WARNING | tail -1; echo "rc=${PIPESTATUS[0]}"
t0=$(date +%s); RANK=0 WORLD_SIZE=2 MASTER_PORT=29532 app -Djmamba.dist.timeout=5 -cp '.device/lib/*' dev.jmamba.app.Main train $c --out /tmp/to0 2>&1 | grep -v WARNING | tail -1; echo "rc=${PIPESTATUS[0]} after $(( $(date +%s) - t0 )) s"
t0=$(date +%s); RANK=1 WORLD_SIZE=2 MASTER_PORT=29533 app -Djmamba.dist.timeout=5 -cp '.device/lib/*' dev.jmamba.app.Main train $c --out /tmp/to1 2>&1 | grep -v WARNING | tail -1; echo "rc=${PIPESTATUS[0]} after $(( $(date +%s) - t0 )) s"
# a rank that dies: a stand-in rank 1 joins the rendezvous, then its JVM ends 8 s later; rank 0 (waiting in NCCL's start-up) must exit with the reason
.device/run -cp '.device/lib/*' dev.jmamba.app.dist.FakeRank 127.0.0.1 29534 1 2 8 > /tmp/fake.txt 2>&1 &
t0=$(date +%s); RANK=0 WORLD_SIZE=2 MASTER_PORT=29534 timeout 120 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main train $c --out /tmp/die 2>&1 | grep -v WARNING | tail -2; echo "rc=${PIPESTATUS[0]} after $(( $(date +%s) - t0 )) s (124 = hung until timeout)"
wait; grep FakeRank /tmp/fake.txt
echo "== speed: vim-tiny 224 px, batch 128, plain vs --gpus 1 (img/s of the last metrics records)"
s="--model vim-tiny --data synthetic --resolution 224 --batch-size 128 --max-steps 30 --log-every 10 --workers 15 --device cuda --checkpoint-every 0 --val-limit 128"
main train $s --out /tmp/sp0 > /tmp/sp0.txt 2>&1; echo "plain rc=$?"; grep '"type":"step"' /tmp/sp0/metrics.jsonl | tail -2 | grep -o '"img_per_s":[0-9.]*'
main train $s --gpus 1 --out /tmp/sp1 > /tmp/sp1.txt 2>&1; echo "--gpus 1 (overlapped, 25 MiB) rc=$?"; grep '"type":"step"' /tmp/sp1/metrics.jsonl | tail -2 | grep -o '"img_per_s":[0-9.]*'
if [ -n "${NCCL_SPEED_EXTRA:-}" ]; then   # NCCL_SPEED_EXTRA=1: also without overlap and with 1 MiB buckets (one rank: the all-reduce is a copy)
main train $s --gpus 1 --no-overlap --out /tmp/sp2 > /tmp/sp2.txt 2>&1; echo "--gpus 1 --no-overlap rc=$?"; grep '"type":"step"' /tmp/sp2/metrics.jsonl | tail -2 | grep -o '"img_per_s":[0-9.]*'
main train $s --gpus 1 --bucket-mb 1 --out /tmp/sp3 > /tmp/sp3.txt 2>&1; echo "--gpus 1 --bucket-mb 1 rc=$?"; grep '"type":"step"' /tmp/sp3/metrics.jsonl | tail -2 | grep -o '"img_per_s":[0-9.]*'
fi
