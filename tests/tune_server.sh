#!/bin/sh
# Tuning jobs in the server over real HTTP, with tiny sh + awk trainers on the server's
# allow-list (--tune-trainer, and one from a config file): a grid study in JSON runs to
# SUCCEEDED with trainingOutput holding every grid point and objectives the trainer's
# formula gives (trainingInput.args reach the trainer), trials at lower priority, a YAML
# body with ?trainer=, both kinds in GET /v1/jobs, bad requests (unknown trainer, bad
# spec, taken jobId) refused with 400 naming the problem, 401 without credentials, cancel
# of a running study (its trial processes die) and of a queued one, and a study resuming
# after kill -9 of the server without rerunning a finished trial.
# Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh
. tests/lib/jobs.sh

for tool in curl jq awk; do
    command -v $tool >/dev/null 2>&1 || { skipped tune_server "needs $tool"; finish; }
done
[ -x "$SEER" ] || { bad tune_server "no $SEER: build first"; finish; }

# Trials die with the server (PR_SET_PDEATHSIG); a leftover sleep would be a bug.
kill_slow_trials() {
    for f in "$tmp"/slow.pid.*; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
}
srv_tmpdir tune-server KILL kill_slow_trials
tmp=$(cd "$tmp" && pwd -P)

# --- trainers -------------------------------------------------------------------------
# score = offset - (x - 0.3)^2, with the offset from trainingInput.args; records its nice.
cat >"$tmp/quad.sh" <<'SH'
off=0
for a in "$@"; do case $a in --x=*) x=${a#--x=};; --offset=*) off=${a#--offset=};; esac; done
nice >"$TUNE_T/nice.$CLOUD_ML_TRIAL_ID"
awk -v x="$x" -v o="$off" 'BEGIN { printf "epoch 1\nscore=%.12g\n", o - (x - 0.3) ^ 2 }'
SH
# Never finishes on its own; leaves its pid for the cancel test.
cat >"$tmp/slow.sh" <<'SH'
job=$(basename "$(dirname "$SEER_TRIAL_DIR")")
echo $$ >"$TUNE_T/slow.pid.$job.$CLOUD_ML_TRIAL_ID"
sleep 30
echo m=1
SH
# Takes 0.4 s; logs start and end of each trial for the resume test.
cat >"$tmp/steady.sh" <<'SH'
for a in "$@"; do case $a in --x=*) x=${a#--x=};; esac; done
echo "start $CLOUD_ML_TRIAL_ID" >>"$TUNE_T/steady.log"
sleep 0.4
echo "m=$x"
echo "end $CLOUD_ML_TRIAL_ID" >>"$TUNE_T/steady.log"
SH
# One trainer through the config file, as an operator would write it.
printf 'tune-trainer = steady=sh %s/steady.sh\n' "$tmp" >"$tmp/seer.conf"

# The trainers write what they record under $TUNE_T.
TUNE_T=$tmp
export TUNE_T
start() {
    srv_start "$tmp/log" --models "$tmp/models" --scan-ms 0 --config "$tmp/seer.conf" \
        --tune-trainer "quad=sh $tmp/quad.sh" "$@"
}
if ! start --tune-trainer "slow=sh $tmp/slow.sh"; then
    bad server_starts "no 'listening on' line"
    cat "$tmp/log"
    finish
fi
tok=$(srv_token tune)
AUTH="Authorization: Bearer $tok"

# study ID TRAINER ALGORITHM MAXTRIALS PARALLEL VALUES [ARGS]: a one-parameter study.
study() {
    printf '{"jobId": "%s", "trainingInput": {"pythonModule": "%s", "args": [%s],
        "hyperparameters": {"goal": "MAXIMIZE", "hyperparameterMetricTag": "%s",
        "algorithm": "%s", "maxTrials": %s, "maxParallelTrials": %s,
        "params": [{"parameterName": "x", "type": "DISCRETE", "discreteValues": [%s]}]}}}' \
        "$1" "$2" "${7:-}" "$([ "$2" = quad ] && echo score || echo m)" "$3" "$4" "$5" "$6"
}

# --- authentication -------------------------------------------------------------------
a=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "$(study noauth quad GRID_SEARCH 2 1 '0.1, 0.2')" "$base/v1/jobs")
b=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/jobs")
c=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer nope' \
    -H 'Content-Type: application/json' -d "$(study noauth quad GRID_SEARCH 2 1 '0.1')" \
    "$base/v1/jobs")
if [ "$a$b$c" = 401401401 ] && [ ! -d "$tmp/state/tune/noauth" ]; then
    ok no_credentials_401
else
    bad no_credentials_401 "POST $a, GET $b, bad token $c"
