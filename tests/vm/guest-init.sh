#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# /init of the QEMU NUMA guest (busybox sh, PID 1). It records two known
# workloads with the real schedrift, using the guest's own sysfs topology,
# prints everything the host test needs between marker lines on the serial
# console, and powers the guest off. The host side is tests/vm/test_numa_guest.
#
#   phase 1  mover moves itself between the nodes with sched_setaffinity
#   phase 2  two numa_hog processes, each with its memory bound to the node it
#            does not start on, with the kernel's NUMA balancing on and its
#            scan delays shortened, so that the balancer moves or swaps them
#            towards their memory; the kernel's own trace of those decisions
#            and of the hogs' migrations (tracefs) is printed beside
#            schedrift's report
#   phase 3  `schedrift daemon --once` while a fresh mover moves itself
#            between the nodes: the metric files of its one interval (run
#            right after phase 1, before phase 2, so it does not depend on
#            the NUMA phase; skipped only if phase 1's recorder never
#            attached)
#
# The host passes settings on the kernel command line; the kernel hands
# unknown name=value words to init as environment variables:
#   sdr_moves         how many times mover moves itself between the nodes (20)
#   sdr_timeout       seconds before this script gives up and powers off (200)
#   sdr_verbose       1: run `schedrift record -v` (libbpf's log, verifier output)
#   sdr_numa          0: skip phase 2 (1)
#   sdr_numa_secs     how long each numa_hog runs, in seconds (8)
#   sdr_numa_mb       MiB of memory per numa_hog (64)
#   sdr_numa_threads  threads per numa_hog (2)
#   sdr_numa_stagger  seconds between the first and the second numa_hog's start (3)
#   sdr_daemon_interval  phase 3: the daemon's --interval, in seconds (3)
#
# Every marker line starts with "=== SCHEDRIFT-" so the host can find them
# among kernel messages.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
moves=${sdr_moves:-20}
timeout=${sdr_timeout:-200}
verbose=
[ "${sdr_verbose:-0}" = 1 ] && verbose=-v
numa=${sdr_numa:-1}
numa_secs=${sdr_numa_secs:-8}
numa_mb=${sdr_numa_mb:-64}
numa_threads=${sdr_numa_threads:-2}
numa_stagger=${sdr_numa_stagger:-3}
daemon_interval=${sdr_daemon_interval:-3}

# The initramfs has no /dev/console node, so the kernel could not give us
# stdin/stdout/stderr: mount devtmpfs first, then open the console.
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
echo "=== SCHEDRIFT-GUEST-START uptime=$(cut -d' ' -f1 /proc/uptime) ==="

finish() {
	echo "=== SCHEDRIFT-GUEST-DONE uptime=$(cut -d' ' -f1 /proc/uptime) ==="
	sync
	poweroff -f
	# Only reached if poweroff failed: PID 1 exiting panics the kernel, and
	# with panic=-1 and QEMU's -no-reboot that ends the guest too.
	exit 1
}

fail() {
	echo "=== SCHEDRIFT-GUEST-ERROR $* ==="
	finish
}

# block NAME FILE: prints FILE between BEGIN/END markers named NAME.
block() {
	echo "=== SCHEDRIFT-$1-BEGIN ==="
	[ -f "$2" ] && cat "$2"
	# A file without a final newline must not glue its last line to END.
	[ -s "$2" ] && [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" != '\n' ] && echo
	echo "=== SCHEDRIFT-$1-END ==="
}

# Guest-side watchdog, below the host's own: whatever hangs, the log still
# ends with a clear line rather than with the host killing a silent QEMU.
(
	sleep "$timeout"
	echo "=== SCHEDRIFT-GUEST-TIMEOUT after ${timeout}s ==="
	echo 1 >/proc/sys/kernel/printk
	# Userspace processes only: kernel threads show as [name].
	# shellcheck disable=SC2009
	ps | grep -v ' \[' >/tmp/ps.out
	block PS /tmp/ps.out
	for f in mover.out mover.err rec.out rec.err report.err \
		dmover.out dmover.err daemon.out daemon.err m/schedrift.prom m/schedrift.json \
		hog0.out hog0.err hog1.out hog1.err nrec.out nrec.err nreport.err; do
		[ -f /tmp/$f ] && block "TIMEOUT-$f" /tmp/$f
	done
	sync
	poweroff -f
) &

# wait_for PATTERN FILE PID TICKS: returns 0 once FILE has a line matching
# PATTERN, 1 if process PID died first or TICKS ticks of 0.1 s passed. The
# tick count it took is left in $i for the console.
wait_for() {
	i=0
	while ! grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt "$4" ] || ! kill -0 "$3" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}

