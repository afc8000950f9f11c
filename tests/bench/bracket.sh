#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Each hot program's duration, call by call (issue 22); `make bench-bracket`.
#
# .output/bench/bracket attaches programs of its own on sched_switch,
# sched_waking, sched_wakeup and sched_wakeup_new before the tool under
# test attaches, and again after; each pair's clock difference is the
# tool's programs on that call plus the bracket's own floor, which the
# "none" configuration (nothing in between) measures in the same run.
# Configurations: none, runqlat, `schedrift record`, `schedrift daemon`,
# rotated per round; workloads `perf bench sched pipe` pinned to CPU 0,
# `perf bench sched messaging` and "forkexec" (/bin/true run one after
# another: a fork, an exec and an exit each), after a second of warm-up.
# Prints, per hook, percentiles of the distribution summed over rounds,
# and for sched_switch the calls that shipped a batch, the first switch-ins
# and the dead tasks' last switches (where schedrift sends a task's exit),
# then the exit's target: the dead switch's median beyond a plain one's
# against sdr_exec's (sched_process_exec, bracketed alike), <= 1.2.
#
# Environment:
#   BRACKET_ROUNDS=3  BRACKET_PIPE_LOOPS=100000  BRACKET_MSG_GROUPS=10
#   BRACKET_MSG_LOOPS=100  BRACKET_EXEC_LOOPS=300  BRACKET_KEEP=1 (keep the
#   work directory)  BRACKET_CONFIGS="none record daemon runqlat" (those
#   to run)  BRACKET_WORKLOADS="pipe messaging forkexec"
#   BRACKET_TARGET=FILE (also write the exit target's figures there, for
#   tests/bench/run.sh)  SCHEDRIFT=./schedrift
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${BRACKET_ROUNDS:-3}
PIPE_LOOPS=${BRACKET_PIPE_LOOPS:-100000}
MSG_GROUPS=${BRACKET_MSG_GROUPS:-10}
MSG_LOOPS=${BRACKET_MSG_LOOPS:-100}
EXEC_LOOPS=${BRACKET_EXEC_LOOPS:-300}
WORKLOADS=(${BRACKET_WORKLOADS:-pipe messaging forkexec})
RUNQLAT=${RUNQLAT:-/usr/sbin/runqlat}
BRACKET=$ROOT/.output/bench/bracket
SCHEDRIFT=${SCHEDRIFT:-./schedrift}

log() { printf 'bracket: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
for v in ROUNDS PIPE_LOOPS MSG_GROUPS MSG_LOOPS EXEC_LOOPS; do
	[[ ${!v} =~ ^[1-9][0-9]{0,8}$ ]] || die "BRACKET_$v must be a positive integer, not '${!v}'"
done
[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
[ -x "$BRACKET" ] || die "$BRACKET not built; run 'make bench-bracket'"
[ -x "$SCHEDRIFT" ] || die "$SCHEDRIFT not built"
command -v perf >/dev/null || die "perf not found (apt install linux-perf, or 'make deps')"

W=$(mktemp -d /tmp/schedrift-bracket.XXXXXX) || die "failed to create a work directory"
TOOL_PID=
BK_PID=
cleanup() {
	[ -n "$TOOL_PID" ] && kill -INT "$TOOL_PID" 2>/dev/null && wait "$TOOL_PID" 2>/dev/null
	[ -n "$BK_PID" ] && kill "$BK_PID" 2>/dev/null && wait "$BK_PID" 2>/dev/null
	if [ "${BRACKET_KEEP:-0}" = 1 ]; then log "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
cp "$SCHEDRIFT" "$W/schedrift" || die "failed to copy $SCHEDRIFT"

CONFIGS=()
for c in ${BRACKET_CONFIGS:-none record daemon runqlat}; do
	case $c in
	none|record|daemon) CONFIGS+=("$c") ;;
	runqlat) [ -x "$RUNQLAT" ] && CONFIGS+=(runqlat) ;;
	*) die "BRACKET_CONFIGS: unknown configuration '$c' (none record daemon runqlat)" ;;
	esac
done
for wl in "${WORKLOADS[@]}"; do
	case $wl in
	pipe|messaging|forkexec) ;;
	*) die "BRACKET_WORKLOADS: unknown workload '$wl' (pipe messaging forkexec)" ;;
	esac
done

start_tool() {	# config dir
	local ready i
	: >"$2/tool.log"
	case $1 in
	none) TOOL_PID=; return 0 ;;
	runqlat) stdbuf -oL "$RUNQLAT" 600 1 >"$2/tool.log" 2>&1 & ready="Tracing" ;;
	record) "$W/schedrift" record -o "$2/out.sdt" >"$2/tool.log" 2>&1 & ready=recording ;;
	daemon) mkdir -p "$2/m"
		"$W/schedrift" daemon --interval 1 --metrics-dir "$2/m" --lock "$2/lock" \
			>"$2/tool.log" 2>&1 & ready="running:" ;;
	esac
	TOOL_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q "$ready" "$2/tool.log" && return 0
		sleep 0.1
	done
	return 1
}

run_one() {	# round config workload
	local d=$W/$1-$2-$3 line i
	mkdir -p "$d"
	mkfifo "$d/to" "$d/from"
	"$BRACKET" <"$d/to" >"$d/from" 2>"$d/bracket.err" &
	BK_PID=$!
	exec 7>"$d/to" 8<"$d/from"
	read -r line <&8
	if [ "$line" != before ]; then
		log "$2: bracket said '$line': $(cat "$d/bracket.err")"
		exec 7>&- 8<&-
		wait "$BK_PID"
		BK_PID=
		return
	fi
	start_tool "$2" "$d" || { log "$2: failed to attach: $(tail -n 1 "$d/tool.log")"; }
	echo "${TOOL_PID:-0}" >&7
	read -r line <&8
	sleep 1
	echo count >&7
	read -r line <&8
	case $3 in
	pipe) taskset -c 0 perf bench sched pipe -l "$PIPE_LOOPS" >"$d/wl.out" 2>&1 ;;
	messaging) perf bench sched messaging -g "$MSG_GROUPS" -l "$MSG_LOOPS" >"$d/wl.out" 2>&1 ;;
	forkexec) for ((i = 0; i < EXEC_LOOPS; i++)); do /bin/true; done ;;
	esac
	echo dump >&7
	while read -r line <&8; do
		[ "$line" = end ] && break
		printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$line"
	done >>"$W/hist.tsv"
	wait "$BK_PID" 2>/dev/null
	BK_PID=
	exec 7>&- 8<&-
	if [ -n "$TOOL_PID" ]; then
		kill -INT "$TOOL_PID" 2>/dev/null
		wait "$TOOL_PID" 2>/dev/null
		TOOL_PID=
	fi
	log "round $1 $2 $3 done"
	rm -f "$d/out.sdt"
	sleep 0.5
}

n=${#CONFIGS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	for ((k = 0; k < n; k++)); do
		for wl in "${WORKLOADS[@]}"; do
			run_one "$r" "${CONFIGS[$(((r - 1 + k) % n))]}" "$wl"
		done
	done
done
python3 "$ROOT/tests/bench/bracket.py" "$W/hist.tsv" ${BRACKET_TARGET:+--target "$BRACKET_TARGET"} ||
	die "failed to summarize"
