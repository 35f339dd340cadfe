#!/bin/sh
# Builds every fuzz target with clang and libFuzzer (needs libclang-rt-14-dev) into
# build-fuzz/, then runs each for FUZZ_SECONDS (default 60) over its corpus.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
make BUILD=build-fuzz CC=clang OPT="-O1 -g" SAN=fuzzer-no-link,address,undefined build-fuzz/libseer.a
for f in fuzz/fuzz_*.c; do
    t=$(basename "$f" .c); t=${t#fuzz_}
    clang -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
        -fsanitize=fuzzer,address,undefined "$f" build-fuzz/libseer.a \
        $(pkg-config --libs libjpeg spng libmicrohttpd libcjson sqlite3 libsodium gnutls) \
        -ldnnl -lm -lpthread -fopenmp -o "build-fuzz/fuzz_$t"
    mkdir -p "build-fuzz/corpus-$t"
    "build-fuzz/fuzz_$t" -max_total_time="$secs" "build-fuzz/corpus-$t" "fuzz/corpus/$t"
done
