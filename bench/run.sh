#!/bin/sh
# make bench: Seer and its peers side by side, in one run, on the same models and inputs.
#   Seer: fp32 and bf16, 1 and 2 threads (seer bench --json)
#   ONNX Runtime (npm onnxruntime-node) on ../shared/models/onnx/*.onnx, 1 and 2 threads
#   TF.js 4.22 wasm on the original TF.js graph models, 1 thread
#   Seer end to end from JPEG bytes (seer bench --e2e) on a small photo and on a
#   12-megapixel JPEG made here from it (seer bench --make-photo; nothing big is committed)
# Prints a table of ms/image, images/s and Seer/peer ratios, the end-to-end times and the
# load times, and the FMA peak of one thread measured before and after (a drop means the
# shared vCPU was contended).
set -eu
cd "$(dirname "$0")/.."
shared=${SEER_SHARED:-../shared}
runs=${BENCH_RUNS:-20}
seer=${SEER:-./build/seer}
out=$(mktemp)
big=$(mktemp --suffix=.jpg)
trap 'rm -f "$out" "$big"' EXIT
small=$shared/data/photos/dog.jpg

# Thread waiting: libgomp (Seer's OpenMP, shared with oneDNN) and ONNX Runtime both spin
# in their barriers by default, which is fastest on a quiet host. When the host's second
# vCPU is busy with another process, spinning workers wait out a descheduled teammate at
# every barrier and 2-thread runs become several times slower than 1-thread ones
# (docs/speed.md); BENCH_SPIN=0 then measures both runtimes blocking instead: Seer with
# OMP_WAIT_POLICY=passive, ONNX Runtime with session.intra_op.allow_spinning=0.
if [ "${BENCH_SPIN:-1}" = 1 ]; then
    spin=1
else
    spin=0
    OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
    export OMP_WAIT_POLICY
fi
echo "bench: thread waiting: $([ $spin = 1 ] && echo "spinning (the runtimes' default)" || echo "blocking (OMP_WAIT_POLICY=$OMP_WAIT_POLICY, ORT allow_spinning=0)")"

if [ ! -d bench/node_modules/onnxruntime-node ]; then
    echo "bench: installing the peers (npm, bench/package.json)"
    (cd bench && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi

peak_before=$($seer bench --fma-peak)
# Rounds of interleaved measurements (Seer and ONNX Runtime on the same configuration one
# after the other), so a burst of load on a shared host hits both; the table keeps each
# configuration's best round.
rounds=${BENCH_ROUNDS:-3}
r=0
while [ "$r" -lt "$rounds" ]; do
    r=$((r + 1))
    for m in centernet nanodet; do
        for t in 1 2; do
            for prec in fp32 bf16; do
                $seer bench --model "$m" --precision "$prec" --threads "$t" --runs "$runs" --json \
                    | sed 's/^{/{"runtime": "seer", /' >> "$out" ||
                    echo "bench: seer $m $prec $t threads failed" >&2
            done
            node bench/peers.mjs --shared "$shared" --models models --runs "$runs" --only ort \
                --model "$m" --threads "$t" --spin "$spin" 2>/dev/null | grep '^{' >> "$out" ||
                echo "bench: onnxruntime $m $t threads failed" >&2
        done
    done
done
node bench/peers.mjs --shared "$shared" --models models --runs "$runs" --only tfjs 2>/dev/null |
    grep '^{' >> "$out" || echo "bench: tfjs failed" >&2
if [ -f "$small" ] && $seer bench --make-photo "$big" --from "$small" --size 4000x3000 >/dev/null; then
    for m in centernet nanodet; do
        for t in 1 2; do
            for p in small big; do
                f=$small; [ "$p" = big ] && f=$big
                $seer bench --model "$m" --threads "$t" --runs "$runs" --json --e2e "$f" |
                    sed "s/^{/{\"runtime\": \"seer-e2e\", \"size\": \"$p\", /" >> "$out" ||
                    echo "bench: seer $m end to end ($p photo) failed" >&2
            done
        done
    done
else
    echo "bench: no end-to-end times (needs $small)" >&2
fi
peak_after=$($seer bench --fma-peak)
node bench/table.mjs "$out" "$peak_before" "$peak_after"
