#!/usr/bin/env bash
# issue 13: does bf16 autocast learn as well as fp32? A nano model trained on a Fashion-MNIST subset
# (DATA, default .device/fmnist: the first 10000 (2026-12-04 #4; 12000 before) training and 2500 test images, made on the CPU machine
# from Debian's dataset-fashion-mnist and carried in .device) for the same steps, same seed, in fp32 and
# in bf16, two seeds; the spread between the seeds is the noise. Prints the last validation record of each run.
app() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
for model in ${MODELS:-vim-nano vmamba-nano}; do
  for seed in 1 2; do
    for p in fp32 bf16; do
      out=/tmp/acc_${model}_${seed}_$p
      app train --model $model --data ${DATA:-.device/fmnist} --device cuda --precision $p --seed $seed --max-steps ${STEPS:-300} \
        --batch-size 64 --log-every 100 --checkpoint-every 0 --out $out --overwrite > $out.txt 2>&1
      rc=$?
      val=$(grep "eval after step" $out.txt | tail -1 | cut -c1-200)
      echo "$model seed=$seed $p rc=$rc $val"
    done
  done
done
