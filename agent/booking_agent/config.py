"""The agent's settings, from the environment (AgentCore Runtime passes them as its environment
variables; locally the stack sets them)."""

from __future__ import annotations

import os
from dataclasses import dataclass

SCRIPTED = "scripted"


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
        return cls(
            gateway_url=gateway_url,
            gateway_auth=gateway_auth,
            region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1",
            model=os.environ.get("AGENT_MODEL", "").strip() or SCRIPTED,
            guest_token_header=os.environ.get("GUEST_TOKEN_HEADER", "").strip() or "X-Guest-Authorization",
            cors_origins=tuple(o.strip() for o in os.environ.get("AGENT_CORS_ORIGINS", "").split(",") if o.strip()),
            keep_tokens_from_model=_flag("AGENT_KEEP_TOKENS_FROM_MODEL", True),
            model_record=os.environ.get("SCRIPTED_MODEL_RECORD") or None,
            max_conversations=max(1, max_conversations),
        )
