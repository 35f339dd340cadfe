#!/bin/sh
# The Tuning page in headless Chromium (tests/browser/tuning.test.mjs) against a server
# started here with two tiny sh + awk trainers on its allow-list (no models needed).
# Screenshots go to test-output/. Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SEER=./$BUILD/seer
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

skip() { echo "skip browser_tuning"; echo "    SKIP: $1"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
command -v node >/dev/null 2>&1 || skip "needs node"
[ -d node_modules/playwright-core ] || skip "needs npm packages (scripts/setup: npm ci)"
[ -x "$CHROMIUM" ] || skip "needs $CHROMIUM (scripts/packages.txt)"
command -v awk >/dev/null 2>&1 || skip "needs awk"
if [ ! -x "$SEER" ]; then echo "FAIL browser_tuning: no $SEER"; echo "0 passed, 1 failed"; exit 1; fi

tmp=$(mktemp -d /tmp/seer-browser-tuning.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# score = 5 - (x - 0.3)^2 - (act == "relu" ? 0 : 1), a fifth of a second per trial so the
# page sees trials arrive; slow never ends (for cancel).
cat >"$tmp/quad.sh" <<'SH'
for a in "$@"; do case $a in --x=*) x=${a#--x=};; --act=*) act=${a#--act=};; esac; done
sleep 0.2
awk -v x="$x" -v act="$act" 'BEGIN { printf "score=%.12g\n", 5 - (x - 0.3) ^ 2 - (act == "relu" ? 0 : 1) }'
SH
printf 'sleep 30\n' >"$tmp/slow.sh"
"$SEER" serve --port 0 --bind 127.0.0.1 --models "$tmp/models" --state "$tmp/state" \
    --scan-ms 0 --tune-trainer "quad=sh $tmp/quad.sh" --tune-trainer "slow=sh $tmp/slow.sh" \
    >"$tmp/log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 300); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/log" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "FAIL browser_tuning: the server did not start"; cat "$tmp/log"
    echo "0 passed, 1 failed"; exit 1
fi
pw=$(sed -n 's/.*created user "admin" with password: //p' "$tmp/log" 2>/dev/null)
mkdir -p test-output
SEER_URL="http://127.0.0.1:$port" SEER_USER=admin SEER_PASS="$pw" OUT=test-output \
    CHROMIUM="$CHROMIUM" node tests/browser/tuning.test.mjs
rc=$?
[ $rc -ne 0 ] && { echo "    server log:"; tail -n 20 "$tmp/log" | sed 's/^/    /'; }
exit $rc
