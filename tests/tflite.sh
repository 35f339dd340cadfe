#!/bin/sh
# The TFLite SSD MobileNet v1 from the command line: `seer detect` on the test photo of
# TensorFlow's Android example finds what TFLite on Android found (expected.txt): a dining
# table, a knife (or scissors: the model hesitates between them), a cup and a book, each
# above 0.3, with the same label, a box overlapping TFLite's by IoU >= 0.85 and a score
# within 0.06 (Android decodes and scales the photo differently: a few 1/256 steps). A
# broken .tflite fails with a message naming the problem. The model and photo are test
# material in ../shared (or $SEER_SHARED); without them the tests are skipped.
set -u
SEER=${BUILD:-build}/seer
SHARED=${SEER_SHARED:-../shared}
MODEL=$SHARED/models/ssd_mobilenet_v1_coco_quant
PHOTO=$SHARED/data/tflite-table/table.jpg
EXPECTED=$SHARED/data/tflite-table/expected.txt
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "    SKIP: $2"; echo "skip $1"; }

if [ ! -x "$SEER" ]; then
    echo "    $SEER is not built"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
if [ ! -f "$MODEL/detect.tflite" ] || [ ! -f "$PHOTO" ] || [ ! -f "$EXPECTED" ]; then
    for t in detect_finds_the_table_objects detect_matches_expected broken_model_is_named; do
        skipped "$t" "needs $MODEL/detect.tflite, $PHOTO and $EXPECTED"
    done
    echo "$pass passed, $fail failed, $skip skipped"
    exit 0
fi

# A model repository of our own, laid out as scripts/setup-shared installs it.
repo=$tmp/models
mkdir -p "$repo/ssd_mobilenet_v1_coco/1" "$repo/broken/1"
cp share/models/ssd_mobilenet_v1_coco/seer.json "$MODEL/detect.tflite" "$MODEL/labelmap.txt" \
    "$repo/ssd_mobilenet_v1_coco/1/"

# label|category_id|score|x1|y1|x2|y2 per detection of one JSON line.
rows() {
    sed -e 's/}, {/}\n{/g' "$1" |
        sed -n 's/.*"label": "\([^"]*\)", "category_id": \(-\{0,1\}[0-9]*\), "score": \([0-9.]*\), "box": \[\([-0-9.e]*\), \([-0-9.e]*\), \([-0-9.e]*\), \([-0-9.e]*\)\].*/\1|\2|\3|\4|\5|\6|\7/p'
}

if "$SEER" detect --json --models "$repo" --model ssd_mobilenet_v1_coco "$PHOTO" \
    >"$tmp/out.json" 2>"$tmp/err.txt"; then
    rows "$tmp/out.json" >"$tmp/rows.txt"
    missing=""
    for want in "dining table|67" "cup|47" "book|84"; do
        grep -q "^$want|" "$tmp/rows.txt" || missing="$missing $want"
    done
    grep -q -e "^knife|49|" -e "^scissors|87|" "$tmp/rows.txt" || missing="$missing knife/scissors"
    if [ -z "$missing" ] && awk -F'|' '$3 <= 0.3 { exit 1 }' "$tmp/rows.txt"; then
        ok detect_finds_the_table_objects
    else
        bad "detect_finds_the_table_objects (missing:$missing)"
        cat "$tmp/rows.txt"
    fi
    # Each line of expected.txt: label (_ for spaces) left top right bottom score.
    if awk -F'|' -v want="$EXPECTED" '
        function iou(a1, b1, a2, b2, c1, d1, c2, d2,   iw, ih, i, u) {
            iw = (a2 < c2 ? a2 : c2) - (a1 > c1 ? a1 : c1)
            ih = (b2 < d2 ? b2 : d2) - (b1 > d1 ? b1 : d1)
            if (iw <= 0 || ih <= 0) return 0
            i = iw * ih
            u = (a2 - a1) * (b2 - b1) + (c2 - c1) * (d2 - d1) - i
            return i / u
        }
        { lab[NR] = $1; sc[NR] = $3; x1[NR] = $4; y1[NR] = $5; x2[NR] = $6; y2[NR] = $7; n = NR }
        END {
            bad = 0
            while ((getline line < want) > 0) {
                split(line, f, " ")
                l = f[1]; gsub("_", " ", l)
                found = 0
                for (i = 1; i <= n; i++) {
                    same = lab[i] == l || (l == "knife" && lab[i] == "scissors")
                    d = sc[i] - f[6]; if (d < 0) d = -d
                    if (same && d <= 0.06 && iou(x1[i], y1[i], x2[i], y2[i], f[2], f[3], f[4], f[5]) >= 0.85)
                        found = 1
                }
                if (!found) { print "    no match for " line; bad = 1 }
            }
            exit bad
        }' "$tmp/rows.txt"; then
        ok detect_matches_expected
    else
        bad detect_matches_expected
        cat "$tmp/rows.txt"
    fi
else
    bad "detect_finds_the_table_objects (exit $?: $(cat "$tmp/err.txt"))"
    bad detect_matches_expected
fi

# A truncated model: a non-zero exit and a message naming the file and the problem.
cp share/models/ssd_mobilenet_v1_coco/seer.json "$MODEL/labelmap.txt" "$repo/broken/1/"
head -c 100000 "$MODEL/detect.tflite" >"$repo/broken/1/detect.tflite"
if "$SEER" detect --models "$repo" --model broken "$PHOTO" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    bad "broken_model_is_named (exit 0)"
elif grep -q "detect.tflite: tflite: .*past the end" "$tmp/err.txt"; then
    ok broken_model_is_named
else
    bad "broken_model_is_named: $(cat "$tmp/err.txt")"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
