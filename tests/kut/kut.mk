# kvm-unit-tests, the KVM community's own suite, under our VMM and QEMU:
#
#   make check-kvm-unit-tests KUT_SRC=DIR [ARCH=arm64]
#
# DIR is a kvm-unit-tests source tree the user provides (not part of this
# project, not downloaded). tests/kut/run.sh builds it for ARCH under
# $(BUILD)/kut, runs every test of its unittests.cfg with our VMM and with
# QEMU -accel kvm in the same place (this host's /dev/kvm or the KVM box),
# prints the table and fails on a test QEMU passes and we do not, unless
# tests/kut/differences-ARCH gives the reason. See docs/kvm-unit-tests.md.

.PHONY: check-kvm-unit-tests

KUT_SRC ?=
KUT_DIR := $(if $(BUILD),$(BUILD),build)/kut

ifeq ($(ARCH),arm64)
# The arm64 box's root has no libseccomp: the static vmm of nested.mk.
check-kvm-unit-tests: $(NESTED_VMM)
	bash tests/kut/run.sh arm64 "$(KUT_SRC)" $(NESTED_VMM) $(KUT_DIR)
else
check-kvm-unit-tests: $(VMM)
	bash tests/kut/run.sh x86_64 "$(KUT_SRC)" $(VMM) $(KUT_DIR)
endif
