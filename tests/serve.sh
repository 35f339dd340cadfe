#!/bin/sh
# seer serve over real HTTP on loopback: a server on a free port with a temporary state
# directory and a copy of the default model; login, tokens, both :predict shapes, the
# raw and multipart /v1/detect paths, 401 everywhere but /healthz, 4xx JSON errors for
# bad input, metrics, hot swap of a new model version under load, and SIGTERM.
# Prints "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
. tests/lib/server.sh
DOG=$SHARED/data/photos/dog.jpg

for tool in curl jq; do
    if ! command -v $tool >/dev/null 2>&1; then
        skipped serve_http "needs $tool (scripts/packages.txt)"
        finish
    fi
done
if [ ! -x "$SEER" ]; then
    bad serve_http "no $SEER: build first"
    finish
fi

srv_tmpdir serve-test

mkdir -p "$tmp/models"
have_model=0
if [ -f models/centernet/1/seer.json ]; then
    mkdir -p "$tmp/models/centernet"
    cp -r models/centernet/1 "$tmp/models/centernet/1"
    have_model=1
fi

if ! srv_start "$tmp/log" --models "$tmp/models" --threads 2 --scan-ms 300; then
    bad server_starts "no 'listening on' line; log:"
    cat "$tmp/log"
    finish
fi
ok server_starts

pw=$(srv_admin_password "$tmp/log")
if [ -n "$pw" ]; then ok first_start_prints_admin_password; else bad first_start_prints_admin_password; fi
tok=$(srv_token test)
case "$tok" in
seer_*) ok token_create_prints_only_the_token ;;
*) bad token_create_prints_only_the_token "got '$tok'" ;;
esac
AUTH="Authorization: Bearer $tok"

# code METHOD PATH [curl args...]: prints the HTTP status, body in $tmp/body.
code() {
    m=$1 p=$2
    shift 2
    curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" "$@" "$base$p"
}
# expect NAME WANT_CODE METHOD PATH [curl args...]: also wants a JSON {"error"} on 4xx/5xx.
expect() {
    name=$1 want=$2
    shift 2
    got=$(code "$@")
    if [ "$got" != "$want" ]; then
        bad "$name" "HTTP $got, wanted $want: $(head -c 300 "$tmp/body")"
        return 1
    fi
    if [ "$want" -ge 400 ] && ! jq -e '.error | type == "string" and length > 0' \
        "$tmp/body" >/dev/null 2>&1; then
        bad "$name" "no JSON error body: $(head -c 300 "$tmp/body")"
        return 1
    fi
    ok "$name"
}

expect healthz_without_auth 200 GET /healthz
# Every other route answers 401 (JSON) without credentials; the page redirects instead.
n401=0 routes=0
for r in "GET /readyz" "GET /metrics" "GET /v1/session" "GET /v1/models" \
    "GET /v1/models/centernet" "GET /v1/models/centernet/versions/1" \
    "GET /v1/models/centernet/metadata" "GET /v1/models/centernet/versions/1/metadata" \
    "GET /v1/openapi.json" "GET /app.js" "GET /index.html" \
    "POST /v1/models/centernet:predict" "POST /v1/models/centernet/versions/1:predict" \
    "POST /v1/detect" "POST /logout"; do
    set -- $r
    routes=$((routes + 1))
    got=$(code "$1" "$2" -H 'Accept: application/json')
    if [ "$got" = 401 ] && jq -e .error "$tmp/body" >/dev/null 2>&1; then
        n401=$((n401 + 1))
    elif [ "$got" = 303 ] && [ "$2" != "${2#/index}" -o "$2" = /app.js ]; then
        n401=$((n401 + 1)) # pages send people to the login form
    else
        echo "    $r without credentials: HTTP $got"
    fi
done
if [ "$n401" -eq "$routes" ]; then ok "unauthenticated_401_on_${routes}_routes"; else bad unauthenticated_401 "$n401 of $routes"; fi
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/")
case "$got" in
"303 "*/login) ok page_redirects_to_login ;;
*) bad page_redirects_to_login "$got" ;;
esac
expect bad_token_401 401 GET /v1/models -H "Authorization: Bearer seer_wrong"
expect basic_auth_works 200 GET /v1/session -u "admin:$pw"
expect token_auth_works 200 GET /v1/session -H "$AUTH"
got=$(curl -s -D - -o /dev/null -H "$AUTH" -H 'X-Request-Id: test-123' "$base/v1/session" |
    tr -d '\r' | sed -n 's/^X-Request-Id: //Ip')
