#!/usr/bin/env bash
# issue 20 GPU checks: OOM one-liners, SIGTERM checkpoint, eval of the stopped run
app() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
app bench train --model vmamba-tiny --device cuda --batch-size 2048 --steps 1 --warmup 0 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
app train --data synthetic --model vim-tiny --resolution 224 --batch-size 4096 --max-steps 2 --device cuda --out /tmp/oomrun 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
timeout --preserve-status -s TERM 40 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main train --data synthetic --model vim-nano --max-steps 100000 --device cuda --log-every 1 --checkpoint-every 100000 --out /tmp/sigrun > /tmp/sig.txt 2>&1; echo "rc=$?"; tail -3 /tmp/sig.txt
app eval --checkpoint /tmp/sigrun --device cuda 2>&1 | tail -2; echo "rc=${PIPESTATUS[0]}"
# issue 18 examples and bench scan
.device/run -cp '.device/lib/*' dev.jmamba.examples.ScanByHand --device cuda 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
.device/run -cp '.device/lib/*' dev.jmamba.examples.TinyVim --device cuda --steps 60 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
.device/run -cp '.device/lib/*' dev.jmamba.examples.ClassifyImage 2>&1 | tail -3; echo "rc=${PIPESTATUS[0]}"
app bench scan --device cuda --shape 128,384,197,16 --json 2>&1 | tail -1
