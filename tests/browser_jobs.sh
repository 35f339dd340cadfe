#!/bin/sh
# The Jobs page in headless Chromium (tests/browser/jobs.test.mjs) against a server started
# here with a job root holding a folder of coco-dev photos (and one broken file).
# Screenshots go to test-output/. Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SEER=./$BUILD/seer
SHARED=${SEER_SHARED:-../shared}
IMG=$SHARED/data/coco-dev/images
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PHOTOS=60

skip() { echo "skip browser_jobs"; echo "    SKIP: $1"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
command -v node >/dev/null 2>&1 || skip "needs node"
[ -d node_modules/playwright-core ] || skip "needs npm packages (scripts/setup: npm ci)"
[ -x "$CHROMIUM" ] || skip "needs $CHROMIUM (scripts/packages.txt)"
[ -f models/centernet/1/seer.json ] || skip "needs models/centernet/1 (scripts/setup)"
[ -d "$IMG" ] || skip "needs $IMG"
if [ ! -x "$SEER" ]; then echo "FAIL browser_jobs: no $SEER"; echo "0 passed, 1 failed"; exit 1; fi

tmp=$(mktemp -d /tmp/seer-browser-jobs.XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/models/centernet" "$tmp/root/photos/more"
cp -r models/centernet/1 "$tmp/models/centernet/1"
i=0
for p in $(ls "$IMG" | head -n $PHOTOS); do
    # Some in a sub-folder: a folder job takes everything below it.
    if [ $i -lt 10 ]; then cp "$IMG/$p" "$tmp/root/photos/more/"; else cp "$IMG/$p" "$tmp/root/photos/"; fi
    i=$((i + 1))
done
printf '\377\330\377\340 broken' >"$tmp/root/photos/broken.jpg"
: >"$tmp/log"
"$SEER" serve --port 0 --bind 127.0.0.1 --models "$tmp/models" --state "$tmp/state" \
    --job-root "$tmp/root" --scan-ms 0 >"$tmp/log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 600); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/log" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "FAIL browser_jobs: the server did not start"; cat "$tmp/log"
    echo "0 passed, 1 failed"; exit 1
fi
pw=$(sed -n 's/.*created user "admin" with password: //p' "$tmp/log" 2>/dev/null)
mkdir -p test-output
SEER_URL="http://127.0.0.1:$port" SEER_USER=admin SEER_PASS="$pw" PHOTOS=$PHOTOS \
    OUT=test-output CHROMIUM="$CHROMIUM" node tests/browser/jobs.test.mjs
rc=$?
[ $rc -ne 0 ] && { echo "    server log:"; tail -n 20 "$tmp/log" | sed 's/^/    /'; }
exit $rc