if [ "$got" = test-123 ]; then ok request_id_echoed; else bad request_id_echoed "'$got'"; fi
# Users and tokens from the command line, while the server runs.
printf 'bobs-first-password\n' | "$SEER" user add bob --state "$tmp/state" 2>/dev/null
expect user_add_then_basic 200 GET /v1/session -u bob:bobs-first-password
printf 'bobs-second-password\n' | "$SEER" user passwd bob --state "$tmp/state" 2>/dev/null
expect user_passwd_old_refused 401 GET /v1/session -u bob:bobs-first-password
expect user_passwd_new_works 200 GET /v1/session -u bob:bobs-second-password
"$SEER" user del bob --state "$tmp/state" 2>/dev/null
expect user_del_refused 401 GET /v1/session -u bob:bobs-second-password
t2=$("$SEER" token create --name second --state "$tmp/state")
expect second_token_works 200 GET /v1/session -H "Authorization: Bearer $t2"
if "$SEER" token list --state "$tmp/state" | grep -q '^second  *admin '; then ok token_list; else bad token_list; fi
"$SEER" token revoke second --state "$tmp/state" 2>/dev/null
expect revoked_token_401 401 GET /v1/session -H "Authorization: Bearer $t2"

# Browser login: cookie + CSRF token; a POST without the token is refused.
curl -s -c "$tmp/jar" -H 'Content-Type: application/json' \
    -d "{\"user\":\"admin\",\"password\":\"$pw\"}" "$base/login" >"$tmp/login.json"
csrf=$(jq -r .csrf "$tmp/login.json")
expect session_cookie_works 200 GET /v1/session -b "$tmp/jar"
expect csrf_required 403 POST /logout -b "$tmp/jar"
expect logout_with_csrf 200 POST /logout -b "$tmp/jar" -H "X-CSRF-Token: $csrf"
expect session_gone_after_logout 401 GET /v1/session -b "$tmp/jar"

if [ "$have_model" -eq 0 ] || [ ! -f "$DOG" ]; then
    skipped model_routes "needs models/centernet/1 (scripts/setup) and $DOG"
    srv_stop
    finish
fi

expect readyz 200 GET /readyz -H "$AUTH"
expect models_list 200 GET /v1/models -H "$AUTH"
if jq -e '.models[] | select(.name == "centernet" and .version == "1" and .state == "AVAILABLE")' \
    "$tmp/body" >/dev/null; then ok models_list_has_centernet; else bad models_list_has_centernet "$(cat "$tmp/body")"; fi
expect model_status 200 GET /v1/models/centernet -H "$AUTH"
if jq -e '.model_version_status == [{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]' \
    "$tmp/body" >/dev/null; then ok model_status_tf_serving_shape; else bad model_status_tf_serving_shape "$(cat "$tmp/body")"; fi
expect model_status_missing_version 404 GET /v1/models/centernet/versions/7 -H "$AUTH"
expect model_unknown 404 GET /v1/models/nosuch -H "$AUTH"
expect metadata 200 GET /v1/models/centernet/versions/1/metadata -H "$AUTH"
if jq -e '.model_spec.name == "centernet" and .model_spec.version == "1" and
    .metadata.signature_def.signature_def.serving_default.inputs.image_bytes.dtype == "DT_STRING" and
    (.metadata.signature_def.signature_def.serving_default.outputs | has("detection_boxes"))' \
    "$tmp/body" >/dev/null; then ok metadata_signature; else bad metadata_signature "$(head -c 400 "$tmp/body")"; fi

b64=$(base64 -w0 "$DOG")
printf '{"instances": [{"b64": "%s"}, {"image_bytes": {"b64": "%s"}, "key": "k2"}]}' "$b64" "$b64" \
    >"$tmp/row.json"
printf '{"inputs": {"image_bytes": [{"b64": "%s"}]}}' "$b64" >"$tmp/col.json"
expect predict_row 200 POST /v1/models/centernet:predict -H "$AUTH" --data-binary "@$tmp/row.json"
if jq -e '(.predictions | length) == 2 and
    (.predictions[0].detection_class_names | index("dog")) != null and
    (.predictions[0].detection_class_names | index("bicycle")) != null and
    .predictions[0].num_detections == (.predictions[0].detection_scores | length) and
    ([.predictions[0].detection_boxes[][]] | all(. >= 0 and . <= 1)) and
    (.predictions[0].detection_classes | index(18)) != null and
    .predictions[1].key == "k2" and
    .predictions[0].detection_class_names == .predictions[1].detection_class_names' \
    "$tmp/body" >/dev/null; then ok predict_row_names_dog_and_bicycle; else bad predict_row_names_dog_and_bicycle "$(head -c 600 "$tmp/body")"; fi
expect predict_columnar 200 POST /v1/models/centernet/versions/1:predict -H "$AUTH" \
    --data-binary "@$tmp/col.json"
