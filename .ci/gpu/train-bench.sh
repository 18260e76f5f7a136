#!/usr/bin/env bash
# Shared by the session scripts (source it from the repo root, after .ci/gpu/pack.sh, with OUT set):
#   bench MODEL PRECISION [JAVA_FLAGS]  one `bench train` b128 224 line (6 timed steps after 2 warm-up ones) with its JSON
#   profile MODEL [JAVA_FLAGS]          an fp32 `bench train --profile` step table to $OUT/MODEL-profile.txt
#   ncu_fm_step NAME SECONDS            Nsight Compute sections (ncu-detail.sh; KERNELS, COUNT, LINES_MAX from the
#                                       environment) of one fp32 FractalMamba-T b128 step, digest to $OUT/NAME-digest.txt
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=${t0:-$SECONDS}
bench() {
  timeout 120 .device/run -Xss8m ${3:-} -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $2 --json > /tmp/b.log 2>&1
  echo "$1 $2 [${3:-}] rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/b.log | head -1)"
  grep -E "Exception|rror" /tmp/b.log | head -3
}
profile() {
  timeout 60 .device/run -Xss8m ${2:-} -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 --device cuda \
    --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/$1-profile.txt 2>&1
}
ncu_fm_step() {
  timeout $2 bash .ci/gpu/ncu-detail.sh $1 bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 \
    --warmup 0 --precision fp32 > $OUT/$1-digest.txt 2>&1
  echo "ncu done $((SECONDS-t0)) s"
}
