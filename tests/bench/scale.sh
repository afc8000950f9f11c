#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What the daemon costs with many live tasks (issue 13); `make bench-scale`
# runs this. For each task count, manytasks keeps that many threads that
# each sleep SCALE_PERIOD_MS in a loop (so every one runs in every
# interval), a daemon runs at SCALE_INTERVAL seconds writing its files to
# a temporary directory, and after one warm-up interval the daemon's CPU
# time (utime + stime of /proc/PID/stat) is taken over SCALE_ROUNDS
# intervals. Prints one Markdown row per count: tasks tracked, CPU
# seconds per interval, % of one core, RSS and peak RSS (VmHWM), and the
# size of schedrift.json and schedrift.prom, and the state bytes both
# files write in a day at that interval (their sizes x 86400 / interval;
# SCALE_DAEMON_ARGS, e.g. "--json-tasks all", goes to the daemon).
# kernel.pid_max is raised when a count needs it
# and restored on exit (also on Ctrl-C). Timing figures: run it on a quiet
# machine; docs/reliability.md keeps the numbers of record.
#
# Environment:
#   SCALE_TASKS="10000 50000"   task counts
#   SCALE_INTERVAL=10           daemon --interval (seconds)
#   SCALE_ROUNDS=3              intervals measured per count
#   SCALE_PERIOD_MS=2000        each thread's sleep
#   SCALE_DAEMON_ARGS=          more daemon options (default settings otherwise)
#   SCALE_SCHEDRIFT=./schedrift the build to measure (an older one, for a before/after)
set -u
cd "$(dirname "$0")/../.." || exit 1
TASKS=${SCALE_TASKS:-10000 50000}
IV=${SCALE_INTERVAL:-10}
ROUNDS=${SCALE_ROUNDS:-3}
PERIOD=${SCALE_PERIOD_MS:-2000}
DARGS=${SCALE_DAEMON_ARGS:-}
SDR=${SCALE_SCHEDRIFT:-./schedrift}
HZ=$(getconf CLK_TCK)

die() { echo "scale.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (the daemon loads BPF programs)"
[ -x "$SDR" ] && [ -x .output/tests/manytasks ] || die "not built: run make"

DIR=$(mktemp -d /tmp/schedrift-scale.XXXXXX)
. tests/bench/manytasks_load.sh
trap manytasks_stop EXIT
trap 'exit 130' INT TERM HUP

generation() {
	awk '$1 == "schedrift_generation" { print $2 }' "$DIR/m/schedrift.prom" 2>/dev/null
}
wait_generation() { # until generation >= $1
	while [ "$(generation)" = "" ] || [ "$(generation)" -lt "$1" ]; do
		kill -0 "$DAEMON" 2>/dev/null || die "the daemon exited: $(tail -3 "$DIR/err")"
		sleep 0.05
	done
}

echo "interval ${IV} s, threads sleep ${PERIOD} ms, ${ROUNDS} intervals each, $(nproc) CPUs"
echo
echo "| tasks | tracked | CPU s / interval | % of a core | RSS MiB | peak MiB | json KB | prom KB | files GB/day |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $TASKS; do
	rm -rf "$DIR/m" && mkdir "$DIR/m"
	manytasks_start "$n" "$PERIOD"
	need=$MANYTASKS_NEED
	"$SDR" daemon --lock "$DIR/lock" --metrics-dir "$DIR/m" --interval "$IV" \
		--max-tasks $((need > 65536 ? need : 65536)) $DARGS 2>"$DIR/err" &
	DAEMON=$!
	wait_generation 2
	g=$(generation)
	t0=$(ticks "$DAEMON")
	wait_generation $((g + ROUNDS))
	t1=$(ticks "$DAEMON")
	tracked=$(awk '$1 == "schedrift_tasks_tracked" { print $2 }' "$DIR/m/schedrift.prom")
	json=$(stat -c %s "$DIR/m/schedrift.json")
	prom=$(stat -c %s "$DIR/m/schedrift.prom")
	awk -v n="$n" -v tr="$tracked" -v dt=$((t1 - t0)) -v hz="$HZ" -v r="$ROUNDS" -v iv="$IV" \
	    -v rss="$(kib "$DAEMON" VmRSS)" -v hwm="$(kib "$DAEMON" VmHWM)" -v js="$json" -v pr="$prom" 'BEGIN {
		s = dt / hz / r
		printf "| %d | %d | %.3f | %.2f | %.1f | %.1f | %.1f | %.1f | %.3f |\n", n, tr, s,
		       100 * s / iv, rss / 1024, hwm / 1024, js / 1e3, pr / 1e3,
		       (js + pr) * 86400 / iv / 1e9 }'
	manytasks_stop
done
