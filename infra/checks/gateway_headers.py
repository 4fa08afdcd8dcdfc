"""Fail any template whose AgentCore Gateway targets allowlist a header AWS would refuse.

AWS's Gateway header-propagation page lists the restricted headers, which "cannot be configured
for propagation" (Authorization among them: it reaches a target only from a REQUEST interceptor):
https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-headers.html
MetadataConfiguration allows at most 10 request headers of 1 to 100 characters:
https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_MetadataConfiguration.html
The rules are data in infra/agentcore/header-rules.json, which the Rust functions and the local
Gateway read too. botocore's bedrock-agentcore-control model and cfn-lint do not encode them.

Usage: gateway_headers.py [TEMPLATE ...]; with no argument it checks the SAM template, the
synthesised CDK template and infra/agentcore/gateway-targets.json. Run with the local venv's
Python (cfn-lint parses the YAML, intrinsic functions included)."""

import json
import re
import sys
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
RULES = json.loads((ROOT / "infra/agentcore/header-rules.json").read_text())
DEFAULTS = [
    ROOT / "infra/template.yaml",
    ROOT / "infra/cdk/cdk.out/BookingAuth.template.json",
    ROOT / "infra/agentcore/gateway-targets.json",
]


def name_problem(name: object) -> str | None:
    """Why AWS would refuse one AllowedRequestHeaders entry, or None."""
    if not isinstance(name, str):
        return f"{name!r} is not a literal header name (a parameter would escape this check)"
    if not (1 <= len(name) <= RULES["max_name_length"]) or not re.fullmatch(RULES["name_pattern"], name):
        return f"{name!r} is not a valid header name (letters, digits, '-', '_'; at most {RULES['max_name_length']})"
    lower = name.lower()
    if lower in (r.lower() for r in RULES["restricted"]):
        hint = " (it reaches a target only from a REQUEST interceptor)" if lower in (
            r.lower() for r in RULES["interceptor_only"]) else ""
        return f"{name!r} is a restricted header and cannot be allowlisted{hint}"
    for prefix in RULES["reserved_prefixes"]:
        if lower.startswith(prefix.lower()):
            return f"{name!r} uses the reserved prefix {prefix}"
    return None


def allowlist_problems(headers: list) -> list[str]:
    problems = []
    if len(headers) > RULES["max_allowed_request_headers"]:
        problems.append(f"{len(headers)} headers allowlisted; at most {RULES['max_allowed_request_headers']}")
    seen: set[str] = set()
    for name in headers:
        problem = name_problem(name)
        if problem:
            problems.append(problem)
        elif name.lower() in seen:
            problems.append(f"{name!r} is allowlisted twice (names are case-insensitive)")
        else:
            seen.add(name.lower())
    return problems


def targets_of(path: Path) -> dict[str, list]:
    """Each Gateway target's AllowedRequestHeaders, by target."""
    if path.name == "gateway-targets.json":
        return {t["function"]: t["allowedRequestHeaders"] for t in json.loads(path.read_text())}
    template, matches = decode(str(path))
    if matches:
        raise SystemExit(f"{path}: does not parse: {matches}")
    return {
        name: r.get("Properties", {}).get("MetadataConfiguration", {}).get("AllowedRequestHeaders", [])
        for name, r in template.get("Resources", {}).items()
        if r.get("Type") == "AWS::BedrockAgentCore::GatewayTarget"
    }


def check(path: Path) -> list[str]:
    targets = targets_of(path)
    if not targets:
        return [f"{path}: no AgentCore Gateway targets found"]
    return [f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {target}: {p}"
            for target, headers in targets.items() for p in allowlist_problems(list(headers))]


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or DEFAULTS
    problems = [p for path in paths for p in check(path)]
    for problem in problems:
        print(f"gateway headers: {problem}", file=sys.stderr)
    if not problems:
        print(f"gateway headers: {len(paths)} template(s) allowlist only headers AWS propagates")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
