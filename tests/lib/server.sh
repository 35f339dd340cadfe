# Plumbing shared by the script tests that run `seer serve` on loopback. Sourced, never run
# (it is not a tests/*.sh, which `make test` runs one by one). A test does
#     set -u
#     cd "$(dirname "$0")/.."
#     . tests/lib/server.sh
# and then has:
#   BUILD, SEER (./$BUILD/seer, or $SEER_BIN to test another binary), SHARED;
#   ok NAME, bad NAME [DETAIL], skipped NAME REASON, finish: the counters, and the final
#     "N passed, N failed, N skipped" line that tools/run-tests.sh adds up;
#   srv_tmpdir, srv_start, srv_admin_password, srv_token, srv_stop, srv_check_log: a server
#     with its state in a temporary directory that goes away with the test;
#   browser_init, browser_serve, browser_run: the same for the Playwright tests in
#     tests/browser/, whose summary line the node script prints.
BUILD=${BUILD:-build}
SEER=${SEER_BIN:-./$BUILD/seer}
SHARED=${SEER_SHARED:-../shared}

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "    $2"; }
skipped() { skip=$((skip + 1)); echo "skip $1"; echo "    SKIP: $2"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

# srv_tmpdir NAME [SIGNAL [HOOK]]: makes $tmp (/tmp/seer-NAME.XXXXXX) and sets pid empty.
# When the test ends, a server still in $pid gets SIGNAL (TERM; KILL where a graceful stop
# could wait on a running job), then the function HOOK runs, then $tmp goes.
srv_tmpdir() {
    tmp=$(mktemp -d "/tmp/seer-$1.XXXXXX")
    srv_signal=${2:-TERM}
    srv_hook=${3:-}
    pid=""
    trap srv_cleanup EXIT INT TERM
}
srv_cleanup() {
    [ -n "$pid" ] && kill -"$srv_signal" "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "$srv_hook" ] && "$srv_hook"
    rm -rf "$tmp"
}

# srv_start LOG [SERVE_ARGS...]: starts `seer serve` on a free loopback port with its state
# in $tmp/state, its output appended to LOG, and sets pid, port and base (http:// or, with
# TLS, https://127.0.0.1:PORT). It waits up to 60 s for a "listening on" line newer than
# those LOG already had (a restarted server appends to the same log). False if none came:
# then port and base are empty.
srv_start() {
    srv_log=$1
    shift
    srv_seen=$(srv_listening "$srv_log" | wc -l)
    "$SEER" serve --port 0 --bind 127.0.0.1 --state "$tmp/state" "$@" >>"$srv_log" 2>&1 &
    pid=$!
    base=""
    for _ in $(seq 1 600); do
        base=$(srv_listening "$srv_log" | sed -n "$((srv_seen + 1))p")
        [ -n "$base" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    port=${base##*:}
    [ -n "$port" ]
}
srv_listening() { # LOG: the base URL of every "listening on" line in it
    sed -n 's|.*listening on \(https*://127\.0\.0\.1:[0-9][0-9]*\)/.*|\1|p' "$1" 2>/dev/null
}

# srv_admin_password LOG: the password a first start printed for the user admin.
srv_admin_password() {
    sed -n 's/.*created user "admin" with password: //p' "$1" 2>/dev/null
}

# srv_token NAME: prints a new API token for admin, made with the CLI on the server's state.
srv_token() {
    "$SEER" token create --name "$1" --state "$tmp/state"
}

# srv_stop [SIGNAL]: stops the server in $pid (SIGTERM: it drains and exits) and waits.
srv_stop() {
    kill -"${1:-TERM}" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=""
}

# srv_check_log LOG: under SAN=address,undefined (or thread) the server writes its leaks
# and errors to its log; there must be none.
srv_check_log() {
    if grep -Eq 'AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error' "$1"; then
        bad server_log_has_no_sanitizer_reports "$(grep -E -m 5 'Sanitizer|runtime error' "$1")"
    else
        ok server_log_has_no_sanitizer_reports
    fi
}

# browser_init NAME: the checks every browser test starts with. Without node, the npm
# packages or Debian's chromium ($CHROMIUM) it is skipped: browser_skip REASON prints that
# and exits 0; browser_fail REASON reports NAME failed and exits 1.
browser_init() {
    browser_name=$1
    CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
    command -v node >/dev/null 2>&1 || browser_skip "needs node"
    [ -d node_modules/playwright-core ] || browser_skip "needs npm packages (scripts/setup: npm ci)"
    [ -x "$CHROMIUM" ] || browser_skip "needs $CHROMIUM (scripts/packages.txt)"
}
browser_skip() {
    echo "skip $browser_name"
    echo "    SKIP: $1"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}
browser_fail() {
    echo "FAIL $browser_name: $1"
    [ $# -gt 1 ] && cat "$2"
    echo "0 passed, 1 failed"
    exit 1
}

# browser_serve [SERVE_ARGS...]: a server for the page (log in $tmp/log) or a failure; sets
# pw, admin's password.
browser_serve() {
    srv_start "$tmp/log" "$@" || browser_fail "the server did not start" "$tmp/log"
    pw=$(srv_admin_password "$tmp/log")
}

# browser_run TEST.mjs [VAR=VALUE...]: runs tests/browser/TEST.mjs against the server as
# admin with the VARs in its environment, screenshots to test-output/, and exits with its
# status, showing the end of the server's log if it failed.
browser_run() {
    browser_test=$1
    shift
    mkdir -p test-output
    env SEER_URL="$base" SEER_USER=admin SEER_PASS="$pw" OUT=test-output CHROMIUM="$CHROMIUM" \
        "$@" node "tests/browser/$browser_test"
    rc=$?
    [ $rc -ne 0 ] && { echo "    server log:"; tail -n 20 "$tmp/log" | sed 's/^/    /'; }
    exit $rc
}
