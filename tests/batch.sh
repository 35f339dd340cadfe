#!/bin/sh
# seer batch end to end: glob with '**', a corrupt photo in the errors file, kill -9 and
# resume with every input exactly once, three shards covering every input once, JSON
# instances with keys, COCO results, reruns and refusals.
set -u
SEER=${BUILD:-build}/seer
SHARED=${SEER_SHARED:-../shared}
IMG=$SHARED/data/coco-dev/images
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "    SKIP: $2"; echo "skip $1"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ $fail -eq 0 ]; exit; }

# The value of "key" in each JSON line of a file, one per line ("path", "key", ...).
field() {
    sed -nE "s/.*\"$1\": \"([^\"]*)\".*/\\1/p" "$2"
}

if [ ! -x "$SEER" ]; then
    echo "    $SEER is not built"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

# Usage errors exit 2 without touching anything.
"$SEER" batch --model centernet --input 'x/*.jpg' >/dev/null 2>&1; rc=$?
"$SEER" batch --model centernet --output "$tmp/u" --input a --input-list b >/dev/null 2>&1
rc2=$?
"$SEER" batch --model centernet --output "$tmp/u" --input a --shard 3/3 >/dev/null 2>&1
rc3=$?
if [ $rc -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] && [ ! -e "$tmp/u" ]; then
    ok usage_errors_exit_2
else
    bad "usage_errors_exit_2 ($rc $rc2 $rc3)"
fi

if [ ! -d "$IMG" ] || [ ! -f models/centernet/1/seer.json ]; then
    skipped batch_end_to_end "needs $IMG and models/centernet/1 (scripts/setup)"
    finish
fi
photos=$(ls "$IMG" | head -n 40)

# A tree: 6 photos at several depths, a corrupt "photo", a file the pattern leaves out.
mkdir -p "$tmp/tree/a/b/c" "$tmp/tree/d"
i=0
for p in $(echo "$photos" | head -n 6); do
    case $i in 0 | 1) dir=$tmp/tree ;; 2) dir=$tmp/tree/a ;; 3 | 4) dir=$tmp/tree/a/b/c ;;
    *) dir=$tmp/tree/d ;; esac
    ln -s "$(cd "$IMG" && pwd)/$p" "$dir/$p"
    i=$((i + 1))
done
printf '\377\330\377\340 not really a JPEG' >"$tmp/tree/a/b/corrupt.jpg"
echo notes >"$tmp/tree/a/notes.txt"

out=$tmp/glob
"$SEER" batch --model centernet --input "$tmp/tree/**/*.jpg" --output "$out" \
    >"$tmp/stdout" 2>"$tmp/err"; rc=$?
res=$out/prediction.results-00000-of-00001
errs=$out/prediction.errors_stats-00000-of-00001
if [ $rc -eq 0 ] && [ "$(wc -l <"$res")" -eq 6 ] &&
    [ "$(field path "$res" | sort -u | wc -l)" -eq 6 ] &&
    [ "$(field path "$res" | grep -c '/a/b/c/')" -eq 2 ] &&
    grep -q '"detections": \[{"label": ' "$res"; then
    ok glob_double_star_runs_every_photo
else
    cat "$tmp/err"
    bad "glob_double_star_runs_every_photo (exit $rc)"
fi
if [ "$(wc -l <"$errs")" -eq 1 ] && grep -q '"path": ".*/a/b/corrupt.jpg", "status": "EFORMAT"' \
    "$errs"; then
    ok corrupt_photo_lands_in_errors_file
else
    cat "$errs"
    bad corrupt_photo_lands_in_errors_file
fi
# A finished job rerun does nothing and leaves the files as they were.
sum=$(cat "$res" "$errs" | cksum)
"$SEER" batch --model centernet --input "$tmp/tree/**/*.jpg" --output "$out" \
    >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q '(0 run now' "$tmp/err" && [ "$(cat "$res" "$errs" | cksum)" = "$sum" ]; then
    ok rerun_of_finished_job_does_nothing
else
    cat "$tmp/err"
    bad "rerun_of_finished_job_does_nothing (exit $rc)"
fi
# Other options are another job: refused, not mixed in.
"$SEER" batch --model centernet --input "$tmp/tree/**/*.jpg" --output "$out" --threshold 0.5 \
    >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "different job" "$tmp/err"; then
    ok other_job_in_same_folder_is_refused
else
    bad "other_job_in_same_folder_is_refused (exit $rc)"
fi

# kill -9 in the middle, then the same command again: every input exactly once.
for p in $photos; do echo "$IMG/$p"; done >"$tmp/list40"
out=$tmp/crash
work=$out/.seer-batch-00000-of-00001
"$SEER" batch --model centernet --input-list "$tmp/list40" --output "$out" --commit-every 3 \
    --threads 1 \
    --quiet 2>"$tmp/err" &
bg=$!
n=0
while [ $n -lt 600 ] && ! ls "$work"/chunk-* >/dev/null 2>&1; do
    sleep 0.05
    n=$((n + 1))
done
kill -9 "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
bg=
chunks=$(ls "$work"/chunk-* 2>/dev/null | wc -l)
if [ "$chunks" -ge 1 ] && [ ! -f "$out/prediction.results-00000-of-00001" ]; then
    "$SEER" batch --model centernet --input-list "$tmp/list40" --output "$out" \
        --commit-every 3 >/dev/null 2>"$tmp/err"; rc=$?
    res=$out/prediction.results-00000-of-00001
    ran=$(sed -nE 's/.*\(([0-9]+) run now.*/\1/p' "$tmp/err")
    field path "$res" | sort >"$tmp/got"
    sort "$tmp/list40" >"$tmp/want"
    if [ $rc -eq 0 ] && cmp -s "$tmp/got" "$tmp/want" && [ "$(wc -l <"$res")" -eq 40 ] &&
        [ -n "$ran" ] && [ "$ran" -lt 40 ] && [ ! -e "$work"/chunk-00000000 ]; then
        echo "    killed after $chunks chunk(s); the rerun ran $ran of 40"
        ok kill_9_then_rerun_gives_every_input_once
    else
        cat "$tmp/err"
        bad "kill_9_then_rerun_gives_every_input_once (exit $rc, ran ${ran:-?} of 40)"
    fi
