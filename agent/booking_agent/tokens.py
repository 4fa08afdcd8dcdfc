"""The guest's secrets in one conversation, kept by the agent's code and out of the model's reach.

The model sees a tool result with every secret replaced by MARKER, and passes MARKER back where a
tool wants one; the code puts the real value into the call just before it runs and sends the access
token to the Gateway in the guest-token header. So a token never enters the model's context, its
output, or the conversation history, and a model cannot hand a tool a token of its own.

What is kept, and for how long (docs/security.md):
- the access token only for the turn that presented it (the guest-token header) or received it
  (the `verify_otp` turn, for the calls that follow in that turn): every later turn brings its own;
- the refresh token from sign-in until sign-out, a session the functions refuse, or eviction, and
  used only to sign out (`RevokeToken` takes nothing else) on a turn that proved the guest;
- the sign-in handle from `initiate_login` to `verify_otp`; the ID token never.
The agent never refreshes: the guest's page holds the refresh token too and renews over HTTP, so a
stolen access token cannot be turned into new tokens through a conversation.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from .wire import FILLED_ARGUMENTS, SECRET_OUTPUTS, TOKEN_ARGUMENTS, TOOL_SEPARATOR

MARKER = "[kept by the agent's code]"

# What a result may carry that the model must not see (the tokens of an `auth_tokens` event, the
# login handle of `initiate_login`), and the arguments the code fills in from them, per tool: the
# contract types' `Secret` fields (wire.py).

# The code removes TOKEN_ARGUMENTS from every call: the access token travels in the guest-token
# header only.

# What the model is told when a call cannot run in this turn.
NOT_HERE = {
    "verify_otp": "No sign-in code is pending in this conversation: call initiate_login first.",
    "refresh": "The guest's app renews their session itself: tell the guest their session expired and to send their message again.",
    "sign_out": "This conversation cannot sign the guest out: tell the guest to sign out with the app's sign-out button.",
}
NOT_PROVEN = "This request did not prove who the guest is: ask the guest to sign in with their email address first."

# Failures after which the conversation's session is over.
SESSION_ENDED = ("REFRESH_FAILED", "INVALID_TOKEN")


def tool_name(gateway_name: str) -> str:
    """The contract's tool name of a Gateway tool (`<target>___<tool>`)."""
    return gateway_name.split(TOOL_SEPARATOR, 1)[1] if TOOL_SEPARATOR in gateway_name else gateway_name


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
    thread, so reads and writes hold a lock.

    `begin_turn` says what this turn proved: the access token it may use, and whether the stored
    secrets may be used (a turn that proved the bound guest with a token that has not expired).
    `end_turn` forgets the turn's access token. With `keep_across_turns` (only the negative control
    of the binding tests) nothing is per turn: the conversation's tokens serve any caller, and the
    stored refresh token renews them, as a session id trusted as identity would."""

    def __init__(self, keep_across_turns: bool = False) -> None:
        self._lock = threading.Lock()
        self._keep_across_turns = keep_across_turns
        self._access: str | None = None
        self._refresh: str | None = None
        self._session: str | None = None
        self._secrets_usable = keep_across_turns
        # The `sub` a sign-in in this conversation delivered tokens for, and whether the functions
        # ended the session since: read by the conversation after the turn.
        self.signed_in_sub: str | None = None
        self.ended = False

    def begin_turn(self, access_token: str | None, secrets_usable: bool) -> None:
        with self._lock:
            if self._keep_across_turns:
                self._access = access_token or self._access
                return
            self._access = access_token
            self._secrets_usable = secrets_usable

    def end_turn(self) -> None:
        with self._lock:
            if not self._keep_across_turns:
                self._access = None
                self._secrets_usable = False

    def access_token(self) -> str | None:
        with self._lock:
            return self._access

    def forget(self) -> None:
        """Drop every secret: the conversation is over, or its guest's session is."""
        with self._lock:
            self._access = self._refresh = self._session = None
            self._secrets_usable = False

    def holds_secrets(self) -> bool:
        with self._lock:
            return self._refresh is not None or self._session is not None

    def remember(self, tool: str, output: Any) -> None:
        """Keep what a tool result delivers; forget the session when it ended."""
        if not isinstance(output, dict):
            return
        with self._lock:
            if output.get("success") is True:
                if tool == "initiate_login" and isinstance(output.get("session_token"), str):
                    self._session = output["session_token"]
                if output.get("event_type") == "auth_tokens":
                    # The turn that carried the right code is the guest: the rest of it may use
                    # what it received.
                    self._access = output.get("access_token")
                    self._refresh = output.get("refresh_token")
                    self._session = None
                    self._secrets_usable = True
                    if tool == "verify_otp" and isinstance(output.get("cognito_sub"), str):
                        self.signed_in_sub = output["cognito_sub"]
                if tool == "sign_out":
                    self._access = self._refresh = None
                    self.ended = True
            elif output.get("error_code") in SESSION_ENDED:
                self._access = self._refresh = None
                self.ended = True

    def missing(self, tool: str) -> str | None:
        """Why `tool` cannot run in this turn: a secret it needs was never delivered here, or this
        turn did not prove the guest who owns it. The agent drives no refresh of its own."""
        with self._lock:
            if tool == "refresh" and not self._keep_across_turns:
                return NOT_HERE["refresh"]
            known = {"session_token": self._session, "refresh_token": self._refresh}
            usable = self._secrets_usable
        needed = FILLED_ARGUMENTS.get(tool, ())
        if any(known[name] is None for name in needed):
            return NOT_HERE[tool]
        # The sign-in handle is proven by the code that goes with it; the rest by this turn's token.
        if tool != "verify_otp" and needed and not usable:
            return NOT_PROVEN
        return None

    def fill(self, tool: str, arguments: Any) -> dict[str, Any]:
        """The arguments a tool runs with: the model's, with the secrets put in by the code."""
        filled = {k: v for k, v in (arguments or {}).items() if k not in TOKEN_ARGUMENTS}
        with self._lock:
            known = {"session_token": self._session, "refresh_token": self._refresh}
        # Whatever the model put there is replaced: it never chooses a secret.
        for name in FILLED_ARGUMENTS.get(tool, ()):
            filled[name] = known[name] if known[name] is not None else MARKER
        return filled
