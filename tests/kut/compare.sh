#!/bin/bash
# compare.sh: run a built kvm-unit-tests suite under our VMM and under QEMU
# (-accel kvm), on this machine's /dev/kvm, and write one line per test.
#
#   compare.sh ARCH KUT_BUILD VMM RESULTS
#
# ARCH is x86_64 or arm64; KUT_BUILD a configured and built kvm-unit-tests
# tree (run.sh makes it); VMM our vmm. RESULTS gets, per test of
# ARCH/unittests.cfg that is meant for ARCH:
#
#   NAME<TAB>OURS<TAB>OURS_DETAIL<TAB>QEMU<TAB>QEMU_DETAIL
#
# with PASS, FAIL or SKIP in OURS and QEMU. QEMU's verdicts are those of
# the suite's own harness (run_tests.sh, which knows QEMU's options and exit
# codes); ours come from the loop below, which reads unittests.cfg and
# decides what runs by the same rules (arch, accel, the nodefault group,
# disabled_if, check), so a SKIP on both sides means the suite itself did
# not want the test here. Logs: RESULTS.d/{qemu,ours}/NAME.log.
#
# How a test maps onto our options: smp -> --cpus, "-m N" in qemu_params
# -> --memory NM (default 128M, QEMU's), test_args -> --cmdline, and an
# environment file (NR_CPUS, MEMSIZE, TEST_DEVICE=0: we have no QEMU test
# devices, so tests that need them skip; ERRATA_FORCE=y: every erratum
# counts as fixed) -> --initrd, as the suite passes it to QEMU. x86_64
# tests end through port 0xf4 (--debug-exit qemu gives QEMU's exit status);
# arm64 tests are raw binaries (--kernel-format raw) that print
# "EXIT: STATUS=N" and power off with PSCI. Exit status, as the suite's
# harness reads QEMU's: 1 pass, 77 skip, anything else fail.
#
# Test by test, QEMU's side first (the suite's harness, run_tests.sh NAME),
# then ours; RESULTS grows a line at a time, so a run can be resumed.
#
# Environment: KUT_TIMEOUT (seconds per test for both; default: each
# test's timeout in unittests.cfg, else 90 s, as the suite's harness),
# KUT_TESTS (space-separated names: only those).
set -uo pipefail

[ $# -eq 4 ] || { echo "usage: compare.sh ARCH KUT_BUILD VMM RESULTS" >&2; exit 2; }
ARCH=$1 KUT=$(cd "$2" && pwd) VMM=$(realpath "$3") RESULTS=$(realpath -m "$4")
TIMEOUT=${KUT_TIMEOUT:-}
case $ARCH in
x86_64) TESTS=$KUT/x86 ;;
arm64) TESTS=$KUT/arm ;;
*) echo "compare.sh: unknown arch '$ARCH'" >&2; exit 2 ;;
esac
CFG=$TESTS/unittests.cfg
[ -r "$CFG" ] || { echo "compare.sh: no $CFG (is $KUT a built kvm-unit-tests tree?)" >&2; exit 2; }
[ -x "$VMM" ] || { echo "compare.sh: $VMM is not executable" >&2; exit 2; }
[ -c /dev/kvm ] || { echo "compare.sh: no /dev/kvm here" >&2; exit 2; }
LOGS=$RESULTS.d
RUNNING=$LOGS/running
# KUT_RESUME=1: keep the tests RESULTS has (a box that died is started
# again by run.sh); a test that was running when it died gets FAIL.
if [ "${KUT_RESUME:-0}" != 1 ] || [ ! -f "$RESULTS" ]; then
	rm -rf "$LOGS" && mkdir -p "$LOGS/ours" "$LOGS/qemu" && : >"$RESULTS" || exit 2
fi

# Variables unittests.cfg's fields may use (smp = $MAX_SMP, disabled_if).
MAX_SMP=$(nproc)
TARGET=qemu
ACCEL=kvm
export MAX_SMP TARGET ACCEL

