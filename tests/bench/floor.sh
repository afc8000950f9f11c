#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Cost floor of the hot programs (issue 12); `make bench-floor` runs it
# after building ./schedrift and the cut builds .output/cutN/schedrift
# (-DSDR_BENCH_CUT=N, bpf/schedrift.h). Prints one table per hook: what
# each part of sdr_switch and sdr_waking costs, beside runqlat's program
# on the same hook. Knobs: see tests/bench/floor.py. Prints only; the
# figures in docs/performance.md were copied from a run.
set -u
cd "$(dirname "$0")/../.."
STATS_SYSCTL=/proc/sys/kernel/bpf_stats_enabled
[ "$(id -u)" -eq 0 ] || { echo "floor: needs root" >&2; exit 2; }
[ -r $STATS_SYSCTL ] || { echo "floor: $STATS_SYSCTL missing: no BPF run statistics" >&2; exit 2; }
builds=(./schedrift)
for n in 1 2 3 4 5; do
	[ -x .output/cut$n/schedrift ] || { echo "floor: .output/cut$n/schedrift not built; run 'make bench-floor'" >&2; exit 2; }
	builds+=(.output/cut$n/schedrift)
done
old=$(cat $STATS_SYSCTL)
trap 'echo "$old" > $STATS_SYSCTL' EXIT
trap 'exit 130' INT TERM
echo 1 > $STATS_SYSCTL
python3 tests/bench/floor.py "${builds[@]}"
