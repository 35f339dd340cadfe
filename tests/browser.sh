#!/bin/sh
# The web page in headless Chromium (tests/browser/ui.test.mjs) against a server started
# here on a free loopback port with a temporary state directory. Screenshots go to
# test-output/. Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh
DOG=$SHARED/data/photos/dog.jpg

browser_init browser_ui
[ -f models/centernet/1/seer.json ] || browser_skip "needs models/centernet/1 (scripts/setup)"
[ -f "$DOG" ] || browser_skip "needs $DOG"
[ -x "$SEER" ] || browser_fail "no $SEER"

srv_tmpdir browser-test
browser_serve --models models --scan-ms 0
browser_run ui.test.mjs DOG="$DOG"
