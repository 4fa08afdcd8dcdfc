"""scripts/conformance against the local stack, both ways: as the stand-in and the local Gateway
play AWS by default (every probe sees what the product assumes) and with `--alternatives` (every
probe sees the alternative, and the verdicts say which the product handles). The second run is
the first's negative control: a probe that reported the same either way would fail here.
README command 2 runs this, so the command cannot rot."""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Under --alternatives: the probes that see the alternative, and whether the product handles it
# as the local stack runs it (no interceptor on the plain Gateway, OTP_MAX_ATTEMPTS=3).
ALTERNATIVE = {
    "wrong-code": False,
    "headers-reach-target": False,
    "origin-jti": True,
    "revoke-after-global": True,
    "same-second": True,
    "code-lifetime": True,
    "email-cap": True,
    "runtime-cors": False,
}
EVERY = {
    "wrong-code", "client-context", "headers-reach-target", "headers-via-interceptor",
    "origin-jti", "revoke-rotated", "revoke-after-global", "same-second", "code-lifetime",
    "protocol-versions", "modern-revision", "email-cap", "runtime-cors",
}


def conformance(*args: str) -> tuple[int, dict[str, dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "findings.json"
        run = subprocess.run([str(ROOT / "scripts/conformance"), "--local", *args, "--json", str(out)],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        if not out.exists():
            raise AssertionError(f"no findings (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
        print(run.stdout)
        return run.returncode, {f["name"]: f for f in json.loads(out.read_text())}


class Conformance(unittest.TestCase):
    def test_as_aws_is_assumed_every_probe_agrees(self):
        code, findings = conformance()
        self.assertEqual(set(findings), EVERY)
        for name, finding in findings.items():
            with self.subTest(name):
                self.assertIs(finding["as_assumed"], True, finding["observed"])
                self.assertTrue(finding["ok"], finding["product"])
        self.assertEqual(code, 0)

    def test_with_every_alternative_every_probe_sees_it(self):
        code, findings = conformance("--alternatives")
        self.assertEqual(set(findings), EVERY)
        for name, finding in findings.items():
            with self.subTest(name):
                if name in ALTERNATIVE:
                    self.assertIs(finding["as_assumed"], False, finding["observed"])
                    self.assertIs(finding["ok"], ALTERNATIVE[name], finding["product"])
                else:
                    self.assertIs(finding["as_assumed"], True, finding["observed"])
                    self.assertTrue(finding["ok"], finding["product"])
        # What the product does not handle as deployed fails the run, with its remedy.
        self.assertEqual(code, 1)
        self.assertIn("GuestTokenInterceptor=true", findings["headers-reach-target"]["product"])
        self.assertIn("CodeAttemptsPerSignIn=1", findings["wrong-code"]["product"])
        self.assertIn("proxy", findings["runtime-cors"]["product"])


if __name__ == "__main__":
    unittest.main()