# reap PID TICKS: waits for process PID to exit; after TICKS ticks of
# 0.1 s sends it SIGTERM, 10 s later SIGKILL. Leaves the signal it had to
# send in $sent ("" when PID went by itself) and PID's exit status in $?.
reap() {
	sent=
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -eq "$2" ]; then
			sent=TERM
			kill -TERM "$1" 2>/dev/null
		elif [ $i -eq $(($2 + 100)) ]; then
			sent=KILL
			kill -KILL "$1" 2>/dev/null
		fi
		sleep 0.1
	done
	wait "$1"
}

# first_cpu LIST: the first CPU of a cpulist such as "0-1" or "2,5-7".
first_cpu() {
	set -- "${1%%,*}"
	echo "${1%%-*}"
}

echo "=== SCHEDRIFT-TOPOLOGY-BEGIN ==="
echo "kernel $(uname -r)"
if [ -f /sys/kernel/btf/vmlinux ]; then
	echo "btf /sys/kernel/btf/vmlinux $(wc -c </sys/kernel/btf/vmlinux) bytes"
else
	echo "btf none"
fi
for n in /sys/devices/system/node/node[0-9]*; do
	[ -d "$n" ] || continue
	echo "${n##*/} cpulist $(cat "$n/cpulist") distance $(cat "$n/distance")"
done
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	llc=""
	for idx in "$c"/cache/index*; do
		[ -f "$idx/level" ] || continue
		llc="L$(cat "$idx/level") $(cat "$idx/shared_cpu_list")"
	done
	echo "${c##*/} llc ${llc:-unknown}"
done
echo "=== SCHEDRIFT-TOPOLOGY-END ==="

[ -d /sys/devices/system/node/node0 ] || fail "no NUMA node0 in sysfs"
[ -d /sys/devices/system/node/node1 ] || fail "no NUMA node1 in sysfs: the guest sees one node"
cpu_a=$(first_cpu "$(cat /sys/devices/system/node/node0/cpulist)")
cpu_b=$(first_cpu "$(cat /sys/devices/system/node/node1/cpulist)")
if [ -z "$cpu_a" ] || [ -z "$cpu_b" ]; then
	fail "node0 or node1 has no CPUs"
fi
[ -x /mover ] || fail "/mover missing from the initramfs"
[ -x /schedrift ] || fail "/schedrift missing from the initramfs"
if [ "$numa" = 1 ] && [ ! -x /numa_hog ]; then
	fail "/numa_hog missing from the initramfs"
fi

/schedrift version >/tmp/version.out 2>&1
block VERSION /tmp/version.out

# mover pins itself to cpu_a, says "ready PID TID" and waits for a line on
# the FIFO. Opening the FIFO read-write here never blocks, even if mover
# failed to start, and keeps it open for the "go" line.
mkfifo /tmp/go
/mover -n "$moves" -a "$cpu_a" -b "$cpu_b" </tmp/go >/tmp/mover.out 2>/tmp/mover.err &
mover=$!
exec 3<>/tmp/go

if ! wait_for '^ready ' /tmp/mover.out $mover 300; then
	block MOVER-ERR /tmp/mover.err
	fail "mover did not become ready"
fi
# Split on purpose: "ready PID TID" -> $1 $2 $3.
# shellcheck disable=SC2046
set -- $(grep '^ready ' /tmp/mover.out)
pid=$2
tid=$3

# record runs until SIGINT and says "recording" on stderr once attached.
/schedrift record $verbose -o /tmp/t.sdt -p "$pid" >/tmp/rec.out 2>/tmp/rec.err &
rec=$!
# Loading and verifying the BPF programs under TCG takes a while; allow 120 s.
attached=1
wait_for recording /tmp/rec.err $rec 1200 || attached=0
echo "=== SCHEDRIFT-ATTACHED $attached after $i ticks of 0.1s ==="

echo go >&3
wait $mover
mover_rc=$?
exec 3>&-

# A background job of a non-interactive shell starts with SIGINT ignored;
# schedrift must install its own handler, as the interface promises that
# SIGINT ends a recording. Say so plainly if it did not work.
kill -INT $rec 2>/dev/null
reap $rec 300
rec_rc=$?
stop_sig=${sent:-INT}

