# vsx build. `make` builds everything into $(O); `make test` builds a sanitizer build into
# build/test and runs every test level. Sources are found by wildcard, so adding a file in
# the right directory is enough:
#   lib/*.c                 -> $(O)/libvsx.a (user-space library)
#   bpf/*.bpf.c             -> $(O)/bpf/*.bpf.o and $(O)/include/*.skel.h
#   vsxd/*.c, vsxctl/*.c    -> $(O)/bin/vsxd, $(O)/bin/vsxctl
#   controller/*.c          -> $(O)/bin/vsx-controller
#   lab/*.c                 -> $(O)/bin/NAME, one standalone lab tool each (vsx-sink)
#   tests/unit/test_*.c     -> one cmocka binary each (linked with libvsx and tests/lib/*.c;
#                              test_vsxd_*.c also with vsxd's objects but main.o)
#   tests/bpf/*.bpf.c       -> test-only BPF programs (skeletons like bpf/)
#   tests/bpf/test_*.c      -> one cmocka binary each (with tests/bpf/lib/*.c, libbpf)
#   tests/ns/bpf/*.bpf.c    -> plain BPF objects the ns tests load with other loaders (xdp-loader)
#   tests/fuzz/fuzz_*.c     -> libFuzzer targets (`make fuzz`)
#   bench/*.c               -> benchmark helpers (bench/ scripts run them)

O ?= build
PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?= 0

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Ilib -I$(O)/include -MMD -MP
LDLIBS += -lbpf -lelf -lz -lssl -lcrypto
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror -Wno-unused-function -Iinclude -Ibpf -MMD -MP \
	      -I$(ARCH_INC) -D__TARGET_ARCH_x86

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIBVSX := $(O)/libvsx.a

