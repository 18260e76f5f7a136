#!/usr/bin/env bash
# issue 19 on a MULTI-GPU machine (nvidia-h200-x2/x4/x8; withheld so far, not yet run):
# 1) loss curve: --gpus 2 vs 1 GPU at the same global batch 256 (vim-tiny, 60 steps): max |loss difference| per record;
# 2) scaling: img/s at batch 128 per GPU on 1, 2 (and 4, 8 if present) GPUs for vim-tiny and vmamba-tiny,
#    efficiency = img/s(N) / (N * img/s(1)); target >= 0.90; each N > 1 also with --no-overlap (all-reduce after
#    backward) to show what the overlap gains; 2 GPUs overlapped vs --no-overlap must write identical weights. About 1 min per run.
export NCCL_NVLS_ENABLE=0
main() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
n=$(nvidia-smi -L | wc -l); echo "GPUs: $n"; nvidia-smi topo -m 2>/dev/null | head -12
losses() { grep '"type":"step"' $1/metrics.jsonl | grep -o '"train_loss":[-0-9.eE]*' | cut -d: -f2; }
rate() { grep '"type":"step"' $1/metrics.jsonl | tail -2 | grep -o '"img_per_s":[0-9.]*' | cut -d: -f2 | awk '{s+=$1} END {printf "%.1f", s/NR}'; }
c="--model vim-tiny --data synthetic --resolution 224 --batch-size 256 --max-steps 60 --log-every 5 --seed 3 --workers 12 --checkpoint-every 0 --val-limit 256 --device cuda"
main train $c --out /tmp/curve1 > /tmp/curve1.txt 2>&1; echo "1 GPU rc=$?"
main train $c --gpus 2 --out /tmp/curve2 > /tmp/curve2.txt 2>&1; echo "2 GPUs rc=$?"; tail -3 /tmp/curve2.txt
main train $c --gpus 2 --no-overlap --out /tmp/curve2a > /tmp/curve2a.txt 2>&1; echo "2 GPUs --no-overlap rc=$?"
cmp -s /tmp/curve2/checkpoint/model.safetensors /tmp/curve2a/checkpoint/model.safetensors && echo "2 GPUs: overlapped and --no-overlap weights identical" || echo "2 GPUs: overlapped and --no-overlap weights DIFFER"
paste <(losses /tmp/curve1) <(losses /tmp/curve2) | awk '{d=$1-$2; if (d<0) d=-d; if (d>m) m=d; print "step-record " NR ": " $1 "  " $2} END {print "max |loss(1 GPU) - loss(2 GPUs)| = " m}' | tail -14
for model in vim-tiny vmamba-tiny; do
  base=""
  for g in 1 2 4 8; do
    [ $g -le $n ] || continue
    s="--model $model --data synthetic --resolution 224 --batch-size $((128 * g)) --max-steps 40 --log-every 10 --seed 3 --workers $((60 / g > 4 ? 60 / g : 4)) --checkpoint-every 0 --val-limit 128"
    if [ $g = 1 ]; then main train $s --device cuda --out /tmp/s_${model}_$g > /tmp/s.txt 2>&1; else main train $s --gpus $g --out /tmp/s_${model}_$g > /tmp/s.txt 2>&1; fi
    rc=$?; r=$(rate /tmp/s_${model}_$g); [ -z "$base" ] && base=$r
    echo "$model gpus=$g rc=$rc img/s=$r efficiency=$(awk -v r=$r -v b=$base -v g=$g 'BEGIN {printf "%.3f", r / (g * b)}')"
    cat /tmp/s.txt >> $OUT/nccl-multi.log
    if [ $g -gt 1 ]; then   # the same without overlap: all-reduce after backward
      main train $s --gpus $g --no-overlap --out /tmp/s_${model}_${g}_after > /tmp/s.txt 2>&1; rc=$?; r=$(rate /tmp/s_${model}_${g}_after)
      echo "$model gpus=$g --no-overlap rc=$rc img/s=$r efficiency=$(awk -v r=$r -v b=$base -v g=$g 'BEGIN {printf "%.3f", r / (g * b)}')"
      cat /tmp/s.txt >> $OUT/nccl-multi.log
    fi
  done
done
