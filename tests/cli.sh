#!/bin/sh
# seer detect and seer models from the command line: the --json schema (JSON Lines, the
# keys other tools rely on), the table, --draw, --model PATH, bad photos reported by name
# with exit status 1 and no crash, usage errors with exit status 2.
set -u
SEER=${BUILD:-build}/seer
SHARED=${SEER_SHARED:-../shared}
PHOTOS=$SHARED/data/photos
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "    SKIP: $2"; echo "skip $1"; }
summary() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -x "$SEER" ]; then
    echo "    $SEER is not built"
    fail=1
    summary
fi

# Usage errors need neither models nor photos.
"$SEER" detect >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok no_photos_is_usage_error || bad "no_photos_is_usage_error (exit $rc)"
"$SEER" detect --threshold 2 x.jpg >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok bad_threshold_is_usage_error || bad "bad_threshold_is_usage_error (exit $rc)"
"$SEER" detect --max >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok missing_value_is_usage_error || bad "missing_value_is_usage_error (exit $rc)"
"$SEER" detect --models "$tmp/none" x.jpg >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "model 'centernet' not found" "$tmp/err"; then
    ok missing_model_named
else
    bad "missing_model_named (exit $rc: $(cat "$tmp/err"))"
fi

if [ ! -f models/centernet/1/centernet.json ] || [ ! -f models/nanodet/1/nanodet.json ]; then
    skipped models_needed "needs models/centernet/1/centernet.json and models/nanodet/1 (scripts/setup)"
    summary
fi
if [ ! -f "$PHOTOS/dog.jpg" ]; then
    skipped photos_needed "needs $PHOTOS/dog.jpg"
    summary
fi
have_jq=1
command -v jq >/dev/null 2>&1 || have_jq=0

# --json: one object per photo with exactly the documented keys and types.
"$SEER" detect --json "$PHOTOS/dog.jpg" >"$tmp/dog.json" 2>"$tmp/err"; rc=$?
if [ $rc -ne 0 ]; then
    bad "json_dog (exit $rc: $(cat "$tmp/err"))"
elif [ $have_jq -eq 0 ]; then
    skipped json_schema "needs jq to parse the output"
elif [ "$(wc -l <"$tmp/dog.json")" -eq 1 ] && jq -e --arg img "$PHOTOS/dog.jpg" '
        (keys == ["detections", "height", "image", "model", "time_ms", "version", "width"])
        and .image == $img and .width == 768 and .height == 576
        and .model == "centernet" and .version == 1
        and (.time_ms | type == "number" and . > 0)
        and (.detections | type == "array" and length > 0)
        and all(.detections[]; (keys == ["box", "category_id", "label", "score"])
                and (.label | type == "string") and (.category_id | type == "number")
                and (.score > 0.3 and .score <= 1) and (.box | length == 4)
                and .box[0] <= .box[2] and .box[1] <= .box[3])
        and ([.detections[].score] == ([.detections[].score] | sort | reverse))
        and any(.detections[]; .label == "dog" and .category_id == 18)
        and any(.detections[]; .label == "bicycle" and .category_id == 2)' \
        "$tmp/dog.json" >/dev/null; then
    ok json_schema
else
    bad "json_schema: $(cat "$tmp/dog.json")"
fi

# Several photos, another model: one line each, in argument order.
"$SEER" detect --json --model nanodet --threshold 0.4 --max 3 "$PHOTOS/dog.jpg" \
    "$PHOTOS/person.jpg" >"$tmp/two.json" 2>"$tmp/err"; rc=$?
if [ $rc -ne 0 ]; then
    bad "json_lines_two_photos (exit $rc: $(cat "$tmp/err"))"
elif [ $have_jq -eq 0 ]; then
    skipped json_lines_two_photos "needs jq"
elif [ "$(jq -s 'length' "$tmp/two.json")" = 2 ] &&
    jq -se '.[0].image | endswith("dog.jpg")' "$tmp/two.json" >/dev/null &&
    jq -se '.[1].width == 640 and .[1].height == 424' "$tmp/two.json" >/dev/null &&
    jq -se 'all(.[]; .model == "nanodet" and (.detections | length <= 3)
                and all(.detections[]; .score > 0.4))' "$tmp/two.json" >/dev/null; then
    ok json_lines_two_photos
else
    bad "json_lines_two_photos: $(cat "$tmp/two.json")"
fi

# The table: a header line per photo and one row per object.
"$SEER" detect "$PHOTOS/person.jpg" >"$tmp/table.txt" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "person.jpg: 640x424, centernet v1" "$tmp/table.txt" &&
    grep -qE "^  person +0\.[0-9]{4} " "$tmp/table.txt" &&
    grep -qE "^  horse +0\.[0-9]{4} " "$tmp/table.txt"; then
    ok table
else
    bad "table (exit $rc): $(cat "$tmp/table.txt" "$tmp/err")"
fi

