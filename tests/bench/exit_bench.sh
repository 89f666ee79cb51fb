#!/bin/sh
# Exit-path benchmark: the cost of one port-I/O exit to the VMM and back,
# as the pioloop guest measures it (20000 writes to an unclaimed port,
# timed with the guest's TSC), for one or more builds of the VMM side by
# side: rounds rotate the order, the first is a warm-up, and it prints
# each build's median cycles per exit and wall time per run, and their
# ratios to the first build's.
#
# usage: sh tests/bench/exit_bench.sh GUEST_DIR VMM [VMM...]
# environment: EXIT_ROUNDS (7; plus one warm-up)
# Needs /dev/kvm (run it in the KVM box: tests/box/kvm-box -- sh ...).
# Output: "exit_bench: VMM median C cycles/exit (ratio R), W ms/run (ratio R)".
set -u
[ $# -ge 2 ] || { echo "usage: $0 GUEST_DIR VMM [VMM...]" >&2; exit 2; }
GUEST=$1/pioloop
shift
ROUNDS=${EXIT_ROUNDS:-7}
[ -f "$GUEST" ] || { echo "exit_bench: no $GUEST (make guests)" >&2; exit 2; }
TMP=$(mktemp -d /tmp/exit-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

n=$#
round=0
while [ $round -le "$ROUNDS" ]; do
	i=0
	while [ $i -lt $n ]; do
		k=$(( (i + round) % n + 1 ))
		eval vmm=\${$k}
		start=$(date +%s%N)
		out=$("$vmm" --kernel "$GUEST" --memory 64M 2>"$TMP/err")
		status=$?
		end=$(date +%s%N)
		cycles=$(printf '%s\n' "$out" | sed -n 's/^pioloop: [0-9]* exits, \([0-9]*\) cycles each.*/\1/p')
		if [ $status != 0 ] || [ -z "$cycles" ]; then
			echo "exit_bench: $vmm failed (status $status): $out $(cat "$TMP/err")" >&2
			exit 1
		fi
		if [ $round -gt 0 ]; then
			echo "$cycles" >>"$TMP/cycles.$k"
			echo $(( (end - start) / 1000000 )) >>"$TMP/ms.$k"
			echo "sample $vmm round $round: $cycles cycles/exit, $(( (end - start) / 1000000 )) ms"
		fi
		i=$((i + 1))
	done
	round=$((round + 1))
done

k=1
for vmm in "$@"; do
	c=$(median <"$TMP/cycles.$k")
	m=$(median <"$TMP/ms.$k")
	[ $k = 1 ] && { c1=$c; m1=$m; }
	echo "exit_bench: $vmm median $c cycles/exit (ratio $(awk "BEGIN { printf \"%.3f\", $c / $c1 }")), $m ms/run (ratio $(awk "BEGIN { printf \"%.3f\", $m / $m1 }"))"
	k=$((k + 1))
done
