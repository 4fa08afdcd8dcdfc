"""One conversation of the agent: its Strands agent (which keeps the history), the guest's tokens,
its Gateway connection, and the hooks that keep the tokens away from the model."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Any

from strands import Agent
from strands.hooks import AfterToolCallEvent, BeforeToolCallEvent, HookProvider, HookRegistry
from strands.models.model import Model

from .config import SCRIPTED, Settings
from .gateway import gateway_client
from .scripted import ScriptedModel
from .tokens import GuestTokens, for_model, parse_output, tool_name

log = logging.getLogger("booking_agent")

SYSTEM_PROMPT = """You are the booking assistant of a hotel group, in a web chat.
Guests sign in with a one-time code sent to their email: ask for their email address, call
initiate_login, ask them for the code, call verify_otp. Signed-in guests can see their own
reservations with get_my_reservations. The guest's tokens are handled by the application's code:
where a tool result shows "[kept by the agent's code]", pass that text back unchanged; never ask the
guest for a token and never invent one. Keep answers short."""


def make_model(settings: Settings) -> Model:
    if settings.model == SCRIPTED:
        return ScriptedModel(record=settings.model_record)
    # Imported here: the local journey never loads Bedrock's client.
    from strands.models.bedrock import BedrockModel

    return BedrockModel(model_id=settings.model, region_name=settings.region)


class TokenGuard(HookProvider):
    """Puts the guest's secrets into tool calls, and takes them out of tool results, for the model.

    What the frontend gets of each result is kept in `delivered` for the stream: an `auth_tokens`
    event whole, anything else without its secrets."""

    def __init__(self, tokens: GuestTokens, keep_from_model: bool) -> None:
        self.tokens = tokens
        self.keep_from_model = keep_from_model
        self.delivered: dict[str, Any] = {}

    def register_hooks(self, registry: HookRegistry, **_: Any) -> None:
        registry.add_callback(BeforeToolCallEvent, self.before_call)
        registry.add_callback(AfterToolCallEvent, self.after_call)

    def before_call(self, event: BeforeToolCallEvent) -> None:
        tool = tool_name(event.tool_use["name"])
        # Not called with a made-up secret: a refresh with none would end the frontend's session.
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


class Conversation:
    def __init__(self, settings: Settings, conversation_id: str) -> None:
        self.id = conversation_id
        self.tokens = GuestTokens()
        self.guard = TokenGuard(self.tokens, settings.keep_tokens_from_model)
        self.lock = asyncio.Lock()
        self._settings = settings
        self.agent: Agent | None = None

    async def ready(self) -> Agent:
        """The conversation's agent; the first turn connects to the Gateway (off the event loop)."""
        if self.agent is None:
            settings = self._settings

            def build() -> Agent:
                return Agent(
                    model=make_model(settings),
                    tools=[gateway_client(settings, self.tokens, self.id)],
                    system_prompt=SYSTEM_PROMPT,
                    hooks=[self.guard],
                    callback_handler=None,
                )

            self.agent = await asyncio.to_thread(build)
        return self.agent

    def close(self) -> None:
        if self.agent is not None:
            self.agent.cleanup()


class Conversations:
    """The conversations this process holds, least recently used dropped first."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._items: OrderedDict[str, Conversation] = OrderedDict()

    def get(self, session_id: str) -> Conversation:
        conversation = self._items.pop(session_id, None) or Conversation(self._settings, session_id)
        self._items[session_id] = conversation
        while len(self._items) > self._settings.max_conversations:
            _, dropped = self._items.popitem(last=False)
            dropped.close()
        return conversation

    def close(self) -> None:
        for conversation in self._items.values():
            conversation.close()
        self._items.clear()
