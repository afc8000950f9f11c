#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The event rate each mode holds without loss (docs/reliability.md).

For each load step (`stress-ng --switch N`, then `perf bench sched
messaging -g G`), runs it for SWEEP_SECONDS under `schedrift record`
(default ring buffer) and under `schedrift daemon --interval 1`, counts
the kernel's switch-ins (sched_switch, next_pid != 0) with `perf stat -a`
over the same window as tests/bpf/test_flood does, and prints one line per
run: events/s the kernel made and every non-zero loss counter schedrift
kept. Not a test: it asserts nothing and only prints (as root, after
`make all`).

  SWEEP_SECONDS=10 SWEEP_SWITCH="1 2 4 8" SWEEP_GROUPS="10 20 40" \\
      tests/bench/flood_sweep.py
"""
import importlib.machinery
import importlib.util
import os
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader(
    "test_flood", os.path.join(HERE, "..", "bpf", "test_flood"))
flood = importlib.util.module_from_spec(importlib.util.spec_from_loader("test_flood", _loader))
_loader.exec_module(flood)
sdr = flood  # the sdrtest helpers, through the test's star import

SECONDS = int(os.environ.get("SWEEP_SECONDS", "10"))
SWITCH = [int(n) for n in os.environ.get("SWEEP_SWITCH", "1 2 4 8").split()]
GROUPS = [int(n) for n in os.environ.get("SWEEP_GROUPS", "10 20 40").split()]


def load(step):
    kind, n = step
    if kind == "switch":
        args = ["stress-ng", "--switch", str(n), "--timeout", "%ds" % SECONDS, "--quiet"]
    else:
        args = ["perf", "bench", "sched", "messaging", "-g", str(n), "-l", "1000000"]
    return sdr.spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def stop(p):
    try:
        p.wait(timeout=SECONDS + 30 if p.args[0] == "stress-ng" else 0)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def cpu_s(pid):
    """User + system CPU seconds a process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(mode, step, d):
    inner = flood.PerfStat(os.path.join(d, "inner"))
    if mode == "record":
        trace = os.path.join(d, "s.sdt")
        rec = sdr.start_record(trace, [])
    else:
        mdir = os.path.join(d, "m")
        os.makedirs(mdir, exist_ok=True)
        for f in os.listdir(mdir):
            os.unlink(os.path.join(mdir, f))
        daemon = sdr.start_daemon(["--metrics-dir", mdir, "--interval", "1"],
                                  ready_file=os.path.join(mdir, "schedrift.prom"))
        a = flood.read_prom(mdir)
    pid = rec.pid if mode == "record" else daemon.pid
    cpu0 = cpu_s(pid)
    inner.enable()
    t0 = time.monotonic()
    p = load(step)
    time.sleep(SECONDS)
    stop(p)
    k = inner.disable()
    secs = time.monotonic() - t0
    cpu = cpu_s(pid) - cpu0
    if mode == "record":
        sdr.stop_record(rec)
        rep = sdr.report_json(trace)
        lost = {n: v for n, v in rep["lost"].items() if v}
        waits = rep["counters"]["waits"]
    else:
        b = flood.wait_generation(mdir, a["generation"] + 3, 30)
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=30)
        stages = [n for n in b if n not in ("fork", "generation") and n in a and
                  n not in ("migrations_seen", "migrations", "records", "exits", "waits",
                            "outliers", "waking_missed", "consumed") and
                  not n.startswith("numa_")]
        lost = {n: b[n] - a[n] for n in stages if b[n] - a[n]}
        waits = b["waits"] - a["waits"]
    print("%-7s %-9s %3d  %5.1f s  %9.0f switch-ins/s  waits %9d  cpu %5.2f s  load %s  lost %r"
          % (mode, step[0], step[1], secs, k["sched:sched_switch"] / secs, waits, cpu,
             open("/proc/loadavg").read().split()[0], lost), flush=True)


def main():
    sdr.require_bpf()
    d = sdr.tmpdir()
    uptime = open("/proc/loadavg").read().split()[:3]
    print("load average at start: %s; %d CPUs; %d s per run" % (" ".join(uptime),
          os.cpu_count(), SECONDS))
    steps = [("switch", n) for n in SWITCH] + [("messaging", g) for g in GROUPS]
    for step in steps:
        for mode in ("record", "daemon"):
            run(mode, step, d)
    print("load average at end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))


main()
