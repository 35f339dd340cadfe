#!/bin/sh
# Batch throughput against the engine's own, for one model and thread layout:
#
#   sh tools/batch-speed.sh [MODEL] [THREADS] [WORKERS] [ROUNDS]
#
# Engine: WORKERS `seer bench` processes of THREADS/WORKERS threads side by side, 112 runs
# each (the model alone on a fixed input: no reading, decoding or resizing).
# Batch: `seer batch` over coco-dev's 112 photos with the same layout (reading, decoding,
# resizing, detecting, writing the result files).
#
# Two measures per round, best round of each:
#   wall   images/s by the clock: what you get, but on a shared machine it mostly measures
#          the neighbours;
#   cpu    images per CPU-second (user + sys, model load included on both sides): what the
#          two would reach on cores of their own. Batch must do >= 90% of the engine's.
set -eu
MODEL=${1:-centernet}
THREADS=${2:-2}
WORKERS=${3:-$THREADS}
ROUNDS=${4:-3}
SEER=${BUILD:-build}/seer
IMG=${SEER_SHARED:-../shared}/data/coco-dev/images
PER=$((THREADS / WORKERS))
[ "$PER" -ge 1 ] || PER=1
N=112
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs a command, appending "wall cpu" seconds to $tmp/$1.
timed() {
    out=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null 2>&1
    awk '{ print $1, $2 + $3 }' "$tmp/t" >>"$tmp/$out"
}

r=0
while [ $r -lt "$ROUNDS" ]; do
    : >"$tmp/engine"
    w=0
    while [ $w -lt "$WORKERS" ]; do
        timed engine "$SEER" bench --model "$MODEL" --threads "$PER" --runs $N &
        w=$((w + 1))
    done
    wait
    rm -rf "$tmp/out"
    : >"$tmp/batch"
    timed batch "$SEER" batch --model "$MODEL" --input "$IMG/*.jpg" --output "$tmp/out" \
        --threads "$THREADS" --workers "$WORKERS" --quiet
    awk -v n=$N -v w="$WORKERS" 'FNR == 1 { f++ }
        f == 1 { if ($1 > ew) ew = $1; ec += $2 }
        f == 2 { bw = $1; bc = $2 }
        END { printf "%.2f %.2f %.2f %.2f\n", n * w / ew, n * w / ec, n / bw, n / bc }' \
        "$tmp/engine" "$tmp/batch" >>"$tmp/rounds"
    r=$((r + 1))
done
awk -v m="$MODEL" -v t="$THREADS" -v w="$WORKERS" '
    { printf "round %d: engine %s images/s wall, %s per cpu-s; batch %s wall, %s per cpu-s\n",
          NR, $1, $2, $3, $4
      for (i = 1; i <= 4; i++) if ($i > b[i]) b[i] = $i }
    END { printf "%s, %d threads as %d worker(s), best rounds: wall %.1f vs %.1f images/s " \
              "(%.0f%%), cpu %.2f vs %.2f images/cpu-s (%.0f%%)\n", m, t, w, b[3], b[1],
              100 * b[3] / b[1], b[4], b[2], 100 * b[4] / b[2] }' "$tmp/rounds"
