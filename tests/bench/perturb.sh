#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Perturbation benchmark (issue 22): how much each observer, attached,
# inflates a latency-sensitive task's tail waits. `make bench` runs it after
# tests/bench/run.sh; `make bench-perturb` runs it alone.
#
# A CPU hog is pinned to PERTURB_CPU; beside it, with the observer attached:
#
# - a sleeper: cyclictest at SCHED_OTHER nice 0, woken by its timer every
#   PERTURB_INTERVAL_US (500/s), under `perf sched record`; its waits come
#   from `perf sched timehist` (only rows whose switch-in perf saw), and so
#   do the observer's own threads' runs on that CPU;
# - then `cyclictest -p95 -a CPU -i200` for PERTURB_RT_SECONDS, its
#   histogram giving p99, p99.9 and max.
#
# Configurations: alone, runqlat (libbpf-tools), `schedrift record` and
# `schedrift daemon --interval 1`, as they start by default; PERTURB_CONFIGS
# may add record-nice0 / daemon-nice0 (--nice 0), record-reserve /
# daemon-reserve (--cpu-reserve) and record-group0 / daemon-group0 (the
# session's autogroup put back to nice 0 after start, as before the tool
# raised it) to see what a class costs. Each round runs every configuration
# once, in an order rotated by one per round; tables show medians over
# rounds, and the sleeper's p99.9 from its waits pooled over the rounds
# (10 000 a round by default, so 50 000 over 5 rounds: p99.9 is judged on
# its 50 longest, with a 95 % interval), and cyclictest's p99.9 from its
# samples pooled the same way (250 at or above it over 5 rounds, where one
# round's rests on 50). Then, per round, each schedrift configuration
# under `perf bench sched messaging -g 40`: its CPU, the waits it lost by
# its own counters and the daemon's longest export gap.
#
# Every workload (hog, sleeper, cyclictest, flood) runs in a session of its
# own (setsid), as a separate service or login would: with autogroups (or
# cgroups under systemd) the CPU is shared between groups by group weight,
# and a nice value only ranks tasks inside their own group, so a workload
# in the observer's session would see the observer's nice where a real one
# does not (docs/performance.md, "Longer floods").
#
# Exits 0 whether or not the targets are met (MISSED lines say which);
# non-zero only when it cannot run at all.
#
# Environment:
#   PERTURB_ROUNDS=5          rounds
#   PERTURB_SECONDS=20        seconds of sleeper per configuration and round
#   PERTURB_RT_SECONDS=10     seconds of cyclictest -p95 (50 000 samples) after it
#   PERTURB_CPU=1             the CPU the hog, the sleeper and cyclictest share
#   PERTURB_INTERVAL_US=2000  the sleeper's period
#   PERTURB_CONFIGS="alone runqlat record daemon"
#   PERTURB_FLOOD=1           0: no flood runs
#   PERTURB_FLOOD_GROUPS=40   perf bench sched messaging -g
#   PERTURB_FLOOD_LOOPS=100   perf bench sched messaging -l
#   PERTURB_DOC=docs/performance.md  where to write the tables; empty: nowhere
#   PERTURB_KEEP=1            keep the work directory
#   SCHEDRIFT=./schedrift     the binary to measure
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD

ROUNDS=${PERTURB_ROUNDS:-5}
SECS=${PERTURB_SECONDS:-20}
RT_SECS=${PERTURB_RT_SECONDS:-10}
CPU=${PERTURB_CPU:-1}
INTERVAL_US=${PERTURB_INTERVAL_US:-2000}
FLOOD=${PERTURB_FLOOD:-1}
FLOOD_GROUPS=${PERTURB_FLOOD_GROUPS:-40}
FLOOD_LOOPS=${PERTURB_FLOOD_LOOPS:-100}
DOC=${PERTURB_DOC-$ROOT/docs/performance.md}
RUNQLAT=${RUNQLAT:-/usr/sbin/runqlat}
HELPER=$ROOT/tests/bench/perturb.py
read -r -a CONFIGS <<<"${PERTURB_CONFIGS:-alone runqlat record daemon}"

log() { printf 'perturb: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

for v in ROUNDS SECS RT_SECS INTERVAL_US FLOOD_GROUPS FLOOD_LOOPS; do
	[[ ${!v} =~ ^[1-9][0-9]{0,6}$ ]] || die "PERTURB_$v must be a positive integer, not '${!v}'"
done
[[ $CPU =~ ^[0-9]{1,4}$ ]] && [ -d "/sys/devices/system/cpu/cpu$CPU" ] ||
	die "PERTURB_CPU=$CPU is not a CPU of this machine"
[[ $FLOOD =~ ^[01]$ ]] || die "PERTURB_FLOOD must be 0 or 1, not '$FLOOD'"
for c in "${CONFIGS[@]}"; do
	case $c in
	alone|runqlat|record|daemon|record-nice0|daemon-nice0|record-reserve|daemon-reserve) ;;
	record-group0|daemon-group0) ;;
	*) die "unknown configuration '$c' in PERTURB_CONFIGS" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (BPF, perf sched, real-time priority)"
