#!/bin/bash
# run.sh: kvm-unit-tests under our VMM and under QEMU, side by side.
#
#   tests/kut/run.sh ARCH KUT_SRC VMM OUT      (make check-kvm-unit-tests)
#
# 1. Copies the kvm-unit-tests source tree KUT_SRC (the user's; nothing of
#    it is part of this project) to OUT/src, so that OUT alone is what the
#    box needs (the arm64 box sees only its shares), and builds it for ARCH
#    out of tree in OUT/build:
#    x86_64 natively, arm64 with aarch64-linux-gnu- unless this host is
#    arm64, --target=qemu (the early UART at 0x09000000 is ours too).
# 2. Runs tests/kut/compare.sh there on a real KVM: this host's /dev/kvm,
#    else the KVM box (tests/box/kvm-box for x86_64, kvm-box-arm64 for
#    arm64), so our VMM and QEMU -accel kvm run in the same place.
# 3. Prints one table (test, ours, QEMU's) and the counts, and fails if a
#    test QEMU passes does not pass under our VMM, unless it is listed in
#    tests/kut/differences-ARCH ("NAME  one-line reason") with the reason
#    (typically a device or CPU model we do not offer).
#
# KUT_JUDGE_ONLY=1: no build and no run, only the table and the verdict
# from OUT/results.tsv as it is (after editing the differences file, or
# for results put together from several runs with KUT_TESTS).
#
# Environment: KUT_TIMEOUT (seconds per test; default: unittests.cfg's), KUT_TESTS
# (names: only those), KUT_BOX_TIMEOUT (the whole box run, default 7200).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "kvm-unit-tests: $*" >&2; exit 2; }

[ $# -eq 4 ] || die "usage: tests/kut/run.sh x86_64|arm64 KUT_SRC VMM OUT"
ARCH=$1 SRC=$2 VMM=$3 OUT=$4
case $ARCH in
x86_64) dir=x86 conf=(--arch=x86_64) ;;
arm64) dir=arm conf=(--arch=arm64 --target=qemu)
	[ "$(uname -m)" = aarch64 ] || conf+=(--cross-prefix=aarch64-linux-gnu-) ;;
*) die "unknown ARCH '$ARCH' (x86_64 or arm64)" ;;
esac
[ -n "$SRC" ] || die "KUT_SRC=DIR is required: a kvm-unit-tests source tree (git clone https://gitlab.com/kvm-unit-tests/kvm-unit-tests)"
[ -x "$SRC/configure" ] && [ -r "$SRC/$dir/unittests.cfg" ] ||
	die "$SRC is not a kvm-unit-tests source tree (no configure or $dir/unittests.cfg)"
[ -x "$VMM" ] || die "$VMM: no such program (build it first)"
SRC=$(cd "$SRC" && pwd)
mkdir -p "$OUT/build" || die "cannot make $OUT/build"
OUT=$(cd "$OUT" && pwd)
differences=$here/differences-$ARCH

results=$OUT/results.tsv
if [ "${KUT_JUDGE_ONLY:-0}" = 1 ]; then
	[ -s "$results" ] || die "KUT_JUDGE_ONLY=1 but no $results"
else
# ----------------------------------------------------------- build --
echo "kvm-unit-tests: building $SRC for $ARCH in $OUT/build"
mkdir -p "$OUT/src" &&
	tar -C "$SRC" --exclude=.git -cf - . | tar -C "$OUT/src" -xf - ||
	die "cannot copy $SRC to $OUT/src"
if [ ! -f "$OUT/build/config.mak" ] || [ "$(cat "$OUT/build/.configured-from" 2>/dev/null)" != "$SRC ${conf[*]}" ]; then
	(cd "$OUT/build" && "$OUT/src/configure" "${conf[@]}") >"$OUT/configure.log" 2>&1 ||
		{ tail -5 "$OUT/configure.log" >&2; die "configure failed (log: $OUT/configure.log)"; }
	echo "$SRC ${conf[*]}" >"$OUT/build/.configured-from"
fi
# The suite's run scripts take the machine they run on from config.mak's
# HOST, which configure sets to the build machine: an x86 host that
# cross-builds for arm64 runs the tests in the arm64 box, so HOST=aarch64
# (else run_tests.sh finds "no KVM" for an arm64 guest and skips all).
[ "$ARCH" = arm64 ] && sed -i 's/^HOST=.*/HOST=aarch64/' "$OUT/build/config.mak"
make -C "$OUT/build" -j"$(nproc)" >"$OUT/make.log" 2>&1 ||
	{ tail -5 "$OUT/make.log" >&2; die "the suite does not build (log: $OUT/make.log)"; }

