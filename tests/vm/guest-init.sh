#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# /init of the QEMU NUMA guest (busybox sh, PID 1). It records the mover
# test program with the real schedrift, using the guest's own sysfs topology,
# prints everything the host test needs between marker lines on the serial
# console, and powers the guest off. The host side is tests/vm/test_numa_guest.
#
# The host passes settings on the kernel command line; the kernel hands
# unknown name=value words to init as environment variables:
#   sdr_moves    how many times mover moves itself between the nodes (20)
#   sdr_timeout  seconds before this script gives up and powers off (200)
#   sdr_verbose  1: run `schedrift record -v` (libbpf's log, verifier output)
#
# Every marker line starts with "=== SCHEDRIFT-" so the host can find them
# among kernel messages.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
moves=${sdr_moves:-20}
timeout=${sdr_timeout:-200}
verbose=
[ "${sdr_verbose:-0}" = 1 ] && verbose=-v

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
	for f in mover.out mover.err rec.out rec.err report.err; do
		[ -f /tmp/$f ] && block "TIMEOUT-$f" /tmp/$f
	done
	sync
	poweroff -f
) &

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

/schedrift version >/tmp/version.out 2>&1
block VERSION /tmp/version.out

# mover pins itself to cpu_a, says "ready PID TID" and waits for a line on
# the FIFO. Opening the FIFO read-write here never blocks, even if mover
# failed to start, and keeps it open for the "go" line.
mkfifo /tmp/go
/mover -n "$moves" -a "$cpu_a" -b "$cpu_b" </tmp/go >/tmp/mover.out 2>/tmp/mover.err &
mover=$!
exec 3<>/tmp/go

i=0
while ! grep -q '^ready ' /tmp/mover.out 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 $mover 2>/dev/null; then
		block MOVER-ERR /tmp/mover.err
		fail "mover did not become ready"
	fi
	sleep 0.1
done
# Split on purpose: "ready PID TID" -> $1 $2 $3.
# shellcheck disable=SC2046
set -- $(grep '^ready ' /tmp/mover.out)
pid=$2
tid=$3

# record runs until SIGINT and says "recording" on stderr once attached.
/schedrift record $verbose -o /tmp/t.sdt -p "$pid" >/tmp/rec.out 2>/tmp/rec.err &
rec=$!
# Loading and verifying the BPF programs under TCG takes a while; allow 120 s.
i=0
attached=1
while ! grep -q recording /tmp/rec.err 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 1200 ] || ! kill -0 $rec 2>/dev/null; then
		attached=0
		break
	fi
	sleep 0.1
done
echo "=== SCHEDRIFT-ATTACHED $attached after $i ticks of 0.1s ==="

echo go >&3
wait $mover
mover_rc=$?
exec 3>&-

# A background job of a non-interactive shell starts with SIGINT ignored;
# schedrift must install its own handler, as the interface promises that
# SIGINT ends a recording. Say so plainly if it did not work.
stop_sig=INT
kill -INT $rec 2>/dev/null
i=0
while kill -0 $rec 2>/dev/null; do
	i=$((i + 1))
	if [ $i -eq 300 ]; then
		stop_sig=TERM
		kill -TERM $rec 2>/dev/null
	elif [ $i -eq 400 ]; then
		stop_sig=KILL
		kill -KILL $rec 2>/dev/null
	fi
	sleep 0.1
done
wait $rec
rec_rc=$?

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
finish
