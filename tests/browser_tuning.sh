#!/bin/sh
# The Tuning page in headless Chromium (tests/browser/tuning.test.mjs) against a server
# started here with two tiny sh + awk trainers on its allow-list (no models needed).
# Screenshots go to test-output/. Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh

browser_init browser_tuning
command -v awk >/dev/null 2>&1 || browser_skip "needs awk"
[ -x "$SEER" ] || browser_fail "no $SEER"

srv_tmpdir browser-tuning
# score = 5 - (x - 0.3)^2 - (act == "relu" ? 0 : 1), a fifth of a second per trial so the
# page sees trials arrive; slow never ends (for cancel).
cat >"$tmp/quad.sh" <<'SH'
for a in "$@"; do case $a in --x=*) x=${a#--x=};; --act=*) act=${a#--act=};; esac; done
sleep 0.2
awk -v x="$x" -v act="$act" 'BEGIN { printf "score=%.12g\n", 5 - (x - 0.3) ^ 2 - (act == "relu" ? 0 : 1) }'
SH
printf 'sleep 30\n' >"$tmp/slow.sh"
browser_serve --models "$tmp/models" --scan-ms 0 \
    --tune-trainer "quad=sh $tmp/quad.sh" --tune-trainer "slow=sh $tmp/slow.sh"
browser_run tuning.test.mjs
