#!/bin/sh
# The OpenAPI document served at /v1/openapi.json stays accurate: every /v1 route in the
# server's route table (src/serve/routes.c) is described, with its method, and the
# document names no /v1 path the server does not route.
set -u
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
if ! command -v jq >/dev/null 2>&1; then
    echo "    SKIP: needs jq (scripts/setup installs it)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
# "METHOD /v1/path{}suffix" from the route table, path parameters written as {}.
routes=$(grep -E '^\s+\{"(GET|POST|PUT|DELETE)", "/v1/' src/serve/routes.c |
    sed -E 's/^\s+\{"([A-Z]+)", "([^"]+)", (NULL|"([^"]*)").*/\1 \2\4/' | sort -u)
# The same from the document, {name}/{version}/{id} written as {}.
doc=$(jq -r '.paths | to_entries[] | .key as $p | .value | keys[] |
        select(. != "parameters") | "\(ascii_upcase) \($p)"' web/openapi.json |
    sed -E 's/\{[a-z_]+\}/{}/g' | grep ' /v1/' | sort -u)
missing=$(printf '%s\n' "$routes" | while read -r r; do
    printf '%s\n' "$doc" | grep -qxF "$r" || echo "$r"; done)
extra=$(printf '%s\n' "$doc" | while read -r r; do
    printf '%s\n' "$routes" | grep -qxF "$r" || echo "$r"; done)
[ -n "$routes" ] && [ -z "$missing" ] && ok every_route_documented ||
    bad "every_route_documented: not in web/openapi.json: $missing"
[ -z "$extra" ] && ok no_undocumented_extra_paths ||
    bad "no_undocumented_extra_paths: documented but not routed: $extra"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
