#!/bin/sh
# seer tune end to end: real studies with tiny sh + awk trainers (no python needed).
# Checks grid exactness, Bayesian search beating random search on Branin and on a mixed
# quadratic, the median stopping rule, failing trainers (crash, hang, garbage) as failed
# trials, executor templates and the trial environment, and kill -9 + --resume.
# Builds nothing: uses ${BUILD:-build}/seer. Ends with "N passed, N failed".
set -u
SEER=$(cd "$(dirname "$0")/.." && pwd)/${BUILD:-build}/seer
T=$(mktemp -d /tmp/seer-tune-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
check() { if [ "$2" = 0 ]; then ok "$1"; else bad "$1" "${3:-}"; fi; }

if [ ! -x "$SEER" ]; then
    echo "FAIL seer binary missing at $SEER"
    echo "0 passed, 1 failed"
    exit 1
fi
tune() { "$SEER" tune --state "$T/state" "$@"; }

# --- trainers -------------------------------------------------------------------------
cat > "$T/branin.sh" <<'SH'
for a in "$@"; do case $a in --x1=*) x1=${a#--x1=};; --x2=*) x2=${a#--x2=};; esac; done
awk -v x1="$x1" -v x2="$x2" 'BEGIN { pi = atan2(0, -1); b = 5.1 / (4 * pi * pi); c = 5 / pi
    f = (x2 - b * x1 * x1 + c * x1 - 6) ^ 2 + 10 * (1 - 1 / (8 * pi)) * cos(x1) + 10
    printf "epoch 1 done\nloss=%.12g\n", f }'
SH
# A quadratic with a categorical, an integer and a log-scaled rate; maximum 10. Reports
# through the cloudml-hypertune file, as the Python library writes it.
cat > "$T/quad.sh" <<'SH'
for a in "$@"; do case $a in --x=*) x=${a#--x=};; --lr=*) lr=${a#--lr=};;
    --act=*) act=${a#--act=};; --n=*) n=${a#--n=};; esac; done
awk -v x="$x" -v lr="$lr" -v act="$act" -v n="$n" -v id="$CLOUD_ML_TRIAL_ID" 'BEGIN {
    off = act == "relu" ? 0 : act == "tanh" ? 0.5 : 1
    f = 10 - 4 * (x - 0.3) ^ 2 - (log(lr) / log(10) + 2) ^ 2 - off - 0.1 * (n - 3) ^ 2
    printf "{\"global_step\": \"1\", \"score\": \"%.12g\", \"timestamp\": 1.5, \"trial\": \"%s\"}\n", f, id }' \
    > "$CLOUD_ML_HP_METRIC_FILE"
