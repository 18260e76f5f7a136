#!/usr/bin/env bash
# issue 15 (helper "nvtrain") on the GPU, one call, under 4 minutes: the gpu tests of train --decoder nvjpeg, then
# bench train vs train on a folder of 6400 generated JPEGs for vim-tiny b128 with the host decoder (TurboJPEG, 15
# workers) and with nvJPEG (eager, --graph, and with mixup/cutmix + random erasing), printing img/s and host phases of each step record.
# Run from the repo root after .ci/device-pack (plus .device/native/libturbojpeg.so.0 for TurboJPEG).
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
OUT=${OUT:-/tmp/nvtrain-out}; mkdir -p $OUT
DATA=${DATA:-/tmp/jpegs6400}
app() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
steps() {  # img/s and host phases of each step record of a run folder
  grep '"type":"step"' $1/metrics.jsonl | sed -E 's/.*"step":([0-9]+).*"img_per_s":([0-9.]+).*/step \1 img_per_s \2 &/' \
    | sed -E 's/^(step [0-9]+ img_per_s [0-9.]+) .*("data_wait_ms".*"gc_ms":[0-9.]+).*/\1 \2/'
}
train() {  # name, extra options: vim-tiny b128 224, 60 steps (50 per epoch: one epoch boundary), a record every 10 steps
  local name=$1; shift
  echo "== train $* ($name)"
  app train --model vim-tiny --data $DATA --resolution 224 --batch-size 128 --workers 15 --max-steps 60 --log-every 10 \
    --checkpoint-every 0 --device cuda --out /tmp/run-$name --overwrite "$@" > $OUT/train-$name.txt 2>&1
  echo "rc=$?"; steps /tmp/run-$name; grep -E -- "--graph|rror|nvjpeg|nvJPEG" $OUT/train-$name.txt | head -3; tail -1 $OUT/train-$name.txt
}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
echo "== gpu tests"
if [ -z "${SKIP_JUNIT:-}" ]; then   # SKIP_JUNIT=1: the gpu tests ran already (.ci/gpu/tests.sh)
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-class dev.jmamba.app.data.NvjpegTrainGpuTest --select-class dev.jmamba.app.data.NvjpegGpuTest \
  > $OUT/nvtrain-gputests.log 2>&1
echo "rc=$?"; grep -E "✘|tests (found|successful|failed)|device batch|NvjpegLoader vs" $OUT/nvtrain-gputests.log | head -30
fi
echo "== data: 6400 generated 500x375 JPEGs in $DATA (and the loader on them)"
app bench loader --generate $DATA --images 6400 --batch-size 128 --workers 15 --pipeline fused,nvjpeg --json 2>&1 | grep -E '^\{|rror' | cut -c1-300
echo "== bench train (vim-tiny b128, 4 classes), eager and --graph"
app bench train --model vim-tiny --device cuda --batch-size 128 --resolution 224 --classes 4 --steps 10 --warmup 3 --json 2>&1 | grep '^{' | cut -c1-200
[ -n "${ONLY_HOST:-}" ] || app bench train --model vim-tiny --device cuda --batch-size 128 --resolution 224 --classes 4 --steps 10 --warmup 3 --graph --json 2>&1 | grep '^{' | cut -c1-200
train cpu-decoder
[ -n "${ONLY_HOST:-}" ] && exit 0   # ONLY_HOST=1: the data, bench train and the host-decoder run only
train nvjpeg --decoder nvjpeg
train nvjpeg-graph --decoder nvjpeg --graph
train nvjpeg-recipe --decoder nvjpeg --mixup 0.8 --cutmix 1.0 --random-erasing 0.25
