"""Check that the SAM template and the CDK app describe the same stack where it matters: the
parameters, the user pool and app client, the tables (keys, TTL, recovery, encryption), each
function's runtime, memory, timeout, environment variable names and values, HTTP route and IAM
actions per resource, the HTTP API's CORS and throttling per route, the Gateway targets' tool
definitions, and the agent's side: its AgentCore Runtime, the Identity Pool, and the three roles'
trust and policies.

Reads infra/template.yaml and the synthesised infra/cdk/cdk.out/BookingAuth.template.json
(`npm run synth` in infra/cdk). Run with the local venv's Python (cfn-lint parses the SAM
template, intrinsic functions included)."""

import json
import re
import sys
from pathlib import Path

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
CDK_TEMPLATE = ROOT / "infra/cdk/cdk.out/BookingAuth.template.json"
# CDK chooses the architecture at synth time (context) and adds its bootstrap check; SAM takes
# the architecture as a parameter.
PARAMETERS_OF_ONE_TOOL = {"Architecture", "BootstrapVersion"}

problems: list[str] = []


def differ(what: str, sam, cdk) -> None:
    if sam != cdk:
        problems.append(f"{what}:\n  SAM: {json.dumps(sam, sort_keys=True)}\n  CDK: {json.dumps(cdk, sort_keys=True)}")


