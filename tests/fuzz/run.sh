#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the fuzz targets built by `make fuzz-build` (.output/fuzz/fuzz_*).
#   tests/fuzz/run.sh SECONDS [TARGET...]   (default: every target)
# Each target first runs every input of tests/fuzz/corpus/TARGET once (the
# regression run: every crash ever found is an input there), then fuzzes for
# SECONDS from that corpus plus what earlier runs found (.output/fuzz/work/,
# never checked in; FUZZ_WORK=DIR puts it elsewhere). Any crash, sanitizer report, leak, timeout or out-of-
# memory fails the run; the input that did it is saved in
# .output/fuzz/artifacts/. One summary line per target: executions, exec/s,
# libFuzzer's cov: (edges) and ft: (features), corpus entries.
set -u
cd "$(dirname "$0")/../.."
secs=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in .output/fuzz/fuzz_*; do [ -x "$b" ] && targets+=("${b##*/}"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets built (make fuzz-build)" >&2; exit 2; }
mkdir -p .output/fuzz/artifacts .output/fuzz/logs

# Sanitizer reports end the process with -error_exitcode; UBSan never recovers.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-error_exitcode=99 -timeout=20 -rss_limit_mb=2048 -close_fd_mask=3
	-print_final_stats=1)

failed=0
for t in "${targets[@]}"; do
	bin=.output/fuzz/$t seeds=tests/fuzz/corpus/$t work=${FUZZ_WORK:-.output/fuzz/work}/$t
	log=.output/fuzz/logs/$t.log
	mkdir -p "$work"
	opts=("${common[@]}" -artifact_prefix=.output/fuzz/artifacts/$t-)
	if ! "$bin" "${opts[@]}" -runs=0 "$seeds" >"$log" 2>&1; then
		echo "FAIL $t: an input of $seeds fails (log: $log)"
		grep -E 'ERROR|runtime error|Test unit written' "$log" | head -5
		failed=1
		continue
	fi
	if [ "$secs" -gt 0 ] && ! "$bin" "${opts[@]}" -max_total_time="$secs" \
		"$work" "$seeds" >>"$log" 2>&1; then
		echo "FAIL $t: fuzzing found a problem (log: $log)"
		grep -E 'ERROR|runtime error|Test unit written' "$log" | head -5
		failed=1
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	printf 'ok   %-14s %4ss  execs %-9s exec/s %-6s cov %-5s ft %-6s corpus %s\n' \
		"$t" "$secs" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
done
exit $failed