wanted() { [ -z "${KUT_TESTS:-}" ] || [[ " $KUT_TESTS " == *" $1 "* ]]; }

# ------------------------------------------------------------ QEMU --

# run_qemu NAME: sets qv and qd from the suite's own harness running that
# one test (run_tests.sh prints "PASS|FAIL|SKIP name (detail)").
run_qemu() {
	local line
	line=$(cd "$KUT" && ./run_tests.sh "$1" </dev/null 2>&1 |
		sed 's/\x1b\[[0-9;]*m//g' | tee -a "$LOGS/qemu/run_tests.log" |
		grep -E "^(PASS|FAIL|SKIP) $1( |$)" | tail -1)
	cp "$KUT/logs/$1.log" "$LOGS/qemu/" 2>/dev/null
	qv=${line%% *} qd=${line#* "$1"}
	qd=${qd# }
	[ -n "$line" ] || qv=none qd="(run_tests.sh gave no verdict)"
}

# ------------------------------------------------------------ ours --

# The environment the test reads from its first multiboot module or initrd.
envfile() { # SMP MEM_MB FILE
	printf 'NR_CPUS=%s\nMEMSIZE=%s\nTEST_DEVICE=0\nERRATA_FORCE=y\n' "$1" "$2" >"$3"
}

# hidden_features CPU: "-a,-b" of QEMU's "-cpu MODEL,-a,+c,b=off,-b" that
# our --cpu-features knows.
hidden_features() {
	local f out=""
	IFS=, read -ra items <<<"$1"
	for f in "${items[@]:1}"; do
		case $f in
		-*) ;;
		*=off) f=-${f%=off} ;;
		*) continue ;;
		esac
		"$VMM" --cpu-features "$f" --version >/dev/null 2>&1 && out=${out:+$out,}$f
	done
	echo "$out"
}

# run_ours NAME: sets verdict and detail from one run of the current test.
run_ours() {
	local name=$1 log=$LOGS/ours/$1.log env=$LOGS/ours/$1.env
	local n mem=128 status code args=() cpus limit hide=""
	local -a opts

	# qemu_params: take -m N, and from -cpu MODEL,-feat,... the features
	# taken away that --cpu-features can hide too (asked of the vmm
	# itself); the rest is QEMU's (-device, -machine, +feat, ...).
	eval "opts=($params)" 2>/dev/null || opts=()
	for ((n = 0; n + 1 < ${#opts[@]}; n++)); do
		case ${opts[n]} in
		-m) mem=${opts[n + 1]%[Mm]} ;;
		-cpu) hide=$(hidden_features "${opts[n + 1]}") ;;
		esac
	done
	cpus=$(eval "echo $smp")
	eval "args=($test_args)" 2>/dev/null || args=("$test_args")
	envfile "$cpus" "$mem" "$env"
	limit=${TIMEOUT:-${timeout:-90}}
	limit=${limit%s}
	local cmd=("$VMM" --kernel "$TESTS/$file" --cpus "$cpus" --memory "${mem}M"
		--initrd "$env" --cmdline "${args[*]}" --console-input none
		--timeout "$limit")
	[ -n "$hide" ] && cmd+=(--cpu-features "$hide")
	case $ARCH in
	x86_64) cmd+=(--debug-exit qemu) ;;
	arm64) cmd+=(--kernel-format raw) ;;
	esac
	echo "${cmd[*]}" >"$log"
	"${cmd[@]}" </dev/null >>"$log" 2>&1
	status=$?
	if [ "$ARCH" = arm64 ] && [ $status -eq 0 ]; then
		code=$(sed -n 's/^EXIT: STATUS=\([0-9]*\).*/\1/p' "$log" | head -1)
		status=${code:-0}
	fi
	detail=$(sed -n 's/^SUMMARY: //p' "$log" | tail -1)
	case $status in
	1) verdict=PASS ;;
	77) verdict=SKIP ;;
	124) verdict=FAIL detail="timeout after ${limit}s" ;;
	*) verdict=FAIL detail="exit $status${detail:+; $detail}" ;;
	esac
	[ -n "$detail" ] && detail="($detail)"
}

