#!/usr/bin/env bash
# Session 19's fifth device call (issue 22, the host's CPU only; any card): in s19a, s19c and s19d the tile probe's B
# panels streamed from L2 ran 8-23% faster at the one offset that puts them on 64-byte lines (+12 floats into a
# humongous array) than at the other three. Java arrays start on 8-byte boundaries, so the GEMM's packed B panels sit
# at any of 8 phases; with -XX:ObjectAlignmentInBytes=64 every array starts on a 64-byte boundary and its floats 16
# bytes in. paired_gemm.py 7 rounds, both sides with that flag: jmamba with -Djmamba.gemm.bAlignFloats=12 (panels on
# lines) against the base at 0 (16 bytes off), AVX-512, one thread and two pinned. About 120 s. Run from the repo root
# after .ci/gpu/pack.sh, OUT set.
# (The property was replaced the same session by -Djmamba.gemm.alignB, on by default: this script needs the commit
# that had it, 164f580.)
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
echo "== tile probe"; tile_probe
export SHAPES=$FIVE_SHAPES
export JAVA_CMD=".device/run -Xss8m -XX:ObjectAlignmentInBytes=64 -Djmamba.gemm.bAlignFloats=12 -cp .device/lib/* dev.jmamba.app.Main"
export BASE_JAVA_CMD=".device/run -Xss8m -XX:ObjectAlignmentInBytes=64 -cp .device/lib/* dev.jmamba.app.Main"
for th in 1 2; do paired_pinned align_t$th $th 7; done  # jm: B panels on 64-byte lines; base: 16 bytes off
echo "s19e done $((SECONDS-t0)) s"
