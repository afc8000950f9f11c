#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Overhead benchmark (issue 3); `make bench` runs it after building.
#
# Two scheduler-heavy workloads, `perf bench sched pipe` pinned to CPU 0
# (both ends on one CPU, so every message is a wakeup and a context switch) and
# `perf bench sched messaging`, run under five configurations: nothing
# attached, `schedrift record`, `schedrift record --no-samples`, libbpf-tools
# runqlat and `perf sched record`. Repetitions are interleaved: each round
# runs every configuration once, in an order rotated by one per round, so
# drift in the machine spreads over all of them. Within a round, each
# workload runs BENCH_INNER times under the same attachment and the round
# keeps the fastest (VMs flip between fast and slow phases lasting seconds;
# see docs/performance.md). While a BPF tool is attached, each program's
# run_time_ns/run_cnt (kernel.bpf_stats_enabled=1) is read before and after
# each workload.
#
# Prints the tables and rewrites the generated section of
# docs/performance.md. Exits 0 whether or not the targets are met (MISSED
# lines say which are not); non-zero only when it cannot run at all.
#
# Environment:
#   BENCH_REPS=5            rounds
#   BENCH_INNER=3           runs of each workload per round (the fastest counts)
#   BENCH_PIPE_LOOPS=200000 perf bench sched pipe -l
#   BENCH_MSG_GROUPS=10     perf bench sched messaging -g
#   BENCH_MSG_LOOPS=150     perf bench sched messaging -l
#   BENCH_DOC=docs/performance.md   where to write the results; empty: nowhere
#   BENCH_KEEP=1            keep the work directory (logs, raw samples)
#   BENCH_BRACKET=1         after the rounds, bracket the exit against
#                           sdr_exec (tests/bench/bracket.sh); 0: skip
#   BENCH_EXEC_LOOPS=1000   /bin/true runs per bracketed round (forkexec)
#   SCHEDRIFT=./schedrift   the binary to measure
#   SCHEDRIFT_PREV=PATH     an earlier build, measured too ("schedrift-prev",
#                           record mode, and "schedrift-prev-daemon"), so a
#                           change's cost is a same-run ratio
#
# schedrift is measured as `record`, `record --no-samples` ("-metrics") and
# `daemon` at its default interval ("-daemon"); with each tool, the CPU time of all its
# threads (/proc/PID/task/*/schedstat) is read with the BPF statistics, so
# the consumer's CPU per wait sits beside the programs' cost.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD

REPS=${BENCH_REPS:-5}
INNER=${BENCH_INNER:-3}
PIPE_LOOPS=${BENCH_PIPE_LOOPS:-200000}
MSG_GROUPS=${BENCH_MSG_GROUPS:-10}
MSG_LOOPS=${BENCH_MSG_LOOPS:-150}
DOC=${BENCH_DOC-$ROOT/docs/performance.md}
RUNQLAT=${RUNQLAT:-/usr/sbin/runqlat}
export BPFTOOL=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
HELPER=$ROOT/tests/bench/bench.py
STATS_SYSCTL=/proc/sys/kernel/bpf_stats_enabled

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

for v in REPS INNER PIPE_LOOPS MSG_GROUPS MSG_LOOPS; do
	[[ ${!v} =~ ^[1-9][0-9]{0,8}$ ]] || die "BENCH_$v must be a positive integer, not '${!v}'"
done
[ "$(id -u)" -eq 0 ] || die "needs root (BPF, perf sched, sysctl)"
SCHEDRIFT=${SCHEDRIFT:-./schedrift}
[ -x "$SCHEDRIFT" ] || die "$SCHEDRIFT not built; run 'make bench' (or 'make' first)"
command -v python3 >/dev/null || die "python3 not found (apt install python3, or 'make deps')"
[ -x "$BPFTOOL" ] || die "bpftool not found (apt install bpftool, or 'make deps')"
[ -r $STATS_SYSCTL ] || die "$STATS_SYSCTL missing: kernel without BPF run statistics"

