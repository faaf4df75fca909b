#!/usr/bin/env python3
"""Runs the integration tests: every tests/integration/test_*.py, against
the real binaries in $BUILD (default "build"), and ends with one line
"integration: N passed, N failed, N skipped". Exit status 1 on any failure.

    python3 tests/integration/run.py [-k PATTERN] [-j JOBS] [-v]

With -j (default: $INTEGRATION_JOBS, else 2), the test classes are shared
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
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class CountingResult(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


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
    totals = [0, 0, 0]
    rc = 0
    for p in procs:
        out = p.communicate()[0].decode("utf-8", "replace")
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
                    default=int(os.environ.get("INTEGRATION_JOBS", "2")))
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
