"""firmware/provision, as a technician runs it on a laptop: a site's config
is checked before it is written onto the card's boot partition (here a
directory standing for the mounted partition), and a config that would file
reports in the clear is refused unless --allow-unsealed says so.
"""
import os
import subprocess
import unittest

from harness import ROOT, TempDir, binary, make_config, sim_modem

PROVISION = os.path.join(ROOT, "firmware", "provision")
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0000000000000000000000000 tech\n"


class Provision(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.boot = self.tmp.join("boot")
        os.mkdir(self.boot)
        open(os.path.join(self.boot, "cmdline.txt"), "w").close()
        self.key = self.tmp.join("id.pub")
        with open(self.key, "w") as f:
            f.write(SSH_KEY)

    def site(self, sealed=True, broken=False):
        conf = make_config(self.tmp.join("site.conf"), "/var/lib/shukher/x.db",
                           sim_modem("/dev/gsm-modem"))
        with open(conf, "a", encoding="utf-8") as f:
            if sealed:
                pub = self.tmp.join("cw.pub")
                if not os.path.exists(pub):
                    subprocess.run([binary("shukherctl"), "keygen", pub,
                                    self.tmp.join("cw.key")], check=True,
                                   capture_output=True)
                f.write('reports = { public_key = "%s"; };\n' % pub)
            if broken:
                f.write("web = { port = 70000; };\n")
        return conf

    def provision(self, *args):
        return subprocess.run(["sh", PROVISION] + list(args),
                              capture_output=True, text=True, timeout=60)

    def written(self):
        return os.path.exists(os.path.join(self.boot, "shukher.conf"))

    def test_sealed_config_and_key_are_written(self):
        p = self.provision(self.boot, self.site(), self.key)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.written())
        p = self.provision(self.boot, self.site(), self.key)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(self.boot, "authorized_keys")) as f:
            self.assertEqual(f.read(), SSH_KEY, "the key once, not twice")

    def test_unsealed_config_is_refused(self):
        p = self.provision(self.boot, self.site(sealed=False))
        self.assertEqual(p.returncode, 1)
        self.assertIn("in the clear", p.stderr)
        self.assertIn("--allow-unsealed", p.stderr)
        self.assertFalse(self.written())

    def test_unsealed_config_when_told(self):
        p = self.provision("--allow-unsealed", self.boot,
                           self.site(sealed=False))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: reports will be filed in the clear", p.stderr)
        self.assertTrue(self.written())

    def test_invalid_config_is_refused_with_its_reason(self):
        p = self.provision(self.boot, self.site(broken=True))
        self.assertEqual(p.returncode, 1)
        self.assertIn("web.port", p.stderr)
        self.assertFalse(self.written())


if __name__ == "__main__":
    unittest.main()
