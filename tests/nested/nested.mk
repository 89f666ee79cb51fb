# The nested-KVM boot test (tests/nested/README.md): our VMM, linked
# statically, runs inside a QEMU guest emulated in software (TCG) with SVM
# (x86_64) or EL2 (arm64) exposed, and boots Debian's stock cloud kernel to
# user space.
#
#   make check-nested        downloads Debian's cloud kernel and busybox-static
#                            (cached by version), installs qemu-system-x86 if
#                            missing (as root), builds the L1 and L2 initramfs
#                            images and runs the test; log in
#                            $(BUILD)/nested/l1.log
#   make check-nested ARCH=arm64
#                            the same on arm64 under qemu-system-aarch64, with
#                            a second disk served by vmm-blkd (vhost-user),
#                            a PMU, and a raw binary (guests/arm64/) booted
#                            with --kernel-format=raw;
#                            log in $(BUILD)/nested/l1.log if BUILD names
#                            arm64, else $(BUILD)/nested-arm64/l1.log
#
# Knobs (environment, or make VAR=value): NESTED_CACHE (download cache,
# default /var/cache/vmm-nested as root, $(BUILD)/nested/cache otherwise),
# NESTED_TIMEOUT (whole L1 run, default 600 s), NESTED_L2_TIMEOUT (our VMM's
# --timeout, default 120 s), NESTED_VIRTIO_SSDT=1 and more: see the top of
# tests/nested/run.sh.
#
# Included from the top Makefile; it uses BUILD, ARCH, CC, LDFLAGS, LDLIBS
# and the rules that build $(BUILD)/obj/vmm/main.o and $(BUILD)/libvmm.a.

# Keep whatever goal the including Makefile has (or will have) as default.
nested_saved_goal := $(.DEFAULT_GOAL)

NESTED_BUILD := $(if $(BUILD),$(BUILD),build)

.PHONY: check-nested

ifeq ($(ARCH),arm64)
# arm64, cross-built with the arm64 CC: the vmm and vmm-blkd (L1 runs
# vmm-blkd for the vhost-user disk), both static, checked by their ELF
# headers rather than run. The run's directory names the arch unless BUILD
# already does.
NESTED_DIR  := $(NESTED_BUILD)/nested$(if $(findstring arm64,$(NESTED_BUILD)),,-arm64)
NESTED_VMM  := $(NESTED_DIR)/vmm-static
NESTED_BLKD := $(NESTED_DIR)/vmm-blkd-static

$(NESTED_DIR)/%-static:
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -static -pthread -o $@.tmp $^ $(LDLIBS)
	readelf -h $@.tmp | grep -q -E 'Machine: +AArch64$$'
	! readelf -l $@.tmp | grep -q INTERP
	mv $@.tmp $@

$(NESTED_VMM): $(NESTED_BUILD)/obj/vmm/main.o $(NESTED_BUILD)/libvmm.a
$(NESTED_BLKD): $(NESTED_BUILD)/obj/devices/vmm_blkd/main.o $(NESTED_BUILD)/libvmm.a

# L1 also boots a raw binary with --kernel-format=raw (guests/arm64/).
NESTED_RAW  := $(NESTED_BUILD)/guests/arm64/raw-hello.bin

check-nested: $(NESTED_VMM) $(NESTED_BLKD) $(NESTED_RAW)
	ARCH=arm64 bash tests/nested/run.sh $(NESTED_VMM) $(NESTED_DIR) $(NESTED_BLKD) $(NESTED_RAW)
else
NESTED_DIR   := $(NESTED_BUILD)/nested
NESTED_VMM   := $(NESTED_DIR)/vmm-static

# The same objects as build/vmm, linked statically: L1 has no C library.
$(NESTED_VMM): $(NESTED_BUILD)/obj/vmm/main.o $(NESTED_BUILD)/libvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -static -pthread -o $@.tmp $^ $(LDLIBS)
	$@.tmp --version >/dev/null
	mv $@.tmp $@

check-nested: $(NESTED_VMM)
	ARCH=$(if $(ARCH),$(ARCH),x86_64) bash tests/nested/run.sh $(NESTED_VMM) $(NESTED_DIR)
endif

.DEFAULT_GOAL := $(nested_saved_goal)