if ! command -v perf >/dev/null || ! perf version >/dev/null 2>&1; then
	# Every workload is a `perf bench`, so no row can be measured.
	echo "SKIP: all rows: perf not found; the workloads are 'perf bench' (apt install linux-perf, or 'make deps')"
	exit 0
fi

W=$(mktemp -d /tmp/schedrift-bench.XXXXXX) || die "failed to create a work directory"
OLD_STATS=$(cat $STATS_SYSCTL)
TOOL_PID=

stop_tool() {	# SIGINT, then SIGKILL after 30 s; sets STOP_RC
	local i
	STOP_RC=0
	[ -n "$TOOL_PID" ] || return 0
	kill -INT "$TOOL_PID" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		exited "$TOOL_PID" && break
		sleep 0.1
	done
	if ! exited "$TOOL_PID"; then
		kill -KILL "$TOOL_PID" 2>/dev/null
		STOP_RC=killed
	fi
	wait "$TOOL_PID" 2>/dev/null
	local rc=$?
	[ "$STOP_RC" = killed ] || STOP_RC=$rc
	TOOL_PID=
}

# A child that has exited but is not yet reaped still answers kill -0.
exited() {
	local st
	# The state follows the last ')' (comm may hold spaces).
	st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

cleanup() {
	stop_tool
	echo "$OLD_STATS" >$STATS_SYSCTL 2>/dev/null || log "failed to restore kernel.bpf_stats_enabled=$OLD_STATS"
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# The tree may be rebuilt while this runs; measure one binary throughout.
cp "$SCHEDRIFT" "$W/schedrift" || die "failed to copy $SCHEDRIFT"
SDR=$W/schedrift
if [ -n "${SCHEDRIFT_PREV:-}" ]; then
	[ -x "$SCHEDRIFT_PREV" ] || die "SCHEDRIFT_PREV=$SCHEDRIFT_PREV is not an executable"
	cp "$SCHEDRIFT_PREV" "$W/schedrift-prev" || die "failed to copy $SCHEDRIFT_PREV"
fi

echo 1 >$STATS_SYSCTL || die "failed to enable kernel.bpf_stats_enabled"

CONFIGS=(base schedrift schedrift-metrics schedrift-daemon)
[ -n "${SCHEDRIFT_PREV:-}" ] && CONFIGS+=(schedrift-prev schedrift-prev-daemon)
skip() {	# config reason
	printf '%s\t%s\n' "$1" "$2" >>"$W/skips.tsv"
	echo "SKIP: $1: $2"
}
if [ -x "$RUNQLAT" ]; then
	CONFIGS+=(runqlat)
else
	skip runqlat "$RUNQLAT not found (apt install libbpf-tools, or 'make deps')"
fi
# perf sched record needs the sched tracepoints under tracefs.
if ! grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts; then
	if mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
		log "mounted tracefs at /sys/kernel/tracing (left mounted)"
	else
		log "failed to mount tracefs at /sys/kernel/tracing"
	fi
fi
if perf sched record -o "$W/probe.data" -- true >"$W/probe.log" 2>&1; then
	CONFIGS+=(perf-sched)
else
	skip perf-sched "perf sched record fails here: $(grep -v '^\[ perf' "$W/probe.log" | head -n 1)"
fi
rm -f "$W/probe.data"

PIPE_CMD=(taskset -c 0 perf bench sched pipe -l "$PIPE_LOOPS")
MSG_CMD=(perf bench sched messaging -g "$MSG_GROUPS" -l "$MSG_LOOPS")

# Runs workload $1 INNER times; prints the seconds perf bench reported,
# one per line, and stops at the first failure.
workload() {
	local out=$W/workload.log i
	for ((i = 0; i < INNER; i++)); do
		case $1 in
		pipe) timeout 600 "${PIPE_CMD[@]}" >"$out" 2>&1 ;;
		messaging) timeout 600 "${MSG_CMD[@]}" >"$out" 2>&1 ;;
		esac || { sed 's/^/    | /' "$out" >&2; return 1; }
		python3 "$HELPER" time "$out" || return 1
	done
}

