"""The probes, in an order that shares sign-ins: three emailed codes settle everything but the
code's lifetime (`--slow`, one more) and the daily email cap (never spent on a real account)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Callable

from botocore.exceptions import ClientError

from .cognito import Pool, claims, error_code
from . import wire
from .findings import Finding
from .gateway import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_MODERN_VERSION, Gateway

# A revision no Gateway configuration may list
# (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using.html).
UNLISTED = "2024-11-05"

# Lambda's limit on the client context, base64-encoded
# (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html: "up to 3,583 bytes").
CLIENT_CONTEXT_LIMIT = 3583


@dataclass
class Context:
    pool: Pool
    address: str
    gateway: Gateway | None
    # The stack puts the guest-token interceptor in front of the targets.
    intercepted: bool
    # The header the bearer tools allowlist (infra/agentcore/gateway-targets.json).
    guest_header: str
    # The Gateway's SupportedVersions (infra/agentcore/gateway-protocol.json) and the agent's.
    versions: list[str]
    agent_version: str
    session_validity_seconds: int
    # verify-otp's OTP_MAX_ATTEMPTS: the wrong codes it counts against one sign-in.
    otp_max_attempts: int
    slow: bool
    # Makes the next code the pool sends hit its daily cap, then undoes it; None on a real
    # account, where that would spend the day's emails.
    spend_email_quota: Callable[[], object] | None = None
    # Locally, the same Gateway with the guest-token interceptor in front.
    gateway_intercepted: Gateway | None = None
    # The agent's InvokeAgentRuntime URL (None: the stack has no runtime), and an origin the
    # chat page is served from.
    runtime_url: str | None = None
    page_origin: str = "https://chat.example.com"


def run(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    tokens = wrong_code(ctx, findings)
    headers_and_context(ctx, tokens, findings)
    rotation(ctx, tokens, findings)
    global_sign_out(ctx, findings)
    findings.append(code_lifetime(ctx))
    findings.extend(protocol_versions(ctx))
    findings.append(email_cap(ctx))
    findings.append(runtime_cors(ctx))
    return findings


def wrong_code(ctx: Context, findings: list[Finding]) -> dict:
    """A wrong code, then the right one, on the same session."""
    session, code = ctx.pool.start(ctx.address)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    try:
        ctx.pool.answer(ctx.address, session, wrong)
        raise RuntimeError("Cognito accepted a wrong code")
    except ClientError as err:
        first = error_code(err)
    try:
        tokens = ctx.pool.answer(ctx.address, session, code)
        observed, assumed, second = "the right code signed in on the same session", True, ""
    except ClientError as err:
        second = error_code(err)
        observed, assumed = f"the right code was refused: {second}", False
        tokens = ctx.pool.sign_in(ctx.address)
    # With a session that dies at the first wrong code, only OTP_MAX_ATTEMPTS=1 keeps
    # INVALID_OTP from promising attempts that do not exist: the wrong code answers MAX_ATTEMPTS.
    honest = assumed or ctx.otp_max_attempts == 1
    ok = first == "CodeMismatchException" and (assumed or second == "NotAuthorizedException") and honest
    findings.append(Finding(
        "wrong-code", "an EMAIL_OTP session survives a wrong code",
        f"a wrong code: {first}; then {observed}", assumed,
        f"INVALID_OTP counts down from OTP_MAX_ATTEMPTS={ctx.otp_max_attempts}, and the right code signs in"
        if assumed else
        "a wrong code answers MAX_ATTEMPTS: ask for a new code (OTP_MAX_ATTEMPTS=1)" if honest else
        f"INVALID_OTP promises {ctx.otp_max_attempts - 1} more attempt(s) that do not exist: deploy with "
        "CodeAttemptsPerSignIn=1, verify-otp's OTP_MAX_ATTEMPTS (the right code after a wrong one gets "
        "LOGIN_NOT_FOUND: ask for a new code)",
        ok))
    return tokens


def headers_and_context(ctx: Context, tokens: dict, findings: list[Finding]) -> None:
    access = tokens["AccessToken"]
    size = client_context_size(access)
    fits = size <= CLIENT_CONTEXT_LIMIT
    findings.append(Finding(
        "client-context", "a Gateway client context with the guest's token fits Lambda's limit",
        f"an access token of {len(access)} characters makes a client context of about {size} "
        f"bytes (base64) of {CLIENT_CONTEXT_LIMIT}", fits,
        "the bearer tools get the token in the client context" if fits else
        "Lambda refuses the invocation: the tool answers the Gateway's generic error",
        fits))
    if ctx.gateway is None:
        findings.append(Finding(
            "headers-reach-target", "allowlisted request headers reach a Lambda target",
            "not probed: no Gateway URL", None, "-", True))
        return
    empty = header_arrives_empty(ctx.gateway, ctx.guest_header, access)
    how = "through the interceptor" if ctx.intercepted else "without an interceptor"
    findings.append(Finding(
        "headers-reach-target", "allowlisted request headers reach a Lambda target",
        f"{how}: get_my_reservations with the guest header answered "
        f"{'AUTH_REQUIRED: the header arrived empty' if empty else 'as a signed-in guest'}",
        not empty,
        "bearer tools act for the guest" if not empty else
        ("deploy with GuestTokenInterceptor=true: the interceptor forwards the header"
         if not ctx.intercepted else "bearer tools cannot see the guest's token"),
        not empty))
    if ctx.gateway_intercepted is not None:
        lost = header_arrives_empty(ctx.gateway_intercepted, ctx.guest_header, access)
        findings.append(Finding(
            "headers-via-interceptor", "the interceptor's forwarded header reaches a Lambda target",
            f"through the interceptor: get_my_reservations answered "
            f"{'AUTH_REQUIRED' if lost else 'as a signed-in guest'}", not lost,
            "GuestTokenInterceptor=true is the remedy when headers arrive empty" if not lost else
            "bearer tools cannot see the guest's token", not lost))


def header_arrives_empty(gateway: Gateway, header: str, access: str) -> bool:
    """Whether get_my_reservations, called with the guest header, answers as if it had none."""
    answer = asyncio.run(gateway.call("get_my_reservations", {}, {header: f"Bearer {access}"}))
    return answer.get("error_code") == "AUTH_REQUIRED"


def client_context_size(access_token: str) -> int:
    """The client context AWS's Gateway sends a Lambda target, with realistic identifiers
    (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html)."""
    key = wire.CLIENT_CONTEXT_KEYS
    custom = {
        key["gateway_id"]: "booking-auth-gateway-" + "x" * 10,
        key["target_id"]: "X" * 10,
        key["message_version"]: wire.MESSAGE_VERSION,
        key["tool_name"]: f"reservations{wire.TOOL_SEPARATOR}get_my_reservations",
        key["session_id"]: str(uuid.uuid4()),
        key["mcp_message_id"]: "12",
        key["aws_request_id"]: str(uuid.uuid4()),
        key["propagated_headers"]: {
            wire.GUEST_TOKEN_HEADER.lower(): f"Bearer {access_token}",
            wire.CONVERSATION_HEADER.lower(): str(uuid.uuid4()),
        },
    }
    document = {"client": {}, "custom": custom, "env": {}}
    return len(base64.b64encode(json.dumps(document, separators=(",", ":")).encode()))


def rotation(ctx: Context, tokens: dict, findings: list[Finding]) -> None:
    """A refresh, then revoking the refresh token it rotated away."""
    renewed = ctx.pool.refresh(tokens["RefreshToken"])
    before, after = claims(tokens["AccessToken"]), claims(renewed["AccessToken"])
    rotated = "RefreshToken" in renewed
    kept = before.get("origin_jti") == after.get("origin_jti")
    # The deny-list marks a sign-in under both: one surviving the refresh is enough.
    auth_time_kept = before.get("auth_time") == after.get("auth_time")
    findings.append(Finding(
        "origin-jti", "a refresh (with rotation) keeps the sign-in's origin_jti",
        f"{'rotation on' if rotated else 'rotation off'}: origin_jti "
        f"{'kept' if kept else 'changed'}, auth_time {'kept' if auth_time_kept else 'changed'}",
        kept,
        "a sign-out refuses every access token of the sign-in" if kept or auth_time_kept else
        "NEITHER deny-list key survives a refresh: a sign-out refuses only the presented "
        "generation; sign out globally to end the older ones",
        kept or auth_time_kept))
    if not rotated:
        findings.append(Finding(
            "revoke-rotated", "revoking a rotated-away refresh token revokes the whole family",
            "not probed: the app client does not rotate refresh tokens", None, "-", True))
        ctx.pool.clean_up(tokens["RefreshToken"])
        return
    try:
        ctx.pool.revoke(tokens["RefreshToken"])
        revoked = "RevokeToken of the old token succeeded"
    except ClientError as err:
        revoked = f"RevokeToken of the old token: {error_code(err)}"
    try:
        ctx.pool.refresh(renewed["RefreshToken"])
        family = False
    except ClientError as err:
        family = error_code(err) == "NotAuthorizedException"
    findings.append(Finding(
        "revoke-rotated", "revoking a rotated-away refresh token revokes the whole family",
        f"{revoked}; the newest refresh token {'was refused' if family else 'still works'}",
        family,
        "the chat's sign-out ends the sign-in" if family else
        "the transport also signs out over HTTP with the page's newest refresh token",
        True))
    ctx.pool.clean_up(renewed["RefreshToken"])


def global_sign_out(ctx: Context, findings: list[Finding]) -> None:
    """A global sign-out, RevokeToken after it, and a sign-in finished in the same second."""
    signed_in = ctx.pool.sign_in(ctx.address)
    # The next sign-in's code is in hand before the sign-out, so that sign-in can finish within
    # the sign-out's second.
    session, code = ctx.pool.start(ctx.address)
    while time.time() % 1 > 0.3:
        time.sleep(0.05)
    signed_out_second = ctx.pool.global_sign_out(signed_in["AccessToken"])
    fresh = ctx.pool.answer(ctx.address, session, code)
    try:
        ctx.pool.revoke(signed_in["RefreshToken"])
        revoke, revoke_ok, revoke_assumed = "RevokeToken succeeded", True, True
    except ClientError as err:
        code_ = error_code(err)
        revoke, revoke_assumed = f"RevokeToken answered {code_}", False
        # sign_out maps NotAuthorizedException to REFRESH_FAILED, which it takes as signed out.
        revoke_ok = code_ == "NotAuthorizedException"
    findings.append(Finding(
        "revoke-after-global", "RevokeToken accepts a refresh token GlobalSignOut just invalidated",
        revoke, revoke_assumed,
        "sign_out answers success and writes both marks" if revoke_ok else
        "sign_out answers an upstream error although the guest is signed out", revoke_ok))
    iat = claims(fresh["AccessToken"]).get("iat")
    accepted, why = ctx.pool.accepts(fresh["AccessToken"])
    same = iat == signed_out_second
    findings.append(Finding(
        "same-second", "a token minted in the same second as a global sign-out is a new sign-in",
        (f"minted in the sign-out's second; Cognito's GetUser {'accepted it' if accepted else 'refused it: ' + why}"
         if same else f"minted {iat - signed_out_second} s after the sign-out: not the same second, "
         "run again to settle it"),
        accepted if same else None,
        "our readers refuse it either way (it may predate the sign-out): the guest signs in again",
        True))
    ctx.pool.clean_up(fresh["RefreshToken"])


def code_lifetime(ctx: Context) -> Finding:
    name, assumption = "code-lifetime", "the emailed code lives as long as the sign-in session"
    if not ctx.slow:
        return Finding(name, assumption,
                       f"not probed: pass --slow (waits {ctx.session_validity_seconds} s)",
                       None, "-", True)
    session, code = ctx.pool.start(ctx.address)
    # Typed near the session's end: 10 s before it (a third of it, for a short local one).
    validity = ctx.session_validity_seconds
    time.sleep(validity - min(10, validity // 3))
    try:
        tokens = ctx.pool.answer(ctx.address, session, code)
        ctx.pool.clean_up(tokens["RefreshToken"])
        return Finding(name, assumption, "the code worked near the session's end", True,
                       "the guest has the whole session to type the code", True)
    except ClientError as err:
        code_ = error_code(err)
        return Finding(name, assumption, f"refused near the session's end: {code_}", False,
                       "OTP_EXPIRED: the guest is asked to request a new code",
                       code_ in ("ExpiredCodeException", "NotAuthorizedException", "CodeMismatchException"))


def protocol_versions(ctx: Context) -> list[Finding]:
    """Each listed revision asked for by name, an unlisted one, and what the official SDK's
    default connection negotiates."""
    name = "protocol-versions"
    assumption = ("the Gateway serves each listed handshake revision and refuses (or counters) "
                  "an unlisted one")
    if ctx.gateway is None:
        return [Finding(name, assumption, "not probed: no Gateway URL", None, "-", True)]
    handshake = [v for v in ctx.versions if v in HANDSHAKE_PROTOCOL_VERSIONS]
    answers = {v: asyncio.run(ctx.gateway.initialize(v)) for v in [*handshake, UNLISTED]}
    served = [v for v in handshake if answers[v][1] == v]
    status, named, error = answers[UNLISTED]
    unlisted = (f"the unlisted {UNLISTED} was answered with {named}" if named else
                f"the unlisted {UNLISTED} was refused ({status} {error})")
    negotiated, discovered = asyncio.run(ctx.gateway.negotiate())
    exact = served == handshake and named in (None, *ctx.versions)
    findings = [Finding(
        name, assumption, f"served {', '.join(served) or 'none'} of {', '.join(handshake)}; {unlisted}",
        exact,
        f"the agent's MCP SDK negotiated {negotiated}: "
        + ("listed, its tool calls work" if negotiated in ctx.versions else "NOT listed"),
        negotiated in ctx.versions)]
    modern = [v for v in ctx.versions if v not in HANDSHAKE_PROTOCOL_VERSIONS]
    if modern:
        reached = LATEST_MODERN_VERSION in discovered and not discovered.startswith("refused")
        findings.append(Finding(
            "modern-revision", f"the listed stateless revision ({', '.join(modern)}) is served by server/discover",
            f"server/discover at {LATEST_MODERN_VERSION}: {discovered}", reached,
            f"the agent's SDK uses it" if reached else
            f"the agent's SDK stays on the handshake ({negotiated}), which works",
            negotiated in ctx.versions))
    return findings


def email_cap(ctx: Context) -> Finding:
    name = "email-cap"
    assumption = "Cognito's spent daily email cap reads \"Exceeded daily email limit\""
    if ctx.spend_email_quota is None:
        return Finding(name, assumption,
                       "not probed: it would spend the pool's emails for the day", None, "-", True)
    undo = ctx.spend_email_quota()
    try:
        ctx.pool.start(ctx.address)
        # A code went out: the cap was not reached, so nothing is settled.
        return Finding(name, assumption, "a code was sent: the cap did not apply", None, "-", True)
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", "")
        observed = f"{error_code(err)}: {message}"
        # The functions' own rule (shared/auth/src/aws/upstream.rs).
        matches = error_code(err) == "LimitExceededException" and wire.DAILY_EMAIL_CAP in message.lower()
    finally:
        undo()
    return Finding(name, assumption, observed, matches,
                   "EMAIL_QUOTA_EXCEEDED (not retryable) and EmailQuotaAlarm" if matches else
                   "RATE_LIMITED; UpstreamErrorsAlarm fires, EmailQuotaAlarm stays quiet", True)


# The headers AWS's JavaScript SDK sets on an InvokeAgentRuntime request that a browser lets a
# page set (not Host, Content-Length or User-Agent), and the guest's token header: the preflight
# asks for all of them.
INVOKE_HEADERS = [
    "amz-sdk-invocation-id", "amz-sdk-request", "authorization", "content-type",
    "x-amz-content-sha256", "x-amz-date", "x-amz-security-token", "x-amz-user-agent",
    "x-amzn-bedrock-agentcore-runtime-session-id",
]


def runtime_invocation_url(endpoint: str, runtime_arn: str) -> str:
    """Where InvokeAgentRuntime goes (the ARN URL-encoded in the path)
    (https://docs.aws.amazon.com/bedrock-agentcore/latest/APIReference/API_InvokeAgentRuntime.html)."""
    return f"{endpoint.rstrip('/')}/runtimes/{urllib.parse.quote(runtime_arn, safe='')}/invocations?qualifier=DEFAULT"


def runtime_cors(ctx: Context) -> Finding:
    """The preflight a browser sends before the page's first InvokeAgentRuntime."""
    name = "runtime-cors"
    assumption = "AgentCore Runtime's data plane answers a browser's CORS preflight for InvokeAgentRuntime"
    if ctx.runtime_url is None:
        return Finding(name, assumption, "not probed: the stack has no agent runtime (AgentCodeBucket empty)",
                       None, "-", True)
    asked = [*INVOKE_HEADERS, ctx.guest_header.lower()]
    request = urllib.request.Request(ctx.runtime_url, method="OPTIONS", headers={
        "Origin": ctx.page_origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ",".join(asked)})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as err:
        status, headers = err.code, err.headers
    origin = headers.get("Access-Control-Allow-Origin")
    allowed = {h.strip().lower() for h in (headers.get("Access-Control-Allow-Headers") or "").split(",") if h.strip()}
    missing = [] if "*" in allowed else [h for h in asked if h not in allowed]
    answered = 200 <= status < 300 and origin in ("*", ctx.page_origin) and not missing
    observed = (f"{status}; Access-Control-Allow-Origin: {origin or 'absent'}"
                + (f"; headers not allowed: {', '.join(missing)}" if missing and origin else ""))
    return Finding(name, assumption, observed, answered,
                   "the page calls InvokeAgentRuntime from the browser with the Identity Pool's credentials"
                   if answered else
                   "a browser cannot call the runtime: the page needs a proxy of your own that calls "
                   "InvokeAgentRuntime for it (this product ships none)", answered)
