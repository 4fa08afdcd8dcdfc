"""The agent's settings, from the environment (AgentCore Runtime passes them as its environment
variables; locally the stack sets them)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .identity import TrustedIssuer
from .wire import DEFAULT_GUEST_TOKEN_HEADER

SCRIPTED = "scripted"
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it, never a value that may be secret."""


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    raise ConfigError(f"{name}: expected true or false")


def _seconds(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError as e:
        raise ConfigError(f"{name}: expected a number of seconds") from e
    if not low <= value <= high:
        raise ConfigError(f"{name}: expected {low:g} to {high:g} seconds")
    return value


def pool_issuers(region: str, pool: str) -> tuple[TrustedIssuer, ...]:
    """The issuers whose tokens are accepted, with where each publishes its keys: the same rule as
    the functions' `CognitoConfig` (both issuer formats Cognito mints, replica regions, a local
    Cognito endpoint's keys, or `COGNITO_ISSUER` alone;
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html)."""
    override = os.environ.get("COGNITO_ISSUER", "").strip().rstrip("/")
    if override:
        return (TrustedIssuer(override, f"{override}/.well-known/jwks.json"),)
    regions = [region]
    for replica in (r.strip() for r in os.environ.get("COGNITO_REPLICA_REGIONS", "").split(",")):
        if replica and not REGION.match(replica):
            raise ConfigError(f"COGNITO_REPLICA_REGIONS: {replica!r} is not a region name like eu-central-1")
        if replica and replica not in regions:
            regions.append(replica)
    endpoint = (
        os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") or os.environ.get("AWS_ENDPOINT_URL") or ""
    ).strip().rstrip("/")
    names = [f"https://cognito-idp.{r}.amazonaws.com/{pool}" for r in regions]
    names.append(f"https://issuer-cognito-idp.{region}.amazonaws.com/{pool}")
    return tuple(
        TrustedIssuer(iss, f"{endpoint}/{pool}/.well-known/jwks.json" if endpoint else f"{iss}/.well-known/jwks.json")
        for iss in names
    )


@dataclass(frozen=True)
class Settings:
    # The AgentCore Gateway's MCP endpoint (`https://<gateway-id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp`).
    gateway_url: str
    # How requests to the Gateway are authorized: "aws_iam" (SigV4, the Gateway's AWS_IAM inbound
    # auth, as infra/ deploys it) or "none" (the local Gateway).
    gateway_auth: str
    region: str
    # "scripted" (the deterministic local model) or a Bedrock model id.
    model: str
    # The header the agent's code sends the guest's access token in, to the Gateway and from the
    # frontend; the Gateway targets allowlist it.
    guest_token_header: str
    # Origins a browser page may call the agent from (local only: in production a backend invokes it).
    cors_origins: tuple[str, ...]
    # Off only for the negative control of the token test: the model then sees the raw results.
    keep_tokens_from_model: bool
    # Where the scripted model writes every request it gets, one JSON line each (tests read it).
    model_record: str | None
    # Conversations kept in memory at once (AgentCore Runtime gives each session its own microVM;
    # locally one process serves them all).
    max_conversations: int
    # The user pool whose access tokens prove a guest: its issuers (with their JWKS) and app client.
    issuers: tuple[TrustedIssuer, ...] = ()
    client_id: str = ""
    # Clock skew allowed on `exp` (the functions' JWT_LEEWAY_SECONDS).
    jwt_leeway_seconds: float = 1.0
    # A conversation idle this long is dropped with its secrets: AgentCore Runtime's default idle
    # session timeout, after which it ends the session's microVM anyway
    # (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-lifecycle-settings.html).
    conversation_idle_seconds: float = 900.0
    # Off only for the negative control of the binding tests: the session id alone then decides
    # whose secrets a turn uses, as before conversations were bound to guests.
    bind_sessions: bool = True

    @classmethod
    def from_env(cls) -> "Settings":
        gateway_url = os.environ.get("AGENT_GATEWAY_URL", "").strip()
        if not gateway_url:
            raise ConfigError("AGENT_GATEWAY_URL: the AgentCore Gateway's MCP endpoint is required")
        gateway_auth = os.environ.get("AGENT_GATEWAY_AUTH", "aws_iam").strip().lower()
        if gateway_auth not in ("aws_iam", "none"):
            raise ConfigError("AGENT_GATEWAY_AUTH: expected aws_iam or none")
        try:
            max_conversations = int(os.environ.get("AGENT_MAX_CONVERSATIONS", "1000"))
        except ValueError as e:
            raise ConfigError("AGENT_MAX_CONVERSATIONS: expected a whole number") from e
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
        pool = os.environ.get("USER_POOL_ID", "").strip()
        if not pool.startswith(f"{region}_"):
            raise ConfigError(f"USER_POOL_ID: expected the user pool's id, of the form {region}_XXXXXXXXX")
        client_id = os.environ.get("USER_POOL_CLIENT_ID", "").strip()
        if not client_id:
            raise ConfigError("USER_POOL_CLIENT_ID: the app client whose access tokens prove a guest is required")
        return cls(
            gateway_url=gateway_url,
            gateway_auth=gateway_auth,
            region=region,
            model=os.environ.get("AGENT_MODEL", "").strip() or SCRIPTED,
            guest_token_header=os.environ.get("GUEST_TOKEN_HEADER", "").strip() or DEFAULT_GUEST_TOKEN_HEADER,
            cors_origins=tuple(o.strip() for o in os.environ.get("AGENT_CORS_ORIGINS", "").split(",") if o.strip()),
            keep_tokens_from_model=_flag("AGENT_KEEP_TOKENS_FROM_MODEL", True),
            model_record=os.environ.get("SCRIPTED_MODEL_RECORD") or None,
            max_conversations=max(1, max_conversations),
            issuers=pool_issuers(region, pool),
            client_id=client_id,
            jwt_leeway_seconds=_seconds("JWT_LEEWAY_SECONDS", 1.0, 0.0, 300.0),
            conversation_idle_seconds=_seconds("AGENT_CONVERSATION_IDLE_SECONDS", 900.0, 1.0, 28800.0),
            bind_sessions=_flag("AGENT_BIND_SESSIONS", True),
        )