fi

# --- a grid study from JSON -----------------------------------------------------------
# The args carry shell syntax that must reach the trainer as plain text.
evil="\"\$(touch $tmp/pwned1)\", \"; touch $tmp/pwned2\", \"\`touch $tmp/pwned3\`\""
got=$(submit "$(study grid quad GRID_SEARCH 10 2 '0.1, 0.3, 0.5, 0.9' "\"--offset=5\", $evil")")
if [ "$got" = 200 ] && jq -e '.jobId == "grid" and (.state == "QUEUED" or .state == "RUNNING")
        and .trainingInput.pythonModule == "quad" and .trainingOutput.isHyperparameterTuningJob
        and .user == "admin"' "$tmp/body" >/dev/null; then
    ok submit_answers_the_tuning_job
else
    bad submit_answers_the_tuning_job "HTTP $got: $(cat "$tmp/body")"
fi
# Every grid point once, objectives as the formula gives them (offset 5 from args), best
# first, Cloud ML Engine's field types (counts and steps are int64 strings).
if wait_for grid "SUCCEEDED FAILED" 60 && [ "$(state grid)" = SUCCEEDED ] &&
    jq -e '.trainingOutput as $o | $o.isHyperparameterTuningJob == true and
        $o.completedTrialCount == "4" and ($o.trials | length) == 4 and
        ([$o.trials[].hyperparameters.x | tonumber] | sort) == [0.1, 0.3, 0.5, 0.9] and
        all($o.trials[]; .state == "SUCCEEDED" and
            ((.finalMetric.objectiveValue - (5 - ((.hyperparameters.x | tonumber) - 0.3)
              * ((.hyperparameters.x | tonumber) - 0.3))) | fabs) < 1e-9) and
        $o.trials[0].hyperparameters.x == "0.3" and $o.trials[0].finalMetric.objectiveValue == 5
        and ([$o.trials[].finalMetric.objectiveValue] | . == (sort | reverse)) and
        (.endTime | test("^20..-..-..T..:..:..Z$"))' "$tmp/job" >/dev/null; then
    ok grid_study_succeeds_with_training_output
else
    bad grid_study_succeeds_with_training_output "$(cat "$tmp/job")"
fi
if [ -z "$(ls "$tmp"/pwned* 2>/dev/null)" ] &&
    jq -e '.trainingInput.args[1] | startswith("$(touch ")' "$tmp/job" >/dev/null; then
    ok args_never_reach_a_shell
else
    bad args_never_reach_a_shell "$(ls "$tmp"/pwned* 2>/dev/null) $(jq -c .trainingInput.args "$tmp/job")"
fi
# Trials run at the server's nice + 10, like batch jobs.
snice=$(ps -o ni= -p "$pid" | tr -d ' ')
want=$((snice + 10 > 19 ? 19 : snice + 10))
nices=$(cat "$tmp"/nice.* 2>/dev/null | sort -u | tr '\n' ' ')
if [ "$(ls "$tmp"/nice.* | wc -l)" -eq 4 ] && [ "$nices" = "$want " ]; then
    ok trials_run_at_lower_priority
else
    bad trials_run_at_lower_priority "server nice $snice, trials: $nices"
fi
# The CLI reads the same store.
if "$SEER" tune --state "$tmp/state" --show grid | grep -q 'job grid  state SUCCEEDED'; then
    ok cli_shows_the_server_study
else
    bad cli_shows_the_server_study "$("$SEER" tune --state "$tmp/state" --show grid 2>&1)"
fi

# --- YAML, as given to seer tune --config, with the trainer in the query ---------------
cat >"$tmp/hp.yaml" <<'YAML'
jobId: yamlstudy
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: score
    algorithm: RANDOM_SEARCH
    maxTrials: 3
    params:
    - {parameterName: x, type: DOUBLE, minValue: -1, maxValue: 1}
YAML
got=$(code POST '/v1/jobs?trainer=quad' -H 'Content-Type: application/yaml' \
    --data-binary "@$tmp/hp.yaml")
if [ "$got" = 200 ] && wait_for yamlstudy "SUCCEEDED FAILED" 60 &&
    jq -e '.state == "SUCCEEDED" and .trainingInput.pythonModule == "quad" and
        .trainingOutput.completedTrialCount == "3" and
        all(.trainingOutput.trials[]; (.hyperparameters.x | tonumber | fabs) <= 1)' \
        "$tmp/job" >/dev/null; then
    ok yaml_body_with_trainer_query
else
    bad yaml_body_with_trainer_query "HTTP $got: $(cat "$tmp/body")"
fi

