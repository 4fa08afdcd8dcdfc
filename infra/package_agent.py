"""Build the agent's code package for AgentCore Runtime, and optionally upload it.

The package is what AWS's direct code deployment takes: a .zip with the entry point at its root
and every dependency beside it, built for the runtime's Linux arm64 from wheels only
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-get-started-code-deploy.html).
Versions are agent/constraints.txt's, the Python version and platforms agent-runtime.json's.
The archive is reproducible (sorted entries, fixed times, POSIX modes 0644/0755), and named by
its SHA-256, so a new build is a new key and CloudFormation sees the change.

Usage: scripts/package-agent [--out DIR] [--upload s3://BUCKET/PREFIX]
Prints the package's path, and with --upload the stack parameters AgentCodeBucket and AgentCodeKey."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# PyPA's packaging, pinned in agent/constraints.txt (this runs in the agent's venv): names and pins
# read as pip reads them.
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SPEC = json.loads((ROOT / "infra/agentcore/agent-runtime.json").read_text())
AGENT = ROOT / "agent"
# The ELF machine number of AArch64: a native library built for anything else cannot load there.
EM_AARCH64 = 183
# A fixed time for every entry: the same inputs give the same bytes.
EPOCH = (2020, 1, 1, 0, 0, 0)


class PackageError(Exception):
    pass


def install_wheels(target: Path) -> None:
    platforms = [arg for p in SPEC["wheel_platforms"] for arg in ("--platform", p)]
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), *platforms, "--python-version", SPEC["python_version"],
        "--implementation", "cp", "--only-binary=:all:", "--no-compile",
        "-r", str(AGENT / "requirements.txt"), "-c", str(AGENT / "constraints.txt"),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise PackageError(f"pip could not fetch the arm64 wheels:\n{done.stderr.strip()}")


def copy_agent(target: Path) -> None:
    for entry in SPEC["entry_point"]:
        shutil.copy2(AGENT / entry, target / entry)
    shutil.copytree(AGENT / "booking_agent", target / "booking_agent", ignore=shutil.ignore_patterns("__pycache__"))


def elf_machine(path: Path) -> int | None:
    with path.open("rb") as f:
        header = f.read(20)
    if header[:4] != b"\x7fELF":
        return None
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def foreign_libraries(tree: Path) -> list[str]:
    """Native libraries in the tree that are not AArch64 (none may be)."""
    out = []
    for path in sorted(tree.rglob("*.so*")):
        if path.is_file() and elf_machine(path) not in (None, EM_AARCH64):
            out.append(str(path.relative_to(tree)))
    return out


def pinned_versions() -> dict[str, str]:
    """agent/constraints.txt as {canonical name: version}."""
    out = {}
    for line in (AGENT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            [pin] = requirement.specifier
            out[canonicalize_name(requirement.name)] = pin.version
    return out


def unpinned(tree: Path) -> list[str]:
    """Distributions in the tree whose version is not the one agent/constraints.txt pins."""
    pins = pinned_versions()
    out = []
    for info in sorted(tree.glob("*.dist-info")):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        pinned = pins.get(canonicalize_name(name))
        if pinned != version:
            out.append(f"{name} {version} (constraints: {pinned or 'not pinned'})")
    return out


def write_zip(tree: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(tree.rglob("*")):
            relative = path.relative_to(tree).as_posix()
            info = zipfile.ZipInfo(relative + ("/" if path.is_dir() else ""), EPOCH)
            mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
            info.external_attr = ((0o040000 if path.is_dir() else 0o100000) | mode) << 16
            if path.is_dir():
                archive.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "package"
        install_wheels(tree)
        # Console scripts pip writes name this machine's interpreter: useless on the runtime.
        shutil.rmtree(tree / "bin", ignore_errors=True)
        copy_agent(tree)
        problems = [f"not AArch64: {p}" for p in foreign_libraries(tree)] + [f"not the pinned version: {p}" for p in unpinned(tree)]
        if problems:
            raise PackageError("\n".join(problems))
        staging = Path(tmp) / "package.zip"
        write_zip(tree, staging)
        digest = hashlib.sha256(staging.read_bytes()).hexdigest()
        final = out_dir / f"booking-agent-{digest}.zip"
        shutil.move(staging, final)
        return final


def upload(package: Path, destination: str) -> tuple[str, str]:
    if not destination.startswith("s3://"):
        raise PackageError("--upload takes s3://BUCKET/PREFIX")
    bucket, _, prefix = destination[len("s3://"):].partition("/")
    key = f"{prefix.strip('/')}/{package.name}" if prefix.strip("/") else package.name
    import boto3  # the agent's own dependency: present wherever this script runs

    boto3.client("s3").upload_file(str(package), bucket, key)
    return bucket, key


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/package-agent", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "target/agent-package")
    parser.add_argument("--upload", metavar="s3://BUCKET/PREFIX")
    args = parser.parse_args(argv)
    try:
        package = build(args.out)
        print(f"package: {package} ({package.stat().st_size / 1e6:.1f} MB)")
        if args.upload:
            bucket, key = upload(package, args.upload)
            print(f"AgentCodeBucket={bucket} AgentCodeKey={key}")
    except PackageError as e:
        print(f"package-agent: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
