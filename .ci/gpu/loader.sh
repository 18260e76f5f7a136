#!/usr/bin/env bash
# issue 15 on the GPU: staging/optim gpu tests, train on cuda (synthetic and a JPEG folder) vs bench train
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
app() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
  --select-class dev.jmamba.tensor.cuda.CudaStagingGpuTest --select-class dev.jmamba.tensor.cuda.OptimKernelsGpuTest \
  --select-class dev.jmamba.optim.GraphedStepGpuTest 2>&1 | grep -E "tests (found|successful|failed)|✘" | head
app bench loader --generate /tmp/jpegs --images 3200 --batch-size 128 --workers 8,15 --pipeline imageio,fused --json 2>&1 | grep '^{' | cut -c1-260
app bench train --model vim-tiny --device cuda --batch-size 128 --resolution 224 --classes 4 --steps 10 --warmup 3 --json 2>&1 | grep '^{' | cut -c1-200
app train --model vim-tiny --data /tmp/jpegs --batch-size 128 --resolution 224 --workers 15 --max-steps 60 --log-every 20 --checkpoint-every 0 --device cuda --out /tmp/run-jpeg > /tmp/tr.txt 2>&1; echo "train rc=$?"; tail -3 /tmp/tr.txt
grep '"type":"step"' /tmp/run-jpeg/metrics.jsonl | cut -c1-220
