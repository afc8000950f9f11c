#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The daemon under a messaging flood while its ticks are long (issue 22,
# docs/daemon.md "Ingest thread"): manytasks keeps BTF_TASKS sleeping
# threads alive, so each tick walks that many tasks; a daemon at
# --interval 1 runs in a session of its own, and `perf bench sched
# messaging -g 40 -l BTF_LOOPS` floods in another. Builds are compared in
# interleaved rounds (round 1 every build, round 2 every build, ...).
# Prints one Markdown row per run: the loss counters' growth over the
# flood (waits lost in the ring, switches lost, waits dropped by the
# ingest queue), the kernel's waits over the same window, the daemon's CPU
# seconds over the flood, its RSS and peak RSS. Not a test: prints only.
#
# Environment:
#   BTF_BUILDS="./schedrift"  the builds, each NAME=PATH or PATH
#   BTF_TASKS=50000  BTF_LOOPS=200  BTF_ROUNDS=3  BTF_GROUPS=40
#   BTF_SWITCH=0     N > 0: `stress-ng --switch N` for BTF_SECONDS (20) instead
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILDS=${BTF_BUILDS:-./schedrift}
TASKS=${BTF_TASKS:-50000}
LOOPS=${BTF_LOOPS:-200}
ROUNDS=${BTF_ROUNDS:-3}
GROUPS_N=${BTF_GROUPS:-40}
SWITCH_N=${BTF_SWITCH:-0}
SECS=${BTF_SECONDS:-20}
if [ "$SWITCH_N" -gt 0 ]; then
	FLOOD=(stress-ng --switch "$SWITCH_N" --timeout "${SECS}s" --quiet)
else
	FLOOD=(perf bench sched messaging -g "$GROUPS_N" -l "$LOOPS")
fi
HZ=$(getconf CLK_TCK)

die() { echo "busy_tick_flood.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (the daemon loads BPF programs)"
[ -x .output/tests/manytasks ] || die "not built: run make"
command -v perf >/dev/null || die "perf is not installed (make deps)"

DIR=$(mktemp -d /tmp/schedrift-busytick.XXXXXX)
. tests/bench/manytasks_load.sh
trap 'manytasks_stop; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM HUP

prom() { # the value of series $1 in the daemon's last file
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$DIR/m/schedrift.prom"
}
lost() { prom "schedrift_events_lost_total{stage=\"$1\"}"; }
generation() { [ -f "$DIR/m/schedrift.prom" ] && prom schedrift_generation || echo 0; }
wait_generation() {
	while [ "$(generation)" -lt "$1" ]; do
		kill -0 "$DAEMON" 2>/dev/null || die "the daemon exited: $(tail -3 "$DIR/err")"
		sleep 0.05
	done
}
figures() { # one line of the counters the row needs
	echo "$(lost ringbuf) $(lost switches_lost) $(lost ingest_full)" \
	     "$(prom 'schedrift_events_total{kind="waits"}')"
}

manytasks_start "$TASKS" 2000
need=$MANYTASKS_NEED

echo "$TASKS sleeping threads, daemon --interval 1, ${FLOOD[*]}, $(nproc) CPUs," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| round | build | flood s | waits (kernel) | ringbuf | switches_lost | ingest_full |" \
     "daemon CPU s | RSS MiB | peak MiB |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for round in $(seq "$ROUNDS"); do
	for b in $BUILDS; do
		name=${b%%=*} path=${b#*=}
		rm -rf "$DIR/m" && mkdir "$DIR/m"
		setsid "$path" daemon --lock "$DIR/lock" --metrics-dir "$DIR/m" --interval 1 \
			--max-tasks $((need > 65536 ? need : 65536)) 2>"$DIR/err" &
		DAEMON=$!
		wait_generation 3
		read -r rb0 sw0 iq0 w0 < <(figures)
		c0=$(ticks "$DAEMON")
		t0=$(date +%s.%N)
		setsid "${FLOOD[@]}" >/dev/null 2>&1
		t1=$(date +%s.%N)
		c1=$(ticks "$DAEMON")
		# Two more exports: everything of the flood has been through a tick.
		wait_generation $(($(generation) + 2))
		read -r rb1 sw1 iq1 w1 < <(figures)
		awk -v r="$round" -v n="$name" -v t0="$t0" -v t1="$t1" -v w=$((w1 - w0)) \
		    -v rb=$((rb1 - rb0)) -v sw=$((sw1 - sw0)) -v iq=$((iq1 - iq0)) \
		    -v cpu=$((c1 - c0)) -v hz="$HZ" -v rss="$(kib "$DAEMON" VmRSS)" \
		    -v hwm="$(kib "$DAEMON" VmHWM)" 'BEGIN {
			printf "| %d | %s | %.1f | %d | %d | %d | %d | %.2f | %.1f | %.1f |\n", r, n,
			       t1 - t0, w, rb, sw, iq, cpu / hz, rss / 1024, hwm / 1024 }'
		kill "$DAEMON"; wait "$DAEMON" 2>/dev/null
		DAEMON=
	done
done
