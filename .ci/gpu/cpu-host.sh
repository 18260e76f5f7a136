# Sourced by the CPU scripts of the device host (s14a.sh, s14b.sh, s14c.sh): the java command that runs jmamba's Main
# from the pack (JAVA_CMD, as an array in jcmd), the host's CPU model and load, and in `cpus` the first two logical
# CPUs on distinct physical cores (for taskset); `tile_probe` runs `bench gemm --tile-probe` on the first of them.
export JAVA_CMD=${JAVA_CMD:-".device/run -Xss8m -cp .device/lib/* dev.jmamba.app.Main"}
read -r -a jcmd <<<"$JAVA_CMD"
grep -m1 "model name" /proc/cpuinfo; echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
cpus=$(lscpu -p=CPU,CORE,SOCKET | grep -v '^#' | awk -F, '!seen[$2 "," $3]++ {print $1}' | head -2 | paste -sd,)
tile_probe() { taskset -c "${cpus%%,*}" "${jcmd[@]}" bench gemm --tile-probe 2>/dev/null | grep -v '^sgemm'; }
