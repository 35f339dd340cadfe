#!/bin/sh
# The fast path's fallbacks, forced on this machine: every golden and fast-vs-reference
# test binary of the engine runs again
#   - with SEER_ISA=avx2: no AVX-512 twins, oneDNN capped at AVX2, bf16 falls back to fp32
#     (what a CPU without AVX-512 gets), and
#   - with SEER_NO_DNNL=1: no oneDNN at all (reference convolutions).
# Prints one line per run and the totals of the binaries' own summaries.
set -u
BUILD=${BUILD:-build}
passed=0 failed=0 skipped=0
run() {
    label=$1; shift
    bin=$1
    if [ ! -x "$bin" ]; then
        echo "FAIL $label: $bin is not built"
        failed=$((failed + 1))
        return
    fi
    out=$(env $ENVS "$@" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $label: no summary (exit $rc)"
        printf '%s\n' "$out" | tail -n 5
        failed=$((failed + 1))
        return
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
    [ "$f" -eq 0 ] && [ "$rc" -eq 0 ] && echo "ok   $label: $line" ||
        { echo "FAIL $label: $line"; printf '%s\n' "$out" | grep -v '^ok ' | tail -n 20; }
}
ENVS="SEER_ISA=avx2"
run "avx2 goldens" "$BUILD/tests/test_models" default
run "avx2 fast twins" "$BUILD/tests/test_fast"
run "avx2 bf16 fallback" "$BUILD/tests/test_bf16"
ENVS="SEER_NO_DNNL=1"
run "no-oneDNN goldens" "$BUILD/tests/test_models" default
run "no-oneDNN fast twins" "$BUILD/tests/test_fast"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