SH
cat > "$T/grid.sh" <<'SH'
log=$1; shift
for a in "$@"; do case $a in --a=*) A=${a#--a=};; --b=*) B=${a#--b=};; --c=*) C=${a#--c=};; esac; done
echo "$A,$B,$C" >> "$log"
echo "m=1"
SH
# Curves q * step / 10 over 10 steps, reported to the metric file with global_step.
cat > "$T/curve.sh" <<'SH'
for a in "$@"; do case $a in --q=q*) q=${a#--q=q};; esac; done
s=1
while [ $s -le 10 ]; do
    awk -v q="$q" -v s="$s" 'BEGIN { printf "{\"global_step\": \"%d\", \"acc\": \"%g\", \"timestamp\": %d}\n", s, q * s / 10, s }' \
        >> "$CLOUD_ML_HP_METRIC_FILE"
    sleep 0.1
    s=$((s + 1))
done
SH
cat > "$T/faulty.sh" <<'SH'
for a in "$@"; do case $a in --mode=*) mode=${a#--mode=};; esac; done
case $mode in
ok|ok2) echo "m=0.5" ;;
crash) echo "m=0.9"; exit 3 ;;
hang) echo "m=0.7"; sleep 30 ;;
garbage) head -c 4000 /dev/urandom; printf '\nm=notanumber\nm=\n'; awk 'BEGIN { for (i = 0; i < 9000; i++) printf "m=1" }' ;;
esac
SH
cat > "$T/slow.sh" <<'SH'
for a in "$@"; do case $a in --x=*) x=${a#--x=};; esac; done
echo "start $CLOUD_ML_TRIAL_ID" >> "$1"
sleep 0.3
echo "m=$x"
echo "end $CLOUD_ML_TRIAL_ID" >> "$1"
SH
cat > "$T/env.sh" <<'SH'
[ "$EXTRA" = yes ] || exit 5
case $TF_CONFIG in *"\"trial\":\"$CLOUD_ML_TRIAL_ID\""*) ;; *) exit 6 ;; esac
case $CLOUD_ML_HP_METRIC_FILE in "$SEER_TRIAL_DIR"/*) ;; *) exit 7 ;; esac
echo "m=$CLOUD_ML_TRIAL_ID"
SH

# --- configs --------------------------------------------------------------------------
branin_cfg() { # algorithm maxTrials
    cat <<YAML
trainingInput:
  hyperparameters:
    goal: MINIMIZE
    hyperparameterMetricTag: loss
    algorithm: $1
    maxTrials: $2
    params:
    - {parameterName: x1, type: DOUBLE, minValue: -5, maxValue: 10}
    - {parameterName: x2, type: DOUBLE, minValue: 0, maxValue: 15}
YAML
}
quad_cfg() {
    cat <<YAML
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: score
    algorithm: $1
    maxTrials: $2
    params:
    - {parameterName: x, type: DOUBLE, minValue: -1, maxValue: 1}
    - {parameterName: lr, type: DOUBLE, minValue: 0.00001, maxValue: 1, scaleType: UNIT_LOG_SCALE}
    - {parameterName: act, type: CATEGORICAL, categoricalValues: [tanh, sigmoid, relu]}
    - {parameterName: n, type: INTEGER, minValue: 1, maxValue: 8}
YAML
}

# Trials (by id) until the objective first reached the target; the budget when never.
# $1 job, $2 min|max, $3 target, $4 budget
trials_to() {
    tune --show "$1" | awk -v dir="$2" -v tgt="$3" -v budget="$4" '
        $2 == "SUCCEEDED" && $1 ~ /^[0-9]+$/ {
            if ((dir == "min" && $3 <= tgt) || (dir == "max" && $3 >= tgt)) { print $1; found = 1; exit }
        }
        END { if (!found) print budget }'
}

# --- grid -----------------------------------------------------------------------------
cat > "$T/grid.yaml" <<'YAML'
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: m
    algorithm: GRID_SEARCH
    maxTrials: 20
    params:
    - {parameterName: a, type: INTEGER, minValue: 1, maxValue: 3}
    - {parameterName: b, type: CATEGORICAL, categoricalValues: [x, y]}
    - {parameterName: c, type: DISCRETE, discreteValues: [0.5, 2]}
YAML
tune --config "$T/grid.yaml" --job-id grid --quiet -- sh "$T/grid.sh" "$T/grid.log" > "$T/out" 2>&1
rc=$?
want="1,x,0.5 1,x,2 1,y,0.5 1,y,2 2,x,0.5 2,x,2 2,y,0.5 2,y,2 3,x,0.5 3,x,2 3,y,0.5 3,y,2"
got=$(tr '\n' ' ' < "$T/grid.log" | sed 's/ $//')
[ $rc -eq 0 ] && [ "$got" = "$want" ] && grep -q "trials 12 of 20: 12 succeeded" "$T/out"
check "grid runs every grid point once, in order, and stops at the grid's end" $? "rc $rc: $got"

# --- Bayesian vs random ---------------------------------------------------------------
branin_cfg ALGORITHM_UNSPECIFIED 50 > "$T/bo.yaml"
branin_cfg RANDOM_SEARCH 60 > "$T/rand.yaml"
sum_bo=0 sum_rand=0 list_bo="" list_rand=""
for seed in 1 2 3; do
    tune --config "$T/bo.yaml" --job-id "bo$seed" --seed "$seed" --quiet -- sh "$T/branin.sh" > /dev/null 2>&1
    tune --config "$T/rand.yaml" --job-id "rand$seed" --seed "$seed" --parallel 2 --quiet -- sh "$T/branin.sh" > /dev/null 2>&1
    n=$(trials_to "bo$seed" min 0.4018659 50); sum_bo=$((sum_bo + n)); list_bo="$list_bo $n"
    n=$(trials_to "rand$seed" min 0.4018659 60); sum_rand=$((sum_rand + n)); list_rand="$list_rand $n"
done
echo "    Branin, trials to within 1% of 0.397887: Bayesian$list_bo; random$list_rand (60 = not within 60)"
[ $sum_bo -lt $sum_rand ] && [ $sum_bo -lt 150 ]
check "Bayesian search reaches 1% of Branin's optimum in fewer trials than random" $? \
    "Bayesian $sum_bo vs random $sum_rand"

# Batched proposals: three trials at a time still converge (timing decides which trial
# finishes first, so this one is not deterministic; typical is 20-30 trials).
tune --config "$T/bo.yaml" --job-id bopar --seed 4 --parallel 3 --quiet -- sh "$T/branin.sh" > /dev/null 2>&1
n=$(trials_to bopar min 0.4018659 51)
echo "    Branin with --parallel 3: within 1% after $n trials"
[ "$n" -le 50 ]
check "Bayesian search with parallel trials (batched proposals) reaches 1% of the optimum" $? "$n"

quad_cfg ALGORITHM_UNSPECIFIED 40 > "$T/qbo.yaml"
quad_cfg RANDOM_SEARCH 45 > "$T/qrand.yaml"
sum_bo=0 sum_rand=0 list_bo="" list_rand=""
for seed in 1 2 3; do
    tune --config "$T/qbo.yaml" --job-id "qbo$seed" --seed "$seed" --quiet -- sh "$T/quad.sh" > /dev/null 2>&1
    tune --config "$T/qrand.yaml" --job-id "qrand$seed" --seed "$seed" --parallel 2 --quiet -- sh "$T/quad.sh" > /dev/null 2>&1
    n=$(trials_to "qbo$seed" max 9.9 40); sum_bo=$((sum_bo + n)); list_bo="$list_bo $n"
    n=$(trials_to "qrand$seed" max 9.9 45); sum_rand=$((sum_rand + n)); list_rand="$list_rand $n"
done
echo "    quadratic + categorical, trials to within 1% of 10: Bayesian$list_bo; random$list_rand"
[ $sum_bo -lt $sum_rand ]
check "Bayesian search beats random on a quadratic with a categorical (metric file)" $? \
    "Bayesian $sum_bo vs random $sum_rand"

# --- resumePreviousJobId: a new study starts from an old one's results -----------------
branin_cfg ALGORITHM_UNSPECIFIED 6 | sed 's/^    maxTrials: 6$/    maxTrials: 6\n    resumePreviousJobId: nope/' > "$T/prev_bad.yaml"
tune --config "$T/prev_bad.yaml" --quiet -- sh "$T/branin.sh" > "$T/out" 2>&1
grep -q "trainingInput.hyperparameters.resumePreviousJobId: no tuning job 'nope'" "$T/out"
check "resumePreviousJobId naming no study is refused" $? "$(cat "$T/out")"
branin_cfg ALGORITHM_UNSPECIFIED 25 > "$T/prior.yaml"
tune --config "$T/prior.yaml" --job-id prior --seed 1 --quiet -- sh "$T/branin.sh" > /dev/null 2>&1
sed 's/resumePreviousJobId: nope/resumePreviousJobId: prior/' "$T/prev_bad.yaml" > "$T/prev.yaml"
tune --config "$T/prev.yaml" --job-id prev --seed 9 --quiet -- sh "$T/branin.sh" > "$T/out" 2>&1
rc=$?
# With the earlier study's 25 trials as prior knowledge there are no seed points: the first
# trials are already Bayesian proposals next to the known optima (three random Branin
# points rarely include one below 1).
first=$(awk '$1 ~ /^[123]$/ && $3 + 0 < 1 { n++ } END { print n + 0 }' "$T/out")
[ $rc -eq 0 ] && [ "$first" -ge 1 ]
check "resumePreviousJobId: the first trials already use the earlier study" $? \
    "rc $rc: $(head -8 "$T/out")"

# --- median stopping rule -------------------------------------------------------------
cat > "$T/stop.yaml" <<'YAML'
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: acc
    algorithm: GRID_SEARCH
    maxTrials: 5
    enableTrialEarlyStopping: true
    params:
    - {parameterName: q, type: CATEGORICAL, categoricalValues: [q5, q6, q4, q1, q9]}
YAML
tune --config "$T/stop.yaml" --job-id stop --quiet -- sh "$T/curve.sh" > "$T/out" 2>&1
rc=$?
t4=$(awk '$1 == 4' "$T/out"); t5=$(awk '$1 == 5' "$T/out")
s4=$(echo "$t4" | awk '{ print $4 }')
[ $rc -eq 0 ] && echo "$t4" | grep -q SUCCEEDED && case $s4 in *\*) true;; *) false;; esac &&
    [ "${s4%\*}" -lt 10 ] && [ "$(echo "$t5" | awk '{ print $4 }')" = 10 ] &&
    grep -q "best: trial 5 objective 9" "$T/out"
check "median rule stops the clearly worse trial early and lets the winner finish" $? "$t4 / $t5"

# --- failing trainers -----------------------------------------------------------------
cat > "$T/faulty.yaml" <<'YAML'
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: m
    algorithm: GRID_SEARCH
    maxTrials: 5
    params:
    - {parameterName: mode, type: CATEGORICAL, categoricalValues: [ok, crash, hang, garbage, ok2]}
YAML
tune --config "$T/faulty.yaml" --job-id faulty --trial-timeout 1 --quiet -- sh "$T/faulty.sh" > "$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "state SUCCEEDED" "$T/out" &&
    awk '$1 == 1' "$T/out" | grep -q SUCCEEDED &&
    awk '$1 == 2' "$T/out" | grep -q "FAILED .*(exit status 3)" &&
    awk '$1 == 3' "$T/out" | grep -q "FAILED .*(timed out after 1 s)" &&
    awk '$1 == 4' "$T/out" | grep -q "FAILED .*(exited without reporting metric 'm' (only unreadable" &&
    awk '$1 == 5' "$T/out" | grep -q SUCCEEDED
check "crashing, hanging and garbage-printing trainers are failed trials, not a failed study" $? \
    "rc $rc: $(cat "$T/out")"

sed 's/maxTrials: 5/maxTrials: 5\n    maxFailedTrials: 1/' "$T/faulty.yaml" > "$T/faulty1.yaml"
tune --config "$T/faulty1.yaml" --job-id faulty1 --quiet -- sh "$T/faulty.sh" > "$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "state FAILED" "$T/out" && grep -q "maxFailedTrials 1" "$T/out" &&
    ! awk '$1 == 3' "$T/out" | grep -q .
check "maxFailedTrials ends the study as FAILED" $? "rc $rc"

# --- environment and executor ---------------------------------------------------------
cat > "$T/env.yaml" <<'YAML'
{"trainingInput": {"hyperparameters": {"goal": "MAXIMIZE", "hyperparameterMetricTag": "m",
  "maxTrials": 2, "algorithm": "RANDOM_SEARCH",
  "params": [{"parameterName": "x", "type": "INTEGER", "minValue": 1, "maxValue": 5}]}}}
YAML
tune --config "$T/env.yaml" --job-id env --quiet --executor 'EXTRA=yes {cmd}' -- sh "$T/env.sh" > "$T/out" 2>&1
check "executor template and the trial's environment (TF_CONFIG, metric file, trial id)" $? \
    "$(cat "$T/out")"
tune --show env --json > "$T/out" 2>&1 && grep -q '"isHyperparameterTuningJob":[[:space:]]*true' "$T/out" &&
    grep -q '"completedTrialCount":[[:space:]]*"2"' "$T/out" && grep -q '"objectiveValue"' "$T/out"
check "--show --json is shaped like trainingOutput" $?
tune --list > "$T/out" 2>&1 && grep -q "^env .*SUCCEEDED" "$T/out" && grep -q "^grid " "$T/out"
check "--list shows the studies" $?

# --- bad config -----------------------------------------------------------------------
printf 'trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n    params:\n    - {parameterName: lr, type: DOUBLE, minValue: 0, maxValue: 1, scaleType: UNIT_LOG_SCALE}\n' > "$T/badcfg.yaml"
tune --config "$T/badcfg.yaml" -- sh "$T/env.sh" > "$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "params\[0\].minValue: must be > 0 for UNIT_LOG_SCALE" "$T/out"
check "an invalid config is refused with the field named" $? "rc $rc: $(cat "$T/out")"

# --- kill -9 and resume ---------------------------------------------------------------
cat > "$T/slow.yaml" <<'YAML'
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: m
    maxTrials: 8
    algorithm: RANDOM_SEARCH
    params:
    - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}
YAML
: > "$T/runs.log"
# Started directly (not through the tune function) so that $! is seer itself.
"$SEER" tune --state "$T/state" --config "$T/slow.yaml" --job-id killme --quiet -- \
    sh "$T/slow.sh" "$T/runs.log" > /dev/null 2>&1 &
pid=$!
i=0
while [ "$(grep -c '^end' "$T/runs.log")" -lt 3 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
done_before=$(tune --show killme | awk '$2 == "SUCCEEDED" && $1 ~ /^[0-9]+$/ { print $1 }')
tune --resume killme --quiet > "$T/out" 2>&1
rc=$?
reruns=0
for id in $done_before; do
    [ "$(grep -c "^start $id\$" "$T/runs.log")" -eq 1 ] || reruns=$((reruns + 1))
done
n_before=$(echo $done_before | wc -w)
[ $rc -eq 0 ] && [ "$n_before" -ge 2 ] && [ $reruns -eq 0 ] &&
    grep -q "trials 8 of 8: 8 succeeded" "$T/out"
check "kill -9 mid-study, then --resume finishes without rerunning a finished trial" $? \
    "rc $rc, finished before kill: $(echo $done_before), reruns $reruns"
tune --resume killme > "$T/out" 2>&1
[ $? -ne 0 ] && grep -q "already ended" "$T/out"
check "a finished study is not resumed again" $?

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