# --- the list holds both kinds --------------------------------------------------------
got=$(code GET /v1/jobs)
if [ "$got" = 200 ] && jq -e '.trainers == ["steady", "quad", "slow"] and (.roots | length) == 1
        and ([.jobs[].jobId] | .[0:2]) == ["yamlstudy", "grid"] and
        all(.jobs[]; .trainingOutput.isHyperparameterTuningJob == true)' "$tmp/body" \
        >/dev/null; then
    ok list_has_studies_newest_first_and_trainers
else
    bad list_has_studies_newest_first_and_trainers "HTTP $got: $(head -c 600 "$tmp/body")"
fi
# A prediction job still goes to the batch API (which names its own field).
got=$(submit '{"predictionInput": {"dataFormat": "TF_RECORD"}}')
if [ "$got" = 400 ] && jq -e '.error | startswith("predictionInput.dataFormat")' "$tmp/body" \
    >/dev/null; then
    ok prediction_body_goes_to_batch_jobs
else
    bad prediction_body_goes_to_batch_jobs "HTTP $got: $(cat "$tmp/body")"
fi

# --- bad requests ---------------------------------------------------------------------
nbad=0
check_bad() { # WANT_STATUS WANT_TEXT BODY [QUERY]
    got=$(submit "$3" "${4:-}")
    if [ "$got" != "$1" ] || ! jq -e --arg w "$2" '.error | contains($w)' "$tmp/body" \
        >/dev/null 2>&1; then
        nbad=$((nbad + 1))
        echo "    $3 ${4:-}: HTTP $got $(cat "$tmp/body")"
    fi
}
check_bad 400 "no trainer 'nosuch' on this server (it has: steady, quad, slow)" \
    "$(study t1 nosuch GRID_SEARCH 2 1 '1')"
check_bad 400 "no trainer 'rm -rf /'" \
    "$(study t2 'rm -rf /' GRID_SEARCH 2 1 '1')"
check_bad 400 "trainingInput.pythonModule: required" \
    '{"trainingInput": {"hyperparameters": {"maxTrials": 1, "params": [{"parameterName": "x", "type": "DISCRETE", "discreteValues": [1]}]}}}'
check_bad 400 "the query names 'slow' but trainingInput.pythonModule names 'quad'" \
    "$(study t3 quad GRID_SEARCH 2 1 '1')" '?trainer=slow'
check_bad 400 "params[0].minValue" \
    '{"trainingInput": {"pythonModule": "quad", "hyperparameters": {"goal": "MINIMIZE", "maxTrials": 2, "params": [{"parameterName": "x", "type": "DOUBLE", "minValue": 0, "maxValue": 1, "scaleType": "UNIT_LOG_SCALE"}]}}}'
check_bad 400 "trainingInput.args[0]" "$(study t4 quad GRID_SEARCH 2 1 '1' '7')"
check_bad 400 "a job 'grid' exists" "$(study grid quad GRID_SEARCH 2 1 '1')"
check_bad 400 "trainingInput.hyperparameters: required" \
    '{"trainingInput": {"pythonModule": "quad"}}'
[ $nbad -eq 0 ] && ok bad_requests_refused_naming_the_problem || bad bad_requests_refused_naming_the_problem
for j in t1 t2 t3 t4; do
    [ "$(state $j)" = null ] || { bad refused_jobs_not_recorded "$j exists"; j=x; break; }
done
[ "$j" = t4 ] && ok refused_jobs_not_recorded
got=$(code GET /v1/jobs/nosuchjob)
[ "$got" = 404 ] && ok unknown_job_404 || bad unknown_job_404 "HTTP $got"

# --- cancel ---------------------------------------------------------------------------
submit "$(study long slow GRID_SEARCH 3 1 '1, 2, 3')" >/dev/null
submit "$(study waiting slow GRID_SEARCH 3 1 '1, 2, 3')" >/dev/null
for _ in $(seq 1 100); do [ -f "$tmp/slow.pid.long.1" ] && break; sleep 0.1; done
trial=$(cat "$tmp/slow.pid.long.1" 2>/dev/null)
got=$(code POST /v1/jobs/waiting:cancel)
if [ "$got" = 200 ] && [ "$(jq -r .state "$tmp/body")" = CANCELLED ] &&
    [ "$(state long)" = RUNNING ]; then
    ok cancel_queued_study
else
    bad cancel_queued_study "HTTP $got: $(cat "$tmp/body")"