report_rc=none
if [ -f /tmp/t.sdt ]; then
	/schedrift report /tmp/t.sdt --format json >/tmp/report.json 2>/tmp/report.err
	report_rc=$?
fi

# From here on only our own output matters: keep kernel messages (printed
# at any moment) from landing in the middle of the JSON.
echo 1 >/proc/sys/kernel/printk

echo "=== SCHEDRIFT-STATUS-BEGIN ==="
echo "cpu_a=$cpu_a"
echo "cpu_b=$cpu_b"
echo "pid=$pid"
echo "tid=$tid"
echo "moves=$moves"
echo "attached=$attached"
echo "mover_rc=$mover_rc"
echo "record_rc=$rec_rc"
echo "record_stop_signal=$stop_sig"
echo "report_rc=$report_rc"
if [ -f /tmp/t.sdt ]; then
	echo "trace_bytes=$(wc -c </tmp/t.sdt)"
else
	echo "trace_bytes=none"
fi
echo "=== SCHEDRIFT-STATUS-END ==="
block MOVER-OUT /tmp/mover.out
block MOVER-ERR /tmp/mover.err
block RECORD-OUT /tmp/rec.out
block RECORD-ERR /tmp/rec.err
block REPORT-ERR /tmp/report.err
block JSON /tmp/report.json
dmesg | tail -n 40 >/tmp/dmesg.tail
block DMESG-TAIL /tmp/dmesg.tail

# ---- phase 3: the daemon ----

# `schedrift daemon --once` collects one interval, writes both metric files
# and exits 0 by itself. The interval starts when it says "running:" (after
# attach and after it dropped its capabilities), so the fresh mover gets its
# "go" only then, and its moves (a fraction of a second here) fall inside
# it. mover is started, and pinned to cpu_a, before the daemon attaches,
# exactly as in phase 1: its placement at fork and that first pin are not
# in the interval, only its moves are.
if [ "$attached" = 1 ]; then
	echo "=== SCHEDRIFT-DAEMON-START uptime=$(cut -d' ' -f1 /proc/uptime) ==="
	mkdir -p /tmp/m
	mkfifo /tmp/dgo
	/mover -n "$moves" -a "$cpu_a" -b "$cpu_b" </tmp/dgo >/tmp/dmover.out 2>/tmp/dmover.err &
	dmover=$!
	exec 6<>/tmp/dgo
	if ! wait_for '^ready ' /tmp/dmover.out $dmover 300; then
		block DAEMON-MOVER-ERR /tmp/dmover.err
		fail "phase 3: mover did not become ready"
	fi
	# shellcheck disable=SC2046
	set -- $(grep '^ready ' /tmp/dmover.out)
	dpid=$2
	dtid=$3

	/schedrift daemon -v --once --interval "$daemon_interval" --metrics-dir /tmp/m --json-tasks all \
		--lock /tmp/daemon.lock >/tmp/daemon.out 2>/tmp/daemon.err &
	daemon=$!
	# Loading and verifying under TCG: up to 120 s, as for the recorder.
	dattached=1
	wait_for 'running:' /tmp/daemon.err $daemon 1200 || dattached=0
	t_running=$(cut -d' ' -f1 /proc/uptime)
	echo "=== SCHEDRIFT-DAEMON-ATTACHED $dattached after $i ticks of 0.1s ==="
	echo go >&6
	wait $dmover
	dmover_rc=$?
	t_mover=$(cut -d' ' -f1 /proc/uptime)
	exec 6>&-

	# --once: it exits by itself one interval after "running:". Allow the
	# interval plus 60 s (the export itself under TCG), then stop it.
	limit=$(((daemon_interval + 60) * 10))
	reap $daemon $limit
	daemon_rc=$?
	dstop=${sent:-self}
	t_exit=$(cut -d' ' -f1 /proc/uptime)

	echo "=== SCHEDRIFT-DAEMON-STATUS-BEGIN ==="
	echo "pid=$dpid"
	echo "tid=$dtid"
	echo "moves=$moves"
	echo "interval=$daemon_interval"
	echo "attached=$dattached"
	echo "mover_rc=$dmover_rc"
	echo "daemon_rc=$daemon_rc"
	echo "daemon_stop=$dstop"
	# Uptimes: "running:" seen (within 0.1 s of it), mover done, daemon gone.
	echo "uptime_running=$t_running"
	echo "uptime_mover_done=$t_mover"
	echo "uptime_daemon_exit=$t_exit"
	echo "unprivileged_bpf_disabled=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo none)"
	echo "=== SCHEDRIFT-DAEMON-STATUS-END ==="
	block DAEMON-MOVER-OUT /tmp/dmover.out
	block DAEMON-MOVER-ERR /tmp/dmover.err
	block DAEMON-OUT /tmp/daemon.out
	block DAEMON-ERR /tmp/daemon.err
	block DAEMON-PROM /tmp/m/schedrift.prom
	block DAEMON-JSON /tmp/m/schedrift.json
	echo "=== SCHEDRIFT-DAEMON-DONE uptime=$(cut -d' ' -f1 /proc/uptime) ==="
