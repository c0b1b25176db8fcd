#!/usr/bin/env bash
# Rerun the numerically sensitive tests on small networks (`pytest -m "numeric and not slow"`:
# parity of the loss, overfitting, resume, gloo, ONNX export of the small model, NHWC) under other
# CPU kernels and thread counts, so that a tolerance which holds only for this machine's CPU
# fails here too. The tests on the paper-size network (4 stacks x 256 channels: the official
# checkpoint's parity, its landmarks on the original images, its ONNX export) are marked `slow`
# as well: the main run (make test) runs them once, with this CPU's kernels, and they are not
# rerun here. They take most of the numeric tests' time (minutes per variation on 2 cores), and
# their bounds are set from the official code's own spread across CPUs and thread counts (their
# comments), while the small-network tests catch a kernel-dependent tolerance in minutes.
#
#   tools/test_variants.sh [PYTHON]                       every variation below
#   tools/test_variants.sh PYTHON VAR=value [VAR=value]   one variation, all numeric tests
#
# Fails when a variation fails or runs no test. Skips (exit 0) when ../shared is absent, as the
# main suite skips the tests that need it.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
shift $(( $# > 0 ? 1 : 0 ))

# "ENVIRONMENT | pytest -k expression": oneDNN's convolutions limited to AVX2 (what a CPU
# without AVX-512 runs) and to SSE4.1, ATen's generic (non-vectorised) kernels, one and two
# threads (the processes the tests start run one thread, tests/conftest.py subprocess_env, so a
# thread count leaves the ONNX and gloo tests unchanged; the bitwise resume compares two runs on
# the same kernels: run once per kernel set). With two threads OpenMP waits passively: its default
# spin-wait made the rerun up to 8x slower while another job shared the two cores (measured on
# the overfit, official-parity and NHWC tests: 33 s with one thread, 270 s with two, 97 s with two
# waiting passively); the wait policy changes no number.
THREADED="not export_onnx and not dist_train and not resume"
VARIATIONS=(
  "ONEDNN_MAX_CPU_ISA=AVX2 |"
  "ONEDNN_MAX_CPU_ISA=SSE41 |"
  "ATEN_CPU_CAPABILITY=default |"
  "OMP_NUM_THREADS=1 | $THREADED"
  "OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE | $THREADED"
)
single=$(( $# > 0 ))
(( single )) && VARIATIONS=("$* |")

if [[ ! -d ../shared/spec/parity ]]; then
  echo "test variants: skipped (../shared is absent; the numeric tests need it)"
  exit 0
fi

# a variation that equals the main run on this machine is skipped (unless asked for by name)
same_as_default() {
  case $1 in
    ONEDNN_MAX_CPU_ISA=AVX2) ! grep -qw avx512f /proc/cpuinfo 2>/dev/null &&
                             echo "this CPU has no AVX-512: oneDNN already runs AVX2" ;;
    OMP_NUM_THREADS=*) local n want=${1%% *}
                       n=${OMP_NUM_THREADS:-$("$PY" -c \
                         'from tests.conftest import MAIN_THREADS as n; print(n)' 2>/dev/null)}
                       [[ $n == "${want#*=}" ]] && echo "the main run already used $want" ;;
    *) return 1 ;;
  esac
}

status=0
summary=()
for v in "${VARIATIONS[@]}"; do
  envs=$(echo ${v%%|*}); kexpr=$(echo ${v#*|})
  echo
  echo "==================== numeric tests with ${envs}${kexpr:+ (-k '$kexpr')} ===================="
  if (( ! single )) && reason=$(same_as_default "$envs"); then
    echo "skipped: $reason (the main run covers it)"
    summary+=("$(printf '%-7s %-30s %s' skipped "$envs" "$reason")")
    continue
  fi
  start=$SECONDS
  log=$(mktemp)
  env $envs "$PY" -m pytest tests -m "numeric and not slow" ${kexpr:+-k "$kexpr"} -q -ra \
    -p no:cacheprovider \
    2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^=* ?[0-9]+ (passed|failed|errors?|skipped|deselected)|no tests ran' "$log" |
         tail -1 | tr -d '=')
  rm -f "$log"
  if (( rc == 0 )) && [[ $line == *passed* ]]; then
    result=ok
  else
    result=FAILED; status=1
    [[ $line == *passed* ]] || line="${line:-no summary}: no numeric test ran"
  fi
  summary+=("$(printf '%-7s %-30s %4ss %s' $result "$envs" $((SECONDS - start)) "$(echo $line)")")
done

echo
echo "==================== numeric tests under other CPU kernels and thread counts ===================="
printf '%s\n' "${summary[@]}"
exit $status