def normalise(value):
    """One spelling for intrinsics: cfn-lint keeps `!GetAtt X.Arn` as a dotted string."""
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], str):
            return {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def target_of(reference) -> str:
    """The logical id a Ref or GetAtt points at (CDK's hash suffix removed)."""
    if "Fn::If" in reference:
        # `!If [Cond, X, AWS::NoValue]`: a grant that exists under a condition.
        condition, then, _ = reference["Fn::If"]
        return f"{target_of(then)} if {condition}"
    if "Ref" in reference:
        name = reference["Ref"]
    elif "Fn::GetAtt" in reference:
        name = reference["Fn::GetAtt"][0]
    else:
        raise ValueError(f"not a reference: {reference}")
    return stem(name)


def stem(logical_id: str) -> str:
    return re.sub(r"[0-9A-F]{8}$", "", logical_id)


def actions_by_resource(statements) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in statements:
        if s.get("Effect") != "Allow":
            problems.append(f"unexpected statement {s}")
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        for resource in resources:
            key = target_of(resource) if isinstance(resource, dict) else resource
            out[key] = sorted(set(out.get(key, []) + actions))
    return out


def xray_only(statement) -> bool:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    return all(a.startswith("xray:") for a in actions)


def sam_functions(sam: dict) -> dict[str, dict]:
    resources = sam["Resources"]
    globals_ = sam["Globals"]["Function"]
    out = {}
    for logical, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        props = {**globals_, **r["Properties"]}
        env = {**globals_["Environment"]["Variables"], **r["Properties"].get("Environment", {}).get("Variables", {})}
        statements = [st for policy in props.get("Policies", []) for st in policy["Statement"]]
        routes = sorted(f'{e["Properties"]["Method"]} {e["Properties"]["Path"]}' for e in props.get("Events", {}).values())
        out[logical] = {
            "Runtime": props["Runtime"],
            "Handler": props["Handler"],
            "MemorySize": props["MemorySize"],
            "Timeout": props["Timeout"],
            "Tracing": props.get("Tracing", "PassThrough"),
            "Architecture default": sam["Parameters"]["Architecture"]["Default"],
            "Environment": {k: describe_env(v) for k, v in env.items()},
            "Routes": routes,
            "Grants": actions_by_resource(statements),
        }
    return out


def describe_env(value):
    """Environment values compared by what they point at, not by how each tool spells it."""
    if isinstance(value, dict):
        if "Ref" in value or "Fn::GetAtt" in value:
            return {"ref": target_of(value)}
        if "Fn::Join" in value:
            parts = value["Fn::Join"][1]
            parts = [describe_env(v) for v in parts] if isinstance(parts, list) else describe_env(parts)
            return {"join": value["Fn::Join"][0], "of": parts}
    return value


def cdk_functions(cdk: dict) -> dict[str, dict]:
    resources = cdk["Resources"]
    routes: dict[str, list[str]] = {}
    integrations = {k: r for k, r in resources.items() if r["Type"] == "AWS::ApiGatewayV2::Integration"}
    for r in resources.values():
        if r["Type"] == "AWS::ApiGatewayV2::Route":
            integration = r["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
            fn = target_of(integrations[integration]["Properties"]["IntegrationUri"])
            routes.setdefault(fn, []).append(r["Properties"]["RouteKey"])
    out = {}
    for logical, r in resources.items():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        props = r["Properties"]
        role = props["Role"]["Fn::GetAtt"][0]
        statements = [
            st
            for p in resources.values()
            if p["Type"] == "AWS::IAM::Policy" and {"Ref": role} in p["Properties"]["Roles"]
            for st in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        statements += [st for p in resources[role]["Properties"].get("Policies", []) for st in p["PolicyDocument"]["Statement"]]
        # Active tracing: CDK writes the X-Ray grant as a statement, SAM as the managed policy
        # AWSXrayWriteOnlyAccess; both compare as "Tracing": "Active".
        statements = [st for st in statements if not xray_only(st)]
        out[stem(logical)] = {
            "Runtime": props["Runtime"],
            "Handler": props["Handler"],
            "MemorySize": props["MemorySize"],
            "Timeout": props["Timeout"],
            "Tracing": props.get("TracingConfig", {}).get("Mode", "PassThrough"),
            "Architecture default": props["Architectures"][0],
            "Environment": {k: describe_env(v) for k, v in props["Environment"]["Variables"].items()},
            "Routes": sorted(routes.get(stem(logical), [])),
            "Grants": actions_by_resource(statements),
        }
    return out


def resources_of_type(template: dict, kind: str) -> dict[str, dict]:
    return {stem(k): r for k, r in template["Resources"].items() if r["Type"] == kind}


def gateway(template: dict) -> dict:
    """The Gateway's properties but its name (each tool spells the stack-name join its own way)."""
    [resource] = resources_of_type(template, "AWS::BedrockAgentCore::Gateway").values()
    props = {k: unhash(v) for k, v in resource["Properties"].items() if k != "Name"}
    return {**props, "RoleArn": target_of(props["RoleArn"])}


def unhash(value):
    """References anywhere in a value, with CDK's hash suffix removed from the logical ids."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], list):
            return {"Fn::GetAtt": [stem(value["Fn::GetAtt"][0]), *value["Fn::GetAtt"][1:]]}
        return {k: unhash(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unhash(v) for v in value]
    return value


def canon(value):
    """A value with `!Sub` and `Fn::Join` strings written out as one string, references as
    `${Id}` / `${Id.Attr}` (CDK's hash suffix removed), and one-element Action and Resource lists
    as their element: the two tools spell the same ARN and statement differently."""
    if isinstance(value, list):
        return [canon(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return "${%s}" % (value["Ref"] if value["Ref"].startswith("AWS::") else stem(value["Ref"]))
    if set(value) == {"Fn::GetAtt"}:
        logical, attribute = value["Fn::GetAtt"]
        return "${%s.%s}" % (stem(logical), attribute)
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"]
    if set(value) == {"Fn::Join"} and value["Fn::Join"][0] == "":
        return "".join(str(canon(part)) for part in value["Fn::Join"][1])
    out = {k: canon(v) for k, v in value.items()}
    for key in ("Action", "Resource"):
        if isinstance(out.get(key), list):
            out[key] = sorted(out[key]) if len(out[key]) > 1 else out[key][0]
    return out


AGENT_SIDE = {
    "AWS::BedrockAgentCore::Runtime": ["AgentRuntime"],
    "AWS::Cognito::IdentityPool": ["IdentityPool"],
    "AWS::Cognito::IdentityPoolRoleAttachment": ["IdentityPoolRoles"],
    "AWS::IAM::Role": ["AgentRuntimeRole", "GuestRole", "SignedInRole"],
}


def agent_side(template: dict) -> dict:
    """The agent's runtime, the Identity Pool and their roles: properties and conditions."""
    out = {}
    for kind, names in AGENT_SIDE.items():
        found = resources_of_type(template, kind)
        for name in names:
            r = found.get(name)
            out[name] = None if r is None else {"Condition": r.get("Condition"), "Properties": canon(r["Properties"])}
    return out


def gateway_role_grants(template: dict) -> dict[str, list[str]]:
    role = resources_of_type(template, "AWS::IAM::Role").get("GatewayRole")
    if role is None:
        return {}
    return actions_by_resource(st for p in role["Properties"].get("Policies", []) for st in p["PolicyDocument"]["Statement"])


def main() -> None:
    if not CDK_TEMPLATE.exists():
        sys.exit(f"{CDK_TEMPLATE} is missing: run `npm run synth` in infra/cdk first")
    sam, matches = decode(str(ROOT / "infra/template.yaml"))
    if matches:
        sys.exit(f"template.yaml does not parse: {matches}")
    sam = normalise(sam)
    cdk = normalise(json.loads(CDK_TEMPLATE.read_text()))

    sam_params = {k: v for k, v in sam["Parameters"].items() if k not in PARAMETERS_OF_ONE_TOOL}
    cdk_params = {k: v for k, v in cdk["Parameters"].items() if k not in PARAMETERS_OF_ONE_TOOL}
    differ("parameter names", sorted(sam_params), sorted(cdk_params))
    for name in set(sam_params) & set(cdk_params):
        for field in ("Type", "Default", "AllowedValues", "MinValue", "MaxValue"):
            s, c = sam_params[name].get(field), cdk_params[name].get(field)
            # CDK writes numbers in AllowedValues as strings; CloudFormation compares them as text.
            if field == "AllowedValues" and s is not None:
                s = [str(v) for v in s]
            if field == "Default" and s is not None and c is not None:
                s, c = str(s), str(c)
            differ(f"parameter {name}.{field}", s, c)
    differ("conditions", sam["Conditions"], {k: v for k, v in cdk["Conditions"].items() if k != "CDKMetadataAvailable"})

    for kind in ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::DynamoDB::Table"):
        s_all, c_all = resources_of_type(sam, kind), resources_of_type(cdk, kind)
        differ(f"{kind} resources", sorted(s_all), sorted(c_all))
        for name in set(s_all) & set(c_all):
            differ(f"{name} properties", s_all[name]["Properties"], c_all[name]["Properties"])
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                differ(f"{name} {policy}", s_all[name].get(policy), c_all[name].get(policy))

    s_fns, c_fns = sam_functions(sam), cdk_functions(cdk)
    differ("functions", sorted(s_fns), sorted(c_fns))
    for name in set(s_fns) & set(c_fns):
        for field in s_fns[name]:
            differ(f"{name} {field}", s_fns[name][field], c_fns[name][field])

    def targets(template):
        return {
            r["Properties"]["Name"]: {
                "function": target_of(r["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["LambdaArn"]),
                "headers": r["Properties"].get("MetadataConfiguration", {}).get("AllowedRequestHeaders", []),
                "credentials": r["Properties"]["CredentialProviderConfigurations"],
                "tools": r["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"],
            }
            for r in resources_of_type(template, "AWS::BedrockAgentCore::GatewayTarget").values()
        }

    def http_api(template):
        """The HTTP API's CORS and its throttling per route (SAM sets both on the HttpApi; CDK the
        CORS on the Api and the throttling on its default Stage)."""
        (api,) = [
            *resources_of_type(template, "AWS::Serverless::HttpApi").values(),
            *resources_of_type(template, "AWS::ApiGatewayV2::Api").values(),
        ]
        stages = list(resources_of_type(template, "AWS::ApiGatewayV2::Stage").values())
        throttled = stages[0]["Properties"] if stages else api["Properties"]
        cors = dict(api["Properties"]["CorsConfiguration"])
        cors["AllowMethods"] = sorted(cors.get("AllowMethods", []))
        return {
            "cors": cors,
            "default route": throttled.get("DefaultRouteSettings"),
            "routes": throttled.get("RouteSettings"),
        }

    def alarms(template):
        return {
            logical: {k: v for k, v in r["Properties"].items() if k != "AlarmName"}
            for logical, r in resources_of_type(template, "AWS::CloudWatch::Alarm").items()
        }

    def rules(template):
        # CDK adds its own bootstrap-version rule; the stack's own rules must be the same.
        return {k: v for k, v in template.get("Rules", {}).items() if k != "CheckBootstrapVersion"}

    # What a deployment hands its users (and scripts/conformance reads): the same output names.
    differ("outputs", sorted(sam.get("Outputs", {})), sorted(cdk.get("Outputs", {})))
    differ("alarms", alarms(sam), alarms(cdk))
    differ("rules", rules(sam), rules(cdk))
    differ("HTTP API", http_api(sam), http_api(cdk))
    differ("gateway targets", targets(sam), targets(cdk))
    differ("gateway", gateway(sam), gateway(cdk))
    differ("gateway role grants", gateway_role_grants(sam), gateway_role_grants(cdk))
    s_agent, c_agent = agent_side(sam), agent_side(cdk)
    for name in s_agent:
        if s_agent[name] is None or c_agent[name] is None:
            problems.append(f"{name}: missing from {'SAM' if s_agent[name] is None else 'CDK'}")
        else:
            for field in ("Condition", "Properties"):
                differ(f"{name} {field}", s_agent[name][field], c_agent[name][field])

    if problems:
        print("SAM and CDK disagree:\n" + "\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"SAM and CDK agree: {len(s_fns)} functions, {len(resources_of_type(sam, 'AWS::DynamoDB::Table'))} tables, "
          f"{len(targets(sam))} gateway targets, {len(alarms(sam))} alarms, {len(rules(sam))} rules, {len(sam_params)} parameters, "
          f"{len(s_agent)} agent-side resources")


if __name__ == "__main__":
    main()
