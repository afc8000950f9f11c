#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Where the hot programs' time goes: tests/bench/floor.sh runs this.

  floor.py FULL CUT1 CUT2 ...   schedrift builds: the normal one, then the
                                builds made with -DSDR_BENCH_CUT=1, 2, ...

Each build records (`record --no-samples`, so the ring buffer is out of
the picture) while `perf bench sched pipe` (pinned) and `perf bench sched
messaging` run; libbpf-tools runqlat runs the same workloads as the
yardstick. Builds and runqlat take turns in an order rotated every round,
and each figure is the median over rounds of Δrun_time_ns / Δrun_cnt
(kernel.bpf_stats_enabled must be 1). A cut build stops sdr_switch and
sdr_waking at one point (enum sdr_bench_cut in bpf/schedrift.h), so the
step from one cut to the next is what that part of the program costs.

Environment: FLOOR_ROUNDS (5), FLOOR_PIPE_LOOPS (100000), FLOOR_MSG_GROUPS
(10), FLOOR_MSG_LOOPS (100), RUNQLAT (/usr/sbin/runqlat).
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (fdinfo: which programs a process holds)

CUT_NAMES = ["full program", "return at once", "+ clock and tids", "+ wait slots",
             "+ switch item", "+ the wait"]
# The cuts that stop each program somewhere of its own (sdr_waking has no
# switch item, and its slot work is what the full program adds). The full
# sdr_switch adds the wait into the item (its parts, the CPU's count) and
# shipping the batch (one ring copy per 32 switches).
HOOK_CUTS = {"sched_switch": [1, 2, 3, 4, 5], "sched_waking": [1, 2]}
HOOKS = list(HOOK_CUTS)
# runqlat has no program on sched_waking: its wakeup program is the yardstick.
YARDSTICK = {"sched_switch": "sched_switch", "sched_waking": "sched_wakeup"}


def env_int(name, default):
    v = os.environ.get(name, str(default))
    if not v.isdigit() or int(v) <= 0:
        sys.exit("floor.py: %s must be a positive integer, not %r" % (name, v))
    return int(v)


def prog_stats(pid):
    """{hook: (run_time_ns, run_cnt)} of the programs pid holds, by their link's hook."""
    owned, hooks = set(), {}
    for kind, f in bench.fdinfo(pid):
        if "prog_id" not in f:
            continue
        owned.add(int(f["prog_id"]))
        if kind == "link" and f.get("tp_name"):
            hooks[int(f["prog_id"])] = f["tp_name"]
    out = {}
    progs = json.loads(subprocess.run([os.environ.get("BPFTOOL", "bpftool"), "-j", "prog",
                                       "show"], check=True, stdout=subprocess.PIPE).stdout
                       or b"[]")
    for p in progs:
        hook = hooks.get(p["id"])
        if hook:
            out[hook] = (p.get("run_time_ns", 0), p.get("run_cnt", 0))
    return out


def start(cfg):
    if cfg == "runqlat":
        p = subprocess.Popen([os.environ.get("RUNQLAT", "/usr/sbin/runqlat"), "600", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            if "sched_switch" in prog_stats(p.pid):
                return p
            if p.poll() is not None:
                break
            time.sleep(0.1)
        sys.exit("floor.py: runqlat did not attach")
    p = subprocess.Popen([cfg, "record", "--no-samples", "-o", "/dev/null"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "recording" in line:
            return p
    sys.exit("floor.py: %s did not attach (exit %s)" % (cfg, p.wait()))


def stop(p):
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rounds = env_int("FLOOR_ROUNDS", 5)
    work = {
        "pipe": ["taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l",
                 str(env_int("FLOOR_PIPE_LOOPS", 100000))],
        "messaging": ["perf", "bench", "sched", "messaging", "-g",
                      str(env_int("FLOOR_MSG_GROUPS", 10)), "-l",
                      str(env_int("FLOOR_MSG_LOOPS", 100))],
    }
    builds = sys.argv[1:]
    cfgs = ["runqlat"] + builds
    ns = {}  # (cfg, workload, hook) -> [ns per call, one per round]
    for r in range(rounds):
        order = cfgs[r % len(cfgs):] + cfgs[:r % len(cfgs)]
        for cfg in order:
            p = start(cfg)
            for w, cmd in work.items():
                a = prog_stats(p.pid)
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=True)
                b = prog_stats(p.pid)
                for hook, (t, c) in b.items():
                    if hook in a and c > a[hook][1]:
                        ns.setdefault((cfg, w, hook), []).append((t - a[hook][0]) / (c - a[hook][1]))
            stop(p)
        print("floor: round %d of %d done" % (r + 1, rounds), file=sys.stderr)

    def med(cfg, w, hook):
        v = ns.get((cfg, w, hook))
        return statistics.median(v) if v else None

    print("ns per call, median of %d rounds (range)\n" % rounds)
    for hook in HOOKS:
        print("### %s\n" % hook)
        print("| build | pipe ns | step | vs runqlat | messaging ns | step | vs runqlat |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        # Cut builds in cut order, then the full program.
        seq = [i for i in HOOK_CUTS[hook] if i < len(builds)] + [0]
        prev = {}
        for i in seq:
            cells = []
            for w in work:
                m = med(builds[i], w, hook)
                y = med("runqlat", w, YARDSTICK[hook])
                v = ns.get((builds[i], w, hook), [])
                if m is None:
                    cells += ["-", "-", "-"]
                    continue
                step = "" if w not in prev else "%+.0f" % (m - prev[w])
                cells += ["%.0f (%.0f-%.0f)" % (m, min(v), max(v)), step,
                          "%.2f" % (m / y) if y else "-"]
                prev[w] = m
            print("| %s | %s |" % (CUT_NAMES[i], " | ".join(cells)))
        y = [med("runqlat", w, YARDSTICK[hook]) for w in work]
        print("| runqlat's %s | %s | | | %s | | |\n" % (
            YARDSTICK[hook], "%.0f" % y[0] if y[0] else "-", "%.0f" % y[1] if y[1] else "-"))


if __name__ == "__main__":
    main()
