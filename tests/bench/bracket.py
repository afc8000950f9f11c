# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Summarize tests/bench/bracket.sh's histograms (python3 standard library only).

  bracket.py HIST_TSV [--target FILE]

Input lines: round config workload hook kind lo_ns hi_ns count. Prints, per
workload and hook, each configuration's bracketed duration (nearest-rank
percentiles over all rounds' calls; a bucket reads as its middle, so the
figures carry +-8 ns below 16 us and +-50 % above), and the same minus the
"none" configuration's percentile (the bracket's own floor: one clock read,
two program dispatches); for sched_switch, each kind of call apart.

Then issue 23's exit target: a task's exit is sent from its last switch
(prev TASK_DEAD), so the exit's cost is the dead switch's median beyond the
plain switch's, same configuration, workload and run; the control is
sdr_exec, sched_process_exec's bracketed median beyond the "none"
configuration's. Medians: a handful of 25-100 us calls (an interrupt, the
host) moves a mean of a few thousand calls by more than sdr_exec costs.
Judged only where each side has at least MIN_CALLS calls. Limit
EXIT_LIMIT. --target FILE writes, per configuration and workload, "config
workload dead_extra_ns exec_ns ratio dead_calls exec_calls" for
tests/bench/run.sh.
"""
import math
import sys

HOOKS = ["switch", "waking", "wakeup", "wakeup_new", "exec"]
EXIT_LIMIT = 1.2
MIN_CALLS = 500
CONFIGS = ["none", "runqlat", "record", "daemon"]
QS = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999), ("max", 1.0)]


def pct(buckets, frac):
    """buckets: sorted [(mid, count)]; nearest rank."""
    total = sum(c for _, c in buckets)
    if not total:
        return None
    k = max(1, math.ceil(round(frac * total, 9)))
    seen = 0
    for mid, c in buckets:
        seen += c
        if seen >= k:
            return mid
    return buckets[-1][0]


def median(d):
    return pct(sorted(d.items()), 0.5) if d else None


def exit_target(h, workloads):
    """[(config, workload, dead_extra, exec_ns, ratio, dead_calls, exec_calls)]."""
    out = []
    for wl in workloads:
        none_exec = h.get((wl, "exec", "none", "all"))
        for cfg in CONFIGS:
            if cfg in ("none", "runqlat"):
                continue
            dead, plain = h.get((wl, "switch", cfg, "dead")), h.get((wl, "switch", cfg, "plain"))
            ex = h.get((wl, "exec", cfg, "all"))
            if not dead or not plain or not ex or not none_exec:
                continue
            if min(sum(dead.values()), sum(ex.values()), sum(none_exec.values())) < MIN_CALLS:
                continue
            extra = median(dead) - median(plain)
            exec_ns = median(ex) - median(none_exec)
            out.append((cfg, wl, extra, exec_ns, extra / exec_ns if exec_ns > 0 else None,
                        sum(dead.values()), sum(ex.values())))
    return out


def main():
    h = {}
    with open(sys.argv[1]) as f:
        for line in f:
            p = line.split()
            if len(p) != 8:
                continue
            _, cfg, wl, hook, kind, lo, hi, n = p
            mid = (int(lo) + int(hi)) / 2.0
            for k in (kind, "all"):
                d = h.setdefault((wl, hook, cfg, k), {})
                d[mid] = d.get(mid, 0) + int(n)
    workloads = [w for w in ("pipe", "messaging", "forkexec") if any(k[0] == w for k in h)]
    for wl in workloads:
        print("\n## %s: ns per call, bracketed (tool's programs + the bracket's floor)" % wl)
        for hook in HOOKS:
            kinds = ["all", "plain", "flush", "first", "dead"] if hook == "switch" else ["all"]
            print("\n%s" % hook)
            print("  %-9s %-6s %10s %9s" % ("config", "kind", "calls", "mean") +
                  "".join("%9s" % q for q, _ in QS) + "   minus none's: " +
                  " ".join("%s" % q for q, _ in QS[:4]))
            for cfg in CONFIGS:
                for kind in kinds:
                    d = h.get((wl, hook, cfg, kind))
                    if not d:
                        continue
                    b = sorted(d.items())
                    calls = sum(c for _, c in b)
                    mean = sum(m * c for m, c in b) / calls
                    vals = [pct(b, q) for _, q in QS]
                    base = h.get((wl, hook, "none", "all"))
                    diff = ""
                    if base and cfg != "none":
                        bb = sorted(base.items())
                        diff = " ".join("%+.0f" % (v - pct(bb, q))
                                        for v, (_, q) in zip(vals[:4], QS[:4]))
                    print("  %-9s %-6s %10d %9.0f" % (cfg, kind, calls, mean) +
                          "".join("%9.0f" % v for v in vals) + "   " + diff)

    rows = exit_target(h, workloads)
    print("\n## the exit (a dead task's last switch) vs sdr_exec: median ns beyond the "
          "control's (limit %.1f; workloads with %d calls of each)" % (EXIT_LIMIT, MIN_CALLS))
    print("  %-9s %-10s %12s %10s %7s %8s %11s %11s" % (
        "config", "workload", "dead extra", "sdr_exec", "ratio", "verdict", "dead calls",
        "exec calls"))
    for cfg, wl, extra, ex, ratio, nd, ne in rows:
        print("  %-9s %-10s %12.0f %10.0f %7s %8s %11d %11d" % (
            cfg, wl, extra, ex, "-" if ratio is None else "%.2f" % ratio,
            "n/a" if ratio is None else "met" if ratio <= EXIT_LIMIT else "MISSED", nd, ne))
    if len(sys.argv) > 3 and sys.argv[2] == "--target":
        with open(sys.argv[3], "w") as f:
            for cfg, wl, extra, ex, ratio, nd, ne in rows:
                f.write("%s\t%s\t%.0f\t%.0f\t%s\t%d\t%d\n" % (
                    cfg, wl, extra, ex, "-" if ratio is None else "%.3f" % ratio, nd, ne))


if __name__ == "__main__":
    main()
