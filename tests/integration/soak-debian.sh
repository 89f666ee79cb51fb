#!/bin/sh
# soak-debian.sh LOG BOOTS CMD...: runs CMD (make soak's
# test_soak, through tests/box/with-kvm) with SOAK_DEBIAN_LOG=LOG, where
# each of its Debian boots leaves "start N", then "ok N ..." or "fail N:
# why". The KVM box's own kernel has died under long runs of Debian boots
# (docs/testing.md, soak): when CMD ends with 125 (the box died) before
# BOOTS boots have ended, a new box runs the remaining Debian boots and
# then the VMs-at-once part (the hello and Linux parts, which come first and
# printed their results, are not run again), up to SOAK_BOX_RESTARTS (3)
# more boxes.
# A boot that started and never ended died with its box: it is counted as
# lost, not as a VM failure, and not as a boot. Then one summary line:
#
#   soak debian (all boxes): N of M Debian boots without a VM failure;
#   L lost with a box whose kernel died; B boxes
#
# Exits 0 only if CMD's last run exited 0, BOOTS boots ended and none
# failed; otherwise 1 (CMD's status when no Debian boot was asked for).
log=$1 boots=$2
shift 2
restarts=${SOAK_BOX_RESTARTS:-3}
: >"$log" || exit 1
ended() { grep -c -E '^(ok|fail) ' "$log"; }

SOAK_DEBIAN_LOG=$log "$@"
status=$?
box=1
while [ "$status" = 125 ] && [ "$boots" -gt 0 ] && [ "$(ended)" -lt "$boots" ] &&
	[ "$box" -le "$restarts" ]; do
	left=$((boots - $(ended)))
	echo "soak debian: the KVM box died (status 125) after $(ended) of $boots Debian boots ended; box $((box + 1)) runs the $left left"
	SOAK_DEBIAN_LOG=$log SOAK_DEBIAN_BOOTS=$left SOAK_HELLO_BOOTS=0 SOAK_LINUX_BOOTS=0 \
		"$@"
	status=$?
	box=$((box + 1))
done
[ "$boots" -gt 0 ] || exit "$status"

ok=$(grep -c '^ok ' "$log")
failed=$(grep -c '^fail ' "$log")
lost=$(($(grep -c '^start ' "$log") - ok - failed))
echo "soak debian (all boxes): $ok of $((ok + failed)) Debian boots without a VM failure; $lost lost with a box whose kernel died; $box boxes"
grep '^fail ' "$log" | sed 's/^/soak debian: /'
[ "$((ok + failed))" -ge "$boots" ] && [ "$failed" = 0 ] && [ "$status" = 0 ]
