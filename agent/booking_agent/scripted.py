"""A deterministic model for the local journey and the tests: a Strands model provider that decides
its next tool call or reply from the conversation alone, as a language model would from the same
messages, so the whole topology runs without one. It sees exactly what a deployed model would see:
the messages, the tool specs and the system prompt; it writes each request it gets to a file when
asked (SCRIPTED_MODEL_RECORD), which is how the tests check that no token ever reaches a model.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from strands.models.model import Model

from .tokens import tool_name

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CODE = re.compile(r"^\s*(\d{6,8})\s*$")
SIGN_OUT = re.compile(r"\b(sign|log)\s*(me\s+)?(out|off)\b", re.IGNORECASE)
EVERYWHERE = re.compile(r"\b(everywhere|all (my )?devices)\b", re.IGNORECASE)
RESERVATIONS = re.compile(r"\b(reservations?|bookings?|my stays?)\b", re.IGNORECASE)
BOOK = re.compile(r"\bbook\b", re.IGNORECASE)

ASK_EMAIL = "To do that I need to verify your identity first: what is your name and email address?"


@dataclass(frozen=True)
class Reply:
    text: str


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]


def _blocks(message: dict[str, Any], kind: str) -> list[Any]:
    return [block[kind] for block in message.get("content", []) if kind in block]


def _result_output(result: dict[str, Any]) -> Any:
    for content in result.get("content", []):
        if "json" in content:
            return content["json"]
        if "text" in content:
            try:
                return json.loads(content["text"])
            except ValueError:
                return content["text"]
    return None


class Conversation:
    """What the messages say so far: the tool calls with their outputs, and the guest's words."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        calls: dict[str, tuple[str, dict[str, Any]]] = {}
        # (tool, input, output) in order, and the index of the guest's last text message.
        self.results: list[tuple[str, dict[str, Any], Any]] = []
        # The tools called since the guest last wrote.
        self.this_turn: list[str] = []
        self.last_user_text = ""
        for message in messages:
            for use in _blocks(message, "toolUse"):
                calls[use["toolUseId"]] = (tool_name(use["name"]), use.get("input") or {})
            for result in _blocks(message, "toolResult"):
                tool, arguments = calls.get(result["toolUseId"], ("", {}))
                self.results.append((tool, arguments, _result_output(result)))
                self.this_turn.append(tool)
            texts = _blocks(message, "text")
            if message.get("role") == "user" and texts:
                self.last_user_text = " ".join(texts)
                self.this_turn = []

    def delivered_tokens(self) -> bool:
        """Whether a sign-in or refresh in this conversation delivered tokens (and no sign-out ended them)."""
        for name, _, output in reversed(self.results):
            if not isinstance(output, dict):
                continue
            if name == "sign_out" and output.get("success"):
                return False
            if output.get("event_type") == "auth_tokens":
                return True
        return False

    def pending_login(self) -> tuple[str, Any] | None:
        """The email and session of a code sent and not yet used, if any."""
        for name, arguments, output in reversed(self.results):
            if name in ("verify_otp", "sign_out") and isinstance(output, dict) and output.get("success"):
                return None
            if name == "initiate_login" and isinstance(output, dict) and output.get("success"):
                return arguments.get("email", ""), output.get("session_token")
        return None

    def asked_for(self) -> str:
        """What the guest wanted before being asked to sign in: 'reservations', 'book' or ''."""
        for message in reversed(self.messages):
            if message.get("role") != "user":
                continue
            text = " ".join(_blocks(message, "text"))
            if RESERVATIONS.search(text):
                return "reservations"
            if BOOK.search(text):
                return "book"
        return ""


def _reservations_text(output: dict[str, Any]) -> str:
    rows = output.get("reservations") or []
    if not rows:
        return "You have no reservations with us yet."
    lines = [
        f"- {r.get('property_name')}, {r.get('room_type')}: {r.get('check_in')} to {r.get('check_out')} ({r.get('status')}, {r.get('reservation_id')})"
        for r in rows
    ]
    return "Here are your reservations:\n" + "\n".join(lines)