# ------------------------------------------------------------- run --
cp "$VMM" "$OUT/vmm" && cp "$here/compare.sh" "$OUT/compare.sh" || die "cannot copy $VMM or compare.sh to $OUT"
args=("$ARCH" "$OUT/build" "$OUT/vmm" "$results")
kvm_here() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ "$(uname -m)" = "$( [ "$ARCH" = arm64 ] && echo aarch64 || echo x86_64)" ]; }
start=$(date +%s)
if kvm_here; then
	bash "$OUT/compare.sh" "${args[@]}"
	rc=$?
else
	box=$here/../box/kvm-box
	[ "$ARCH" = arm64 ] && box=$here/../box/kvm-box-arm64
	[ -x "$box" ] || die "no /dev/kvm for $ARCH here and no $box"
	echo "kvm-unit-tests: no /dev/kvm for $ARCH here: running both in $(basename "$box")"
	# Some tests bring the box down (its emulator or its kernel): the run
	# goes on in a new box from the next test, as long as each box gets
	# at least one test further.
	rm -f "$results"
	while :; do
		before=$(wc -l 2>/dev/null <"$results" || echo 0)
		"$box" --rw "$OUT" --timeout "${KUT_BOX_TIMEOUT:-7200}" -- \
			env KUT_RESUME="$([ -f "$results" ] && echo 1 || echo 0)" \
			bash "$OUT/compare.sh" "${args[@]}"
		rc=$?
		[ $rc -eq 125 ] || break
		after=$(wc -l 2>/dev/null <"$results" || echo 0)
		[ "$after" -gt "$before" ] || [ -f "$results.d/running" ] || break
		echo "kvm-unit-tests: the box died after $after tests; going on in a new one"
	done
fi
echo "kvm-unit-tests: ran in $(($(date +%s) - start)) s; logs in $results.d"
fi

# ----------------------------------------------------------- judge --
listed_reason() { # NAME: its reason in the differences file, if listed
	[ -r "$differences" ] || return 1
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; found = 1; exit } END { exit !found }' \
		<(grep -v '^#' "$differences")
}

printf '\n%-28s %-5s %-5s %s\n' TEST OURS QEMU NOTE
bad=0 listed=0
declare -A count
# Empty fields come as "-" (a tab is whitespace to read: two in a row
# would be one).
while IFS=$'\t' read -r name ours ours_detail qemu qemu_detail; do
	[ "$ours_detail" = - ] && ours_detail=""
	[ "$qemu_detail" = - ] && qemu_detail=""
	note=""
	count[ours_$ours]=$((${count[ours_$ours]:-0} + 1))
	count[qemu_$qemu]=$((${count[qemu_$qemu]:-0} + 1))
	if [ "$qemu" = PASS ] && [ "$ours" != PASS ]; then
		if reason=$(listed_reason "$name"); then
			note="known: $reason"
			listed=$((listed + 1))
		else
			note="REGRESSION ${ours_detail:-}"
			bad=$((bad + 1))
		fi
	elif [ "$ours" != "$qemu" ]; then
		note="ours ${ours_detail:-} / qemu ${qemu_detail:-}"
	elif [ "$ours" = SKIP ]; then
		note=${ours_detail:-}
	fi
	printf '%-28s %-5s %-5s %s\n' "$name" "$ours" "$qemu" "$note"
done < <(awk -F'\t' -v OFS='\t' '{ for (i = 1; i <= 5; i++) if ($i == "") $i = "-"; print }' "$results")
printf '\nours: %d pass, %d fail, %d skip; QEMU: %d pass, %d fail, %d skip\n' \
	"${count[ours_PASS]:-0}" "${count[ours_FAIL]:-0}" "${count[ours_SKIP]:-0}" \
	"${count[qemu_PASS]:-0}" "${count[qemu_FAIL]:-0}" "${count[qemu_SKIP]:-0}"
echo "differences: $listed listed in $(basename "$differences"), $bad not listed"
[ $bad -eq 0 ] || { echo "kvm-unit-tests: FAIL: $bad test(s) pass under QEMU and not under our VMM" >&2; exit 1; }
echo "kvm-unit-tests: OK"
