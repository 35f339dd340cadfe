#!/bin/sh
# Batch jobs in the server over real HTTP: submit (photos and JSON instances), states and
# progress up to SUCCEEDED, the result files and the results endpoint, paths confined to
# the job root (/etc/shadow, '..', symlinks out), bad requests, cancel of a queued and of a
# running job, lower priority of job threads, and a job resuming after the server is
# killed with -9. Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh
. tests/lib/jobs.sh
IMG=$SHARED/data/coco-dev/images

for tool in curl jq; do
    command -v $tool >/dev/null 2>&1 || { skipped jobs_http "needs $tool"; finish; }
done
[ -x "$SEER" ] || { bad jobs_http "no $SEER: build first"; finish; }
[ -f models/centernet/1/seer.json ] || { skipped jobs_http "needs models/centernet/1"; finish; }
[ -d "$IMG" ] || { skipped jobs_http "needs $IMG"; finish; }

srv_tmpdir jobs-test KILL

root=$tmp/root
mkdir -p "$tmp/models/centernet" "$root/few/sub" "$root/many"
cp -r models/centernet/1 "$tmp/models/centernet/1"
photos=$(ls "$IMG" | head -n 48)
for p in $(echo "$photos" | head -n 4); do cp "$IMG/$p" "$root/few/"; done
for p in $(echo "$photos" | sed -n 5,6p); do cp "$IMG/$p" "$root/few/sub/"; done
printf '\377\330\377\340 not a JPEG' >"$root/few/sub/corrupt.jpg"
for p in $(echo "$photos" | tail -n 40); do cp "$IMG/$p" "$root/many/"; done
set -- $(echo "$photos" | head -n 2)
{
    printf '{"key": "a", "b64": "%s"}\n' "$(base64 -w0 "$IMG/$1")"
    printf '{"key": "b", "image_bytes": {"b64": "%s"}}\n' "$(base64 -w0 "$IMG/$2")"
} >"$root/inst.jsonl"
ln -s /etc "$root/etc-link"
ln -s /etc/passwd "$root/few/passwd.jpg"

start() {
    srv_start "$tmp/log" --models "$tmp/models" --job-root "$root" --threads 1 --scan-ms 0
}
if ! start; then
    bad server_starts "no 'listening on' line"
    cat "$tmp/log"
    finish
fi
tok=$(srv_token jobs)
AUTH="Authorization: Bearer $tok"

input() {
    printf '{"jobId": "%s", "predictionInput": {"dataFormat": "%s", "inputPaths": [%s],
        "outputPath": "%s", "modelName": "%s"}}' "$1" "$2" "$3" "$4" "${5:-centernet}"
}

# A small job of photo files: every photo in the results, the corrupt one in the errors.
got=$(submit "$(input small IMAGE '"few/**/*.jpg"' out/small)")
if [ "$got" = 200 ] && [ "$(jq -r .jobId "$tmp/body")" = small ] &&
    jq -e '.state == "QUEUED" or .state == "PREPARING" or .state == "RUNNING"' "$tmp/body" \
        >/dev/null; then
    ok submit_answers_the_job
else
    bad submit_answers_the_job "HTTP $got: $(cat "$tmp/body")"
fi
# few/passwd.jpg is a symlink to /etc/passwd: the whole job must refuse it.
if wait_for small "FAILED SUCCEEDED" 60 && [ "$(state small)" = FAILED ] &&
    jq -e '.errorMessage | test("passwd.jpg.*resolves to ./etc/passwd., outside the job roots")' \
        "$tmp/job" >/dev/null && [ ! -f "$root/out/small/prediction.results-00000-of-00001" ]; then
    ok symlink_out_of_root_fails_the_job
else
    bad symlink_out_of_root_fails_the_job "$(cat "$tmp/job")"
fi
rm "$root/few/passwd.jpg"
submit "$(input small2 IMAGE '"few/**/*.jpg"' out/small)" >/dev/null
res=$root/out/small/prediction.results-00000-of-00001
if wait_for small2 "SUCCEEDED FAILED" 60 && [ "$(state small2)" = SUCCEEDED ] &&
    jq -e '.progress == {"done": 7, "failed": 1, "total": 7} and
        .predictionOutput.predictionCount == 6 and .predictionOutput.errorCount == 1 and
        (.startTime | test("^20..-..-..T..:..:..Z$")) and (.endTime | length) > 0' \
        "$tmp/job" >/dev/null && [ "$(wc -l <"$res")" -eq 6 ] &&
    grep -q 'corrupt.jpg", "status": "EFORMAT"' \
        "$root/out/small/prediction.errors_stats-00000-of-00001"; then
    ok image_job_succeeds_with_counts_and_files
else
    bad image_job_succeeds_with_counts_and_files "$(cat "$tmp/job")"
