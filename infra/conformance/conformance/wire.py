"""AgentCore's wire facts, and how Cognito words its daily email cap, as the functions know them:
infra/generated/wire.json, which infra/generate writes from the Rust code every function shares."""

from __future__ import annotations

import json
from pathlib import Path

_WIRE = json.loads((Path(__file__).resolve().parents[2] / "generated" / "wire.json").read_text(encoding="utf-8"))

TOOL_SEPARATOR: str = _WIRE["tool_separator"]
GUEST_TOKEN_HEADER: str = _WIRE["guest_token_header"]
CONVERSATION_HEADER: str = _WIRE["conversation_header"]
MESSAGE_VERSION: str = _WIRE["message_version"]
# The client-context keys a Lambda target receives, by role (gateway_id, tool_name, …).
CLIENT_CONTEXT_KEYS: dict[str, str] = _WIRE["client_context_keys"]
# What the message of a LimitExceededException says when the pool's email sender spent its day.
DAILY_EMAIL_CAP: str = _WIRE["cognito_daily_email_cap"]
