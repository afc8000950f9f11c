# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Helpers for tests that run the real schedrift binary (stdlib only).

A test exits 0 on success, 77 when it must skip (the reason is its last
output line) and anything else on failure. In CI (CI=true) the BPF tests
must run, so a missing privilege there is a failure, not a skip.
"""
import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEDRIFT = os.path.join(ROOT, "schedrift")
MOVER = os.path.join(ROOT, ".output", "tests", "mover")
IN_CI = os.environ.get("CI") == "true"

TWO_NODES = """# CPU 0 and CPU 1 on different nodes, SLIT distance 21
cpu 0 node 0 llc 0
cpu 1 node 1 llc 1
distance 0 10 21
distance 1 21 10
"""
ONE_NODE_TWO_LLCS = """cpu 0 node 0 llc 0
cpu 1 node 0 llc 1
distance 0 10
"""
ONE_NODE_ONE_LLC = """cpu 0 node 0 llc 0
cpu 1 node 0 llc 0
distance 0 10
"""


_children = []


def spawn(args, **kw):
    """Popen that is killed when the test exits, pass or fail: a failing
    test must not leave a recorder or a workload running."""
    p = subprocess.Popen(args, **kw)
    _children.append(p)
    return p


@atexit.register
def _reap():
    for p in _children:
        if p.poll() is None:
            p.kill()
            p.wait()


def skip(reason):
    print("skip: " + reason)
    sys.exit(77)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def require_bpf(min_cpus=2):
    """Skip (or, in CI, fail) when this machine cannot run the BPF tests."""
    problems = []
    if os.geteuid() != 0:
        problems.append("needs root")
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        problems.append("kernel has no BTF")
    if os.cpu_count() < min_cpus:
        problems.append("needs %d CPUs" % min_cpus)
    for path in (SCHEDRIFT, MOVER):
        if not os.access(path, os.X_OK):
            problems.append("%s is not built (run make)" % path)
    if problems:
        if IN_CI:
            fail("; ".join(problems))
        skip("; ".join(problems))


def tmpdir():
    return tempfile.mkdtemp(prefix="schedrift-test-")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_for_line(proc_stream, needle, timeout):
    """Read lines from a pipe until one contains needle; return all read."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc_stream], [], [], 0.2)
        if not ready:
            continue
        line = proc_stream.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    fail("timed out waiting for %r; got: %r" % (needle, seen))


def start_record(trace, args, timeout=30):
    """Start `schedrift record` and return once it says it is recording."""
    rec = spawn([SCHEDRIFT, "record", "-o", trace] + args,
                           stderr=subprocess.PIPE, text=True)
    wait_for_line(rec.stderr, "recording", timeout)
    return rec


def stop_record(rec, sig=signal.SIGINT, timeout=30):
    rec.send_signal(sig)
    try:
        _, err = rec.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        rec.kill()
        fail("record did not stop within %d s of signal %d" % (timeout, sig))
    check(rec.returncode == 0, "record exited %d: %s" % (rec.returncode, err))
    return err


def report_json(trace, extra=()):
    out = subprocess.run([SCHEDRIFT, "report", trace, "--format", "json"] + list(extra),
                         capture_output=True, text=True)
    check(out.returncode == 0, "report exited %d: %s" % (out.returncode, out.stderr))
    return json.loads(out.stdout)


def capture_mover(moves, topology=None, extra=(), cpu_a=0, cpu_b=1):
    """Record a mover that makes `moves` forced migrations; return (report, tid)."""
    d = tmpdir()
    trace = os.path.join(d, "t.sdt")
    args = list(extra)
    if topology is not None:
        args += ["--topology", write(os.path.join(d, "topo"), topology)]
    mover = spawn([MOVER, "-n", str(moves), "-a", str(cpu_a), "-b", str(cpu_b)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = mover.stdout.readline().split()
    check(len(ready) == 3 and ready[0] == "ready", "mover said %r" % ready)
    pid, tid = int(ready[1]), int(ready[2])
    rec = start_record(trace, args + ["-p", str(pid)])
    mover.stdin.write("go\n")
    mover.stdin.flush()
    out, _ = mover.communicate(timeout=60)
    check(mover.returncode == 0 and out.strip() == "moved %d" % moves,
          "mover exited %d, said %r" % (mover.returncode, out))
    stop_record(rec)
    return report_json(trace), tid, trace


def find_task(report, tid):
    rows = [t for t in report["tasks"] if t["tid"] == tid]
    check(len(rows) == 1, "expected one row for tid %d, got %d" % (tid, len(rows)))
    return rows[0]


def assert_no_loss(report):
    lost = {k: v for k, v in report["lost"].items() if v}
    check(not lost, "events were lost: %r" % lost)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_daemon(args, lock=None, env=None, ready_file=None, timeout=30):
    """Start `schedrift daemon` with its own lock file; wait for the first
    metrics file when a --metrics-dir is among args."""
    d = tmpdir()
    lock = lock or os.path.join(d, "lock")
    proc = spawn([SCHEDRIFT, "daemon", "--lock", lock] + args, stderr=subprocess.PIPE,
                 text=True, env=env)
    if ready_file:
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready_file):
            if proc.poll() is not None:
                fail("daemon exited %d: %s" % (proc.returncode, proc.stderr.read()))
            if time.monotonic() > deadline:
                fail("daemon wrote no %s within %d s" % (ready_file, timeout))
            time.sleep(0.05)
    return proc


def http_get(port, path, timeout=5):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def parse_prom(text):
    """Parse exposition text into {(name, frozenset(labels)): value}; fail on a bad line."""
    import re
    series = {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        check(m, "bad exposition line: %r" % line)
        labels = frozenset(label_re.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        check(key not in series, "duplicate series %r" % (key,))
        series[key] = float(m.group(4))
    return series