else
	echo "=== SCHEDRIFT-DAEMON-SKIPPED schedrift record did not attach in phase 1 ==="
fi

[ "$numa" = 1 ] || finish
# Without a recorder that attaches there is nothing to learn from phase 2.
if [ "$attached" != 1 ]; then
	echo "=== SCHEDRIFT-NUMA-SKIPPED schedrift record did not attach in phase 1 ==="
	finish
fi

# ---- phase 2: the NUMA balancer ----

echo "=== SCHEDRIFT-NUMA-START uptime=$(cut -d' ' -f1 /proc/uptime) ==="

# set_knob FILE VALUE: writes VALUE to FILE if it exists; prints what FILE holds.
set_knob() {
	[ -f "$1" ] || return 0
	echo "$2" >"$1" 2>/dev/null
	echo "${1##*/} $(cat "$1")"
}

# The balancer's scan delays: debugfs since 5.13 (6.1 is there), sysctls
# before. Defaults (1 s before the first scan, 1 s to 60 s between scans)
# would use most of a short run just waiting; 100 ms lets the first hinting
# faults arrive within a second of CPU time. The scan size stays at 256 MB,
# more than all the memory the hogs have.
{
	echo 1 >/proc/sys/kernel/numa_balancing 2>/dev/null
	echo "numa_balancing $(cat /proc/sys/kernel/numa_balancing 2>/dev/null)"
	for d in /sys/kernel/debug/sched/numa_balancing/ /proc/sys/kernel/numa_balancing_; do
		set_knob "${d}scan_delay_ms" 100
		set_knob "${d}scan_period_min_ms" 100
		set_knob "${d}scan_period_max_ms" 1000
		set_knob "${d}scan_size_mb" 256
	done
} >/tmp/numa.settings
block NUMA-SETTINGS /tmp/numa.settings
grep '^numa_balancing 1$' /tmp/numa.settings >/dev/null ||
	fail "cannot turn on kernel.numa_balancing (a kernel without CONFIG_NUMA_BALANCING?)"

# Two hogs, each with its memory on one node and its threads started on the
# other: hog0 memory node1 / start node0, hog1 the reverse. hog0 starts
# alone, while node1 is idle, so the balancer can simply move its threads
# there (sched_move_numa); hog1 follows sdr_numa_stagger seconds later, when
# hog0 is on node1, and then a thread of one has to change places with a
# thread of the other (sched_swap_numa) unless a CPU is free. Each waits for
# its own "go" line (one FIFO each: two readers of one FIFO could both buffer
# both lines).
mkfifo /tmp/hgo0 /tmp/hgo1
/numa_hog -m 1 -r 0 -s "$numa_mb" -t "$numa_threads" -d "$numa_secs" \
	</tmp/hgo0 >/tmp/hog0.out 2>/tmp/hog0.err &
hog0=$!
exec 4<>/tmp/hgo0
/numa_hog -m 0 -r 1 -s "$numa_mb" -t "$numa_threads" -d "$numa_secs" \
	</tmp/hgo1 >/tmp/hog1.out 2>/tmp/hog1.err &
hog1=$!
exec 5<>/tmp/hgo1

# wait_ready N PID: waits for hogN's "ready" line; fails if it died or took 30 s.
wait_ready() {
	if ! wait_for '^ready ' "/tmp/hog$1.out" "$2" 300; then
		block "HOG$1-ERR" "/tmp/hog$1.err"
		fail "numa_hog $1 did not become ready"
	fi
}
wait_ready 0 $hog0
wait_ready 1 $hog1

