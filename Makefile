# Seer: one GNU Makefile. See README.md for the commands and ../shared/STYLE.md §9.
#
#   make            build ./seer and the test binaries
#   make test       set up (packages, models), build, run every test: "N passed, N failed"
#   make run        set up, build, serve the app
#   make bench      Seer and its peers side by side
#   make SAN=address,undefined test    the same under sanitizers (separate build dir)

OPT      ?= -O2 -g
SAN      ?=
BUILD    ?= build$(if $(SAN),-san)
PKGS      = libjpeg spng libmicrohttpd libcjson sqlite3 libsodium gnutls
SANFLAGS  = $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
WARN      = -Wall -Wextra -Wpedantic -Wshadow -Wvla -Wstrict-prototypes -Wno-unused-parameter
# ThreadSanitizer cannot see libgomp's barriers (libgomp is not instrumented), so under
# SAN=thread OpenMP regions run serially (-fopenmp-simd) and TSan checks our own threads.
OMPFLAGS  = $(if $(filter thread,$(subst $(comma), ,$(SAN))),-fopenmp-simd,-fopenmp)
comma    := ,
ALL_CFLAGS   = -std=c17 $(WARN) $(OPT) $(SANFLAGS) -pthread $(OMPFLAGS) $(CFLAGS)
ALL_CPPFLAGS = -Iinclude -Isrc -Itests -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -MMD -MP \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
LDLIBS      += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldnnl -lm -lpthread
ALL_LDFLAGS  = $(SANFLAGS) -pthread $(OMPFLAGS) -lgomp $(LDFLAGS)

CLI_SRCS  = src/main.c $(wildcard src/cli/*.c)
LIB_SRCS  = $(filter-out $(CLI_SRCS),$(shell find src -name '*.c' | sort))
WEB_FILES = $(sort $(wildcard web/*))
TEST_SRCS = $(sort $(wildcard tests/test_*.c))
FUZZ_SRCS = $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/web_assets.o
CLI_OBJS  = $(CLI_SRCS:%.c=$(BUILD)/%.o)
TESTS     = $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
REPLAYS   = $(FUZZ_SRCS:fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
LIB       = $(BUILD)/libseer.a
SEER_BIN  = $(BUILD)/seer
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all test test-tsan check run bench bench-tune fuzz format format-check lint clean setup install

all: $(SEER_BIN) seer $(TESTS) $(REPLAYS)

# ./seer is what the README calls; it points at the normal build.
seer: $(SEER_BIN)
	@if [ -z "$(SAN)" ]; then ln -sf $(SEER_BIN) seer; fi

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(SEER_BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ISA) -c $< -o $@

# Per-file ISA flags: fast kernels are compiled for their ISA and picked at run time.
$(BUILD)/src/kernels/x86/%_avx2.o: ISA = -mavx2 -mfma -mf16c
$(BUILD)/src/kernels/x86/%_avx512.o: ISA = -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mf16c
$(BUILD)/src/kernels/x86/%_bf16.o: ISA = -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mfma

# The web page is embedded in the binary: tools/embed.sh turns web/* into a C table.
$(BUILD)/web_assets.c: $(WEB_FILES) tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh $@ $(WEB_FILES)
$(BUILD)/web_assets.o: $(BUILD)/web_assets.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(LIB) tests/t.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(LDLIBS)

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ $< fuzz/replay.c $(LIB) $(ALL_LDFLAGS) $(LDLIBS)

setup:
	@sh scripts/setup

# Setup first (idempotent and quick once done), then build, then every test binary,
# every fuzz replay and the script tests; tools/run-tests.sh adds up the totals.
test check: setup
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@BUILD=$(BUILD) SAN=$(SAN) sh tools/run-tests.sh $(TESTS) $(REPLAYS)

# ThreadSanitizer over the threaded pieces: thread pool, plans, batch pipeline, job
# runners (STYLE.md §8). oneDNN is not instrumented: tools/tsan.supp.
TSAN_TESTS = test_core test_graph test_batch test_tune_jobs
test-tsan: setup
	@$(MAKE) --no-print-directory -j$(JOBS) SAN=thread BUILD=build-tsan \
		$(TSAN_TESTS:%=build-tsan/tests/%)
	@TSAN_OPTIONS="suppressions=$(CURDIR)/tools/tsan.supp halt_on_error=1" NO_SCRIPTS=1 \
		sh tools/run-tests.sh $(TSAN_TESTS:%=build-tsan/tests/%)

run: setup
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@sh scripts/run

bench: setup
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@sh bench/run.sh

# Hyperparameter search against random search and Optuna's TPE (python3-optuna).
bench-tune: all
	@sh bench/tune_bench.sh

fuzz:
	@sh fuzz/build.sh

install: all
	@sh scripts/install

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')
lint:
	sh tools/checksrc.sh
	cppcheck --quiet --error-exitcode=1 --enable=warning -Iinclude -Isrc src

clean:
	rm -rf build build-san seer

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