fi
# gone PGID: true once no process of the group is left (killed ones need a moment to be
# reaped by init).
gone() {
    for _ in $(seq 1 30); do
        pgrep -g "$1" >/dev/null 2>&1 || return 0
        sleep 0.1
    done
    echo "    left in group $1: $(ps -o pid=,stat=,args= -g "$1" | tr '\n' ';')"
    return 1
}
got=$(code POST /v1/jobs/long:cancel)
s=$(jq -r .state "$tmp/body")
if [ -n "$trial" ] && [ "$got" = 200 ] && { [ "$s" = CANCELLING ] || [ "$s" = CANCELLED ]; } &&
    wait_for long CANCELLED 10 && gone "$trial" &&
    jq -e '.trainingOutput.trials[0].state == "CANCELLED"' "$tmp/job" >/dev/null; then
    ok cancel_running_study_kills_its_trial
else
    bad cancel_running_study_kills_its_trial "HTTP $got ($s), trial pid '$trial': $(cat "$tmp/job")"
fi
got=$(code POST /v1/jobs/grid:cancel)
[ "$got" = 400 ] && jq -e '.error | contains("already ended (SUCCEEDED)")' "$tmp/body" >/dev/null &&
    ok cancel_ended_study_400 || bad cancel_ended_study_400 "HTTP $got: $(cat "$tmp/body")"
sleep 0.3
if [ "$(state waiting)" = CANCELLED ] && [ ! -f "$tmp/slow.pid.waiting.1" ] &&
    [ ! -d "$tmp/state/tune/waiting/trial-1" ]; then
    ok cancelled_study_never_runs
else
    bad cancelled_study_never_runs "$(cat "$tmp/job")"
fi

# A study from `seer tune` in the same store is listed but not the server's to cancel.
printf '{"trainingInput": {"hyperparameters": {"goal": "MAXIMIZE", "maxTrials": 1, "params": [{"parameterName": "x", "type": "DISCRETE", "discreteValues": [1]}]}}}' >"$tmp/cli.json"
"$SEER" tune --state "$tmp/state" --config "$tmp/cli.json" --job-id fromcli --quiet -- \
    sh -c 'echo training/hptuning/metric=1' >/dev/null 2>&1
got=$(code POST /v1/jobs/fromcli:cancel)
if [ "$got" = 400 ] && jq -e '.error | contains("run by `seer tune`")' "$tmp/body" >/dev/null &&
    [ "$(state fromcli)" = SUCCEEDED ]; then
    ok cli_study_listed_not_cancellable
else
    bad cli_study_listed_not_cancellable "HTTP $got: $(cat "$tmp/body")"
fi

# --- kill -9 of the server in the middle of a study -----------------------------------
submit "$(study resume steady GRID_SEARCH 6 1 '1, 2, 3, 4, 5, 6')" >/dev/null
submit "$(study orphan slow GRID_SEARCH 2 1 '1, 2')" >/dev/null
for _ in $(seq 1 100); do
    [ "$(cat "$tmp/steady.log" 2>/dev/null | grep -c '^end')" -ge 2 ] && break
    sleep 0.1
done
srv_stop KILL
ended=$(grep -c '^end' "$tmp/steady.log")
if [ "$ended" -lt 2 ] || [ "$ended" -ge 6 ]; then
    bad study_resumes_after_kill_9 "$ended trials had ended at the kill"
elif ! start; then # without the slow trainer now
    bad study_resumes_after_kill_9 "the server did not start again"
elif wait_for resume "SUCCEEDED FAILED" 30 &&
    jq -e '.state == "SUCCEEDED" and .trainingOutput.completedTrialCount == "6"' "$tmp/job" \
        >/dev/null && [ "$(grep '^end' "$tmp/steady.log" | sort | uniq -d)" = "" ] &&
    [ "$(grep -c '^end' "$tmp/steady.log")" -eq 6 ]; then
    ok study_resumes_after_kill_9
else
    bad study_resumes_after_kill_9 "$(cat "$tmp/steady.log" | tr '\n' ' ') $(cat "$tmp/job")"
fi

# Its trainer was taken off the list while it waited: it never runs.
if wait_for orphan "CANCELLED FAILED SUCCEEDED" 10 && [ "$(state orphan)" = CANCELLED ] &&
    jq -e '.errorMessage == "trainer '"'slow'"' is no longer on this server'"'"'s list"' \
        "$tmp/job" >/dev/null && [ ! -f "$tmp/slow.pid.orphan.1" ]; then
    ok study_of_a_removed_trainer_does_not_run
else
    bad study_of_a_removed_trainer_does_not_run "$(cat "$tmp/job")"
fi

got=$(code GET /tuning)
if [ "$got" = 200 ] && grep -q 'id="plot"' "$tmp/body"; then
    ok tuning_page_served
else
    bad tuning_page_served "HTTP $got"
fi

srv_stop
srv_check_log "$tmp/log"
finish
