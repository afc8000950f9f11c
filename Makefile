# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bpf/*.bpf.c -> .output/*.bpf.o -> .output/*.skel.h -> ./schedrift
# All generated files live in .output/. Quiet unless V=1.

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
CC ?= cc
ARCH := x86
PKG_CONFIG ?= pkg-config

LIBBPF_A := $(shell $(PKG_CONFIG) --variable=libdir libbpf 2>/dev/null)/libbpf.a
ifeq ($(wildcard $(LIBBPF_A)),)
LIBBPF_A := /usr/lib/x86_64-linux-gnu/libbpf.a
endif

# The project's version, in one place: dist/VERSION (Debian's rules: it starts
# with a digit). The package, the image and `schedrift version` take it from
# there; the git commit the binary was built from is printed beside it.
VERSION := $(shell cat dist/VERSION)
GIT_REV := $(shell git describe --always --dirty 2>/dev/null)

INCLUDES := -I$(OUTPUT) -Ibpf -Iuserspace
CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -std=gnu11 \
	  -D_GNU_SOURCE
BPF_EXTRA :=
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	      -Ivmlinux/$(ARCH) -Ibpf
LDLIBS := $(LIBBPF_A) -lelf -lz -lmicrohttpd -l:libck.a -lpthread -lm
# A fully static binary (for the QEMU guest and for copying to other hosts).
STATIC_LDLIBS := -static $(LIBBPF_A) $(shell $(PKG_CONFIG) --static --libs libelf 2>/dev/null || echo -lelf -lz) -lz -lck -lpthread -lm

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)

