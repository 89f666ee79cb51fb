#!/bin/sh
# Runs the fuzz targets built in BUILD (tests/fuzz/fuzz.mk).
#
#   run.sh fuzz BUILD NAME:MAXLEN...     fuzz each for $FUZZ_SECONDS
#   run.sh regress BUILD NAME:MAXLEN...  replay corpus and regressions only
#
# Prints "fuzz NAME: N execs, M crashes" per target; any crash, leak,
# timeout or sanitizer report fails the run, and the input that caused it
# is copied to tests/fuzz/regressions/NAME/ to be committed.
set -u
mode=$1 build=$2
shift 2
seconds=${FUZZ_SECONDS:-30}
failed=""

for t in "$@"; do
	name=${t%%:*} max_len=${t#*:}
	bin=$build/fuzz_$name
	corpus=tests/fuzz/corpus/$name
	regress=tests/fuzz/regressions/$name
	work=$build/corpus-$name
	art=$build/artifacts-$name
	log=$build/fuzz-$name.log
	mkdir -p "$corpus" "$regress" "$work" "$art"
	rm -f "$art"/*

	if [ "$mode" = regress ]; then
		# Each input once, no fuzzing: libFuzzer's reproduce mode.
		files=$(find "$corpus" "$regress" -type f ! -name '.*' | sort)
		n=$(echo "$files" | grep -c . || true)
		rc=0
		if [ "$n" -gt 0 ]; then
			# shellcheck disable=SC2086
			"$bin" -artifact_prefix="$art/" -timeout=10 $files >"$log" 2>&1 || rc=$?
		fi
		if [ "$rc" != 0 ]; then
			echo "fuzz-regress $name: FAILED (exit $rc), see $log" >&2
			tail -n 30 "$log" >&2
			failed="$failed $name"
		else
			echo "fuzz-regress $name: $n inputs replayed, 0 crashes"
		fi
		continue
	fi

	rc=0
	"$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
		"$work" "$corpus" "$regress" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	crashes=0
	for f in "$art"/*; do
		[ -f "$f" ] || continue
		crashes=$((crashes + 1))
		cp "$f" "$regress/"
		echo "fuzz $name: $(basename "$f") kept as $regress/$(basename "$f")" >&2
	done
	echo "fuzz $name: ${execs:-0} execs, $crashes crashes"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		echo "fuzz $name: FAILED (exit $rc), see $log" >&2
		grep -m 1 -A 25 'ERROR: \|runtime error\|==ERROR' "$log" >&2 || tail -n 30 "$log" >&2
		failed="$failed $name"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
