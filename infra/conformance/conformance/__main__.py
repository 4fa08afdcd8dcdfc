"""scripts/conformance: see README, "Where AWS is silent".

  scripts/conformance --stack NAME --email ADDRESS [--region R] [--mailbox prompt|s3://BUCKET/PREFIX] [--slow]
  scripts/conformance --local [--alternatives]

Against a deployed stack it needs the caller's AWS credentials (Cognito admin calls on the pool,
bedrock-agentcore:InvokeGateway on the Gateway, CloudFormation DescribeStacks, Lambda
GetFunctionConfiguration on verify-otp) and an address
the operator can read that has no user in the pool yet: it creates that user, signs it in three
times (three emailed codes; four with --slow), and deletes it at the end.

`--local` starts the local stack and runs the same probes against the Cognito stand-in, the
local Gateway and the local Runtime front door; `--alternatives` sets the stand-in and the Gateway to the alternative of every
assumption, so both ways are checked (README command 2 runs both).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3

from . import probes
from .cognito import Pool
from .findings import print_report, write_json
from .gateway import Gateway, SigV4
from .local import LocalStack
from .mailbox import Prompt, S3Mailbox, redact

ROOT = Path(__file__).resolve().parents[3]


def checked_in() -> tuple[list[str], str]:
    """The Gateway's SupportedVersions and the header the bearer tools allowlist, from the files
    both stacks deploy."""
    protocol = json.loads((ROOT / "infra/agentcore/gateway-protocol.json").read_text())
    targets = json.loads((ROOT / "infra/agentcore/gateway-targets.json").read_text())
    bearer = next(t for t in targets if t["function"] == "reservations")
    header = next(h for h in bearer["allowedRequestHeaders"] if "authorization" in h.lower())
    return protocol["Mcp"]["SupportedVersions"], header


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/conformance", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="the deployed CloudFormation stack's name")
    where.add_argument("--local", action="store_true", help="start and probe the local stack")
    parser.add_argument("--alternatives", action="store_true",
                        help="with --local: the stand-in and Gateway play every alternative")
    parser.add_argument("--region")
    parser.add_argument("--email", help="an address you can read, with no user in the pool")
    parser.add_argument("--mailbox", default="prompt",
                        help="'prompt' (type each code) or s3://BUCKET/PREFIX (an SES receipt rule)")
    parser.add_argument("--slow", action="store_true",
                        help="also probe the code's lifetime (waits out the sign-in session)")
    parser.add_argument("--agent-version", required=True,
                        help="the MCP revision the agent's SDK asks for (scripts/conformance fills it in)")
    parser.add_argument("--json", help="also write the findings here")
    args = parser.parse_args()
    if args.stack and not args.email:
        parser.error("--stack needs --email")
    if args.alternatives and not args.local:
        parser.error("--alternatives needs --local")
    return args


def deployed(args: argparse.Namespace, versions: list[str], header: str,
             session=None) -> probes.Context:
    session = session or boto3.session.Session(region_name=args.region)
    stack = session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    idp = session.client("cognito-idp")
    client = idp.describe_user_pool_client(UserPoolId=outputs["UserPoolId"],
                                           ClientId=outputs["UserPoolClientId"])["UserPoolClient"]
    mailbox = (S3Mailbox(session.client("s3"), args.mailbox) if args.mailbox.startswith("s3://")
               else Prompt())
    verify_otp = session.client("lambda").get_function_configuration(
        FunctionName=outputs["VerifyOtpFunctionArn"])
    attempts = verify_otp.get("Environment", {}).get("Variables", {}).get("OTP_MAX_ATTEMPTS", "3")
    url = outputs.get("GatewayUrl")
    gateway = Gateway(url, SigV4(session.get_credentials(), session.region_name)) if url else None
    runtime_arn = outputs.get("AgentRuntimeArn")
    # The data plane's endpoint as botocore resolves it for this Region.
    agentcore = session.client("bedrock-agentcore")
    runtime_url = probes.runtime_invocation_url(agentcore.meta.endpoint_url, runtime_arn) if runtime_arn else None
    origins = [o.strip() for o in (parameters.get("CorsAllowedOrigins") or "").split(",") if o.strip()]
    return probes.Context(
        pool=Pool(idp, outputs["UserPoolId"], outputs["UserPoolClientId"], mailbox),
        address=args.email, gateway=gateway,
        intercepted=parameters.get("GuestTokenInterceptor") == "true",
        guest_header=header, versions=versions, agent_version=args.agent_version,
        session_validity_seconds=60 * int(client.get("AuthSessionValidity", 3)),
        otp_max_attempts=int(attempts),
        slow=args.slow, runtime_url=runtime_url,
        **({"page_origin": origins[0]} if origins else {}))


def main() -> int:
    args = parse()
    versions, header = checked_in()
    local = LocalStack(ROOT, alternatives=args.alternatives) if args.local else None
    try:
        if local:
            ctx = local.context(versions, header, args.agent_version)
        else:
            ctx = deployed(args, versions, header)
        created = ctx.pool.create_user(ctx.address)
        if not created:
            print(f"{redact(ctx.address)} already has a user in the pool: a global sign-out would "
                  "sign it out everywhere. Pass an address of its own.", file=sys.stderr)
            return 2
        try:
            findings = probes.run(ctx)
        finally:
            ctx.pool.delete_user(ctx.address)
    finally:
        if local:
            local.stop()
    print_report(findings)
    if args.json:
        write_json(args.json, findings)
    return 0 if all(f.ok for f in findings) else 1


if __name__ == "__main__":
    sys.exit(main())
