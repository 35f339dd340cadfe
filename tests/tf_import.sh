#!/bin/sh
# `seer import` from the command line, the way a user of the original lab brings a
# frozen graph over: import the person/cat/dog SSD's folder with its label map, then
# `seer detect` finds the cyclist; a SavedModel folder imports as a generic model; an
# existing version is refused and a folder without a graph fails with a clear message,
# both with exit status 1 and nothing installed. The models are test material in
# ../shared (or $SEER_SHARED); without them the tests are skipped.
set -u
SEER=${BUILD:-build}/seer
SHARED=${SEER_SHARED:-../shared}
PCD=$SHARED/models/tf-frozen/aiy-ssd-mbv1-0.125-person-cat-dog
SM=$SHARED/models/tf-serving/saved_model_half_plus_two_2_versions/00000124
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

if [ ! -x "$SEER" ]; then
    echo "    $SEER is not built"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
if [ ! -f "$PCD/frozen_inference_graph.pb" ] || [ ! -f "$SM/saved_model.pb" ]; then
    for t in import_frozen_graph detect_after_import import_saved_model existing_version_refused \
             folder_without_graph; do
        echo "    SKIP: needs $PCD and $SM"
        echo "skip $t"
        skip=$((skip + 1))
    done
    echo "$pass passed, $fail failed, $skip skipped"
    exit 0
fi
models=$tmp/models

out=$("$SEER" import "$PCD" --name pcd --labels "$PCD/labelmap.pbtxt" --models "$models" 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q "tf-od-api, 4 labels" &&
   [ -f "$models/pcd/1/seer.json" ] && [ -f "$models/pcd/1/frozen_inference_graph.pb" ] &&
   grep -q '"family":.*"tf-od-api"' "$models/pcd/1/seer.json"; then
    ok import_frozen_graph
else
    echo "    $out"
    bad import_frozen_graph
fi

out=$("$SEER" detect --json --models "$models" --model pcd "$PCD/cyclist_1200x800.jpg" 2>&1)
if echo "$out" | grep -q '"detections": \[{"label": "person", "category_id": 1, "score": 0\.[89]'; then
    ok detect_after_import
else
    echo "    $out"
    bad detect_after_import
fi

out=$("$SEER" import "$SM" --name half --models "$models" 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q "savedmodel, generic" &&
   [ -f "$models/half/1/variables/variables.index" ]; then
    ok import_saved_model
else
    echo "    $out"
    bad import_saved_model
fi

out=$("$SEER" import "$PCD" --name pcd --models "$models" 2>&1)
if [ $? -eq 1 ] && echo "$out" | grep -q "already exists"; then
    ok existing_version_refused
else
    echo "    $out"
    bad existing_version_refused
fi

mkdir "$tmp/empty"
out=$("$SEER" import "$tmp/empty" --models "$models" 2>&1)
if [ $? -eq 1 ] && echo "$out" | grep -q "no frozen_inference_graph.pb" && [ ! -e "$models/empty" ]; then
    ok folder_without_graph
else
    echo "    $out"
    bad folder_without_graph
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