# Starts $1 and waits until it is attached; sets TOOL_PID, TOOL_LOG.
start_tool() {
	local ready i
	TOOL_LOG=$W/tool.log
	: >"$TOOL_LOG"
	case $1 in
	base) TOOL_PID=; return 0 ;;
	schedrift)
		"$SDR" record -o "$W/out.sdt" >"$TOOL_LOG" 2>&1 &
		ready=recording ;;
	schedrift-metrics)
		"$SDR" record --no-samples -o "$W/out.sdt" >"$TOOL_LOG" 2>&1 &
		ready=recording ;;
	schedrift-prev)
		"$W/schedrift-prev" record -o "$W/out.sdt" >"$TOOL_LOG" 2>&1 &
		ready=recording ;;
	schedrift-daemon|schedrift-prev-daemon)
		# The default interval: what a wait costs it, not its ticks
		# (those are tests/bench/scale.sh's, per task and interval).
		rm -rf "$W/m" && mkdir "$W/m"
		if [ "$1" = schedrift-daemon ]; then bin=$SDR; else bin=$W/schedrift-prev; fi
		"$bin" daemon --lock "$W/daemon.lock" --metrics-dir "$W/m" --interval 10 \
			>"$TOOL_LOG" 2>&1 &
		ready="running:" ;;
	runqlat)
		# A long interval: it sits attached until SIGINT. stdbuf: its
		# banner goes to a file, which stdio would otherwise hold back.
		stdbuf -oL "$RUNQLAT" 600 1 >"$TOOL_LOG" 2>&1 &
		ready="Tracing run queue latency" ;;
	perf-sched)
		perf sched record -o "$W/perf.data" >"$TOOL_LOG" 2>&1 &
		ready= ;;	# prints nothing when ready; give it a second
	esac
	TOOL_PID=$!
	if [ -z "$ready" ]; then
		sleep 1
		exited "$TOOL_PID" && return 1
		return 0
	fi
	for ((i = 0; i < 300; i++)); do
		grep -q "$ready" "$TOOL_LOG" && return 0
		exited "$TOOL_PID" && return 1
		sleep 0.1
	done
	return 1
}

snap() {	# rep config phase
	[ -n "$TOOL_PID" ] || return 0
	case $2 in perf-sched) return 0 ;; esac
	python3 "$HELPER" snap "$TOOL_PID" "$@" >>"$W/progs.tsv" ||
		log "failed to read BPF program statistics ($2, rep $1)"
}

note() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$W/runs.tsv"; }

# The tool's summary: schedrift's "...; lost: ..." line (a warning may
# follow it when something was lost), else its last line.
last_line() {
	{ grep '; lost: ' "$TOOL_LOG" || grep -v '^[[:space:]]*$' "$TOOL_LOG"; } | tail -n 1 |
		tr '\t' ' '
}

