#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The task table benchmark (issue 4); `make bench-table` builds
# .output/table_bench and runs this. Prints, as Markdown tables, lookups/s
# and updates/s of the rwlock baselines, ck_ht, cds_lfht and the shipped
# tasktable at 1k / 10k / 100k tasks, read-mostly and write-heavy, with
# 1..3 readers; then liburcu's flavours side by side. docs/performance.md
# ("Task table") explains the workload and keeps the numbers of record.
#
# The tables are only as good as the machine is quiet: table_bench repeats
# any run during which other processes took CPU from it and says how many
# never got a quiet attempt. This script first waits (up to
# BENCH_TABLE_WAIT seconds) for the machine to be idle.
#
# Environment:
#   BENCH_TABLE_ARGS="--rounds 9 --secs 0.5"   arguments for the main tables
#   BENCH_TABLE_FLAVOURS=1                     0: skip the flavour table
#   BENCH_TABLE_WAIT=300                       seconds to wait for an idle machine
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=.output/table_bench
WAIT=${BENCH_TABLE_WAIT:-300}

die() { echo "table_bench.sh: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "$BIN is missing: run make bench-table"

# Idle share of all CPUs over 3 s, from /proc/stat (field 5 is idle time).
idle_pct() {
	local a b
	a=$(awk '/^cpu /{t=0; for (i = 2; i <= NF; i++) t += $i; print t, $5}' /proc/stat)
	sleep 3
	b=$(awk '/^cpu /{t=0; for (i = 2; i <= NF; i++) t += $i; print t, $5}' /proc/stat)
	echo "$a $b" | awk '{ print int(100 * ($4 - $2) / ($3 - $1)) }'
}

deadline=$(( $(date +%s) + WAIT ))
while idle=$(idle_pct); [ "$idle" -lt 90 ] && [ "$(date +%s)" -lt "$deadline" ]; do
	:
done
[ "$idle" -lt 90 ] && echo "table_bench.sh: machine still busy after ${WAIT}s (${idle}% idle), running anyway"

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), kernel $(uname -r)"
echo "idle before start: ${idle}%, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086 # BENCH_TABLE_ARGS is a list of arguments
"$BIN" ${BENCH_TABLE_ARGS:---rounds 9 --secs 0.5} || die "table_bench failed"
if [ "${BENCH_TABLE_FLAVOURS:-1}" != 0 ]; then
	echo
	echo "liburcu flavours on cds_lfht:"
	"$BIN" --flavours --sizes 10000 --readers 2 || die "table_bench --flavours failed"
fi