SCHEDRIFT=${SCHEDRIFT:-./schedrift}
[ -x "$SCHEDRIFT" ] || die "$SCHEDRIFT not built; run 'make bench' (or 'make' first)"
command -v python3 >/dev/null || die "python3 not found (apt install python3, or 'make deps')"
if ! command -v perf >/dev/null || ! perf version >/dev/null 2>&1; then
	echo "SKIP: perturbation: perf not found (apt install linux-perf, or 'make deps')"
	exit 0
fi
if ! command -v cyclictest >/dev/null; then
	echo "SKIP: perturbation: cyclictest not found (apt install rt-tests, or 'make deps')"
	exit 0
fi
if [[ " ${CONFIGS[*]} " == *" runqlat "* ]] && [ ! -x "$RUNQLAT" ]; then
	echo "SKIP: runqlat: $RUNQLAT not found (apt install libbpf-tools, or 'make deps')"
	read -r -a CONFIGS <<<"$(printf '%s ' "${CONFIGS[@]}" | sed 's/runqlat //')"
fi

W=$(mktemp -d /tmp/schedrift-perturb.XXXXXX) || die "failed to create a work directory"
TOOL_PID=
HOG_PID=

exited() {	# a child that has exited but is not reaped still answers kill -0
	local st
	st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

stop_tool() {	# SIGINT, then SIGKILL after 30 s
	local i
	[ -n "$TOOL_PID" ] || return 0
	kill -INT "$TOOL_PID" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		exited "$TOOL_PID" && break
		sleep 0.1
	done
	exited "$TOOL_PID" || kill -KILL "$TOOL_PID" 2>/dev/null
	wait "$TOOL_PID" 2>/dev/null
	TOOL_PID=
}

stop_hog() {
	[ -n "$HOG_PID" ] || return 0
	kill "$HOG_PID" 2>/dev/null
	wait "$HOG_PID" 2>/dev/null
	HOG_PID=
}

cleanup() {
	stop_tool
	stop_hog
	if [ "${PERTURB_KEEP:-0}" = 1 ]; then
		log "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

cp "$SCHEDRIFT" "$W/schedrift" || die "failed to copy $SCHEDRIFT"
SDR=$W/schedrift

# Starts configuration $1 writing into directory $2; waits until attached.
start_tool() {
	local cfg=$1 d=$2 ready i extra=()
	: >"$d/tool.log"
	case $cfg in
	alone) TOOL_PID=; return 0 ;;
	*-nice0) extra=(--nice 0) ;;
	*-reserve) extra=(--cpu-reserve) ;;
	esac
	case $cfg in
	runqlat)
		stdbuf -oL "$RUNQLAT" 600 1 >"$d/tool.log" 2>&1 &
		ready="Tracing run queue latency" ;;
	record*)
		"$SDR" record "${extra[@]}" -o "$d/out.sdt" >"$d/tool.log" 2>&1 &
		ready=recording ;;
	daemon*)
		mkdir -p "$d/metrics"
		"$SDR" daemon "${extra[@]}" --interval 1 --metrics-dir "$d/metrics" \
			--lock "$d/daemon.lock" >"$d/tool.log" 2>&1 &
		ready="running:" ;;
	esac
	TOOL_PID=$!
	for ((i = 0; i < 300; i++)); do
		if grep -q "$ready" "$d/tool.log"; then
			# As before the tool raised its session's autogroup (host/sched_group.h).
			case $cfg in *-group0) echo 0 >"/proc/$TOOL_PID/autogroup" ;; esac
			return 0
		fi
		exited "$TOOL_PID" && return 1
		sleep 0.1
	done
	return 1
}

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }'; }

tool_ticks() {	# utime + stime of the tool, all its threads
	[ -n "$TOOL_PID" ] || { echo 0; return; }
	sed 's/.*) //' "/proc/$TOOL_PID/stat" | awk '{ print $12 + $13 }'
}

tool_tids() {	# tid policy nice, one line per thread of the tool
	local t f
	[ -n "$TOOL_PID" ] || return 0
	for t in /proc/"$TOOL_PID"/task/*; do
		f=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
		echo "${t##*/} $(echo "$f" | awk '{ print $39, $17 }')"
	done
}

SLEEPER_CMD=(cyclictest -m -q --policy=other -p 0 -a "$CPU" -i "$INTERVAL_US" -D "$SECS")
RT_CMD=(cyclictest -m -q -p 95 -a "$CPU" -i 200 -D "$RT_SECS" -h 20000)
FLOOD_CMD=(perf bench sched messaging -g "$FLOOD_GROUPS" -l "$FLOOD_LOOPS")

