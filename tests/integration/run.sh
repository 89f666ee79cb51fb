#!/bin/sh
# run.sh [--state FILE] SUITE...: run every integration suite (check
# binaries), each to its end even when one fails; print each suite's time
# and a closing "integration: N passed, M failed" line; exit 1 if any
# failed. The suites read VMM, VMM_BLKD, GUESTS, LINUX_GUEST, STOCK_KERNEL
# and DEBIAN_GUEST from the environment. `make check-integration` runs this
# on a host with KVM or in the KVM box (tests/box/with-kvm).
#
# --state FILE: skip the suites FILE lists, and add each suite that passes
# to it: a second attempt (make check-integration makes one after a box
# that wedged or a failed suite) runs only what has not passed.
state=""
if [ "${1:-}" = --state ]; then
	state=$2
	shift 2
	touch "$state"
fi
pass=0 fail=0 failed="" skipped=0
kvm="host"
[ -e /sys/module/kvm_pvm ] && kvm="PVM host"
[ -e /sys/module/kvm_amd ] && kvm="SVM"
[ -e /sys/module/kvm_intel ] && kvm="VMX"
[ "$(hostname)" = kvm-box ] && kvm="$kvm, in the KVM box"
echo "integration: $(uname -r), KVM: $kvm, $(nproc) CPUs"
for t; do
	if [ -n "$state" ] && grep -qxF "$t" "$state"; then
		skipped=$((skipped + 1))
		continue
	fi
	echo "== $t"
	start=$(date +%s.%N)
	if "$t"; then
		pass=$((pass + 1)) r=ok
		[ -z "$state" ] || echo "$t" >>"$state"
	else
		fail=$((fail + 1)) r=FAILED failed="$failed ${t##*/}"
	fi
	echo "== ${t##*/}: $r in $(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }') s"
done
note=""
[ "$skipped" = 0 ] || note=" ($skipped passed in an earlier attempt)"
echo "integration: $pass passed, $fail failed${failed:+:$failed}$note"
[ "$fail" = 0 ]