BPF_SRCS := $(wildcard bpf/*.bpf.c) $(wildcard tests/bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:%.bpf.c=$(O)/%.bpf.o)
SKELS := $(foreach s,$(BPF_SRCS),$(O)/include/$(notdir $(s:.bpf.c=.skel.h)))

VSXD_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard vsxd/*.c))
VSXD_LIB_OBJS := $(filter-out $(O)/vsxd/main.o,$(VSXD_OBJS))
VSXCTL_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard vsxctl/*.c))
CONTROLLER_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard controller/*.c))
LAB_PROGS := $(patsubst lab/%.c,$(O)/bin/%,$(wildcard lab/*.c))
PROGS := $(if $(VSXD_OBJS),$(O)/bin/vsxd) $(if $(VSXCTL_OBJS),$(O)/bin/vsxctl) \
	 $(if $(CONTROLLER_OBJS),$(O)/bin/vsx-controller) $(LAB_PROGS)

UNIT_TESTS := $(patsubst %.c,$(O)/%,$(wildcard tests/unit/test_*.c))
TEST_LIB := $(patsubst %.c,$(O)/%.o,$(wildcard tests/lib/*.c))
BPF_TEST_LIB := $(patsubst %.c,$(O)/%.o,$(wildcard tests/bpf/lib/*.c))
BPF_TESTS := $(patsubst %.c,$(O)/%,$(wildcard tests/bpf/test_*.c))
BENCH_PROGS := $(patsubst %.c,$(O)/%,$(wildcard bench/*.c))
NS_BPF_OBJS := $(patsubst %.bpf.c,$(O)/%.bpf.o,$(wildcard tests/ns/bpf/*.bpf.c))
FUZZ_TARGETS := $(patsubst %.c,$(O)/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps progs tests test test-unit test-bpf test-ns test-interop test-fuzz fuzz \
	fuzz-targets bench demo \
	install clean format

all: deps progs tests

deps:
	@scripts/install-deps

progs: $(PROGS) $(BPF_OBJS)
tests: $(UNIT_TESTS) $(BPF_TESTS) $(BENCH_PROGS) $(NS_BPF_OBJS)

$(O)/%.bpf.o: %.bpf.c $(wildcard include/vsx/*.h bpf/lib/*.h tests/bpf/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/include/%.skel.h: $(O)/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

$(O)/include/%.skel.h: $(O)/tests/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# Everything user-space may include a skeleton, so skeletons come first.
$(O)/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBVSX): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Only vsxd attaches XDP (libxdp's multi-program dispatcher, vsxd/xdp_attach.c) and serves
# HTTP (libmicrohttpd, vsxd/metrics.c).
VSXD_LDLIBS := -lxdp -lmicrohttpd
$(O)/bin/vsxd: LDLIBS := $(VSXD_LDLIBS) $(LDLIBS)
$(O)/bin/vsxd: $(VSXD_OBJS) $(LIBVSX)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(O)/bin/vsxctl: $(VSXCTL_OBJS) $(LIBVSX)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(LAB_PROGS): $(O)/bin/%: $(O)/lab/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@

$(O)/bin/vsx-controller: $(CONTROLLER_OBJS) $(LIBVSX)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(TEST_LIB) $(LIBVSX)
	$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) -o $@

# Unit tests of vsxd's own logic, against the datapath double (tests/lib/dp_double.c).
$(O)/tests/unit/test_vsxd_%: $(O)/tests/unit/test_vsxd_%.o $(VSXD_LIB_OBJS) $(TEST_LIB) $(LIBVSX)
	$(CC) $(LDFLAGS) $^ -lcmocka $(VSXD_LDLIBS) $(LDLIBS) -o $@

$(O)/tests/bpf/%: $(O)/tests/bpf/%.o $(BPF_TEST_LIB) $(LIBVSX)
	$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) -o $@

$(O)/bench/%: $(O)/bench/%.o $(BPF_TEST_LIB) $(LIBVSX)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# libFuzzer targets: clang, sanitizers always on. The library is compiled once for all of them
# (instrumented for coverage, fuzzer-no-link) into $(O)/fuzz/, so a new target costs one link.
# A target's .d file makes headers prerequisites too: only sources and objects are linked.
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -I$(O)/include -MMD -MP \
	       -fsanitize=address,undefined
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(O)/fuzz/%.o)
$(O)/fuzz/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(O)/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS) | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.c %.o,$^) $(LDLIBS) -o $@

# Tests run from a sanitizer build of their own, so `make` and `make test` never mix objects.
TEST_O := build/test
test: deps
	$(MAKE) O=$(TEST_O) SANITIZE=1 progs tests fuzz-targets
	O=$(TEST_O) tests/run all
test-unit test-bpf test-ns test-interop test-fuzz: deps
	$(MAKE) O=$(TEST_O) SANITIZE=1 progs tests fuzz-targets
	O=$(TEST_O) tests/run $(@:test-%=%)

# `make test` runs every target briefly (tests/fuzz/test_bounded.sh); this runs them longer.
fuzz-targets: $(FUZZ_TARGETS)
fuzz: deps $(FUZZ_TARGETS)
	tests/fuzz/run $(O) $(FUZZ_SECONDS)

bench: deps all
	O=$(O) bench/run

demo: deps all
	O=$(O) lab/demo

install: progs
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/vsx $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(O)/bin/vsxd $(O)/bin/vsxctl $(DESTDIR)$(PREFIX)/sbin/
	$(if $(CONTROLLER_OBJS),install -m 0755 $(O)/bin/vsx-controller $(DESTDIR)$(PREFIX)/sbin/)
	install -m 0755 $(LAB_PROGS) $(DESTDIR)$(PREFIX)/lib/vsx/
	install -m 0755 lab/vsx-lab lab/vsx-inject $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(wildcard $(O)/bpf/*.bpf.o) $(DESTDIR)$(PREFIX)/lib/vsx/
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/

format:
	clang-format -i $(wildcard include/vsx/*.h lib/*.[ch] bpf/*.c bpf/lib/*.h vsxd/*.[ch] vsxctl/*.[ch] controller/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build

# Skeletons and BPF objects are intermediates of the test binaries: keep them.
.SECONDARY:

-include $(shell find $(O) -name '*.d' 2>/dev/null)
