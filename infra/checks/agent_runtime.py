"""Check the agent's side of both templates against AWS's own service models and rules:

- the AgentCore Runtime and the Identity Pool, turned into the CreateAgentRuntime,
  CreateIdentityPool and SetIdentityPoolRoles requests CloudFormation makes, pass botocore's
  validator for those operations (required members, types, lengths), and their enum values are
  ones the models list;
- the Runtime is what infra/agentcore/agent-runtime.json says (the CDK app reads that file; the
  SAM template is written by hand, so it is compared here);
- its request-header allowlist keeps AWS's Runtime header rules
  (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-header-allowlist.html).

Usage: agent_runtime.py [TEMPLATE ...]; with no argument it checks the SAM template and the
synthesised CDK template. Run with the local venv's Python."""

import json
import re
import sys
from pathlib import Path

import botocore.session
from botocore.validate import ParamValidator
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "infra/agentcore/agent-runtime.json").read_text())
DEFAULTS = [ROOT / "infra/template.yaml", ROOT / "infra/cdk/cdk.out/BookingAuth.template.json"]

# Example values for what only a deployment knows, each of the form AWS returns.
ACCOUNT = "123456789012"
EXAMPLES = {
    "Arn": f"arn:aws:iam::{ACCOUNT}:role/example-role",
    "GatewayUrl": "https://example-gw.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp",
    "ProviderName": "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example1",
    "AgentRuntimeArn": f"arn:aws:bedrock-agentcore:eu-west-1:{ACCOUNT}:runtime/booking_agent-AbCdEf1234",
}


def header_problems(headers: list) -> list[str]:
    """Why AWS would refuse this RequestHeaderAllowlist, one line per problem."""
    rules = SPEC["header_rules"]
    problems = []
    if not 1 <= len(headers) <= rules["max_headers"]:
        problems.append(f"{len(headers)} headers allowlisted; 1 to {rules['max_headers']}")
    seen: set[str] = set()
    for name in headers:
        if not isinstance(name, str) or not re.fullmatch(rules["name_pattern"], name):
            problems.append(f"{name!r} is not a valid header name")
            continue
        lower = name.lower()
        if lower in seen:
            problems.append(f"{name!r} is allowlisted twice (names are case-insensitive)")
        seen.add(lower)
        exception = rules["reserved_prefix_exception"].lower()
        if any(lower.startswith(p.lower()) for p in rules["reserved_prefixes"]) and not lower.startswith(exception):
            problems.append(f"{name!r} uses a prefix AWS reserves")
        if lower in (h.lower() for h in rules["needs_jwt_authorizer"]):
            problems.append(f"{name!r} needs a custom JWT authorizer, and this runtime takes SigV4")
    return problems


def resolve(value, parameters: dict):
    """The value with parameters at their defaults and resource attributes at example values."""
    if isinstance(value, list):
        return [resolve(v, parameters) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if name in parameters:
            return str(parameters[name].get("Default", "")) or f"example-{name.lower()}"
        # botocore's validator checks types and lengths, not patterns: any id of a resource will do.
        return {"AWS::Region": "eu-west-1", "AWS::StackName": "BookingAuth", "AWS::AccountId": ACCOUNT}.get(
            name, f"example-{name.lower()}")
    if set(value) == {"Fn::GetAtt"}:
        attribute = value["Fn::GetAtt"][1] if isinstance(value["Fn::GetAtt"], list) else value["Fn::GetAtt"].split(".")[1]
        return EXAMPLES[attribute]
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(resolve(
            {"Fn::GetAtt": m.group(1)} if "." in m.group(1) else {"Ref": m.group(1)}, parameters)), value["Fn::Sub"])
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(p, parameters)) for p in parts)
    return {k: resolve(v, parameters) for k, v in value.items()}


