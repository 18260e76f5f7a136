#!/usr/bin/env bash
# issue 15 (helper "trainer") on the GPU, one call, under 4 minutes: the new gpu tests, then bench train vs
# train (synthetic and a JPEG folder) for vim-tiny b128 with the per-step host phases of each metrics record,
# then the loader against PyTorch's DataLoader on the same folder and worker counts.
# Run from the repo root after .ci/device-pack (plus .device/native/libturbojpeg.so.0 for TurboJPEG).
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
OUT=${OUT:-/tmp/trainer-out}; mkdir -p $OUT
app() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
steps() {  # img/s and host phases of each step record of a run folder
  grep '"type":"step"' $1/metrics.jsonl | sed -E 's/.*"step":([0-9]+).*"img_per_s":([0-9.]+).*/step \1 img_per_s \2 &/' \
    | sed -E 's/^(step [0-9]+ img_per_s [0-9.]+) .*("data_wait_ms".*"gc_ms":[0-9.]+).*/\1 \2/'
}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
echo "== gpu tests"
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-class dev.jmamba.tensor.cuda.OptimKernelsGpuTest --select-class dev.jmamba.tensor.cuda.CudaStagingGpuTest \
  --select-class dev.jmamba.optim.GraphedStepGpuTest --select-class dev.jmamba.tensor.cuda.DeviceSeedRandomGpuTest \
  --select-class dev.jmamba.app.train.TrainStepGraphGpuTest --select-class dev.jmamba.app.data.NvjpegGpuTest $(for c in ${EXTRA_TESTS:-}; do echo --select-class $c; done) \
  > $OUT/trainer-gputests.log 2>&1
echo "rc=$?"; grep -E "✘|tests (found|successful|failed)|nvJPEG vs|NvjpegLoader vs" $OUT/trainer-gputests.log | head -30
echo "== data"
app bench loader --generate /tmp/jpegs --images 3200 --batch-size 128 --workers 16 --pipeline fused --json 2>&1 | grep '^{' | cut -c1-300
echo "== bench train (vim-tiny b128, 4 classes)"
app bench train --model vim-tiny --device cuda --batch-size 128 --resolution 224 --classes 4 --steps 10 --warmup 3 --json 2>&1 | grep '^{' | cut -c1-200
echo "== train --data synthetic"
app train --model vim-tiny --data synthetic --resolution 224 --batch-size 128 --workers 15 --max-steps 30 --log-every 10 \
  --checkpoint-every 0 --device cuda --out /tmp/run-syn --overwrite > $OUT/train-syn.txt 2>&1; echo "rc=$?"; steps /tmp/run-syn
echo "== train --data /tmp/jpegs --workers 15"
app train --model vim-tiny --data /tmp/jpegs --resolution 224 --batch-size 128 --workers 15 --max-steps 45 --log-every 15 \
  --checkpoint-every 0 --device cuda --out /tmp/run-jpeg --overwrite > $OUT/train-jpeg.txt 2>&1; echo "rc=$?"; steps /tmp/run-jpeg
tail -2 $OUT/train-jpeg.txt
echo "== train --graph --data /tmp/jpegs --workers 15 (and bench train --graph)"
app bench train --model vim-tiny --device cuda --batch-size 128 --resolution 224 --classes 4 --steps 10 --warmup 3 --graph --json 2>&1 | grep '^{' | cut -c1-200
app train --model vim-tiny --data /tmp/jpegs --resolution 224 --batch-size 128 --workers 15 --max-steps 45 --log-every 15 \
  --checkpoint-every 0 --device cuda --graph --out /tmp/run-graph --overwrite > $OUT/train-graph.txt 2>&1; echo "rc=$?"; steps /tmp/run-graph
grep -E -- "--graph|rror" $OUT/train-graph.txt | head -3
echo "== loader: jmamba vs PyTorch, same folder, 8 and 16 workers"
app bench loader --data /tmp/jpegs --batch-size 128 --workers 8,16 --pipeline fused,nvjpeg --json 2>&1 | grep -E '^\{|rror|nvJPEG' | cut -c1-300
python3 train-app/bench/torch_loader.py --data /tmp/jpegs --workers 8,16 --batch-size 128 2>&1 | tail -3 | cut -c1-300
