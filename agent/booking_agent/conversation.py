"""One conversation of the agent: who it is bound to, and the rooms its turns run in.

A session id is state, never identity. A conversation is bound to a guest's `sub` when a sign-in
succeeds in it (the turn carried the right code) or when a turn proves a guest with a verified
access token while it is bound to nobody. From then on a turn is the guest's only when its request
carries an access token of that `sub` (identity.py): it runs in the guest's room, with the history
and the secrets the guest's turns built. Any other turn runs in a visitor room of its own: no
history of the guest's (which holds their bookings), no token, no stored secret, and the model told
to treat the person as anonymous. So knowing a session id gives a caller nothing of the guest's.

A sign-in in the visitor room (a right code) rebinds the conversation to whoever signed in, and the
guest room before it is closed, its history and secrets dropped. Sign-out, or a session the
functions refuse, closes the guest's room the same way: the conversation starts again anonymous.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from strands import Agent
from strands.hooks import AfterToolCallEvent, BeforeToolCallEvent, HookProvider, HookRegistry
from strands.models.model import Model

from .config import SCRIPTED, Settings
from .gateway import gateway_client
from .identity import Proof
from .scripted import ScriptedModel
from .tokens import GuestTokens, for_model, parse_output, tool_name

log = logging.getLogger("booking_agent")

SYSTEM_PROMPT = """You are the booking assistant of a hotel group, in a web chat.
Guests sign in with a one-time code sent to their email: ask for their email address, call
initiate_login, ask them for the code, call verify_otp. Signed-in guests can see their own
reservations with get_my_reservations. The guest's tokens are handled by the application's code:
where a tool result shows "[kept by the agent's code]", pass that text back unchanged; never ask the
guest for a token and never invent one. Keep answers short."""

# Added for a visitor's turn in a conversation bound to a guest: the request did not prove it is
# that guest, and this room holds none of their history.
VISITOR_NOTE = """
This request did not prove who is writing: treat them as an anonymous visitor. For their bookings
or their account, ask them to sign in with their email address first."""


def make_model(settings: Settings) -> Model:
    if settings.model == SCRIPTED:
        return ScriptedModel(record=settings.model_record)
    # Imported here: the local journey never loads Bedrock's client.
    from strands.models.bedrock import BedrockModel

    return BedrockModel(model_id=settings.model, region_name=settings.region)


class TokenGuard(HookProvider):
    """Puts the guest's secrets into tool calls, and takes them out of tool results, for the model.

    What the frontend gets of each result is kept in `delivered` for this turn's stream: an
    `auth_tokens` event whole, anything else without its secrets."""

    def __init__(self, tokens: GuestTokens, keep_from_model: bool) -> None:
        self.tokens = tokens
        self.keep_from_model = keep_from_model
        self.delivered: dict[str, Any] = {}

    def register_hooks(self, registry: HookRegistry, **_: Any) -> None:
        registry.add_callback(BeforeToolCallEvent, self.before_call)
        registry.add_callback(AfterToolCallEvent, self.after_call)

    def before_call(self, event: BeforeToolCallEvent) -> None:
        tool = tool_name(event.tool_use["name"])
        # Not called with a made-up secret, nor with one this turn may not use.
        missing = self.tokens.missing(tool)
        if missing:
            event.cancel_tool = missing
            return
        # A new dict: the model's own tool use, which stays in the history, keeps its markers.
        event.tool_use = {**event.tool_use, "input": self.tokens.fill(tool, event.tool_use.get("input"))}

    def after_call(self, event: AfterToolCallEvent) -> None:
        result = event.result
        texts = [c["text"] for c in result.get("content", []) if "text" in c]
        if result.get("status") != "success" or len(texts) != 1:
            return
        tool = tool_name(event.tool_use["name"])
        output = parse_output(texts[0])
        self.tokens.remember(tool, output)
        # The frontend gets the tokens it keeps (an `auth_tokens` event) and nothing else secret.
        delivered = output if isinstance(output, dict) and output.get("event_type") == "auth_tokens" else for_model(output)
        self.delivered[result["toolUseId"]] = delivered
        if self.keep_from_model:
            event.result = {**result, "content": [{"text": json.dumps(for_model(output))}]}


class Room:
    """A line of conversation: its model history (a Strands agent), the secrets its turns
    received, and its Gateway connection."""

    def __init__(self, settings: Settings, conversation_id: str) -> None:
        self.tokens = GuestTokens(keep_across_turns=not settings.bind_sessions)
        self.guard = TokenGuard(self.tokens, settings.keep_tokens_from_model)
        self._settings = settings
        self._conversation_id = conversation_id
        self._agent: Agent | None = None

    async def ready(self, visitor: bool) -> Agent:
        """The room's agent, told whether this turn is a visitor's; the first turn connects to the
        Gateway (off the event loop)."""
        if self._agent is None:
            settings = self._settings

            def build() -> Agent:
                return Agent(
                    model=make_model(settings),
                    tools=[gateway_client(settings, self.tokens, self._conversation_id)],
                    system_prompt=SYSTEM_PROMPT,
                    hooks=[self.guard],
                    callback_handler=None,
                )

            self._agent = await asyncio.to_thread(build)
        self._agent.system_prompt = SYSTEM_PROMPT + VISITOR_NOTE if visitor else SYSTEM_PROMPT
        return self._agent

    def close(self) -> None:
        self.tokens.forget()
        self.guard.delivered.clear()
        if self._agent is not None:
            self._agent.cleanup()
            self._agent = None


@dataclass
class Turn:
    """Where a turn runs and what it may use: the access token for its tools (a verified one, or
    none), and whether the stored secrets serve it."""

    room: Room
    access_token: str | None
    secrets_usable: bool
    visitor: bool


class Conversation:
    def __init__(self, settings: Settings, conversation_id: str) -> None:
        self.id = conversation_id
        self.lock = asyncio.Lock()
        self.last_used = time.monotonic()
        self.bound_sub: str | None = None
        self._settings = settings
        # The guest's room once bound; before that, the only room.
        self._main = Room(settings, conversation_id)
        self._visitor: Room | None = None

    def turn(self, proof: Proof | None) -> Turn:
        """Where the turn of a request with `proof` (its verified token, if any) runs."""
        if not self._settings.bind_sessions:
            # The negative control: tokens are still verified, but the session id alone decides
            # whose room and secrets a turn gets.
            return Turn(self._main, proof.token if proof else None, True, False)
        if proof is not None and (self.bound_sub is None or proof.sub == self.bound_sub):
            if self.bound_sub is None and not proof.expired:
                self.bound_sub = proof.sub
            # An expired token still names the guest: their tools answer TOKEN_EXPIRED and the
            # guest's app renews it; the stored secrets serve only a token that has not expired.
            return Turn(self._main, proof.token, not proof.expired, False)
        if self.bound_sub is None:
            return Turn(self._main, None, False, False)
        if self._visitor is None:
            self._visitor = Room(self._settings, self.id)
        return Turn(self._visitor, None, False, True)

    def after(self, turn: Turn) -> None:
        """What the turn changed: a sign-in binds (the room that carried the right code becomes
        the guest's); a sign-out or a refused session closes the guest's room."""
        room, tokens = turn.room, turn.room.tokens
        tokens.end_turn()
        # Nothing delivered for this turn reaches another one.
        room.guard.delivered.clear()
        self.last_used = time.monotonic()
        if not self._settings.bind_sessions:
            return
        signed_in, tokens.signed_in_sub = tokens.signed_in_sub, None
        if signed_in is not None:
            if room is self._visitor:
                self._main.close()
                self._main, self._visitor = room, None
            self.bound_sub = signed_in
        if tokens.ended:
            tokens.ended = False
            if room is self._main:
                self.close()
                self._main = Room(self._settings, self.id)
                self.bound_sub = None
            else:
                room.close()

    def holds_secrets(self) -> bool:
        return any(room.tokens.holds_secrets() for room in (self._main, self._visitor) if room)

    def close(self) -> None:
        for room in (self._main, self._visitor):
            if room is not None:
                room.close()
        self._visitor = None


class Conversations:
    """The conversations this process holds: one idle longer than AgentCore Runtime's default idle
    session timeout, or beyond the count, is dropped with its secrets (least recently used first)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._items: OrderedDict[str, Conversation] = OrderedDict()

    def get(self, session_id: str) -> Conversation:
        self._evict_idle()
        conversation = self._items.pop(session_id, None) or Conversation(self._settings, session_id)
        conversation.last_used = time.monotonic()
        self._items[session_id] = conversation
        while len(self._items) > self._settings.max_conversations:
            oldest = next((k for k, c in self._items.items() if not c.lock.locked()), None)
            if oldest is None or oldest == session_id:
                break
            self._items.pop(oldest).close()
        return conversation

    def _evict_idle(self) -> None:
        # Least recently used first: the scan stops at the first conversation still in use.
        cutoff = time.monotonic() - self._settings.conversation_idle_seconds
        idle = []
        for key, conversation in self._items.items():
            if conversation.last_used >= cutoff:
                break
            if not conversation.lock.locked():
                idle.append(key)
        for key in idle:
            self._items.pop(key).close()

    def __contains__(self, session_id: str) -> bool:
        return session_id in self._items

    def close(self) -> None:
        for conversation in self._items.values():
            conversation.close()
        self._items.clear()
