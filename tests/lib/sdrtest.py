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
# SCHEDRIFT_BIN runs the tests against another build of the same sources,
# e.g. the sanitized .output/san/schedrift (tests/lib/sanitize.sh).
SCHEDRIFT = os.path.abspath(os.environ.get("SCHEDRIFT_BIN") or os.path.join(ROOT, "schedrift"))
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


def skip_or_fail(reason):
    """A missing tool or kernel feature: skip, but fail in CI, where every
    BPF test must run."""
    fail(reason) if IN_CI else skip(reason)


def nearest_rank(values, q):
    """The q-quantile of sorted values as schedrift's report computes it
    (docs/latency.md): the smallest sample such that at least ceil(q * n)
    samples are <= it."""
    import math
    k = max(1, math.ceil(round(q * len(values), 9)))
    return values[k - 1]


def cgroup2_root():
    """Where cgroup v2 is mounted, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] == ["cgroup2"]:
                return left.split()[4]
    return None


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


# Bytes that wait_for_line read from a pipe past the line it waited for,
# by stream: the next reader of that stream must see them first.
_unread = {}


def _decode(stream, data):
    """Bytes of a pipe as its stream would give them: text, with newlines
    translated as subprocess does, for a text stream; else the bytes."""
    if not hasattr(stream, "encoding"):
        return data
    text = data.decode(stream.encoding or "utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_line(stream, deadline):
    """One line of a pipe, read from its file descriptor: the line (ending
    in a newline unless the pipe ended without one), "" at the end of the
    pipe, None at the deadline (deadline None: wait for ever). Bytes past
    the line stay in _unread for the next reader."""
    fd = stream.fileno()
    buf = _unread.pop(stream, b"")
    try:
        while True:
            nl = buf.find(b"\n")
            if nl >= 0:
                line, buf = buf[:nl + 1], buf[nl + 1:]
                return _decode(stream, line)
            wait = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if wait <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                line, buf = buf, b""
                return _decode(stream, line)
            buf += chunk
    finally:
        if buf:
            _unread[stream] = buf


def wait_for_line(proc_stream, needle, timeout):
    """Read lines from a pipe until one contains needle; return all read.

    It reads the pipe's file descriptor itself (select, then os.read) and
    splits the lines here: select() on a buffered stream does not see lines
    that an earlier readline() pulled into the stream's buffer with the one
    it returned, and the test timed out with the line it waited for read.
    So the stream must not have been read through its buffer before. What
    was read past the line is kept: the next wait_for_line or stream_lines()
    gets it first, and a caller that then reads the stream any other way
    (communicate(), read()) puts unread(stream) in front of what it got."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        line = _read_line(proc_stream, deadline)
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    fail("timed out waiting for %r; got: %r" % (needle, seen))


def unread(stream):
    """What wait_for_line read from stream past its line, as the stream
    would give it; and forget it. "" (or b"") when nothing."""
    return _decode(stream, _unread.pop(stream, b""))


def stream_lines(stream):
    """Every line of a pipe to its end, starting with what wait_for_line
    read past its line (iterating the stream itself would miss that)."""
    while True:
        line = _read_line(stream, None)
        if not line:
            return
        yield line


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
    err = unread(rec.stderr) + err  # start_record read past its line
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


SWITCH_DUMP = os.path.join(ROOT, ".output", "tests", "tools", "switch_dump")


def switch_dump(trace, migrations=False):
    """Every switch of a trace file (tests/tools/switch_dump), as tuples
    (cpu, ts_ns, prev_tid, prev_state, next_tid, wait_ns, delivery_ns,
    premig_ns, landing), and its task records as (type, tid); with
    migrations=True also its migration records as (ts_ns, tid, from, to)."""
    out = subprocess.run([SWITCH_DUMP, trace], capture_output=True, text=True)
    check(out.returncode == 0, "switch_dump exited %d: %s" % (out.returncode, out.stderr))
    sw, tasks, migs = [], [], []
    for line in out.stdout.splitlines():
        f = line.split()
        if f[0] == "task":
            tasks.append((f[1], int(f[2])))
        elif f[0] == "migrate":
            migs.append(tuple(int(x) for x in f[1:]))
        else:
            sw.append(tuple(int(x) for x in f))
    return (sw, tasks, migs) if migrations else (sw, tasks)


def find_task(report, tid):
    rows = [t for t in report["tasks"] if t["tid"] == tid]
    check(len(rows) == 1, "expected one row for tid %d, got %d" % (tid, len(rows)))
    return rows[0]


# Not a loss: on the 6.18 VM these tests run on, the switch away from a
# thread of PID 1 (the sandbox's agent, hidden from every tracer) is never
# reported, so the wait that such a switch ends has no end to measure: it is
# counted in counters.wait_end_unseen (docs/latency.md). Tests that count
# waits exactly still see it in their own counts.
ENVIRONMENT_LOSSES = ()


def assert_no_loss(report):
    check("wait_end_unseen" not in report["lost"],
          "wait_end_unseen is a counter, not a loss stage")
    lost = {k: v for k, v in report["lost"].items() if v}
    check(not lost, "events were lost: %r" % lost)
    if report["counters"].get("wait_end_unseen"):
        print("note: counters.wait_end_unseen = %d (waits ended by switches the kernel did "
              "not trace)" % report["counters"]["wait_end_unseen"])


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