def _after_result(c: Conversation, tool: str, arguments: dict[str, Any], output: Any) -> Reply | Call:
    """The next step after a tool answered."""
    if tool == "refresh" and not isinstance(output, dict):
        # The agent's code refused it: the guest's app renews the session and sends the message again.
        return Reply("Your session needs renewing; one moment please.")
    if not isinstance(output, dict):
        return Reply("The tool did not answer; please try again in a moment.")
    code = output.get("error_code")
    if tool == "initiate_login":
        if output.get("success"):
            return Reply(
                f"I've sent a verification code to {output.get('delivery')}. Please type the code from the email here."
            )
        return Reply(output.get("message") or "I could not send a code.")
    if tool == "refresh" and output.get("success"):
        # The only call that makes this model refresh is an expired reservations call: retry it.
        return Call("get_my_reservations", {})
    if tool == "verify_otp" and output.get("success"):
        # Go on with what the guest asked for before signing in.
        if c.asked_for() == "reservations":
            return Call("get_my_reservations", {})
        if c.asked_for() == "book":
            return Reply("You're signed in. I can show your reservations; new bookings are made by the front desk.")
        return Reply("You're signed in. You can ask me about your reservations.")
    if tool == "verify_otp":
        if code in ("MAX_ATTEMPTS", "OTP_EXPIRED", "LOGIN_NOT_FOUND"):
            return Reply(f"{output.get('message')} What is your email address, so I can send a new code?")
        return Reply(output.get("message") or "That code did not work.")
    if tool == "refresh":
        return Reply("Your session has ended. Please sign in again: what is your email address?")
    if tool == "get_my_reservations":
        if output.get("success"):
            return Reply(_reservations_text(output))
        if code == "TOKEN_EXPIRED" and "refresh" not in c.this_turn and c.delivered_tokens():
            # Refresh once and retry once (the tool descriptions' rule), with the refresh token
            # this conversation delivered; without one, the guest's app renews its own session.
            return Call("refresh", _refresh_token(c))
        if code == "TOKEN_EXPIRED":
            return Reply("Your session has expired. Please try again in a moment.")
        if code in ("AUTH_REQUIRED", "INVALID_TOKEN"):
            return Reply(f"To see your reservations I need to sign you in. {ASK_EMAIL}")
        return Reply(output.get("message") or "I could not read your reservations.")
    if tool == "sign_out":
        return Reply(output.get("message") or "You are signed out.")
    return Reply(output.get("message") or "Done.")


def _refresh_token(c: Conversation) -> dict[str, Any]:
    """The refresh token as the conversation shows it (a marker: the agent's code holds it)."""
    for _, _, output in reversed(c.results):
        if isinstance(output, dict) and output.get("event_type") == "auth_tokens":
            return {"refresh_token": output.get("refresh_token")}
    return {"refresh_token": ""}


def decide(messages: list[dict[str, Any]]) -> Reply | Call:
    """The model's next step for a conversation."""
    c = Conversation(messages)
    last = messages[-1] if messages else {}
    results = _blocks(last, "toolResult")
    if results:
        tool, arguments, output = c.results[-1]
        return _after_result(c, tool, arguments, output)
    text = c.last_user_text
    pending = c.pending_login()
    code = CODE.match(text)
    if code and pending:
        email, session = pending
        return Call("verify_otp", {"email": email, "otp_code": code.group(1), "session_token": session})
    if SIGN_OUT.search(text):
        arguments = _refresh_token(c)
        if EVERYWHERE.search(text):
            arguments["global"] = True
        return Call("sign_out", arguments)
    email = EMAIL.search(text)
    if email:
        return Call("initiate_login", {"email": email.group(0)})
    if code:
        return Reply("I don't have a code on the way for you. What is your email address?")
    if RESERVATIONS.search(text):
        return Call("get_my_reservations", {})
    if BOOK.search(text):
        return Reply(f"I'd be happy to help with your booking. {ASK_EMAIL}")
    return Reply("Hello! I can show your bookings once you are signed in. What is your email address?")


class ScriptedModel(Model):
    """The Strands model provider around `decide`."""

    def __init__(self, record: str | None = None) -> None:
        self._config: dict[str, Any] = {"model_id": "scripted"}
        self._record = record
        self._record_lock = threading.Lock()

    def update_config(self, **model_config: Any) -> None:
        self._config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return self._config

    async def structured_output(self, output_model: Any, prompt: Any, system_prompt: str | None = None, **kwargs: Any) -> AsyncGenerator[dict[str, Any], None]:
        raise NotImplementedError("the scripted model has no structured output")
        yield {}  # pragma: no cover - makes this an async generator

    def _write_record(self, messages: Any, tool_specs: Any, system_prompt: Any) -> None:
        if not self._record:
            return
        line = json.dumps({"messages": messages, "tool_specs": tool_specs, "system_prompt": system_prompt}, default=str)
        with self._record_lock, open(self._record, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    async def stream(self, messages: Any, tool_specs: Any = None, system_prompt: str | None = None, **kwargs: Any) -> AsyncGenerator[dict[str, Any], None]:
        self._write_record(messages, tool_specs, system_prompt)
        step = decide(list(messages))
        yield {"messageStart": {"role": "assistant"}}
        if isinstance(step, Call):
            # The Gateway names tools `<target>___<tool>`: call the one whose tool name matches.
            names = [spec["name"] for spec in tool_specs or []]
            name = next((n for n in names if tool_name(n) == step.tool), step.tool)
            use_id = f"tooluse_{uuid.uuid4().hex}"
            yield {"contentBlockStart": {"start": {"toolUse": {"name": name, "toolUseId": use_id}}}}
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(step.arguments)}}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "tool_use"}}
        else:
            yield {"contentBlockStart": {"start": {}}}
            # A few deltas, as a model streams.
            words = step.text.split(" ")
            for i in range(0, len(words), 4):
                chunk = " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")
                yield {"contentBlockDelta": {"delta": {"text": chunk}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "end_turn"}}
        yield {"metadata": {"usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}, "metrics": {"latencyMs": 0}}}
