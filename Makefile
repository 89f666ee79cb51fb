# Build, run, test and benchmark the VMM. `make run` and `make check`
# install missing build packages first (as root; otherwise they print the
# apt-get line to run).

ARCH	?= x86_64
BUILD	?= build
CC	?= gcc
SAN	?=

CFLAGS	:= -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -pthread
LDLIBS	:= -pthread
ifeq ($(SAN),1)
CFLAGS	+= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif

# Packages the build and the tests need, by Debian name; the tests' real
# peers (qemu-storage-daemon, dpdk-testpmd, QEMU) only for `make check`.
BUILD_PKGS := gcc make pkg-config libfdt-dev libseccomp-dev check iproute2
PEER_PKGS  := qemu-system-x86 qemu-utils dpdk-dev
check: EXTRA_PKGS = $(PEER_PKGS)
CHECK_LIBS  = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

MEMORY_SRCS := $(wildcard memory/*.c)
VMM_SRCS    := $(filter-out vmm/main.c,$(wildcard vmm/*.c))
DEV_SRCS    := $(wildcard devices/*.c)
ARCH_SRCS   := $(wildcard arch/$(ARCH)/*.c)
LIB_SRCS    := $(MEMORY_SRCS) $(VMM_SRCS) $(DEV_SRCS) $(ARCH_SRCS)
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB         := $(BUILD)/libvmm.a
VMM         := $(BUILD)/vmm
BLKD        := $(BUILD)/vmm-blkd

UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(wildcard tests/integration/test_*.c))
TEST_HELPERS := $(BUILD)/obj/tests/helpers.o
BENCHES     := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))

.PHONY: all deps run check check-unit check-integration check-sanitize bench clean test-kernel
.SECONDARY:
all: $(VMM) $(BLKD) guests

include guests/$(ARCH)/guests.mk
include tests/nested/nested.mk

# The Linux test kernel and initramfs (guests/linux), shared by every build
# flavour; the recipe caches the kernel by a hash of itself.
LINUX_DIR ?= build/guests/linux/$(ARCH)

test-kernel:
	sh guests/linux/build-kernel.sh $(LINUX_DIR)
	sh guests/linux/build-initramfs.sh $(LINUX_DIR)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(VMM): $(BUILD)/obj/vmm/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Our vhost-user-blk backend, its own process (devices/vmm_blkd/).
$(BLKD): $(BUILD)/obj/devices/vmm_blkd/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB) $(TEST_HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(filter-out $(LIB) $(TEST_HELPERS),$(filter %.o,$^)) \
		$(TEST_HELPERS) $(LIB) $(CHECK_LIBS) $(FDT_LIBS) $(LDLIBS)

# arm64's FDT builder is pure data: its unit test runs on any host, with
# the builder compiled for the host when the host is not arm64.
FDT_LIBS = $(shell pkg-config --libs libfdt 2>/dev/null || echo -lfdt)
ifneq ($(ARCH),arm64)
$(BUILD)/tests/unit/test_arm64_fdt: $(BUILD)/obj/arch/arm64/fdt.o
endif

$(BUILD)/bench/%: tests/bench/%.c $(LIB) $(TEST_HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_HELPERS) $(LIB) $(CHECK_LIBS) $(LDLIBS)

# Install what is missing; as non-root, say exactly what to run.
deps:
	@missing=""; for p in $(BUILD_PKGS) $(EXTRA_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "missing packages:$$missing; run as root: apt-get update && apt-get install -y$$missing" >&2; exit 1; \
		fi; \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	fi

# Boots Linux with its console on the terminal (guests/linux/run.sh).
run: deps
	$(MAKE) all test-kernel
	sh guests/linux/run.sh $(VMM) $(LINUX_DIR)

check: deps
	$(MAKE) test-kernel
	$(MAKE) check-unit check-integration
	$(MAKE) check-sanitize
	$(MAKE) check-nested

check-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

check-integration: $(VMM) $(BLKD) guests $(INTEG_TESTS)
	@set -e; for t in $(INTEG_TESTS); do echo "== $$t"; \
		VMM=$(VMM) VMM_BLKD=$(BLKD) GUESTS=$(BUILD)/guests/$(ARCH) LINUX_GUEST=$(LINUX_DIR) $$t; done

# The unit and integration suites again, built with ASan and UBSan.
check-sanitize:
	$(MAKE) BUILD=$(BUILD)/san SAN=1 check-unit check-integration

bench: deps $(VMM) $(BLKD) guests $(BENCHES) test-kernel
	@EXTRA=1 sh tests/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
