#!/usr/bin/env bash
# One device call for whichever card comes (session 15's plan): on an H200, issue 14's deciding run (s13c.sh); on
# anything else, issue 22 on the host's CPU (s15a.sh). Run from the repo root after .ci/gpu/pack.sh, with OUT set.
set -uo pipefail
name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
echo "card: ${name:-none}"
if grep -q H200 <<<"$name"; then bash "$(dirname "$0")/s13c.sh"; else bash "$(dirname "$0")/s15a.sh"; fi