run_one() {	# rep config
	local rep=$1 cfg=$2 tp tm t status=ok
	if ! start_tool "$cfg"; then
		stop_tool
		note "$rep" "$cfg" "failed to attach (exit $STOP_RC)" "$(last_line)"
		log "rep $rep $cfg: failed to attach: $(last_line)"
		return
	fi
	snap "$rep" "$cfg" 0
	tp=$(workload pipe)
	tp=${tp//$'\n'/ }
	snap "$rep" "$cfg" 1
	tm=$(workload messaging)
	tm=${tm//$'\n'/ }
	snap "$rep" "$cfg" 2
	if [ -n "$TOOL_PID" ] && exited "$TOOL_PID"; then
		status="exited during the workload"
	fi
	stop_tool
	case $cfg:$STOP_RC in
	base:*|*:0) ;;
	perf-sched:130) ;;	# perf record's normal exit on SIGINT
	*) [ "$status" = ok ] && status="exit $STOP_RC on SIGINT" ;;
	esac
	note "$rep" "$cfg" "$status" "$([ "$cfg" = base ] || last_line)"
	if [ "$status" != "exited during the workload" ]; then
		for t in $tp; do printf '%s\t%s\tpipe\t%s\n' "$rep" "$cfg" "$t"; done >>"$W/times.tsv"
		for t in $tm; do printf '%s\t%s\tmessaging\t%s\n' "$rep" "$cfg" "$t"; done >>"$W/times.tsv"
	fi
	[ "$status" = ok ] || log "rep $rep $cfg: $status: $(last_line)"
	log "rep $rep/$REPS $(printf '%-17s' "$cfg") pipe ${tp:-FAILED} s, messaging ${tm:-FAILED} s"
	rm -f "$W/out.sdt" "$W/perf.data" "$W/perf.data.old"
	sync	# perf.data writeback must not land in the next run
	sleep 0.5	# nor the freeing of the tool's programs and maps
}

{
	printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'kernel\t%s\n' "$(uname -r)"
	printf 'host\t%s\n' "$(uname -n)"
	printf 'machine\t%s\n' "$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)$(grep -qw hypervisor /proc/cpuinfo && echo ', virtualized'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	printf 'reps\t%s\n' "$REPS"
	printf 'inner\t%s\n' "$INNER"
	printf 'pipe_cmd\t%s\n' "${PIPE_CMD[*]}"
	printf 'msg_cmd\t%s\n' "${MSG_CMD[*]}"
	printf 'tools\t%s\n' "$(perf version 2>&1 | head -n 1); libbpf-tools $(dpkg-query -W -f='${Version}' libbpf-tools 2>/dev/null || echo '?') runqlat; $("$BPFTOOL" version | head -n 1)"
	printf 'schedrift\t%s\n' "$("$SDR" version 2>&1 | head -n 1)"
	[ -n "${SCHEDRIFT_PREV:-}" ] &&
		printf 'schedrift_prev\t%s\n' "$("$W/schedrift-prev" version 2>&1 | head -n 1)"
} >"$W/meta.tsv"

log "configurations: ${CONFIGS[*]}; $REPS rounds; work directory $W"
log "warm-up (not measured)"
INNER=1 workload pipe >/dev/null
INNER=1 workload messaging >/dev/null

# Steal time: how much the host took from this VM while we measured.
head -n 1 /proc/stat >"$W/stat0"
n=${#CONFIGS[@]}
for ((rep = 1; rep <= REPS; rep++)); do
	for ((k = 0; k < n; k++)); do
		run_one "$rep" "${CONFIGS[$(((rep - 1 + k) % n))]}"
	done
done
head -n 1 /proc/stat >"$W/stat1"

# Issue 23's exit target: the dead switch beyond a plain one vs sdr_exec,
# bracketed call by call (tests/bench/bracket.sh) in this run.
if [ "${BENCH_BRACKET:-1}" = 1 ] && [ -x "$ROOT/.output/bench/bracket" ]; then
	log "the exit vs sdr_exec (tests/bench/bracket.sh, forkexec, $REPS rounds)"
	BRACKET_ROUNDS=$REPS BRACKET_CONFIGS="none record daemon" BRACKET_WORKLOADS=forkexec \
		BRACKET_EXEC_LOOPS=${BENCH_EXEC_LOOPS:-1000} \
		BRACKET_TARGET="$W/exit_target.tsv" SCHEDRIFT="$SDR" \
		tests/bench/bracket.sh >"$W/bracket.out" 2>"$W/bracket.err" ||
		log "bracket failed: $(tail -n 1 "$W/bracket.err")"
fi

echo
python3 "$HELPER" summarize "$W" ${DOC:+--doc "$DOC"} || die "failed to summarize"
exit 0
