# shellcheck shell=bash disable=SC2154
# The host side of a KVM box run, shared by tests/box/kvm-box (x86_64 L1)
# and tests/box/kvm-box-arm64 (arm64 L1); sourced by them after they set
# box (their name, for messages) and here (tests/box).
#
#   box_options "$@"   the common options (see kvm-box --help) into tty,
#                      timeout, verbose, log, memory (default: box_memory),
#                      cpus, rw (absolute) and tcg_threads; the command
#                      into cmd; dies on a bad one
#   box_run            run cmd in the box and exit with its status (124 on
#                      --timeout, 125 when the box failed): box_qemu is
#                      QEMU and its L1-specific arguments (machine, CPU,
#                      kernel, initramfs, the root's 9p share "hostroot"),
#                      box_append the L1 kernel's command line (without
#                      box.run= and box.rw=, which box_run adds)
#
# The run directory (/tmp/$box.XXXXXX, shared with L1 as "run") carries the
# command, its environment and cwd, and a copy of box-run (PID 1 after
# box-init's switch_root); the command's stdout, stderr and status come
# back through virtio-serial ports into files there.

die() { echo "$box: $*" >&2; exit 125; }
say() { [ "$verbose" = 0 ] || echo "$box: $*" >&2; }

box_options() {
	tty=0 timeout=0 verbose=0 log="" memory=$box_memory rw=()
	tcg_threads=${KVM_BOX_TCG_THREADS:-multi}
	cpus=$(nproc)
	[ "$cpus" -le 4 ] || cpus=4
	while [ $# -gt 0 ]; do
		case $1 in
		--tty) tty=1 ;;
		--rw) [ $# -ge 2 ] || die "--rw needs a directory"; rw+=("$2"); shift ;;
		--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout=$2; shift ;;
		--cpus) [ $# -ge 2 ] || die "--cpus needs a number"; cpus=$2; shift ;;
		--memory) [ $# -ge 2 ] || die "--memory needs MiB"; memory=$2; shift ;;
		--log) [ $# -ge 2 ] || die "--log needs a file"; log=$2; shift ;;
		-v) verbose=1 ;;
		-h | --help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
		--) shift; break ;;
		-*) die "unknown option $1 (see --help)" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -gt 0 ] || die "no command (usage: $box [OPTIONS] [--] CMD [ARG...])"
	cmd=("$@")
	for n in "$timeout" "$cpus" "$memory"; do
		[[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
	done
	STALL=${KVM_BOX_STALL:-90}
	FIRST_BEAT=${KVM_BOX_FIRST_BEAT:-300}
	[[ $STALL =~ ^[0-9]+$ && $FIRST_BEAT =~ ^[0-9]+$ ]] ||
		die "KVM_BOX_STALL and KVM_BOX_FIRST_BEAT are seconds (not '$STALL', '$FIRST_BEAT')"
	[ "$tty" = 0 ] || [ -t 0 ] || die "--tty needs a terminal on stdin"
	[ "$(uname -m)" = x86_64 ] || die "the box is built for x86_64 hosts (this is $(uname -m))"
	if [ ${#rw[@]} = 0 ]; then
		rw=("$(git rev-parse --show-toplevel 2>/dev/null || pwd)")
	fi
	local i
	for i in "${!rw[@]}"; do
		[ -d "${rw[$i]}" ] || die "--rw ${rw[$i]}: no such directory"
		rw[$i]=$(cd "${rw[$i]}" && pwd -P)
	done
}

box_run() {
	run=$(mktemp -d "/tmp/$box.XXXXXX") || die "cannot make a run directory"
	chmod 755 "$run"
	qpid="" tails=()
	cleanup() {
		[ -z "$qpid" ] || kill "$qpid" 2>/dev/null
		[ ${#tails[@]} = 0 ] || kill "${tails[@]}" 2>/dev/null
		rm -rf "$run"
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	printf '%s\0' "${cmd[@]}" >"$run/argv"
	env -0 >"$run/env"
	pwd -P >"$run/cwd"
	echo "$tty" >"$run/tty"
	printf '%s\n' "${rw[@]}" >"$run/rw"
	# box-run from the run directory: the box's root need not have this tree.
	cp "$here/box-run" "$run/box-run" || die "cannot copy box-run into $run"
	echo "$run/box-run" >"$run/runner"
	: >"$run/stdout"
	: >"$run/stderr"
	: >"$run/status"
	: >"$run/console"
	# For the watchdog's own test: box-run then never writes a heartbeat.
	[ "${KVM_BOX_TEST_NO_HEARTBEAT:-0}" = 0 ] || : >"$run/no-heartbeat"

	# shellcheck disable=SC2054
	qemu=("${box_qemu[@]}" -nodefaults -no-user-config -display none -no-reboot
		-accel tcg,thread="$tcg_threads" -smp "$cpus" -m "$memory"
		-append "$box_append box.run=$run box.rw=${#rw[@]}"
		-serial "file:$run/console" -monitor "unix:$run/monitor,server=on,wait=off"
		-virtfs "local,path=$run,mount_tag=run,security_model=none"
		-device virtio-serial-pci
		-chardev "file,id=stdout,path=$run/stdout" -device virtserialport,chardev=stdout,name=box.stdout
		-chardev "file,id=stderr,path=$run/stderr" -device virtserialport,chardev=stderr,name=box.stderr
		-chardev "file,id=status,path=$run/status" -device virtserialport,chardev=status,name=box.status)
	for i in "${!rw[@]}"; do
		qemu+=(-virtfs "local,path=${rw[$i]},mount_tag=rw$i,security_model=none,multidevs=remap")
	done
	if [ "$tty" = 1 ]; then
		stty size >"$run/winsize" 2>/dev/null
		qemu+=(-chardev stdio,id=con,signal=off -device virtconsole,chardev=con)
	fi

	say "${qemu[*]}"
	[ "$timeout" = 0 ] || qemu=(timeout --foreground -k 5 "$timeout" "${qemu[@]}")
	start=$SECONDS
	if [ "$tty" = 1 ]; then
		"${qemu[@]}" 0<&0 2>"$run/qemu.err" &
	else
		"${qemu[@]}" </dev/null 2>"$run/qemu.err" &
	fi
	qpid=$!
	# The command's output, live, until QEMU is gone and the files are drained.
	tail -q -c +1 -s 0.2 -f --pid="$qpid" "$run/stdout" &
	tails+=($!)
	tail -q -c +1 -s 0.2 -f --pid="$qpid" "$run/stderr" >&2 &
	tails+=($!)

	# On a timeout, ask the box for every task's stack (box-run's watcher
	# writes SysRq t) before timeout(1) kills it, 10 s later.
	if [ "$timeout" != 0 ]; then
		(sleep "$((timeout > 15 ? timeout - 10 : timeout))" && echo t >"$run/sysrq.tmp" &&
			mv "$run/sysrq.tmp" "$run/sysrq") </dev/null >/dev/null 2>&1 &
		dumper=$!
	fi
	# A box whose heartbeat (box-run's watcher) stops for STALL seconds once it
	# has started has a kernel that no longer schedules: nested virtualization
	# under TCG wedges now and then. Stop it, rather than wait for --timeout.
	# A box with no heartbeat at all FIRST_BEAT seconds after QEMU started (its
	# kernel hung while booting) is wedged too.
	# (STALL, FIRST_BEAT: set and checked with the options.)
	(
		last="" same=0 waited=0
		while sleep 5; do
			beat=$(cat "$run/alive" 2>/dev/null)
			if [ -z "$beat" ]; then
				waited=$((waited + 5))
				[ "$waited" -ge "$FIRST_BEAT" ] || continue
				echo "no heartbeat within $FIRST_BEAT s of its start: its kernel hung while booting" >"$run/wedged"
			elif [ "$beat" != "$last" ]; then
				last=$beat same=0
				continue
			else
				same=$((same + 5))
				[ "$same" -ge "$STALL" ] || continue
				echo "no heartbeat for $STALL s: its kernel no longer schedules, a nested-virtualization hang under TCG" >"$run/wedged"
			fi
			pkill -P "$qpid"
			kill "$qpid"
			exit
		done
	) </dev/null >/dev/null 2>&1 &
	heart=$!
	wait "$qpid"
	qstatus=$?
	qpid=""
	for p in "${dumper:-}" "$heart"; do
		[ -z "$p" ] || { pkill -P "$p" sleep; kill "$p"; } 2>/dev/null
	done
	wait "${tails[@]}"
	tails=()
	[ -z "$log" ] || cp "$run/console" "$log"
	say "box ran $((SECONDS - start)) s, QEMU exit status $qstatus"

	if [ "$timeout" != 0 ] && [ "$qstatus" = 124 ]; then
		echo "$box: timed out after $timeout s; killed the box" >&2
		# The task dump, user tasks only (kernel threads are children of pid 2).
		if grep -q 'sysrq: Show State' "$run/console"; then
			echo "$box: the box's user tasks when it timed out:" >&2
			sed -n '/sysrq: Show State/,$p' "$run/console" | awk '
				/ task:/ { show = ($0 !~ / ppid:2 / && $0 !~ / pid:2 /) }
				/Sched Debug|sysrq: Show Blocked/ { show = 0 }
				show && !/\] +\? |\] (RSP|RAX|RDX|RBP|R10|R13): |<\/?TASK>/' |
				sed "s/^/$box: | /" >&2
		fi
		exit 124
	fi
	if [ -f "$run/wedged" ]; then
		echo "$box: the box stopped responding ($(cat "$run/wedged")); killed it" >&2
		exit 125
	fi
	status=$(head -n 1 "$run/status")
	case $status in
	"exit "[0-9]*) exit "${status#exit }" ;;
	esac
	if [ -n "$status" ]; then
		echo "$box: ${status#box-*: }" >&2
	else
		echo "$box: the box ended without the command's status (QEMU exit status $qstatus); the end of its console:" >&2
	fi
	{
		grep -v "TCG doesn't support requested feature" "$run/qemu.err"
		tail -n 15 "$run/console"
	} | sed "s/^/$box: | /" >&2
	exit 125
}