def camel(value, keep_keys: bool = False):
    """CloudFormation's PascalCase properties as the control plane's camelCase members."""
    if isinstance(value, list):
        return [camel(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {(k if keep_keys else k[0].lower() + k[1:]): camel(v, keep_keys=k == "EnvironmentVariables") for k, v in value.items()}


def create_agent_runtime_request(props: dict) -> dict:
    request = camel(props)
    # CloudFormation takes the protocol as a string; the API as a structure.
    request["protocolConfiguration"] = {"serverProtocol": props["ProtocolConfiguration"]}
    return request


def model_problems(operation: str, service: str, request: dict) -> list[str]:
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    report = ParamValidator().validate(request, model.input_shape)
    return [f"{operation}: {line}" for line in report.generate_report().splitlines()] if report.has_errors() else []


def enum_problems(request: dict) -> list[str]:
    """botocore's validator does not check enums: these three the product depends on."""
    shape = botocore.session.get_session().get_service_model("bedrock-agentcore-control").operation_model(
        "CreateAgentRuntime").input_shape.members
    found = [
        ("runtime", request["agentRuntimeArtifact"]["codeConfiguration"]["runtime"],
         shape["agentRuntimeArtifact"].members["codeConfiguration"].members["runtime"].enum),
        ("serverProtocol", request["protocolConfiguration"]["serverProtocol"],
         shape["protocolConfiguration"].members["serverProtocol"].enum),
        ("networkMode", request["networkConfiguration"]["networkMode"], shape["networkConfiguration"].members["networkMode"].enum),
    ]
    return [f"CreateAgentRuntime: {name} {value!r} is not one of {enum}" for name, value, enum in found if value not in enum]


def spec_problems(props: dict) -> list[str]:
    code = props["AgentRuntimeArtifact"]["CodeConfiguration"]
    wanted = {
        "runtime": (code["Runtime"], SPEC["runtime"]),
        "entry point": (code["EntryPoint"], SPEC["entry_point"]),
        "protocol": (props["ProtocolConfiguration"], SPEC["protocol"]),
        "header allowlist": (props["RequestHeaderConfiguration"]["RequestHeaderAllowlist"], SPEC["request_header_allowlist"]),
    }
    problems = [f"{what} is {got!r}, agent-runtime.json says {want!r}" for what, (got, want) in wanted.items() if got != want]
    env = props.get("EnvironmentVariables", {})
    problems += [f"environment {k} is {env.get(k)!r}, agent-runtime.json says {v!r}" for k, v in SPEC["environment"].items() if env.get(k) != v]
    return problems


def template_problems(path: Path) -> list[str]:
    template, matches = decode(str(path))
    if matches:
        return [f"does not parse: {matches}"]
    resources, parameters = template["Resources"], template.get("Parameters", {})
    of_type = lambda kind: [r for r in resources.values() if r["Type"] == kind]  # noqa: E731
    runtimes, pools, attachments = (of_type(k) for k in (
        "AWS::BedrockAgentCore::Runtime", "AWS::Cognito::IdentityPool", "AWS::Cognito::IdentityPoolRoleAttachment"))
    if (len(runtimes), len(pools), len(attachments)) != (1, 1, 1):
        return [f"expected one runtime, one identity pool and one role attachment, found {len(runtimes)}, {len(pools)}, {len(attachments)}"]
    props = runtimes[0]["Properties"]
    request = create_agent_runtime_request(resolve(props, parameters))
    problems = spec_problems(props) + header_problems(props["RequestHeaderConfiguration"]["RequestHeaderAllowlist"])
    problems += model_problems("CreateAgentRuntime", "bedrock-agentcore-control", request) + enum_problems(request)
    problems += model_problems("CreateIdentityPool", "cognito-identity", resolve(pools[0]["Properties"], parameters))
    problems += model_problems("SetIdentityPoolRoles", "cognito-identity", resolve(attachments[0]["Properties"], parameters))
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or DEFAULTS
    failed = False
    for path in paths:
        for problem in template_problems(path):
            failed = True
            print(f"{path.name}: {problem}", file=sys.stderr)
    if failed:
        return 1
    print(f"agent runtime: {len(paths)} template(s) match agent-runtime.json and pass the CreateAgentRuntime, "
          "CreateIdentityPool and SetIdentityPoolRoles models and the Runtime header rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
