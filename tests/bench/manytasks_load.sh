# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the benches that need many live tasks and a daemon beside them
# (scale.sh, busy_tick_flood.sh); the caller defines die() and sets DIR (a
# temporary directory it owns).
#   manytasks_start N PERIOD_MS  raises kernel.pid_max if N threads need it,
#                                starts manytasks (N threads, each sleeping
#                                PERIOD_MS in a loop) and waits until they
#                                all exist; MANYTASKS_NEED: the pid_max used
#   manytasks_stop               stops the daemon ($DAEMON, if set) and the
#                                load, and puts kernel.pid_max back
#   ticks PID / kib PID FIELD    a process's CPU (user + system, in clock
#                                ticks) / a /proc/PID/status field in KiB
# The load lives as long as fd 3 is open: manytasks exits at its stdin's end.

OLD_PID_MAX=$(cat /proc/sys/kernel/pid_max)
LOAD= DAEMON=

manytasks_start() {
	MANYTASKS_NEED=$((2 * $1 + 10000))
	[ "$OLD_PID_MAX" -lt "$MANYTASKS_NEED" ] && echo "$MANYTASKS_NEED" > /proc/sys/kernel/pid_max
	exec 3> >(exec .output/tests/manytasks -n "$1" -p "$2" > "$DIR/load")
	LOAD=$!
	until grep -q ready "$DIR/load" 2>/dev/null; do
		kill -0 "$LOAD" 2>/dev/null || die "manytasks -n $1 failed"
		sleep 0.1
	done
}

manytasks_stop() {
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	exec 3>&-
	[ -n "$LOAD" ] && kill "$LOAD" 2>/dev/null && wait "$LOAD" 2>/dev/null
	DAEMON= LOAD=
	echo "$OLD_PID_MAX" > /proc/sys/kernel/pid_max
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
