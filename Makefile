# faultline build.  `make help` lists the targets.

GIT_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
VERSION := $(or $(GIT_VERSION),0.1.0)
# Where git gives no version (a tarball, or `sudo make install` in a tree
# git will not read as another user), a build's version is kept, not
# rebuilt as 0.1.0; VERSION=... on the command line always applies.
VERSION_KEEP := $(if $(GIT_VERSION),,$(if $(filter command line,$(origin VERSION)),,1))
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
BUILD ?= build

# ncursesw: the wide-character curses of libncurses-dev, for `faultline tui`;
# libdw (elfutils, libdw-dev): report's symbol+0xoff (dso).
PKGS := babeltrace2 sqlite3 ncursesw libdw
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbabeltrace2 -lsqlite3 -lncursesw -ltinfo -ldw -lelf)
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# RECORD_ONLY=1: `faultline record` (and help, version) alone, without
# libbabeltrace2 and SQLite: what `make ppc64le` cross-builds for a guest.
RECORD_ONLY ?=
ifeq ($(RECORD_ONLY),1)
PKG_CFLAGS :=
PKG_LIBS :=
RECORD_ONLY_CFLAGS := -DFL_RECORD_ONLY
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
INCLUDES := -I. -Ilib -Ireplay -I$(BUILD)/gen
ALL_CFLAGS := -std=gnu11 $(WARN) $(INCLUDES) $(PKG_CFLAGS) $(RECORD_ONLY_CFLAGS) \
	-pthread -MMD -MP $(CFLAGS)
LIBS := $(PKG_LIBS) -lm -ldl -pthread

