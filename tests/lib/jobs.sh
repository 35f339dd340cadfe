# The job API calls that tests/jobs.sh and tests/tune_server.sh share. Sourced after
# tests/lib/server.sh, once $tmp, $base and $AUTH are set.

# code METHOD PATH [curl args]: the HTTP status; the body goes to $tmp/body.
code() {
    m=$1 p=$2
    shift 2
    curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" -H "$AUTH" "$@" "$base$p"
}
# submit JSON [QUERY]: POSTs a job, prints the status.
submit() {
    code POST "/v1/jobs${2:-}" -H 'Content-Type: application/json' -d "$1"
}
# state ID: the job's state (and the whole job in $tmp/job).
state() {
    curl -s -H "$AUTH" "$base/v1/jobs/$1" >"$tmp/job"
    jq -r .state "$tmp/job"
}
# wait_for ID "STATE..." SECONDS: waits until the job is in one of the states.
wait_for() {
    for _ in $(seq 1 $(($3 * 10))); do
        s=$(state "$1")
        case " $2 " in *" $s "*) return 0 ;; esac
        sleep 0.1
    done
    echo "    job $1 is $s after $3 s: $(head -c 600 "$tmp/job")"
    return 1
}
