"""The agent in AgentCore Runtime's service contract: `POST /invocations` answers with an SSE stream,
`GET /ping` reports health, and the runtime session id header names the conversation
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-service-contract.html).
Built on bedrock-agentcore's app and a Strands agent whose tools come from AgentCore Gateway."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

from bedrock_agentcore.runtime import BedrockAgentCoreApp
from bedrock_agentcore.runtime.context import RequestContext
from starlette.middleware.cors import CORSMiddleware

from .config import Settings
from .conversation import Conversations
from .stream import UiChunks

log = logging.getLogger("booking_agent")

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
# Headers that tell the AI SDK and proxies what the stream is.
STREAM_HEADERS = [
    (b"x-vercel-ai-ui-message-stream", b"v1"),
    (b"x-accel-buffering", b"no"),
    (b"cache-control", b"no-store"),
]


def prompt_text(payload: Any) -> str:
    """The guest's new message: AgentCore's `{"prompt": …}`, or the last user message of an AI SDK
    chat request (`{"id", "messages", "trigger"}`), whose history the agent does not need: it keeps
    its own."""
    if not isinstance(payload, dict):
        return ""
    if isinstance(payload.get("prompt"), str):
        return payload["prompt"].strip()
    for message in reversed(payload.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            parts = message.get("parts") or []
            return " ".join(p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "text").strip()
    return ""


def session_id(payload: Any, context: RequestContext | None) -> str | None:
    """The conversation: the runtime's session id, else the request's own (`session_id`, or an AI
    SDK chat's `id`). There is no shared default conversation."""
    if context is not None and context.session_id:
        return context.session_id
    if isinstance(payload, dict):
        for key in ("session_id", "id"):
            if isinstance(payload.get(key), str) and payload[key].strip():
                return payload[key].strip()
    return None


def bearer(headers: dict[str, str] | None, name: str) -> str | None:
    """The token of `<name>: Bearer <token>`, matched case-insensitively."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower() and value.lower().startswith("bearer "):
            token = value[7:].strip()
            return token or None
    return None


class StreamHeaders:
    """Adds STREAM_HEADERS to the answers of `/invocations`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") != "/invocations":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *STREAM_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings) -> BedrockAgentCoreApp:
    app = BedrockAgentCoreApp()
    conversations = Conversations(settings)

    @app.entrypoint
    async def invoke(payload: Any, context: RequestContext) -> AsyncGenerator[dict[str, Any], None]:
        conversation_id = session_id(payload, context)
        text = prompt_text(payload)
        ui = UiChunks({})
        if not conversation_id or not text:
            # Named in the stream, as the AI SDK shows an error chunk to the guest.
            yield {"type": "error", "errorText": "A message and a session id are required."}
            return
        conversation = conversations.get(conversation_id)
        async with conversation.lock:
            token = bearer(context.request_headers if context else None, settings.guest_token_header)
            if token:
                conversation.tokens.use_access_token(token)
            ui = UiChunks(conversation.guard.delivered)
            for chunk in ui.start():
                yield chunk
            try:
                agent = await conversation.ready()
                async for event in agent.stream_async(text):
                    for chunk in ui.on_event(event):
                        yield chunk
            except Exception as e:  # the guest gets a generic answer; the log names the kind only
                log.error("turn failed: %s", type(e).__name__)
                for chunk in ui.error():
                    yield chunk
                return
            for chunk in ui.finish():
                yield chunk

    app.add_middleware(StreamHeaders)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["POST", "GET", "OPTIONS"],
            allow_headers=["content-type", settings.guest_token_header, SESSION_HEADER],
        )
    app.state.conversations = conversations
    return app
