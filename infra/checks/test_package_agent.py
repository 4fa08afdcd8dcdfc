"""The agent's code package: built from the pinned arm64 wheels, reproducible, with the entry
point at its root; and the checks that guard it refuse what they must (negative controls).
Run with the agent's venv (.local/agent-venv), whose pip builds the package."""

import os
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import package_agent as pa  # noqa: E402


class PackageAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.first = pa.build(Path(cls.tmp.name) / "a")
        cls.second = pa.build(Path(cls.tmp.name) / "b")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_same_inputs_give_the_same_bytes(self):
        self.assertEqual(self.first.name, self.second.name)
        self.assertEqual(self.first.read_bytes(), self.second.read_bytes())

    def test_the_entry_point_and_the_agent_sit_at_the_root_with_posix_modes(self):
        with zipfile.ZipFile(self.first) as archive:
            names = set(archive.namelist())
            self.assertTrue(set(pa.SPEC["entry_point"]) <= names)
            self.assertIn("booking_agent/__main__.py", names)
            self.assertIn("bedrock_agentcore/__init__.py", names)
            self.assertFalse([n for n in names if "__pycache__" in n or n.startswith("bin/")])
            modes = {(archive.getinfo(n).external_attr >> 16) & 0o777 for n in names}
            self.assertLessEqual(modes, {0o644, 0o755})

    def test_a_library_for_another_machine_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp)
            # An ELF header whose machine is x86-64 (62), and one for AArch64 (183).
            (tree / "x86.so").write_bytes(b"\x7fELF\x02\x01" + b"\0" * 12 + (62).to_bytes(2, "little"))
            (tree / "arm.so").write_bytes(b"\x7fELF\x02\x01" + b"\0" * 12 + (183).to_bytes(2, "little"))
            self.assertEqual(pa.foreign_libraries(tree), ["x86.so"])

    def test_a_version_other_than_the_pinned_one_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp)
            pins = pa.pinned_versions()
            (tree / f"PyJWT-{pins['pyjwt']}.dist-info").mkdir()
            (tree / "strands_agents-0.0.1.dist-info").mkdir()
            self.assertEqual(len(pa.unpinned(tree)), 1)

    def test_the_entry_point_starts_the_agent(self):
        # Without its settings the agent refuses to start, which shows main.py reached it.
        done = subprocess.run([sys.executable, str(pa.AGENT / "main.py")], capture_output=True, text=True,
                              env={"PATH": os.environ.get("PATH", "")}, timeout=60)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("booking_agent: AGENT_GATEWAY_URL", done.stderr)


if __name__ == "__main__":
    unittest.main()