/schedrift record $verbose -o /tmp/numa.sdt -p "$hog0" -p "$hog1" >/tmp/nrec.out 2>/tmp/nrec.err &
nrec=$!
nattached=1
wait_for recording /tmp/nrec.err $nrec 1200 || nattached=0
echo "=== SCHEDRIFT-NUMA-ATTACHED $nattached after $i ticks of 0.1s ==="

# The kernel's own account of the balancer's decisions, to compare with
# schedrift's: the three tracepoints schedrift attaches to, through tracefs,
# and the hogs' migrations, to see how long each decision took to happen.
tr=/sys/kernel/tracing
ftrace=1
echo 0 >$tr/tracing_on 2>/dev/null
: >$tr/trace 2>/dev/null
# CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(), rather than the default
# per-CPU local clock, so that gaps here are the gaps schedrift measures.
echo mono >$tr/trace_clock 2>/dev/null || ftrace=0
for e in move swap stick; do
	echo 1 >$tr/events/sched/sched_${e}_numa/enable 2>/dev/null || ftrace=0
done
echo 'comm == "numa_hog"' >$tr/events/sched/sched_migrate_task/filter 2>/dev/null || ftrace=0
echo 1 >$tr/events/sched/sched_migrate_task/enable 2>/dev/null || ftrace=0
echo 1 >$tr/tracing_on 2>/dev/null || ftrace=0
grep numa_ /proc/vmstat >/tmp/vmstat.before

echo "=== SCHEDRIFT-NUMA-GO uptime=$(cut -d' ' -f1 /proc/uptime) ==="
echo go >&4
sleep "$numa_stagger"
echo go >&5
wait $hog0
hog0_rc=$?
wait $hog1
hog1_rc=$?
exec 4>&- 5>&-
echo 0 >$tr/tracing_on 2>/dev/null
grep numa_ /proc/vmstat >/tmp/vmstat.after
paste /tmp/vmstat.before /tmp/vmstat.after | awk '{ print $1, $4 - $2 }' >/tmp/vmstat.delta
grep -E '_numa:|sched_migrate_task:' $tr/trace >/tmp/ftrace.numa 2>/dev/null

kill -INT $nrec 2>/dev/null
reap $nrec 300
nrec_rc=$?
nstop_sig=${sent:-INT}

nreport_rc=none
if [ -f /tmp/numa.sdt ]; then
	/schedrift report /tmp/numa.sdt --format json >/tmp/nreport.json 2>/tmp/nreport.err
	nreport_rc=$?
fi

echo "=== SCHEDRIFT-NUMA-STATUS-BEGIN ==="
echo "hog0_pid=$hog0"
echo "hog0_mem_node=1"
echo "hog0_run_node=0"
echo "hog0_rc=$hog0_rc"
echo "hog1_pid=$hog1"
echo "hog1_mem_node=0"
echo "hog1_run_node=1"
echo "hog1_rc=$hog1_rc"
echo "secs=$numa_secs"
echo "mb=$numa_mb"
echo "threads=$numa_threads"
echo "stagger=$numa_stagger"
echo "ftrace=$ftrace"
echo "ftrace_lines=$(wc -l </tmp/ftrace.numa)"
# Events the ring buffer had to drop (it overwrites the oldest when full).
echo "ftrace_overrun=$(cat $tr/per_cpu/cpu*/stats 2>/dev/null |
	awk '/^overrun:/ { n += $2 } END { print n + 0 }')"
echo "attached=$nattached"
echo "record_rc=$nrec_rc"
echo "record_stop_signal=$nstop_sig"
echo "report_rc=$nreport_rc"
echo "=== SCHEDRIFT-NUMA-STATUS-END ==="
block HOG0-OUT /tmp/hog0.out
block HOG0-ERR /tmp/hog0.err
block HOG1-OUT /tmp/hog1.out
block HOG1-ERR /tmp/hog1.err
block NUMA-VMSTAT /tmp/vmstat.delta
block NUMA-FTRACE /tmp/ftrace.numa
block NUMA-RECORD-OUT /tmp/nrec.out
block NUMA-RECORD-ERR /tmp/nrec.err
block NUMA-REPORT-ERR /tmp/nreport.err
block NUMA-JSON /tmp/nreport.json
echo "=== SCHEDRIFT-NUMA-DONE uptime=$(cut -d' ' -f1 /proc/uptime) ==="
finish
