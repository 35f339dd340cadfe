#!/bin/sh
# `seer import` from the command line, the way a user of the original lab brings a
# frozen graph over: import the person/cat/dog SSD's folder with its label map, then
# `seer detect` finds the cyclist; a SavedModel folder imports as a generic model; an
# existing version is refused and a folder without a graph fails with a clear message,
# both with exit status 1 and nothing installed. Then `seer serve` over loopback HTTP
# answers TF Serving's predict and metadata calls for TF Serving's two-version
# half_plus_two folder, as TF Serving documents them. The models are test material in
# ../shared (or $SEER_SHARED); without them the tests are skipped.
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh
PCD=$SHARED/models/tf-frozen/aiy-ssd-mbv1-0.125-person-cat-dog
SM2=$SHARED/models/tf-serving/saved_model_half_plus_two_2_versions
SM=$SM2/00000124
srv_tmpdir tf-import

if [ ! -x "$SEER" ]; then
    echo "    $SEER is not built"
    fail=$((fail + 1))
    finish
fi
if [ ! -f "$PCD/frozen_inference_graph.pb" ] || [ ! -f "$SM/saved_model.pb" ]; then
    for t in import_frozen_graph detect_after_import import_saved_model existing_version_refused \
             folder_without_graph http_predict http_predict_version http_metadata; do
        skipped "$t" "needs $PCD and $SM"
    done
    finish
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

# TF Serving's REST API over loopback HTTP.
cp -r "$SM2" "$models/half_plus_two"
srv_start "$tmp/log" --models "$models" --threads 1
tok=$(srv_token test 2>/dev/null)
api() {
    curl -s -H "Authorization: Bearer $tok" "$@"
}
half=$base/v1/models/half_plus_two
out=$(api -d '{"instances": [1.0, 2.0, 5.0]}' "$half:predict")
if [ "$out" = '{"predictions":[2.5,3,4.5]}' ]; then ok http_predict; else
    echo "    $out"; bad http_predict; fi
out=$(api -d '{"inputs": {"x": [[1.0], [3.0]]}}' "$half/versions/123:predict")
if [ "$out" = '{"outputs":[[2.5],[3.5]]}' ]; then ok http_predict_version; else
    echo "    $out"; bad http_predict_version; fi
out=$(api "$half/metadata")
if echo "$out" | grep -q '"version":"124"' && echo "$out" | grep -q '"serving_default"' &&
   echo "$out" | grep -q '"name":"x:0"' && echo "$out" | grep -q '"regress_x2_to_y3"'; then
    ok http_metadata
else
    echo "    $out"
    bad http_metadata
fi
srv_stop
finish