# userspace/: the commands at the top, then one folder per layer (docs/design.md).
# Includes are written from userspace/ ("lib/json.h"); each object's header
# dependencies come from the compiler (-MMD), in a .d file beside it.
USER_LAYERS := daemon live report engine trace host lib
LIB_SRCS := $(filter-out userspace/main.c,$(wildcard userspace/*.c \
	      $(foreach d,$(USER_LAYERS),userspace/$(d)/*.c)))
LIB_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)
# Generated headers every object may include: built first, whatever the target.
GEN_HDRS = $(SKELS) $(OUTPUT)/version.h

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
HELPER_SRCS := $(wildcard tests/bpf/*.c)
HELPER_BINS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/%,$(HELPER_SRCS))
# Test tools that read trace files with the library (tests/tools/).
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(OUTPUT)/tests/tools/%,$(TOOL_SRCS))

DEPS_BUILD := clang llvm gcc make pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev \
	      libmicrohttpd-dev libck-dev libclang-rt-14-dev
DEPS_TEST := python3 qemu-system-x86 busybox-static cpio libbpf-tools linux-perf prometheus liburcu-dev \
	     prometheus-node-exporter curl systemd man-db chromium stress-ng rt-tests
DEPS := $(DEPS_BUILD) $(DEPS_TEST)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: FORCE all deps static sanitize run test test-unit test-bpf test-sanitize test-vm bench \
	bench-table install clean fuzz fuzz-build

PREFIX ?= /usr/local

all: schedrift $(HELPER_BINS) $(TOOL_BINS)

# Installs only what is missing, so a second run costs nothing. Node.js and
# npm (the Kubernetes manifest check) come from Debian unless the machine has them.
deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/%.tmp.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BPF_EXTRA) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The version string lives in a generated header rewritten only when it
# changes, so a new commit rebuilds what prints it and nothing else.
FORCE:

$(OUTPUT)/version.h: FORCE | $(OUTPUT)
	$(Q)printf '#define SCHEDRIFT_VERSION "%s"\n#define SCHEDRIFT_GIT_REV "%s"\n' \
		'$(VERSION)' '$(GIT_REV)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(OUTPUT)/user/%.o: userspace/%.c | $(GEN_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/libschedrift.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Set on the command line only (the cut builds below); not from the environment.
BIN := schedrift
$(BIN): $(OUTPUT)/user/main.o $(OUTPUT)/libschedrift.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

static: $(OUTPUT)/schedrift-static $(OUTPUT)/tests/mover-static $(OUTPUT)/tests/numa_hog-static

# libmicrohttpd's TLS stack does not link statically: the static binary has no --listen.
STATIC_OBJS := $(filter-out $(OUTPUT)/user/daemon/http.o,$(LIB_OBJS)) \
	       $(OUTPUT)/user/daemon/http-nohttp.o

$(OUTPUT)/user/daemon/http-nohttp.o: userspace/daemon/http.c | $(GEN_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -DSCHEDRIFT_NO_HTTP $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/schedrift-static: $(OUTPUT)/user/main.o $(STATIC_OBJS)
	$(call msg,STATIC,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(STATIC_LDLIBS) -o $@

# The whole binary under AddressSanitizer + UndefinedBehaviorSanitizer, its
# objects apart from the normal build's; the cli and bpf tests run it when
# SCHEDRIFT_BIN points at it (tests/lib/sanitize.sh, docs/reliability.md).
# libbpf.a and libck.a stay uninstrumented: they come built from the distro.
# clang, not gcc: gcc links UBSan as a runtime of its own, which ignores
# UBSAN_OPTIONS=log_path when ASan is there too, and the tests need every
# report in a file.
SAN := $(OUTPUT)/san
SAN_CC ?= $(CLANG)
SAN_CFLAGS := $(filter-out -O%,$(CFLAGS)) -O1 -g -fsanitize=address,undefined \
	      -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_OBJS := $(patsubst userspace/%.c,$(SAN)/user/%.o,$(LIB_SRCS) userspace/main.c)

sanitize: $(SAN)/schedrift

$(SAN)/user/%.o: userspace/%.c | $(GEN_HDRS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SAN_CC) $(SAN_CFLAGS) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(SAN)/schedrift: $(SAN_OBJS)
	$(call msg,BIN-SAN,$@)
	$(Q)$(SAN_CC) $(SAN_CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%-static: tests/bpf/%.c tests/bpf/workload.h | $(OUTPUT)/tests
	$(call msg,STATIC,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@ -lpthread

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(OUTPUT)/libschedrift.a | $(OUTPUT)/tests $(GEN_HDRS)
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -Wno-format-zero-length -MMD -MP -MF $(@D)/.$(@F).d $(INCLUDES) -Itests/unit $< \
		$(OUTPUT)/libschedrift.a $(LDLIBS) -o $@

$(OUTPUT)/tests/tools/%: tests/tools/%.c $(OUTPUT)/libschedrift.a | $(GEN_HDRS)
	$(call msg,TOOL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -MF $(@D)/.$(@F).d $(INCLUDES) $< $(OUTPUT)/libschedrift.a \
		$(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/bpf/%.c tests/bpf/workload.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lpthread

# The task table's stress test again, under ThreadSanitizer (Concurrency Kit
# linked dynamically so the test's suppression can name its library).
$(OUTPUT)/tests/test_tasktable_tsan: tests/unit/test_tasktable_tsan.c userspace/live/tasktable.c \
		| $(OUTPUT)/tests $(GEN_HDRS)
	$(call msg,TSAN,$@)
	$(Q)$(CC) -g -O1 -fsanitize=thread -std=gnu11 -D_GNU_SOURCE -Wall -Wno-format-zero-length \
		-MMD -MP -MF $(@D)/.$(@F).d $(INCLUDES) -Itests/unit $< userspace/live/tasktable.c -lck -lpthread -o $@

$(OUTPUT)/table_bench: tests/bench/table_bench.c userspace/live/tasktable.c | $(OUTPUT) $(GEN_HDRS)
	$(call msg,BENCH,$@)
	$(Q)$(CC) -g -O2 -std=gnu11 -D_GNU_SOURCE -Wall -MMD -MP -MF $(@D)/.$(@F).d $(INCLUDES) $< \
		userspace/live/tasktable.c \
		-lck -lurcu-bp -lurcu-mb -lurcu-memb -lurcu-qsbr -lurcu-cds -lurcu-common -lpthread -o $@

# Fuzzing (tests/fuzz/, docs/reliability.md): every parser of outside
# input as a libFuzzer target, with the library rebuilt under ASan and UBSan.
# `make fuzz` runs each target for FUZZ_SECONDS from its checked-in corpus.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=all -Wall -Wextra -Wno-unused-parameter \
	       -Wno-missing-field-initializers -std=gnu11 -D_GNU_SOURCE
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRCS))

$(OUTPUT)/fuzz/obj/%.o: userspace/%.c | $(GEN_HDRS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/fuzz/libschedrift.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(OUTPUT)/fuzz/libschedrift.a | $(GEN_HDRS)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $(@D)/.$(@F).d $(INCLUDES) $< \
		$(OUTPUT)/fuzz/libschedrift.a $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

# The default job: a 10 s capture and its report.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	./schedrift

test: deps
	$(Q)$(MAKE) --no-print-directory all static sanitize $(UNIT_BINS) fuzz-build
	$(Q)tests/run.sh

test-unit: all $(UNIT_BINS)
	$(Q)tests/run.sh unit

test-bpf: all
	$(Q)tests/run.sh bpf

test-sanitize: all sanitize
	$(Q)tests/run.sh sanitize

test-vm: all static
	$(Q)tests/run.sh vm

bench: deps $(OUTPUT)/bench/bracket
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run.sh
	$(Q)tests/bench/perturb.sh

bench-table: deps
	$(Q)$(MAKE) --no-print-directory $(OUTPUT)/table_bench
	$(Q)tests/bench/table_bench.sh

# Builds whose hot programs stop early (-DSDR_BENCH_CUT=N), each in a tree
# of its own, for tests/bench/floor.sh.
BENCH_CUTS := 1 2 3 4 5
$(OUTPUT)/cut%/schedrift: FORCE
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/cut$* BIN=$@ BPF_EXTRA=-DSDR_BENCH_CUT=$* $@

.PHONY: bench-floor
bench-floor: deps schedrift $(foreach n,$(BENCH_CUTS),$(OUTPUT)/cut$(n)/schedrift)
	$(Q)tests/bench/floor.sh

# The perturbation benchmark alone (issue 22; PERTURB_* knobs); make bench runs it too.
.PHONY: bench-perturb
bench-perturb: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/perturb.sh

# Each hot program's duration, call by call, bracketed by programs of our own
# on the same tracepoints (tests/bench/bracket.bpf.c; BRACKET_* knobs).
$(OUTPUT)/bench:
	$(Q)mkdir -p $@
$(OUTPUT)/bench/bracket.bpf.o: tests/bench/bracket.bpf.c tests/bench/bracket.h bpf/schedrift.h \
			       | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/bench -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
$(OUTPUT)/bench/bracket.skel.h: $(OUTPUT)/bench/bracket.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bracket_bpf > $@
$(OUTPUT)/bench/bracket: tests/bench/bracket.c tests/bench/bracket.h $(OUTPUT)/bench/bracket.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUTPUT)/bench -Itests/bench $< $(LIBBPF_A) -lelf -lz -o $@

.PHONY: bench-bracket
bench-bracket: deps schedrift $(OUTPUT)/bench/bracket
	$(Q)tests/bench/bracket.sh

# The daemon's CPU and memory with 10 000 and 50 000 live tasks (SCALE_* knobs).
.PHONY: bench-scale
bench-scale: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/scale.sh

# The completion, the Debian package and the OCI image (before install:,
# which ships the completion).
include dist/packaging/package.mk

install: schedrift $(COMPLETION)
	install -D -m 0755 schedrift $(DESTDIR)$(PREFIX)/sbin/schedrift
	install -D -m 0644 $(COMPLETION) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/schedrift
	install -d $(DESTDIR)/etc/systemd/system
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|' dist/schedrift.service \
		> $(DESTDIR)/etc/systemd/system/schedrift.service
	chmod 0644 $(DESTDIR)/etc/systemd/system/schedrift.service
	install -D -m 0644 docs/man/schedrift.8 $(DESTDIR)$(PREFIX)/share/man/man8/schedrift.8
	[ -e $(DESTDIR)/etc/schedrift/daemon.conf ] || \
		install -D -m 0644 dist/daemon.conf $(DESTDIR)/etc/schedrift/daemon.conf

# Header dependencies of every object and binary built above (from -MMD).
-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) schedrift
