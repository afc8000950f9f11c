# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Summarize tests/bench/bracket.sh's histograms (python3 standard library only).

  bracket.py HIST_TSV

Input lines: round config workload hook kind lo_ns hi_ns count. Prints, per
workload and hook, each configuration's bracketed duration (nearest-rank
percentiles over all rounds' calls; a bucket reads as its middle, so the
figures carry +-8 ns below 16 us and +-50 % above), and the same minus the
"none" configuration's percentile (the bracket's own floor: one clock read,
two program dispatches); for sched_switch, each kind of call apart.
"""
import math
import sys

HOOKS = ["switch", "waking", "wakeup", "wakeup_new"]
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
    for wl in ("pipe", "messaging"):
        print("\n## %s: ns per call, bracketed (tool's programs + the bracket's floor)" % wl)
        for hook in HOOKS:
            kinds = ["all", "plain", "flush", "first"] if hook == "switch" else ["all"]
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


if __name__ == "__main__":
    main()