def http_request(port, method, path, timeout=5):
    """One request with curl, as an operator would make it; returns
    (status, body bytes). Status 0 when curl got no HTTP answer; raises
    ConnectionRefusedError when nothing listens on the port."""
    with tempfile.NamedTemporaryFile() as body:
        r = subprocess.run(["curl", "--silent", "--show-error", "--max-time", str(timeout),
                            "--request", method, "--output", body.name,
                            "--write-out", "%{http_code}",
                            "http://127.0.0.1:%d%s" % (port, path)],
                           capture_output=True, text=True)
        if r.returncode == 7:  # nobody listening (yet): callers may retry
            raise ConnectionRefusedError(r.stderr.strip())
        if r.returncode not in (0, 52):  # 52: the server closed without a reply
            fail("curl %s %s: exit %d: %s" % (method, path, r.returncode, r.stderr.strip()))
        return int(r.stdout or 0), body.read()


def http_get(port, path, timeout=5):
    return http_request(port, "GET", path, timeout)


_PROM_NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
_PROM_LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
# A float as the text format has it: decimal or exponent notation, NaN, +Inf, -Inf.
_PROM_VALUE = r'(?:[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf)|NaN)'
_PROM_TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
# The sample names a family of each type may have.
_PROM_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"),
                  "summary": ("", "_sum", "_count")}


def parse_exposition(text, last=None):
    """Parse a whole text exposition strictly; raise ValueError on any flaw.

    Every sample line is `name{label="value",...} value` with a valid float
    (no timestamp, no stray text between labels), and the structure holds:
    the text ends with a newline; every family is `# HELP name`, then
    `# TYPE name type`, then at least one sample of that family (for a
    histogram name_bucket/_sum/_count, for a summary name/_sum/_count);
    no family twice, no sample outside a family, no other comments, no
    blank lines. A cut inside a line (no final newline) or right after a
    HELP or TYPE line (a family without samples) fails that; a cut at a
    line boundary between samples does not, which is what `last` is for:
    when given, the final family must be the one so named.

    Returns (series, families): series maps (name, frozenset(labels)) to
    the value; families is [(name, type)] in the order written."""
    import re
    sample_re = re.compile(r'^(?P<name>%s)(?:\{(?P<labels>%s(?:,%s)*)\})? (?P<value>%s)$'
                           % (_PROM_NAME, _PROM_LABEL, _PROM_LABEL, _PROM_VALUE))
    label_re = re.compile(_PROM_LABEL)
    help_re = re.compile(r'^# HELP (%s) ' % _PROM_NAME)
    type_re = re.compile(r'^# TYPE (%s) (\S+)$' % _PROM_NAME)
    if not text:
        raise ValueError("empty exposition")
    if not text.endswith("\n"):
        raise ValueError("no final newline (cut short?): ends %r" % text[-60:])
    series, families, seen = {}, [], set()
    lines = text[:-1].split("\n")
    fam, ftype, samples, helped = None, None, 0, None

    def close_family(lineno):
        if fam is not None and samples == 0:
            raise ValueError("line %d: family %s has no sample after its TYPE line"
                             % (lineno, fam))

    for i, line in enumerate(lines, 1):
        if helped is not None:  # the line after HELP must be its TYPE
            m = type_re.match(line)
            if not m or m.group(1) != helped:
                raise ValueError("line %d: HELP %s not followed by its TYPE: %r"
                                 % (i, helped, line))
            if m.group(2) not in _PROM_TYPES:
                raise ValueError("line %d: bad type %r" % (i, m.group(2)))
            if helped in seen:
                raise ValueError("line %d: family %s announced twice" % (i, helped))
            seen.add(helped)
            fam, ftype, samples, helped = helped, m.group(2), 0, None
            families.append((fam, ftype))
            continue
        if line.startswith("#"):
            m = help_re.match(line)
            if not m:
                raise ValueError("line %d: not a HELP line: %r" % (i, line))
            close_family(i)
            helped = m.group(1)
            continue
        m = sample_re.match(line)
        if not m:
            raise ValueError("line %d: bad sample line: %r" % (i, line))
        name = m.group("name")
        if fam is None or name not in [fam + sfx for sfx in
                                       _PROM_SUFFIXES.get(ftype, ("",))]:
            raise ValueError("line %d: sample %s outside its family (current: %s %s)"
                             % (i, name, fam, ftype))
        pairs = label_re.findall(m.group("labels") or "")
        labels = frozenset(pairs)
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("line %d: a label twice: %r" % (i, line))
        key = (name, labels)
        if key in series:
            raise ValueError("line %d: duplicate series %r" % (i, key))
        series[key] = float(m.group("value"))
        samples += 1
    if helped is not None:
        raise ValueError("ends after HELP %s" % helped)
    close_family(len(lines))
    if last is not None and (not families or families[-1][0] != last):
        raise ValueError("last family is %s, not %s (cut short?)"
                         % (families[-1][0] if families else None, last))
    return series, families


def parse_prom(text):
    """Parse exposition text into {(name, frozenset(labels)): value}; fail on
    any flaw parse_exposition finds."""
    try:
        return parse_exposition(text)[0]
    except ValueError as e:
        fail("bad exposition: %s" % e)


def prom_generation(text):
    """The schedrift_generation value of an exposition (int), or None."""
    import re
    m = re.search(r'^schedrift_generation ([0-9]+)$', text, re.M)
    return int(m.group(1)) if m else None
