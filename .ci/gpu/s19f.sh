#!/usr/bin/env bash
# Session 19's sixth device call (issue 22, the host's CPU only; any card): the SGEMM now packs B from its buffer's first
# 64-byte line (ArrayLines, -Djmamba.gemm.alignB, default true); s19e measured the same placement through
# -XX:ObjectAlignmentInBytes=64. paired_gemm.py 7 rounds with -Djmamba.gemm.alignB=false as the third side, AVX-512,
# one thread and two pinned, five shapes. About 120 s. Run from the repo root after .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
export SHAPES=$FIVE_SHAPES BASE_JAVA_CMD=".device/run -Xss8m -Djmamba.gemm.alignB=false -cp .device/lib/* dev.jmamba.app.Main"
tile_probe
for th in 1 2; do paired_pinned alignB_t$th $th 7; done  # jm: B panels on lines; base: from the buffer's start
echo "s19f done $((SECONDS-t0)) s"