run_one() {	# round config
	local rnd=$1 cfg=$2 d t0 s0
	d=$W/run-$rnd-$cfg
	mkdir -p "$d"
	setsid taskset -c "$CPU" sh -c 'while :; do :; done' &
	HOG_PID=$!
	if ! start_tool "$cfg" "$d"; then
		log "round $rnd $cfg: failed to attach: $(tail -n 1 "$d/tool.log")"
		stop_tool
		stop_hog
		return
	fi
	t0=$(tool_ticks)
	s0=$(date +%s.%N)
	setsid -w perf sched record -k CLOCK_MONOTONIC -o "$d/perf.data" -- "${SLEEPER_CMD[@]}" \
		>"$d/sleeper.out" 2>"$d/perf.log" || log "round $rnd $cfg: perf sched record failed"
	setsid -w "${RT_CMD[@]}" >"$d/rt.out" 2>&1 || log "round $rnd $cfg: cyclictest failed"
	tool_tids >"$d/tids"
	echo "$t0 $(tool_ticks) $(since "$s0")" >"$d/cpu"
	if [ -n "$TOOL_PID" ] && exited "$TOOL_PID"; then
		log "round $rnd $cfg: the tool exited during the run: $(tail -n 1 "$d/tool.log")"
	fi
	stop_tool
	stop_hog
	perf sched timehist -i "$d/perf.data" --state --next >"$d/timehist.txt" 2>/dev/null
	python3 "$HELPER" sample "$d" "$rnd" "$cfg" "$CPU" >>"$W/samples.jsonl" ||
		log "round $rnd $cfg: failed to read the run"
	log "round $rnd/$ROUNDS $(printf '%-15s' "$cfg") $(tail -n 1 "$W/samples.jsonl" |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print("sleeper p99 %s p99.9 %s us, cyclictest p99 %s max %s us" % (s.get("sleeper",{}).get("p99"), s.get("sleeper",{}).get("p999"), s.get("rt",{}).get("p99"), s.get("rt",{}).get("max")))')"
	rm -f "$d/perf.data" "$d/perf.data.old" "$d/out.sdt"
	sync
	sleep 0.5
}

flood_one() {	# round config
	local rnd=$1 cfg=$2 d t0 s0
	d=$W/flood-$rnd-$cfg
	mkdir -p "$d"
	if ! start_tool "$cfg" "$d"; then
		log "flood $rnd $cfg: failed to attach: $(tail -n 1 "$d/tool.log")"
		stop_tool
		return
	fi
	t0=$(tool_ticks)
	s0=$(date +%s.%N)
	setsid -w "${FLOOD_CMD[@]}" >"$d/flood.out" 2>&1 || log "flood $rnd $cfg: the flood failed"
	case $cfg in daemon*) sleep 2.5 ;; esac	# an export after the flood carries its losses
	echo "$t0 $(tool_ticks) $(since "$s0")" >"$d/cpu"
	stop_tool
	case $cfg in
	record*) "$SDR" report --format json "$d/out.sdt" >"$d/report.json" 2>"$d/report.log" ||
			log "flood $rnd $cfg: report failed: $(head -n 1 "$d/report.log")" ;;
	daemon*) cp "$d/metrics/schedrift.prom" "$d/" 2>/dev/null ||
			log "flood $rnd $cfg: the daemon wrote no schedrift.prom" ;;
	esac
	python3 "$HELPER" flood "$d" "$rnd" "$cfg" >>"$W/samples.jsonl" ||
		log "flood $rnd $cfg: failed to read the run"
	log "flood $rnd/$ROUNDS $(printf '%-15s' "$cfg") $(tail -n 1 "$W/samples.jsonl")"
	rm -f "$d/out.sdt"
	sync
	sleep 0.5
}

{
	printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'machine\t%s\n' "$(nproc) CPUs$(grep -qw hypervisor /proc/cpuinfo && echo ', virtualized'), kernel $(uname -r)"
	printf 'seconds\t%s\n' "$SECS"
	printf 'rt_seconds\t%s\n' "$RT_SECS"
	printf 'cpu\t%s\n' "$CPU"
	printf 'sleeper_cmd\t%s\n' "${SLEEPER_CMD[*]}"
	printf 'rt_cmd\t%s\n' "${RT_CMD[*]}"
	printf 'flood_cmd\t%s\n' "${FLOOD_CMD[*]}"
	printf 'schedrift\t%s\n' "$("$SDR" version 2>&1 | head -n 1)"
} >"$W/meta.tsv"

FLOODED=()
for c in "${CONFIGS[@]}"; do
	case $c in record*|daemon*) FLOODED+=("$c") ;; esac
done
log "configurations: ${CONFIGS[*]}; $ROUNDS rounds of ${SECS} s + ${RT_SECS} s each; flood: ${FLOODED[*]:-none}; work directory $W"
n=${#CONFIGS[@]}
nf=${#FLOODED[@]}
for ((rnd = 1; rnd <= ROUNDS; rnd++)); do
	for ((k = 0; k < n; k++)); do
		run_one "$rnd" "${CONFIGS[$(((rnd - 1 + k) % n))]}"
	done
	[ "$FLOOD" = 1 ] || continue
	for ((k = 0; k < nf; k++)); do
		flood_one "$rnd" "${FLOODED[$(((rnd - 1 + k) % nf))]}"
	done
done

echo
python3 "$HELPER" summarize "$W" ${DOC:+--doc "$DOC"} || die "failed to summarize"
exit 0