if jq -e '(.outputs.detection_class_names[0] | index("dog")) != null and
    (.outputs.detection_class_names[0] | index("bicycle")) != null and
    (.outputs.num_detections | length) == 1' "$tmp/body" >/dev/null; then
    ok predict_columnar_outputs
else bad predict_columnar_outputs "$(head -c 600 "$tmp/body")"; fi
expect detect_raw 200 POST "/v1/detect?model=centernet" -H "$AUTH" \
    -H 'Content-Type: image/jpeg' --data-binary "@$DOG"
if jq -e '.width == 768 and .height == 576 and .model == "centernet" and .version == 1 and
    ([.detections[].label] | index("dog")) != null and ([.detections[].label] | index("bicycle")) != null and
    (.detections[0].box | length) == 4' "$tmp/body" >/dev/null; then ok detect_raw_schema; else bad detect_raw_schema "$(head -c 600 "$tmp/body")"; fi
n_all=$(jq '.detections | length' "$tmp/body")
expect detect_multipart 200 POST "/v1/detect?threshold=0.45" -H "$AUTH" -F "file=@$DOG"
if jq -e --argjson n "$n_all" '.image == "dog.jpg" and (.detections | length) > 0 and
    (.detections | length) < $n and ([.detections[].score] | all(. >= 0.45))' \
    "$tmp/body" >/dev/null; then
    ok detect_multipart_threshold
else bad detect_multipart_threshold "$(head -c 600 "$tmp/body")"; fi

# Bad input: the right 4xx with a JSON error, and the server stays up.
expect bad_json_400 400 POST /v1/models/centernet:predict -H "$AUTH" --data-binary '{"instances": [{"b64": '
expect bad_base64_400 400 POST /v1/models/centernet:predict -H "$AUTH" --data-binary '{"instances": [{"b64": "not*base64"}]}'
expect non_image_400 400 POST /v1/detect -H "$AUTH" --data-binary 'this is plain text, not a photo'
expect non_image_predict_400 400 POST /v1/models/centernet:predict -H "$AUTH" \
    --data-binary "{\"instances\": [\"$(printf 'plain words' | base64 -w0)\"]}"
expect gif_unsupported_422 422 POST /v1/models/centernet:predict -H "$AUTH" \
    --data-binary "{\"instances\": [\"$(printf 'GIF89a nope' | base64 -w0)\"]}"
expect empty_body_400 400 POST /v1/detect -H "$AUTH"
expect bad_threshold_400 400 POST "/v1/detect?threshold=7" -H "$AUTH" --data-binary "@$DOG"
expect unknown_model_404 404 POST /v1/models/nosuch:predict -H "$AUTH" --data-binary "@$tmp/row.json"
head -c $((21 * 1024 * 1024)) /dev/zero >"$tmp/big"
expect oversized_413 413 POST /v1/detect -H "$AUTH" --data-binary "@$tmp/big"
expect oversized_chunked_413 413 POST /v1/detect -H "$AUTH" -H 'Transfer-Encoding: chunked' \
    --data-binary "@$tmp/big"
expect still_healthy 200 GET /healthz
expect still_serving 200 POST /v1/detect -H "$AUTH" --data-binary "@$DOG"

expect openapi 200 GET /v1/openapi.json -H "$AUTH"
if jq -e '.openapi == "3.0.3" and (.paths | has("/v1/models/{name}:predict")) and
    (.paths | has("/v1/detect"))' "$tmp/body" >/dev/null; then ok openapi_document; else bad openapi_document; fi
expect metrics 200 GET /metrics -H "$AUTH"
if grep -q '^seer_http_requests_total{route="/v1/detect",model="centernet:1",code="200"}' "$tmp/body" &&
    grep -q '^seer_inference_duration_seconds_count{model="centernet:1"}' "$tmp/body" &&
    grep -q '^seer_queue_depth ' "$tmp/body" && grep -q '^seer_models_loaded 1$' "$tmp/body"; then
    ok metrics_content
else bad metrics_content "$(head -c 600 "$tmp/body")"; fi

# Hot swap: version 2 appears (a plain recursive copy, as a person would do it) while
# requests run; none may fail, and afterwards the new version serves.
(
    i=0 failed=0
    while [ $i -lt 12 ]; do
        c=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" --data-binary "@$DOG" \
            "$base/v1/detect?model=centernet")
        [ "$c" = 200 ] || failed=$((failed + 1))
        i=$((i + 1))
    done
    echo "$failed" >"$tmp/swap_failed"
) &
loop=$!
sleep 0.3
cp -r "$tmp/models/centernet/1" "$tmp/models/centernet/2"
wait "$loop"
v2=""
for _ in $(seq 1 100); do
    v2=$(curl -s -H "$AUTH" "$base/v1/models/centernet/versions/2" | jq -r '.model_version_status[0].state')
    [ "$v2" = AVAILABLE ] && break
    sleep 0.2