fi
got=$(code GET "/v1/jobs/small2/results?offset=1&limit=2")
if [ "$got" = 200 ] && jq -e '(.results | length) == 2 and .total == 6 and .errorTotal == 1 and
        (.results[0].detections | type) == "array" and (.errors[0].error | length) > 0' \
        "$tmp/body" >/dev/null; then
    ok results_endpoint_pages_the_files
else
    bad results_endpoint_pages_the_files "HTTP $got: $(head -c 300 "$tmp/body")"
fi

# JSON instances with keys.
submit "$(input inst JSON '"inst.jsonl"' out/inst)" >/dev/null
if wait_for inst "SUCCEEDED FAILED" 60 && [ "$(state inst)" = SUCCEEDED ] &&
    [ "$(jq -r .key "$root/out/inst/prediction.results-00000-of-00001" | sort | tr '\n' ' ')" \
        = "a b " ]; then
    ok json_instances_job
else
    bad json_instances_job "$(cat "$tmp/job")"
fi

got=$(code GET /v1/jobs)
if [ "$got" = 200 ] && jq -e --arg r "$(cd "$root" && pwd -P)" '.roots == [$r] and
        ([.jobs[].jobId] == ["inst", "small2", "small"])' "$tmp/body" >/dev/null; then
    ok list_newest_first_with_roots
else
    bad list_newest_first_with_roots "$(head -c 400 "$tmp/body")"
fi