# The product: every .c in the code folders, plus the dispatcher.
LIB_SRCS := $(wildcard lib/*.c) $(wildcard replay/*.c) $(wildcard analyze/*.c) \
	$(wildcard tracer/*.c) $(wildcard tui/*.c) $(wildcard fleet/*.c)
ifeq ($(RECORD_ONLY),1)
# lib/fl_sql.c is SQLite's: not in a build without it.
LIB_SRCS := $(filter-out lib/fl_sql.c,$(wildcard lib/*.c)) $(wildcard tracer/*.c)
endif
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# Unit tests link the modules, not the subcommands (builtin-*.c, and
# replay/replay*.c: `faultline replay` run and summed up).
UNIT_LINK_OBJS := $(foreach o,$(LIB_OBJS),$(if $(or $(findstring /builtin-,$(o)),\
	$(findstring /replay/replay,$(o))),,$(o)))
MAIN_OBJ := $(BUILD)/faultline.o
FAULTLINE := $(BUILD)/faultline
# The LTTng-UST provider: the only object linked with liblttng-ust, loaded
# by `faultline record` alone (tracer/README.md says why).
UST_SO := $(BUILD)/faultline-ust.so
VERSION_H := $(BUILD)/gen/fl_version.h
LIBDIR ?= $(PREFIX)/lib

# Tests: cmocka unit tests, fixture tools, workloads.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:%.c=$(BUILD)/%)
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOAD_BINS := $(WORKLOAD_SRCS:%.c=$(BUILD)/%)
TEST_BINS := $(UNIT_BINS) $(TOOL_BINS) $(WORKLOAD_BINS)

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

.PHONY: all tests check check-run demo demo-run install asan valgrind valgrind-quick valgrind-run bench deps clean help man \
	ppc64le fuzz fuzz-build FORCE

# The ppc64le cross build of the recorder, for tracer/ppc64-lab/:
#   make ppc64le PPC64LE_SYSROOT=DIR
# DIR holds Debian's ppc64el liblttng-ust-dev, liblttng-ctl-dev, liburcu-dev,
# uuid-dev and their libraries, unpacked with dpkg -x (the lab makes it).
# Builds build/ppc64le/faultline (record, help, version) and
# build/ppc64le/faultline-ust.so with gcc-powerpc64le-linux-gnu.
PPC64LE_CROSS ?= powerpc64le-linux-gnu-
PPC64LE_SYSROOT ?= build/ppc64le-sysroot
PPC64LE_LIBDIRS := $(PPC64LE_SYSROOT)/usr/lib/powerpc64le-linux-gnu \
	$(PPC64LE_SYSROOT)/lib/powerpc64le-linux-gnu

all: $(FAULTLINE) $(UST_SO)

$(FAULTLINE): $(MAIN_OBJ) $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(UST_SO): tracer/ust/faultline-ust.c tracer/ust/faultline_tp.h tracer/ust_api.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itracer/ust -fPIC -shared $(LDFLAGS) -o $@ $< -Wl,--no-as-needed -llttng-ust -ldl

$(BUILD)/tracer/ust_load.o: ALL_CFLAGS += -DFL_LIBDIR='"$(LIBDIR)/faultline"'

$(BUILD)/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The version in one generated header (FL_VERSION), rewritten only when
# `git describe` changes: the files that print or store it include it, so
# they, and only they, are rebuilt then (their .d files name it).  A -D in
# every file's flags left an object built at an older commit with that
# commit's version: `--version`, runs.tool_version and the decode cache's
# key could name a build other than the one running.
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	@if [ -n '$(VERSION_KEEP)' ] && [ -f $@ ]; then exit 0; fi; \
	printf '#define FL_VERSION "%s"\n' '$(VERSION)' > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

# The store schema is compiled in from schemas/outcomes.sql, its one source.
$(BUILD)/gen/outcomes_sql.h: schemas/outcomes.sql scripts/sql2c
	@mkdir -p $(dir $@)
	scripts/sql2c fl_outcomes_sql $< > $@.tmp && mv $@.tmp $@
$(BUILD)/replay/store_newdb.o: $(BUILD)/gen/outcomes_sql.h

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_LINK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(UNIT_LINK_OBJS) $(LIBS) $(TEST_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

$(BUILD)/tests/workloads/%: tests/workloads/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -pthread $(LDFLAGS) -o $@ $< -pthread

# Its functions are named in call sites: -O0 -g keeps each one and its
# call into the C library (no inlining, no tail call).
$(BUILD)/tests/workloads/callsites: ALL_CFLAGS += -O0 -g

# Build the test programs without running them.
tests: $(TEST_BINS)

deps:
	@scripts/install-deps

ppc64le:
	@test -d $(PPC64LE_SYSROOT)/usr/include/lttng || { echo "make ppc64le: no ppc64el LTTng headers in" \
		"PPC64LE_SYSROOT=$(PPC64LE_SYSROOT) (tracer/ppc64-lab/lab.sh --build-only makes one)" >&2; exit 1; }
	@$(MAKE) --no-print-directory RECORD_ONLY=1 BUILD=build/ppc64le CC=$(PPC64LE_CROSS)gcc \
		CFLAGS='-O2 -g -isystem $(PPC64LE_SYSROOT)/usr/include -isystem $(PPC64LE_SYSROOT)/usr/include/powerpc64le-linux-gnu' \
		LDFLAGS='$(foreach d,$(PPC64LE_LIBDIRS),-L$(d) -Wl,-rpath-link=$(d))' \
		build/ppc64le/faultline build/ppc64le/faultline-ust.so

# `make check`: install what is missing, build, run every test.
check: deps
	@$(MAKE) --no-print-directory check-run

# Tests run TEST_JOBS at once (tests/run -j; the recording tests alone).
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

check-run: $(FAULTLINE) $(UST_SO) $(TEST_BINS)
	@tests/run -j $(TEST_JOBS) $(BUILD)

# The tests again, built and run under AddressSanitizer + UBSan.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS='$(ASAN_FLAGS)' \
		LDFLAGS='-fsanitize=address,undefined' check-run

# The shell tests with every faultline run under valgrind (but record's:
# tests/run says why).  `make valgrind-quick`: only the tests marked
# "# faultline-test: valgrind-quick", which between them run every command
# on every input kind, in about a third of the time; CI runs these.
VALGRIND_QUICK = $(shell grep -l '^\# faultline-test: valgrind-quick' tests/integration/t*.sh)

valgrind: deps
	@$(MAKE) --no-print-directory valgrind-run VALGRIND_TESTS='$(wildcard tests/integration/t*.sh)'

valgrind-quick: deps
	@$(MAKE) --no-print-directory valgrind-run VALGRIND_TESTS='$(VALGRIND_QUICK)'

valgrind-run: $(FAULTLINE) $(UST_SO) $(TEST_BINS)
	@test -n '$(VALGRIND_TESTS)' || { echo 'valgrind-run: no tests (VALGRIND_TESTS is empty)' >&2; exit 2; }
	@FL_VALGRIND=1 tests/run -j $(TEST_JOBS) $(BUILD) $(VALGRIND_TESTS)

# libFuzzer targets (tests/fuzz/), built with clang, ASan and UBSan into
# build/fuzz; `make fuzz` runs each for FUZZ_SECONDS with its corpus.
FUZZ_TARGETS := ingest replay store
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
# A populate call (MAP_POPULATE, mlock) makes at most 2^16 pages present
# there, not 2^24: the same paths, a hundred times faster per input.
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -DFL_PGT_MAX_POPULATE=65536u

fuzz: deps $(FAULTLINE)
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS='$(FUZZ_FLAGS)' fuzz-build
	@tests/fuzz/run $(FUZZ_BUILD) $(FAULTLINE) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%)

# The store target links the subcommands (report, export, diff) and
# stands in for faultline.c's two dispatcher helpers; the others link the
# modules, as the unit tests do.
$(BUILD)/tests/fuzz/fuzz_store: tests/fuzz/fuzz_store.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itui -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS) $(LIBS)

$(BUILD)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(UNIT_LINK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(UNIT_LINK_OBJS) $(LIBS)

# The demo needs no browser (scripts/install-deps --no-browser); it builds
# record's provider and the test workloads too, so the README's record
# example works right after it.
demo:
	@scripts/install-deps --no-browser
	@$(MAKE) --no-print-directory demo-run

demo-run: $(FAULTLINE) $(UST_SO) $(WORKLOAD_BINS)
	@scripts/demo $(FAULTLINE)

bench: deps $(FAULTLINE) $(UST_SO) $(WORKLOAD_BINS)
	@scripts/bench-info $(FAULTLINE)
	@echo
	@scripts/bench-replay $(FAULTLINE)
	@echo
	@scripts/bench-report $(FAULTLINE)
	@echo
	@scripts/bench-record $(FAULTLINE) $(BUILD)
	@echo
	@scripts/bench-tui $(FAULTLINE)
	@echo
	@scripts/bench-sweep $(FAULTLINE)

man: $(FAULTLINE)
	@scripts/gen-man $(FAULTLINE) $(BUILD)/man

install: $(FAULTLINE) $(UST_SO) man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(LIBDIR)/faultline $(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(FAULTLINE) $(DESTDIR)$(BINDIR)/faultline
	install -m 644 $(UST_SO) $(DESTDIR)$(LIBDIR)/faultline/faultline-ust.so
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(BUILD)/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 scripts/faultline.bash-completion $(DESTDIR)$(COMPLETIONDIR)/faultline

clean:
	rm -rf $(BUILD)

help:
	@echo "targets:"
	@echo "  all      build $(FAULTLINE) (default)"
	@echo "  check    install dependencies, build, run all tests"
	@echo "  asan     the tests under AddressSanitizer + UBSan"
	@echo "  valgrind the shell tests with every faultline run (but record's) under valgrind"
	@echo "  valgrind-quick  the same on the tests marked valgrind-quick (CI's set)"
	@echo "  fuzz     build the libFuzzer targets (clang, ASan+UBSan), run each FUZZ_SECONDS=$(FUZZ_SECONDS)"
	@echo "  demo     faultline info, replay, report, diff and the HTML page on the bundled traces"
	@echo "  bench    info and replay against babeltrace2, replay memory, report on 10M outcomes,"
	@echo "           record against perf record, tui screen and keypress times on 10M outcomes,"
	@echo "           a sweep through GNU parallel -j 2 against the same sweep one job at a time"
	@echo "  install  PREFIX=$(PREFIX) DESTDIR=$(DESTDIR): binary, record's provider, man pages,"
	@echo "           bash completion"
	@echo "  clean    remove $(BUILD)"
	@echo "  ppc64le  cross-build the recorder for ppc64le (PPC64LE_SYSROOT=DIR; tracer/ppc64-lab/)"
	@echo "variables: CC (gcc or clang), CFLAGS, BUILD, PPC64LE_SYSROOT, PPC64LE_CROSS"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