# judge: the suite's own reasons not to run the current test here.
skip_reason() {
	local c path value
	[[ " $groups " == *" nodefault "* ]] && { echo "test marked as manual run only"; return; }
	# These need the VMM's help: QEMU migrates the VM when the test asks.
	[[ " $groups " == *" migration "* ]] && { echo "needs live migration, which this VMM does not have"; return; }
	# QEMU skips these where KVM cannot emulate a GICv2; we never offer one.
	[[ "$params" == *gic-version=2* ]] && { echo "asks for a GICv2; this VMM offers a GICv3 only"; return; }
	[ -n "$accel" ] && [ "$accel" != kvm ] && { echo "$accel only, but ACCEL=kvm"; return; }
	if [ -n "$disabled_if" ] && (eval "$disabled_if") 2>/dev/null; then
		echo "disabled because: $disabled_if"
		return
	fi
	for c in $check; do
		path=${c%%=*} value=${c#*=}
		if ! [ -f "$path" ] || [ "$(cat "$path")" != "$value" ]; then
			echo "$path not equal to $value"
			return
		fi
	done
	[ -f "$TESTS/$file" ] || echo "test file '$file' not found"
}

finish_test() {
	local reason side died="(the box died during this test)"
	[ -n "$name" ] || return 0
	wanted "$name" || return 0
	if [ -n "$arch" ] && [ "$arch" != "$ARCH" ]; then
		return 0	# not a test of this architecture
	fi
	awk -F'\t' -v n="$name" '$1 == n { f = 1 } END { exit !f }' "$RESULTS" && return 0
	side=$(cat "$RUNNING" 2>/dev/null)
	# QEMU's side first, then ours: never two nested VMs at once (in the
	# x86 box that has crashed the box's own kernel).
	if [ "$side" = "$name qemu" ]; then
		qv=FAIL qd=$died
	elif [ "$side" = "$name ours" ]; then
		read -r qv qd <"$LOGS/qemu.last"
	else
		echo "$name qemu" >"$RUNNING"
		run_qemu "$name"
	fi
	printf '%s %s\n' "$qv" "$qd" >"$LOGS/qemu.last"
	reason=$(skip_reason)
	if [ -n "$reason" ]; then
		verdict=SKIP detail="($reason)"
	elif [ "$side" = "$name ours" ]; then
		verdict=FAIL detail=$died
	else
		echo "$name ours" >"$RUNNING"
		run_ours "$name"
	fi
	rm -f "$RUNNING"
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$verdict" "$detail" "$qv" "$qd" >>"$RESULTS"
	printf '%-28s ours %-4s qemu %-4s %s\n' "$name" "$verdict" "$qv" "$detail" >&2
}

name=""
while IFS= read -r line || [ -n "$line" ]; do
	if [[ $line =~ ^\[(.*)\]$ ]]; then
		finish_test
		name=${BASH_REMATCH[1]} file="" smp=1 test_args="" params="" groups=""
		arch="" accel="" disabled_if="" check="" timeout=""
	elif [[ $line =~ ^([a-z_]+)\ *=\ *(.*)$ ]]; then
		value=${BASH_REMATCH[2]}
		case ${BASH_REMATCH[1]} in
		file) file=$value ;;
		smp) smp=$value ;;
		test_args) test_args=$value ;;
		qemu_params | extra_params) params=$value ;;
		groups) groups=$value ;;
		arch) arch=$value ;;
		accel) accel=$value ;;
		disabled_if) disabled_if=$value ;;
		check) check=$value ;;
		timeout) timeout=$value ;;
		esac
	fi
done <"$CFG"
finish_test
exit 0
