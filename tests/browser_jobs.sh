#!/bin/sh
# The Jobs page in headless Chromium (tests/browser/jobs.test.mjs) against a server started
# here with a job root holding a folder of coco-dev photos (and one broken file).
# Screenshots go to test-output/. Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh
IMG=$SHARED/data/coco-dev/images
PHOTOS=60

browser_init browser_jobs
[ -f models/centernet/1/seer.json ] || browser_skip "needs models/centernet/1 (scripts/setup)"
[ -d "$IMG" ] || browser_skip "needs $IMG"
[ -x "$SEER" ] || browser_fail "no $SEER"

srv_tmpdir browser-jobs
mkdir -p "$tmp/models/centernet" "$tmp/root/photos/more"
cp -r models/centernet/1 "$tmp/models/centernet/1"
i=0
for p in $(ls "$IMG" | head -n $PHOTOS); do
    # Some in a sub-folder: a folder job takes everything below it.
    if [ $i -lt 10 ]; then cp "$IMG/$p" "$tmp/root/photos/more/"; else cp "$IMG/$p" "$tmp/root/photos/"; fi
    i=$((i + 1))
done
printf '\377\330\377\340 broken' >"$tmp/root/photos/broken.jpg"
browser_serve --models "$tmp/models" --job-root "$tmp/root" --scan-ms 0
browser_run jobs.test.mjs PHOTOS=$PHOTOS
