"""Check that the SAM template's tables have the keys and TTL attributes of infra/tables.json.
(The functions' environment needs no check: infra/generate writes it from the settings each
function declares.) Run with the local venv's Python (cfn-lint parses the template, intrinsic
functions included)."""

import json
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
    generated = json.loads((ROOT / "infra/generated/settings.json").read_text())
    # Which resource each *_TABLE variable is wired to, as infra/generate wrote it.
    table_of_env = {
        entry["variable"]: entry["resource"]
        for function in generated["functions"]
        for entry in function["environment"]
        if entry["variable"].endswith("_TABLE")
    }
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}

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
