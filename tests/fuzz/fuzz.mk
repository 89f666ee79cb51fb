# libFuzzer targets (tests/fuzz/README.md): every parser of guest, peer or
# user input, built with clang and ASan + UBSan into build/fuzz/.
#
#   make fuzz            builds every target and runs each for FUZZ_SECONDS
#                        (default 30) on its checked-in corpus and
#                        regressions; the working corpus grows in
#                        build/fuzz/corpus-NAME. Fails on any crash, leak,
#                        timeout or sanitizer report, and copies the input
#                        into tests/fuzz/regressions/NAME/ to be committed.
#   make fuzz-regress    only replays the regressions and the corpus (fast).
#   make fuzz FUZZ_TARGETS="virtqueue config" FUZZ_SECONDS=300
#
# Included from the top Makefile. The library objects are built again with
# clang (-fsanitize=fuzzer-no-link) under build/fuzz, so nothing mixes with
# the gcc build; x86_64 and arm64 arch code go to separate binaries (both
# define arch_*), the arm64 pieces compiled for the host like the unit
# tests test_arm64_image and test_arm64_fdt.

fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_SECONDS	?= 30
FUZZ_BUILD	:= build/fuzz
FUZZ_CC		?= clang
FUZZ_PKGS	:= clang-14 libclang-rt-14-dev
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	:= -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -pthread \
		   -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIBFDT	= $(shell pkg-config --libs libfdt 2>/dev/null || echo -lfdt)
FUZZ_LDLIBS	= -Wl,--as-needed $(shell pkg-config --libs libseccomp 2>/dev/null) -pthread

# name: max input length
FUZZ_ALL	:= virtqueue:8192 virtio_blk:8192 vhost_user_frontend:4096 \
		   vhost_user_backend:4096 x86_kernel:16384 arm64_image:4096 \
		   arm64_fdt:1024 config:1024 exec_channel:4096
FUZZ_TARGETS	?= $(foreach t,$(FUZZ_ALL),$(firstword $(subst :, ,$(t))))
FUZZ_ARM64	:= arm64_image arm64_fdt
FUZZ_BINS	:= $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
fuzz_max_len	= $(lastword $(subst :, ,$(filter $(1):%,$(FUZZ_ALL))))

FUZZ_X86_SRCS	:= $(filter-out vmm/main.c,$(wildcard memory/*.c vmm/*.c devices/*.c devices/host/*.c arch/x86_64/*.c))
FUZZ_ARM64_SRCS	:= $(wildcard memory/*.c) arch/arm64/image.c arch/arm64/fdt.c
FUZZ_X86_LIB	:= $(FUZZ_BUILD)/libvmm-x86_64.a
FUZZ_ARM64_LIB	:= $(FUZZ_BUILD)/libvmm-arm64.a

.PHONY: fuzz fuzz-build fuzz-regress fuzz-deps
fuzz-deps:
	$(MAKE) deps EXTRA_PKGS="$(FUZZ_PKGS)"

fuzz-build: fuzz-deps
	$(MAKE) $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh fuzz $(FUZZ_BUILD) \
		$(foreach t,$(FUZZ_TARGETS),$(t):$(call fuzz_max_len,$(t)))

fuzz-regress: fuzz-build
	@sh tests/fuzz/run.sh regress $(FUZZ_BUILD) \
		$(foreach t,$(FUZZ_TARGETS),$(t):$(call fuzz_max_len,$(t)))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_X86_LIB): $(FUZZ_X86_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_ARM64_LIB): $(FUZZ_ARM64_SRCS:%.c=$(FUZZ_BUILD)/obj/arm64/%.o)
	@rm -f $@
	ar rcs $@ $^

# The arm64 objects in their own tree: the same memory/ sources, but never
# the x86 ones in the same binary.
$(FUZZ_BUILD)/obj/arm64/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_X86_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_X86_LIB) $(FUZZ_LDLIBS)

$(FUZZ_ARM64:%=$(FUZZ_BUILD)/fuzz_%): $(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_ARM64_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_ARM64_LIB) $(FUZZ_LIBFDT)

# vmm-exec links none of the VMM (vmm/exec/): its channel alone.
FUZZ_EXEC_OBJS	:= $(FUZZ_BUILD)/obj/vmm/exec/channel.o
$(FUZZ_BUILD)/fuzz_exec_channel: tests/fuzz/fuzz_exec_channel.c tests/fuzz/fuzz.h $(FUZZ_EXEC_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXEC_OBJS)

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

.DEFAULT_GOAL := $(fuzz_saved_goal)
