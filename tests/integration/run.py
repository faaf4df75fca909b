#!/usr/bin/env python3
"""Runs the integration tests: every tests/integration/test_*.py, against
the real binaries in $BUILD (default "build"), and ends with one line
"integration: N passed, N failed, N skipped". Exit status 1 on any failure.

    python3 tests/integration/run.py [-k PATTERN] [-j JOBS] [-v]

With -j (default: $INTEGRATION_JOBS, else 4), the test classes are shared
out among that many worker processes: the tests spend most of their time
waiting for the simulated modem's timing, and every class has its own
temporary directory, modem, ports and processes. A worker's output is
printed whole when it ends, so that lines never interleave.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time
import unittest

# A worker's line that its parent prints at once, not with the rest of the
# worker's output at its end: one per finished class, so that a long run
# shows where it is.
PROGRESS = "##progress## "

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class CountingResult(unittest.TextTestResult):
    progress = False    # a worker: a PROGRESS line per finished class

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0
        self.current = None

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1

    def startTest(self, test):
        name = "%s.%s" % (type(test).__module__, type(test).__name__)
        if name != self.current:
            self.class_done()
            self.current = name
            self.class_start = time.monotonic()
            self.class_counts = self.counts()
        super().startTest(test)

    def stopTestRun(self):
        self.class_done()
        super().stopTestRun()

    def counts(self):
        return (self.passed, len(self.failures) + len(self.errors) +
                len(self.unexpectedSuccesses), len(self.skipped))

    def class_done(self):
        if not self.progress or self.current is None:
            return
        now = self.counts()
        p, f, s = (a - b for a, b in zip(now, self.class_counts))
        print("%sintegration: %s: %d passed, %d failed, %d skipped "
              "(%.0f s)" % (PROGRESS, self.current, p, f, s,
                            time.monotonic() - self.class_start),
              flush=True)
        self.current = None


def classes(suite):
    """The test classes of suite, "module.Class", with their test counts."""
    found = {}
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            for name, n in classes(item).items():
                found[name] = found.get(name, 0) + n
        else:
            name = "%s.%s" % (type(item).__module__, type(item).__name__)
            found[name] = found.get(name, 0) + 1
    return found


def parallel(suite, jobs, patterns):
    """Runs the classes of suite in jobs workers; returns the exit code."""
    buckets = [[] for _ in range(jobs)]
    weight = [0] * jobs
    for name, n in sorted(classes(suite).items(), key=lambda kv: -kv[1]):
        i = weight.index(min(weight))
        buckets[i].append(name)
        weight[i] += n
    procs = []
    for names in buckets:
        if not names:
            continue
        cmd = [sys.executable, os.path.abspath(__file__), "-j", "1"]
        for p in patterns or []:
            cmd += ["-k", p]
        procs.append(subprocess.Popen(cmd + ["--classes"] + names,
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT))
    outputs = [[] for _ in procs]
    lock = threading.Lock()

    def drain(proc, kept):
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            if line.startswith(PROGRESS):
                with lock:
                    sys.stdout.write(line[len(PROGRESS):])
                    sys.stdout.flush()
            else:
                kept.append(line)
        proc.wait()

    readers = [threading.Thread(target=drain, args=(p, o))
               for p, o in zip(procs, outputs)]
    for t in readers:
        t.start()
    totals = [0, 0, 0]
    rc = 0
    for p, t, kept in zip(procs, readers, outputs):
        t.join()
        out = "".join(kept)
        sys.stdout.write(out)
        sys.stdout.flush()
        m = re.search(r"integration: (\d+) passed, (\d+) failed, "
                      r"(\d+) skipped", out)
        if m is None or p.returncode != 0:
            rc = 1
        if m is not None:
            totals = [t + int(x) for t, x in zip(totals, m.groups())]
    print("integration: %d passed, %d failed, %d skipped (%d workers)" %
          (totals[0], totals[1], totals[2], len(procs)))
    return 1 if rc or totals[1] or totals[0] + totals[2] == 0 else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", dest="pattern", action="append")
    ap.add_argument("-j", dest="jobs", type=int,
                    default=int(os.environ.get("INTEGRATION_JOBS", "4")))
    ap.add_argument("-v", dest="verbose", action="store_true")
    ap.add_argument("--classes", nargs="*")
    args = ap.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = ["*%s*" % p for p in args.pattern]
    if args.classes is not None:
        suite = loader.loadTestsFromNames(args.classes)
    else:
        suite = loader.discover(HERE, pattern="test_*.py",
                                top_level_dir=HERE)
        if args.jobs > 1 and len(classes(suite)) > 1:
            return parallel(suite, args.jobs, args.pattern)
    CountingResult.progress = args.classes is not None
    runner = unittest.TextTestRunner(resultclass=CountingResult,
                                     verbosity=2, stream=sys.stdout)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    print("integration: %d passed, %d failed, %d skipped" %
          (result.passed, failed, len(result.skipped)))
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
