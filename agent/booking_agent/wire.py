"""The facts the agent shares with the functions, read from `wire.json` beside this file, which
`infra/generate` writes from their one home in Rust (the AgentCore wire module and the contract
types' `Secret` fields); a Rust test fails when the copy is stale."""

from __future__ import annotations

import json
from pathlib import Path

_WIRE = json.loads((Path(__file__).parent / "wire.json").read_text(encoding="utf-8"))

# Gateway names a tool `<target>___<tool>`.
TOOL_SEPARATOR: str = _WIRE["tool_separator"]
# The header the guest's token travels in (unless GUEST_TOKEN_HEADER names another), and the one
# that names the conversation.
DEFAULT_GUEST_TOKEN_HEADER: str = _WIRE["guest_token_header"]
CONVERSATION_HEADER: str = _WIRE["conversation_header"]

_SECRETS = _WIRE["secret_fields"]
# What a tool result may carry that the model must not see.
SECRET_OUTPUTS: tuple[str, ...] = tuple(_SECRETS["outputs"])
# Arguments that can carry the guest's token instead of the guest-token header (any tool).
TOKEN_ARGUMENTS: tuple[str, ...] = tuple(
    sorted({tool["token_argument"] for tool in _SECRETS["tools"].values() if tool["token_argument"]})
)
# Per tool, the secret arguments an earlier result delivered, which the code fills in: a secret
# argument no result carries (the code the guest types) stays the model's to pass on.
FILLED_ARGUMENTS: dict[str, tuple[str, ...]] = {
    name: filled
    for name, tool in _SECRETS["tools"].items()
    if (filled := tuple(a for a in tool["secret_arguments"] if a in SECRET_OUTPUTS and a != tool["token_argument"]))
}