# --model PATH: a version folder or a model's folder of versions.
"$SEER" detect --json --model models/nanodet/1 "$PHOTOS/dog.jpg" >"$tmp/p1.json" 2>&1 &&
"$SEER" detect --json --model models/nanodet "$PHOTOS/dog.jpg" >"$tmp/p2.json" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '"model": "nanodet", "version": 1' "$tmp/p1.json" &&
    grep -q '"model": "nanodet", "version": 1' "$tmp/p2.json"; then
    ok model_path
else
    bad "model_path (exit $rc): $(cat "$tmp/p1.json" "$tmp/p2.json")"
fi

# --draw: a PNG of the photo's size; with several photos OUT-1.png, OUT-2.png.
"$SEER" detect --draw "$tmp/one.png" "$PHOTOS/dog.jpg" >/dev/null 2>"$tmp/err"; rc=$?
magic=$(head -c 8 "$tmp/one.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
if [ $rc -eq 0 ] && [ "$magic" = 89504e470d0a1a0a ]; then
    ok draw_png
else
    bad "draw_png (exit $rc, magic '$magic'): $(cat "$tmp/err")"
fi
"$SEER" detect --draw "$tmp/many.png" "$PHOTOS/dog.jpg" "$PHOTOS/eagle.jpg" >/dev/null 2>&1; rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/many-1.png" ] && [ -s "$tmp/many-2.png" ] && [ ! -e "$tmp/many.png" ]
then
    ok draw_numbered_for_several_photos
else
    bad "draw_numbered_for_several_photos (exit $rc)"
fi

# Bad photos: each named in a message, the good one still reported, exit status 1.
: >"$tmp/empty.jpg"
echo "this is not a photo" >"$tmp/text.jpg"
head -c 3000 "$PHOTOS/dog.jpg" >"$tmp/trunc.jpg"
"$SEER" detect --json "$tmp/empty.jpg" "$tmp/text.jpg" "$PHOTOS/eagle.jpg" "$tmp/trunc.jpg" \
    "$tmp/missing.jpg" >"$tmp/mixed.json" 2>"$tmp/err"; rc=$?
if [ $rc -ne 1 ]; then
    bad "bad_photos_exit_1 (exit $rc): $(cat "$tmp/err")"
else
    ok bad_photos_exit_1
fi
for f in empty text trunc missing; do
    if grep -q "^seer: $tmp/$f.jpg: " "$tmp/err"; then
        ok "bad_photo_named_$f"
    else
        bad "bad_photo_named_$f: $(cat "$tmp/err")"
    fi
done
if [ "$(wc -l <"$tmp/mixed.json")" -eq 1 ] && grep -q '"label": "bird"' "$tmp/mixed.json"; then
    ok good_photo_among_bad_ones
else
    bad "good_photo_among_bad_ones: $(cat "$tmp/mixed.json")"
fi

# seer models: both default models, their sizes, formats, families and states.
"$SEER" models >"$tmp/models.txt" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] &&
    grep -qE "^centernet +1 +512x512 +tfjs +centernet +AVAILABLE" "$tmp/models.txt" &&
    grep -qE "^nanodet +1 +416x416 +tfjs +nanodet +AVAILABLE" "$tmp/models.txt"; then
    ok models_table
else
    bad "models_table (exit $rc): $(cat "$tmp/models.txt" "$tmp/err")"
fi
if [ $have_jq -eq 1 ]; then
    "$SEER" models --json >"$tmp/models.json" 2>/dev/null
    if jq -se 'map(select(.name == "centernet" or .name == "nanodet")) | length == 2
               and all(.[]; .state == "AVAILABLE" and .format == "tfjs" and .error == null)' \
        "$tmp/models.json" >/dev/null; then
        ok models_json
    else
        bad "models_json: $(cat "$tmp/models.json")"
    fi
fi

# A repository with a broken version: listed as FAILED with its reason.
mkdir -p "$tmp/repo/nanodet/2"
cp models/nanodet/1/* "$tmp/repo/nanodet/2/" 2>/dev/null
mkdir -p "$tmp/repo/nanodet/00000003"
echo '{"format": "onnx", "model": "x.onnx"}' >"$tmp/repo/nanodet/00000003/seer.json"
"$SEER" models --models "$tmp/repo" >"$tmp/repo.txt" 2>/dev/null; rc=$?
if [ $rc -eq 0 ] && grep -qE "^nanodet +2 .*AVAILABLE" "$tmp/repo.txt" &&
    grep -qE "^nanodet +3 +- +onnx +generic +FAILED" "$tmp/repo.txt" &&
    grep -q "format 'onnx' is not supported yet" "$tmp/repo.txt"; then
    ok models_failed_version
else
    bad "models_failed_version (exit $rc): $(cat "$tmp/repo.txt")"
fi
"$SEER" detect --json --models "$tmp/repo" --model nanodet "$PHOTOS/eagle.jpg" \
    >"$tmp/fallback.json" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q '"version": 2' "$tmp/fallback.json"; then
    ok detect_falls_back_to_loadable_version
else
    bad "detect_falls_back_to_loadable_version (exit $rc): $(cat "$tmp/err")"
fi

summary
