# Shell helpers shared by compare_gemm.sh and gemm_variants.sh (sourced; not run on its own).
# numpy ARGS...: tensor/bench/numpy_gemm.py with $threads OpenBLAS threads, and OPENBLAS_CORETYPE=$coretype when set
#   (else OpenBLAS's own core choice); $here is the tensor/bench folder.
# key: "M,N,K,TA,TB" of a {"case":"gemm"} JSON line on stdin; field NAME: that number of the line; median: of numbers, one per line.
numpy() {
  if [ -n "$coretype" ]; then OPENBLAS_CORETYPE=$coretype OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" python3 "$here/numpy_gemm.py" "$@"
  else env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" python3 "$here/numpy_gemm.py" "$@"; fi
}
key() { sed -n 's/.*"n":\([0-9]*\),"m":\([0-9]*\),"k":\([0-9]*\),"ta":\([01]\),"tb":\([01]\).*/\2,\1,\3,\4,\5/p'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