else
    bad "kill_9_then_rerun_gives_every_input_once (no chunk before kill, or it finished first)"
fi

# Three shards into one folder cover the inputs exactly once between them.
head -n 12 "$tmp/list40" >"$tmp/list12"
out=$tmp/shards
for s in 0 1 2; do
    "$SEER" batch --model centernet --input-list "$tmp/list12" --output "$out" \
        --shard $s/3 --quiet 2>>"$tmp/err" &
done
wait
cat "$out"/prediction.results-0000?-of-00003 2>/dev/null | field path /dev/stdin | sort >"$tmp/got"
sort "$tmp/list12" >"$tmp/want"
# Shard 1 holds positions 1, 4, 7 and 10 (lines 2, 5, 8, 11), in commit order.
field path "$out/prediction.results-00001-of-00003" | sort >"$tmp/got1"
sed -n '2p;5p;8p;11p' "$tmp/list12" | sort >"$tmp/want1"
if cmp -s "$tmp/got" "$tmp/want" && cmp -s "$tmp/got1" "$tmp/want1"; then
    ok three_shards_cover_every_input_once
else
    ls -a "$out"
    bad three_shards_cover_every_input_once
fi

# JSON instances with keys, base64 in both of Cloud ML Engine's shapes, two bad lines.
set -- $(echo "$photos" | head -n 3)
{
    printf '{"key": "first", "b64": "%s"}\n' "$(base64 -w0 "$IMG/$1")"
    printf '{"image_bytes": {"b64": "%s"}, "key": "second"}\n' "$(base64 -w0 "$IMG/$2")"
    printf '{"key": "broken", "b64": "@@not base64@@"}\n'
    printf '\n{"key": "third", "image_bytes": {"b64": "%s"}}\n' "$(base64 -w0 "$IMG/$3")"
    printf '{"key": "nothing"}\n'
} >"$tmp/in.jsonl"
out=$tmp/jsonl
"$SEER" batch --model centernet --input-jsonl "$tmp/in.jsonl" --output "$out" \
    2>"$tmp/err"; rc=$?
res=$out/prediction.results-00000-of-00001
errs=$out/prediction.errors_stats-00000-of-00001
if [ $rc -eq 0 ] && [ "$(field key "$res" | sort | tr '\n' ' ')" = "first second third " ] &&
    grep -q '"key": "broken", "line": 3, "status": "EFORMAT"' "$errs" &&
    grep -q '"key": "nothing", "line": 6, "status": "EFORMAT"' "$errs" &&
    [ "$(wc -l <"$errs")" -eq 2 ]; then
    ok jsonl_instances_with_keys
else
    cat "$tmp/err" "$errs"
    bad "jsonl_instances_with_keys (exit $rc)"
fi
# The same photo as a file and as an instance gives the same detections.
"$SEER" batch --model centernet --input "$IMG/$1" --output "$tmp/one" --quiet
a=$(sed -E 's/.*"detections"//' "$tmp/one/prediction.results-00000-of-00001")
b=$(grep '"key": "first"' "$res" | sed -E 's/.*"detections"//')
if [ -n "$a" ] && [ "$a" = "$b" ]; then
    ok jsonl_photo_matches_file_photo
else
    bad jsonl_photo_matches_file_photo
fi

# COCO inputs: results name the image id, coco_results.json is what seer eval reads.
cat >"$tmp/two.json" <<'JSON'
{"images": [{"id": 285, "file_name": "000000000285.jpg"},
            {"id": 632, "file_name": "000000000632.jpg"}],
 "annotations": [{"id": 1, "image_id": 285, "category_id": 23, "iscrowd": 0,
                  "bbox": [1.43, 68.81, 584.57, 563.94], "area": 275827.0}],
 "categories": [{"id": 23, "name": "bear"}]}
JSON
out=$tmp/coco
if [ -f "$IMG/000000000285.jpg" ] && [ -f "$IMG/000000000632.jpg" ]; then
    "$SEER" batch --model centernet --annotations "$tmp/two.json" --images "$IMG" \
        --output "$out" --format coco --threshold 0.05 --quiet 2>"$tmp/err"; rc=$?
    n_res=$(grep -o '"label"' "$out/prediction.results-00000-of-00001" | wc -l)
    n_coco=$(grep -o '"image_id"' "$out/coco_results.json" | wc -l)
    if [ $rc -eq 0 ] && grep -q '"image_id": 285' "$out/prediction.results-00000-of-00001" &&
        [ "$n_res" -gt 0 ] && [ "$n_res" -eq "$n_coco" ] &&
        "$SEER" eval --annotations "$tmp/two.json" --detections "$out/coco_results.json" \
            --json >"$tmp/m.json" 2>/dev/null && grep -q '"AP": ' "$tmp/m.json"; then
        ok coco_results_file_feeds_eval
    else
        cat "$tmp/err"
        bad "coco_results_file_feeds_eval (exit $rc, $n_res vs $n_coco detections)"
    fi
else
    skipped coco_results_file_feeds_eval "needs coco-dev images 285 and 632"
fi

finish
