#!/bin/sh
# Greps for banned calls (STYLE.md §8): strcpy, sprintf, strtok, atoi, gets, and raw
# malloc/calloc/realloc/free outside core/alloc.c. Exit 1 with the offending lines.
set -u
cd "$(dirname "$0")/.."
bad=0
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets)\s*\(' \
    $(git ls-files 'src/*.c' 'src/*.h' 'include/*.h') 2>/dev/null)
[ -n "$hits" ] && { echo "banned calls:"; echo "$hits"; bad=1; }
hits=$(grep -nE '(^|[^_a-z.>])(malloc|calloc|realloc|free)\s*\(' \
    $(git ls-files 'src/*.c' | grep -v '^src/core/alloc.c$') 2>/dev/null |
    grep -vE 'seer_(malloc|calloc|realloc|free)|cJSON_free|sqlite3_free|spng_|jpeg_|gnutls_free|MHD_free|dnnl_')
[ -n "$hits" ] && { echo "raw allocation outside core/alloc.c:"; echo "$hits"; bad=1; }
exit $bad
