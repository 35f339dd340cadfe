#!/bin/sh
# Runs every test binary given, then the script tests in tests/*.sh, and prints the
# sum of their "N passed, N failed, N skipped" lines. Exit status 1 if anything failed
# or a binary crashed without its summary line.
set -u
passed=0 failed=0 skipped=0 crashed=0
run_one() {
    name=$1; shift
    echo "== $name"
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -v '^ok ' || true
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -z "$line" ]; then
        echo "CRASH $name (exit $rc, no summary line)"
        crashed=$((crashed + 1))
        return
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "CRASH $name (exit $rc after its summary line)"
        crashed=$((crashed + 1))
    fi
}
for t in "$@"; do
    run_one "$(basename "$t")" "$t"
done
# NO_SCRIPTS=1 runs the binaries only (the ThreadSanitizer pass).
scripts=tests/*.sh
[ -n "${NO_SCRIPTS:-}" ] && scripts=
for t in $scripts; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t")" env BUILD="${BUILD:-build}" sh "$t"
done
failed=$((failed + crashed))
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
