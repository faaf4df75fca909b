"""The README's first command: `make run` starts shukherd on the example
config (board/shukher.conf) and a simulated SIM800, and answers what is
typed. Run here as make runs it (tests/sim/run_demo.py with SMS on stdin),
on one modem and on three; what is checked is what the newcomer sees: the
replies printed, a sealed report's acknowledgement, a clean stop."""
import os
import re
import subprocess
import sys
import unittest

from harness import BUILD, ROOT

DEMO = os.path.join(ROOT, "tests", "sim", "run_demo.py")


def run_demo(lines, *args):
    """Runs the demo with lines on stdin; returns (exit status, output)."""
    p = subprocess.run([sys.executable, DEMO, "--build", BUILD] +
                       list(args),
                       input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True, timeout=300,
                       cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


class Demo(unittest.TestCase):
    def test_one_modem_answers_help_and_a_report(self):
        rc, out = run_demo(["тусламж", "+97699001122: МЭДЭЭЛЭХ нэг хүн "
                            "гадаадад ажил санал болгож байна"])
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"<- \+97699112233 .*102", out)
        # the report's acknowledgement ends with its reference
        self.assertRegex(out, r"<- \+97699001122 .*#[A-Z0-9]{6}", out)
        self.assertIn("shukherd exit 0", out)

    def test_three_modems_reply_through_the_sim_used(self):
        rc, out = run_demo(["тусламж", "@2 +97688112233: тусламж"],
                           "--modems", "3")
        self.assertEqual(rc, 0, out)
        # each reply leaves through the SIM its message came in on: the
        # first SIM (mobicom) unless a line picks another
        self.assertEqual(re.findall(r"<- (\+976\d+) via (\w+)", out),
                         [("+97699112233", "mobicom"),
                          ("+97688112233", "unitel")], out)
        self.assertIn("shukherd exit 0", out)


if __name__ == "__main__":
    unittest.main()
