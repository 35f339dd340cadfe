#!/bin/sh
# seer tune against its peers: for each test function, the median (over seeds) of the best
# value after N trials for Seer's Bayesian search, Seer's random search and Optuna's TPE
# (Debian's python3-optuna, if installed), plus the median number of trials each needed to
# come within 1% of the optimum (N+ when most seeds never did). Not run by the tests.
#
#   sh bench/tune_bench.sh            # N=40 trials, 5 seeds
#   TUNE_BENCH_TRIALS=60 TUNE_BENCH_SEEDS=10 sh bench/tune_bench.sh
set -u
cd "$(dirname "$0")/.."
seer=$(pwd)/${SEER:-build/seer}
n=${TUNE_BENCH_TRIALS:-40}
nseeds=${TUNE_BENCH_SEEDS:-5}
seeds=$(seq 1 "$nseeds")
T=$(mktemp -d /tmp/seer-tune-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

cat > "$T/branin.sh" <<'SH'
for a in "$@"; do case $a in --x1=*) x1=${a#--x1=};; --x2=*) x2=${a#--x2=};; esac; done
awk -v x1="$x1" -v x2="$x2" 'BEGIN { pi = atan2(0, -1); b = 5.1 / (4 * pi * pi); c = 5 / pi
    printf "f=%.12g\n", (x2 - b * x1 * x1 + c * x1 - 6) ^ 2 + 10 * (1 - 1 / (8 * pi)) * cos(x1) + 10 }'
SH
cat > "$T/hartmann6.sh" <<'SH'
args="$*"
awk -v args="$args" 'BEGIN {
    n = split(args, kv, " ")
    for (i = 1; i <= n; i++) { split(kv[i], p, "="); sub(/^--x/, "", p[1]); x[p[1]] = p[2] }
    split("10 3 17 3.5 1.7 8 0.05 10 17 0.1 8 14 3 3.5 1.7 10 17 8 17 8 0.05 10 0.1 14", A, " ")
    split("1312 1696 5569 124 8283 5886 2329 4135 8307 3736 1004 9991 2348 1451 3522 2883 3047 6650 4047 8828 8732 5743 1091 381", P, " ")
    split("1 1.2 3 3.2", al, " ")
    s = 0
    for (i = 0; i < 4; i++) {
        e = 0
        for (j = 1; j <= 6; j++) e += A[i * 6 + j] * (x[j] - P[i * 6 + j] * 1e-4) ^ 2
        s += al[i + 1] * exp(-e)
    }
    printf "f=%.12g\n", -s }'
SH
cat > "$T/quadcat.sh" <<'SH'
for a in "$@"; do case $a in --x=*) x=${a#--x=};; --lr=*) lr=${a#--lr=};;
    --act=*) act=${a#--act=};; --n=*) n=${a#--n=};; esac; done
awk -v x="$x" -v lr="$lr" -v act="$act" -v n="$n" 'BEGIN {
    off = act == "relu" ? 0 : act == "tanh" ? 0.5 : 1
    printf "f=%.12g\n", 10 - 4 * (x - 0.3) ^ 2 - (log(lr) / log(10) + 2) ^ 2 - off - 0.1 * (n - 3) ^ 2 }'
SH

params() {
    case $1 in
    branin) echo "[{parameterName: x1, type: DOUBLE, minValue: -5, maxValue: 10},
              {parameterName: x2, type: DOUBLE, minValue: 0, maxValue: 15}]" ;;
    hartmann6) printf '['; for j in 1 2 3 4 5 6; do
            printf '{parameterName: x%d, type: DOUBLE, minValue: 0, maxValue: 1}' $j
            [ $j -lt 6 ] && printf ', '; done; echo ']' ;;
    quadcat) echo "[{parameterName: x, type: DOUBLE, minValue: -1, maxValue: 1},
              {parameterName: lr, type: DOUBLE, minValue: 0.00001, maxValue: 1, scaleType: UNIT_LOG_SCALE},
              {parameterName: act, type: CATEGORICAL, categoricalValues: [tanh, sigmoid, relu]},
              {parameterName: n, type: INTEGER, minValue: 1, maxValue: 8}]" ;;
    esac
}
goal() { case $1 in quadcat) echo MAXIMIZE ;; *) echo MINIMIZE ;; esac; }
optimum() { case $1 in branin) echo 0.397887 ;; hartmann6) echo -3.32237 ;; quadcat) echo 10 ;; esac; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Trials to within 1% of the optimum, from a study's table; n+1 when never.
hit() {
    "$seer" tune --state "$T/state" --show "$1" | awk -v opt="$2" -v n="$n" '
        $2 == "SUCCEEDED" && $1 ~ /^[0-9]+$/ && !done {
            d = $3 - opt; if (d < 0) d = -d; a = opt < 0 ? -opt : opt
            if (d <= 0.01 * a) { print $1; done = 1 } }
        END { if (!done) print n + 1 }'
}

# Debian's package lands in the system python, which a pyenv shim may hide.
have_optuna=0 py=python3
for cand in python3 /usr/bin/python3; do
    if "$cand" -c 'import optuna' 2>/dev/null; then have_optuna=1 py=$cand; break; fi
done
[ $have_optuna = 1 ] || echo "tune bench: python3-optuna not installed; TPE column skipped" >&2

printf '%-10s %4s %10s | %-22s | %-22s | %-22s\n' function N optimum \
    "Seer Bayesian best/hit" "Seer random best/hit" "Optuna TPE best/hit"
for f in branin hartmann6 quadcat; do
    for algo in ALGORITHM_UNSPECIFIED RANDOM_SEARCH; do
        cat > "$T/$f.yaml" <<YAML
trainingInput:
  hyperparameters:
    goal: $(goal $f)
    hyperparameterMetricTag: f
    algorithm: $algo
    maxTrials: $n
    params: $(params $f)
YAML
        : > "$T/best.$algo"
        : > "$T/hit.$algo"
        for s in $seeds; do
            job="${f}_${algo%%_*}_$s"
            "$seer" tune --state "$T/state" --config "$T/$f.yaml" --job-id "$job" --seed "$s" \
                --quiet -- sh "$T/$f.sh" > "$T/out" 2>&1 || { echo "seer tune failed: $(tail -3 "$T/out")" >&2; continue; }
            sed -n 's/^best: trial [0-9]* objective \([^ ]*\).*/\1/p' "$T/out" >> "$T/best.$algo"
            hit "$job" "$(optimum $f)" >> "$T/hit.$algo"
        done
    done
    tpe="-"
    if [ $have_optuna = 1 ]; then
        "$py" bench/tune_optuna.py "$f" "$n" $seeds > "$T/tpe" 2>/dev/null
        awk '{ print $1 }' "$T/tpe" > "$T/best.tpe"
        awk '{ print $2 }' "$T/tpe" > "$T/hit.tpe"
    fi
    fmt() { printf '%.6g / %s' "$(median < "$T/best.$1")" "$(median < "$T/hit.$1" | awk -v n="$n" '{ print ($1 > n ? n "+" : $1) }')"; }
    printf '%-10s %4s %10s | %-22s | %-22s | %-22s\n' "$f" "$n" "$(optimum $f)" \
        "$(fmt ALGORITHM_UNSPECIFIED)" "$(fmt RANDOM_SEARCH)" "$([ $have_optuna = 1 ] && fmt tpe || echo "$tpe")"
done
echo "(best = median over $nseeds seeds of the best value after $n trials; hit = median trials to 1% of the optimum)"
