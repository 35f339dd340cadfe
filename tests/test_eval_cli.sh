#!/bin/sh
# seer eval from the command line: the reference detections give pycocotools' 12 numbers
# (--json and the table), bad files and bad usage give clear errors and exit statuses.
set -u
SEER=${BUILD:-build}/seer
SHARED=${SEER_SHARED:-../shared}
ANN=$SHARED/data/coco-dev/instances.json
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "    SKIP: $2"; echo "skip $1"; }

# Prints "key value" lines for a flat JSON object of numbers.
pairs() {
    tr -d '{}\n ' <"$1" | tr ',' '\n' | sed -E 's/^"([^"]+)":(.*)$/\1 \2/'
}

if [ ! -x "$SEER" ]; then
    echo "    $SEER is not built"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

# Exit statuses for usage errors.
"$SEER" eval >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok usage_error_exits_2 || bad "usage_error_exits_2 (exit $rc)"
"$SEER" eval --annotations x.json --model centernet >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok model_needs_images || bad "model_needs_images (exit $rc)"

for model in centernet nanodet; do
    det=$SHARED/golden/reference/$model-coco-dev.json
    want=$SHARED/golden/reference/metrics/$model-coco-dev.json
    if [ ! -f "$ANN" ] || [ ! -f "$det" ] || [ ! -f "$want" ]; then
        skipped "${model}_json_matches_pycocotools" "needs $ANN, $det and $want"
        continue
    fi
    if ! "$SEER" eval --annotations "$ANN" --detections "$det" --json >"$tmp/got.json" \
        2>"$tmp/err"; then
        cat "$tmp/err"
        bad "${model}_json_matches_pycocotools (exit status)"
        continue
    fi
    pairs "$tmp/got.json" | sort >"$tmp/got"
    pairs "$want" | sort >"$tmp/want"
    # Same 12 keys, every value within 1e-3 of pycocotools'.
    if join "$tmp/want" "$tmp/got" | awk '
        { n++; d = $2 - $3; if (d < 0) d = -d; if (d > 1e-3) { print "    " $1 ": " $3 \
          " vs pycocotools " $2; bad = 1 } }
        END { exit (bad || n != 12) }' &&
        [ "$(wc -l <"$tmp/got")" -eq 12 ]; then
        ok "${model}_json_matches_pycocotools"
    else
        bad "${model}_json_matches_pycocotools"
    fi
done

if [ -f "$ANN" ] && [ -f "$SHARED/golden/reference/centernet-coco-dev.json" ]; then
    "$SEER" eval --annotations "$ANN" \
        --detections "$SHARED/golden/reference/centernet-coco-dev.json" >"$tmp/table"
    first=$(head -n 1 "$tmp/table")
    if [ "$(wc -l <"$tmp/table")" -eq 12 ] && [ "$first" = \
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.316" ]; then
        ok table_in_pycocotools_format
    else
        bad table_in_pycocotools_format
    fi
    "$SEER" eval --annotations "$ANN" --model centernet --images "$tmp" >/dev/null \
        2>"$tmp/err"; rc=$?
    # Until the detect path (#2) is plugged into src/cli/eval.c, --model says so.
    if [ $rc -eq 2 ] && grep -q "needs the detect path" "$tmp/err"; then
        ok model_mode_reports_missing_detect_path
    else
        bad "model_mode_reports_missing_detect_path (exit $rc)"
    fi
else
    skipped table_in_pycocotools_format "needs $ANN"
fi

# A bad results file is exit 1 with the index and field named.
printf '[{"image_id": 139, "category_id": 1, "bbox": [1, 2, 3], "score": 0.5}]' >"$tmp/bad.json"
if [ -f "$ANN" ]; then
    "$SEER" eval --annotations "$ANN" --detections "$tmp/bad.json" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q 'detections\[0\].bbox' "$tmp/err"; then
        ok bad_bbox_names_index
    else
        bad "bad_bbox_names_index (exit $rc: $(cat "$tmp/err"))"
    fi
    printf '[{"image_id": 999999999, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}]' \
        >"$tmp/unknown.json"
    "$SEER" eval --annotations "$ANN" --detections "$tmp/unknown.json" >/dev/null \
        2>"$tmp/err"; rc=$?
    if [ $rc -eq 1 ] && grep -q '999999999' "$tmp/err"; then
        ok unknown_image_id_is_named
    else
        bad "unknown_image_id_is_named (exit $rc)"
    fi
else
    skipped bad_bbox_names_index "needs $ANN"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
