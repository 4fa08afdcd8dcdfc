"""Check that the SAM template agrees with the rest of the project where it matters:
the table keys and TTL attributes of infra/tables.json, and only environment variables that
the Rust configuration actually reads. Run with the local venv's Python (cfn-lint parses the
template, intrinsic functions included)."""

import json
import re
import sys
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]


def fail(message: str) -> None:
    print(f"template consistency: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    template, matches = decode(str(ROOT / "infra/template.yaml"))
    if matches:
        fail(f"template does not parse: {matches}")
    resources = template["Resources"]
    tables = json.loads((ROOT / "infra/tables.json").read_text())["tables"]
    config = (ROOT / "shared/auth/src/config.rs").read_text()
    known_vars = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', config))

    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    global_env = template["Globals"]["Function"]["Environment"]["Variables"]
    table_of_env: dict[str, str] = {}
    for name, fn in functions.items():
        env = {**global_env, **fn["Properties"].get("Environment", {}).get("Variables", {})}
        for var, value in env.items():
            if var.startswith("AWS_"):
                continue
            if var not in known_vars:
                fail(f"{name} sets {var}, which shared/auth/src/config.rs never reads")
            if var.endswith("_TABLE"):
                table_of_env[var] = value["Ref"]

    for table in tables:
        logical = table_of_env.get(table["env"])
        if logical is None:
            fail(f"no function gets {table['env']}")
        props = resources[logical]["Properties"]
        keys = {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]}
        types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        wanted_keys = {k["name"]: k["role"] for k in table["keys"]}
        wanted_types = {k["name"]: k["type"] for k in table["keys"]}
        if keys != wanted_keys or types != wanted_types:
            fail(f"{logical} keys {keys}/{types} differ from tables.json {wanted_keys}/{wanted_types}")
        ttl = props.get("TimeToLiveSpecification", {}).get("AttributeName")
        if ttl != table["ttl_attribute"]:
            fail(f"{logical} TTL attribute {ttl!r} differs from tables.json {table['ttl_attribute']!r}")
    print(f"template consistency: {len(tables)} tables and {len(functions)} functions agree")


if __name__ == "__main__":
    main()
