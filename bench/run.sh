#!/bin/sh
# make bench: Seer and its peers side by side, in one run, on the same models and inputs.
#   Seer: fp32 and bf16, 1 and 2 threads (seer bench --json)
#   ONNX Runtime (npm onnxruntime-node) on ../shared/models/onnx/*.onnx, 1 and 2 threads
#   TF.js 4.22 wasm on the original TF.js graph models, 1 thread
# Prints a table of ms/image, images/s and Seer/peer ratios, and the FMA peak of one
# thread measured before and after (a drop means the shared vCPU was contended).
set -eu
cd "$(dirname "$0")/.."
shared=${SEER_SHARED:-../shared}
runs=${BENCH_RUNS:-20}
seer=${SEER:-./build/seer}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ ! -d bench/node_modules/onnxruntime-node ]; then
    echo "bench: installing the peers (npm, bench/package.json)"
    (cd bench && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi

peak_before=$($seer bench --fma-peak)
for m in centernet nanodet; do
    for prec in fp32 bf16; do
        for t in 1 2; do
            $seer bench --model "$m" --precision "$prec" --threads "$t" --runs "$runs" --json \
                | sed 's/^{/{"runtime": "seer", /' >> "$out" ||
                echo "bench: seer $m $prec $t threads failed" >&2
        done
    done
done
node bench/peers.mjs --shared "$shared" --models models --runs "$runs" 2>/dev/null |
    grep '^{' >> "$out" || echo "bench: peers failed" >&2
peak_after=$($seer bench --fma-peak)
node bench/table.mjs "$out" "$peak_before" "$peak_after"
