"""The guest's secrets in one conversation, kept by the agent's code and out of the model's reach.

The model sees a tool result with every secret replaced by MARKER, and passes MARKER back where a
tool wants one; the code puts the real value into the call just before it runs and sends the access
token to the Gateway in the guest-token header. So a token never enters the model's context, its
output, or the conversation history, and a model cannot hand a tool a token of its own.
"""

from __future__ import annotations

import json
import threading
from typing import Any

MARKER = "[kept by the agent's code]"

# What a tool result may carry that the model must not see: the tokens of an `auth_tokens` event
# and the login handle of `initiate_login`.
SECRET_OUTPUTS = ("id_token", "access_token", "refresh_token", "session_token")

# Arguments the code fills in, per tool, from what earlier results delivered.
FILLED_ARGUMENTS = {
    "verify_otp": ("session_token",),
    "refresh": ("refresh_token",),
    "sign_out": ("refresh_token",),
}

# Arguments the code removes: the access token travels in the guest-token header only.
DROPPED_ARGUMENTS = ("auth_token", "access_token")

# What the model is told when a call needs a secret this conversation never received.
NOT_HERE = {
    "verify_otp": "No sign-in code is pending in this conversation: call initiate_login first.",
    "refresh": "This conversation holds no refresh token: the guest's app renews its own session. Tell the guest their session expired and to try again.",
    "sign_out": "This conversation holds no refresh token: tell the guest to sign out with the app's sign-out button.",
}

# Failures after which the conversation's session is over.
SESSION_ENDED = ("REFRESH_FAILED", "INVALID_TOKEN")


def tool_name(gateway_name: str) -> str:
    """The contract's tool name of a Gateway tool (`<target>___<tool>`)."""
    return gateway_name.split("___", 1)[1] if "___" in gateway_name else gateway_name


def parse_output(text: str) -> Any:
    """A tool's JSON output from the Gateway's text content; the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def for_model(output: Any) -> Any:
    """A copy of `output` with every secret field replaced by MARKER."""
    if not isinstance(output, dict):
        return output
    return {k: (MARKER if k in SECRET_OUTPUTS and isinstance(v, str) else v) for k, v in output.items()}


class GuestTokens:
    """One conversation's secrets. Calls come from the agent's event loop and the MCP client's
    thread, so reads and writes hold a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._session: str | None = None

    def use_access_token(self, token: str) -> None:
        """A token the frontend sent with this turn: newer than one the conversation delivered."""
        with self._lock:
            self._access = token

    def access_token(self) -> str | None:
        with self._lock:
            return self._access

    def remember(self, tool: str, output: Any) -> None:
        """Keep what a tool result delivers; forget the session when it ended."""
        if not isinstance(output, dict):
            return
        with self._lock:
            if output.get("success") is True:
                if tool == "initiate_login" and isinstance(output.get("session_token"), str):
                    self._session = output["session_token"]
                if output.get("event_type") == "auth_tokens":
                    self._access = output.get("access_token")
                    self._refresh = output.get("refresh_token")
                    self._session = None
                if tool == "sign_out":
                    self._access = self._refresh = None
            elif output.get("error_code") in SESSION_ENDED:
                self._access = self._refresh = None

    def missing(self, tool: str) -> str | None:
        """Why `tool` cannot run in this conversation, if a secret it needs was never delivered here
        (a new conversation has the frontend's access token only: its refresh token stays there)."""
        with self._lock:
            known = {"session_token": self._session, "refresh_token": self._refresh}
        if any(known[name] is None for name in FILLED_ARGUMENTS.get(tool, ())):
            return NOT_HERE[tool]
        return None

    def fill(self, tool: str, arguments: Any) -> dict[str, Any]:
        """The arguments a tool runs with: the model's, with the secrets put in by the code."""
        filled = {k: v for k, v in (arguments or {}).items() if k not in DROPPED_ARGUMENTS}
        with self._lock:
            known = {"session_token": self._session, "refresh_token": self._refresh}
        # Whatever the model put there is replaced: it never chooses a secret.
        for name in FILLED_ARGUMENTS.get(tool, ()):
            filled[name] = known[name] if known[name] is not None else MARKER
        return filled
