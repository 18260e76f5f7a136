#!/usr/bin/env bash
# Session 19's fourth device call (issue 22, the host's CPU only; any card): on the quiet Intel host of s19c the 8x32 tile
# ran at 0.97 of the FMA ceiling with B in L1 but 0.80-0.96 with B from L2, and one thread at 0.78 of OpenBLAS at 1024³;
# so a smaller KC (the B micro-panel nearer L1) as the third side of paired_gemm.py, 7 rounds, AVX-512: KC 256 on one
# and on two pinned threads, then KC 384 on one. About 170 s. Run from the repo root after .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
echo "== tile probe"; tile_probe
export SHAPES=$FIVE_SHAPES
for case in "256 1" "256 2" "384 1"; do
  read -r kc th <<<"$case"
  BASE_JAVA_CMD=".device/run -Xss8m -Djmamba.gemm.kc=$kc -cp .device/lib/* dev.jmamba.app.Main" paired_pinned kc${kc}_t$th $th 7
done
echo "s19d done $((SECONDS-t0)) s"