# Paths outside the job root are refused with 400 and a message naming the problem.
nbad=0
for case in '"/etc/shadow"|out/x|outside the job roots' \
    '"../../../../etc/*"|out/x|not allowed' \
    '"few/*.jpg"|/tmp/elsewhere|outside the job roots' \
    '"few/*.jpg"|out/../../x|not allowed' \
    '"etc-link/shadow"|out/x|resolves to'; do
    paths=${case%%|*} rest=${case#*|}
    out=${rest%%|*} want=${rest#*|}
    got=$(submit "$(input esc IMAGE "$paths" "$out")")
    if [ "$got" = 400 ] && jq -e --arg w "$want" '.error | contains($w)' "$tmp/body" >/dev/null
    then :; else
        nbad=$((nbad + 1))
        echo "    $paths -> $out: HTTP $got $(cat "$tmp/body")"
    fi
done
[ $nbad -eq 0 ] && ok paths_outside_roots_refused || bad paths_outside_roots_refused
[ "$(state esc)" = null ] && ok refused_job_not_recorded || bad refused_job_not_recorded

# Bad requests: 400 naming the field; an unknown model 404.
nbad=0
for case in '400|{}' \
    '400|{"predictionInput": {"dataFormat": "TF_RECORD", "inputPaths": ["few/*.jpg"], "outputPath": "o", "modelName": "centernet"}}' \
    '400|{"predictionInput": {"dataFormat": "IMAGE", "inputPaths": [], "outputPath": "o", "modelName": "centernet"}}' \
    '400|{"predictionInput": {"dataFormat": "IMAGE", "inputPaths": ["few/*.jpg"], "modelName": "centernet"}}' \
    '400|{"predictionInput": {"dataFormat": "IMAGE", "inputPaths": ["few/*.jpg"], "outputPath": "o"}}' \
    '400|{"jobId": "9bad", "predictionInput": {"dataFormat": "IMAGE", "inputPaths": ["few/*.jpg"], "outputPath": "o", "modelName": "centernet"}}' \
    '400|{"jobId": "small", "predictionInput": {"dataFormat": "IMAGE", "inputPaths": ["few/*.jpg"], "outputPath": "o", "modelName": "centernet"}}' \
    '400|{"predictionInput": {"dataFormat": "IMAGE", "inputPaths": ["few/*.jpg"], "outputPath": "o", "modelName": "centernet", "batchSize": 0}}' \
    '404|{"predictionInput": {"dataFormat": "IMAGE", "inputPaths": ["few/*.jpg"], "outputPath": "o", "modelName": "nosuchmodel"}}' \
    '400|not json'; do
    want=${case%%|*}
    got=$(submit "${case#*|}")
    if [ "$got" != "$want" ] || ! jq -e '.error | length > 0' "$tmp/body" >/dev/null 2>&1; then
        nbad=$((nbad + 1))
        echo "    ${case#*|}: HTTP $got $(cat "$tmp/body")"
    fi
done
[ $nbad -eq 0 ] && ok bad_requests_refused || bad bad_requests_refused
got=$(code GET /v1/jobs/nosuchjob)
[ "$got" = 404 ] && ok unknown_job_404 || bad unknown_job_404 "HTTP $got"

# A long job runs; a second one waits QUEUED and cancels at once; the running one cancels
# through CANCELLING. While it runs, the job's threads have a lower priority (nice 10).
submit "$(input big IMAGE '"many/*.jpg"' out/big)" >/dev/null
submit "$(input waiting IMAGE '"many/*.jpg"' out/waiting)" >/dev/null
for _ in $(seq 1 600); do
    [ "$(state big)" = RUNNING ] && [ "$(jq .progress.done "$tmp/job")" -ge 1 ] && break
    sleep 0.1
done
niced=0
for t in /proc/$pid/task/*; do
    [ "$(awk '{ print $19 }' "$t/stat" 2>/dev/null)" = 10 ] && niced=$((niced + 1))
done
# The runner, the decoder and the inference worker at least.
[ $niced -ge 3 ] && ok job_threads_run_at_lower_priority ||
    bad job_threads_run_at_lower_priority "$niced threads at nice 10"
got=$(code POST /v1/jobs/waiting:cancel)
if [ "$got" = 200 ] && [ "$(jq -r .state "$tmp/body")" = CANCELLED ]; then
    ok cancel_queued_job
else
    bad cancel_queued_job "HTTP $got: $(cat "$tmp/body")"
fi
got=$(code POST /v1/jobs/big:cancel)
s=$(jq -r .state "$tmp/body")
if [ "$got" = 200 ] && { [ "$s" = CANCELLING ] || [ "$s" = CANCELLED ]; } &&
    wait_for big CANCELLED 30 &&
    jq -e '.progress.done < .progress.total and .progress.total == 40 and (.endTime | length) > 0' \
        "$tmp/job" >/dev/null; then
    ok cancel_running_job
else
    bad cancel_running_job "HTTP $got, $s: $(cat "$tmp/job")"
fi
got=$(code POST /v1/jobs/big:cancel)
[ "$got" = 400 ] && jq -e '.error | contains("already ended")' "$tmp/body" >/dev/null &&
    ok cancel_ended_job_400 || bad cancel_ended_job_400 "HTTP $got"
[ "$(state waiting)" = CANCELLED ] && ok cancelled_job_never_runs || bad cancelled_job_never_runs

# A running job survives kill -9 of the server: it resumes at the next start and ends with
# every photo exactly once.
submit "$(input resume IMAGE '"many/*.jpg"' out/resume)" >/dev/null
work=$root/out/resume/.seer-batch-00000-of-00001
for _ in $(seq 1 600); do
    ls "$work"/chunk-* >/dev/null 2>&1 && break
    [ "$(state resume)" = SUCCEEDED ] && break
    sleep 0.05
done
started=$(state resume >/dev/null; jq -r .startTime "$tmp/job")
srv_stop KILL
if ! ls "$work"/chunk-* >/dev/null 2>&1; then
    bad job_resumes_after_kill_9 "no chunk while it ran: $(cat "$tmp/job")"
elif ! start; then
    bad job_resumes_after_kill_9 "the server did not start again"
elif wait_for resume "SUCCEEDED FAILED" 90 && [ "$(state resume)" = SUCCEEDED ] &&
    [ "$(jq -r .startTime "$tmp/job")" = "$started" ] &&
    [ "$(jq -r .path "$root/out/resume/prediction.results-00000-of-00001" | sort -u | wc -l)" \
        -eq 40 ] &&
    [ "$(wc -l <"$root/out/resume/prediction.results-00000-of-00001")" -eq 40 ] &&
    grep -q 'job resume: resuming' "$tmp/log"; then
    ok job_resumes_after_kill_9
else
    bad job_resumes_after_kill_9 "$(cat "$tmp/job")"
fi

# A graceful stop (SIGTERM) in the middle of a job: it commits what it finished, stays
# RUNNING and completes after the next start.
submit "$(input graceful IMAGE '"many/*.jpg"' out/graceful)" >/dev/null
for _ in $(seq 1 600); do
    [ "$(state graceful)" = RUNNING ] && [ "$(jq .progress.done "$tmp/job")" -ge 1 ] && break
    [ "$(state graceful)" = SUCCEEDED ] && break
    sleep 0.05
done
srv_stop
if grep -q 'job graceful: interrupted by shutdown' "$tmp/log" && start &&
    wait_for graceful "SUCCEEDED FAILED" 90 && [ "$(state graceful)" = SUCCEEDED ] &&
    [ "$(jq -r .path "$root/out/graceful/prediction.results-00000-of-00001" | sort -u |
        wc -l)" -eq 40 ] &&
    [ "$(wc -l <"$root/out/graceful/prediction.results-00000-of-00001")" -eq 40 ]; then
    ok job_resumes_after_sigterm
else
    bad job_resumes_after_sigterm "$(cat "$tmp/job")"
    [ -n "$pid" ] || start
fi

got=$(code GET /jobs)
if [ "$got" = 200 ] && grep -q 'New batch job' "$tmp/body"; then
    ok jobs_page_served
else
    bad jobs_page_served "HTTP $got"
fi

srv_stop
srv_check_log "$tmp/log"
finish