done
if [ "$(cat "$tmp/swap_failed")" = 0 ] && [ "$v2" = AVAILABLE ]; then
    ok hot_swap_no_failures
else bad hot_swap_no_failures "failed requests: $(cat "$tmp/swap_failed"), v2 state: $v2"; fi
code POST "/v1/detect" -H "$AUTH" --data-binary "@$DOG" >/dev/null
if jq -e '.version == 2' "$tmp/body" >/dev/null; then ok new_version_serves; else bad new_version_serves "$(head -c 200 "$tmp/body")"; fi
# A broken version 3 is refused and version 2 keeps serving.
mkdir -p "$tmp/models/centernet/3"
echo '{"format": "tfjs", "model": "missing.json"}' >"$tmp/models/centernet/3/seer.json"
kill -HUP "$pid"
for _ in $(seq 1 50); do
    st=$(curl -s -H "$AUTH" "$base/v1/models/centernet/versions/3" | jq -r '.model_version_status[0].state')
    [ "$st" = END ] && break
    sleep 0.1
done
code POST "/v1/detect" -H "$AUTH" --data-binary "@$DOG" >/dev/null
if [ "$st" = END ] && jq -e '.version == 2' "$tmp/body" >/dev/null; then
    ok broken_version_refused_old_keeps_serving
else bad broken_version_refused_old_keeps_serving "v3 state $st; $(head -c 200 "$tmp/body")"; fi

# SIGTERM: drain and exit 0.
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
if [ "$rc" -eq 0 ]; then ok sigterm_exits_0; else bad sigterm_exits_0 "exit $rc"; fi
if grep -q 'access id=.* "POST /v1/detect" 200' "$tmp/log"; then ok access_log; else bad access_log; fi
if grep -q 'Sanitizer' "$tmp/log"; then bad no_sanitizer_reports "$(grep -m3 Sanitizer "$tmp/log")"; fi

# A full inference queue answers 503 with Retry-After at once; the rest are served.
srv_start "$tmp/q.log" --models "$tmp/models" --scan-ms 0 --threads 1 --model-threads 1 --queue 1
cpids=""
for i in 1 2 3 4 5 6; do
    curl -s -D "$tmp/q$i.h" -o "$tmp/q$i.b" -H "$AUTH" --data-binary "@$DOG" \
        "$base/v1/detect" &
    cpids="$cpids $!"
done
wait $cpids
n200=0 n503=0
for i in 1 2 3 4 5 6; do
    if grep -q '^HTTP/1.1 200' "$tmp/q$i.h"; then n200=$((n200 + 1)); fi
    if grep -q '^HTTP/1.1 503' "$tmp/q$i.h" && grep -qi '^Retry-After: 1' "$tmp/q$i.h" &&
        jq -e .error "$tmp/q$i.b" >/dev/null 2>&1; then n503=$((n503 + 1)); fi
done
if [ "$n503" -ge 1 ] && [ "$n200" -ge 2 ] && [ $((n200 + n503)) -eq 6 ]; then
    ok full_queue_503_retry_after
else bad full_queue_503_retry_after "$n200 x 200, $n503 x 503"; fi
c=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
if [ "$c" = 200 ]; then ok healthy_after_overload; else bad healthy_after_overload "HTTP $c"; fi
srv_stop

# HTTPS with --tls-cert/--tls-key: the session cookie is Secure there.
if command -v openssl >/dev/null 2>&1; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
    srv_start "$tmp/tls.log" --models "$tmp/models" --scan-ms 0 --tls-cert "$tmp/cert.pem" \
        --tls-key "$tmp/key.pem" --max-pixels 100000
    hdrs=$(curl -sk -D - -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"user\":\"admin\",\"password\":\"$pw\"}" "$base/login" | tr -d '\r')
    if printf '%s' "$hdrs" | grep -qi '^Set-Cookie: seer_session=.*; Secure' &&
        printf '%s' "$hdrs" | grep -qi '^Strict-Transport-Security'; then
        ok tls_login_secure_cookie
    else bad tls_login_secure_cookie "$(cat "$tmp/tls.log" | tail -3)"; fi
    # dog.jpg has 442,368 pixels: over this server's --max-pixels.
    c=$(curl -sk -o "$tmp/body" -w '%{http_code}' -H "$AUTH" --data-binary "@$DOG" \
        "$base/v1/detect")
    if [ "$c" = 413 ] && jq -e '.error | test("pixel")' "$tmp/body" >/dev/null 2>&1; then
        ok pixel_limit_413
    else bad pixel_limit_413 "HTTP $c: $(head -c 200 "$tmp/body")"; fi
    srv_stop
else
    skipped tls "needs openssl"
fi
finish
