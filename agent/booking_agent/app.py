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
from .identity import TokenVerifier
from .stream import UiChunks

log = logging.getLogger("booking_agent")

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
# The UI message stream protocol: an SSE stream with exactly the AI SDK's own headers
# (`UI_MESSAGE_STREAM_HEADERS` of the `ai` package; `connection` is left to the server, as it is
# hop-by-hop), ended by a `data: [DONE]` line
# (https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol).
STREAM_CONTENT_TYPE = b"text/event-stream"
STREAM_HEADERS = [
    (b"content-type", STREAM_CONTENT_TYPE),
    (b"cache-control", b"no-cache"),
    (b"x-vercel-ai-ui-message-stream", b"v1"),
    (b"x-accel-buffering", b"no"),
]
STREAM_END = b"data: [DONE]\n\n"


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


class UiMessageStream:
    """Makes the SSE answers of `/invocations` a UI message stream: the SDK's headers in place of
    the app's `text/event-stream; charset=utf-8`, and `data: [DONE]` before the stream closes."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") != "/invocations":
            await self.app(scope, receive, send)
            return
        streaming = False

        async def as_ui_stream(message: dict[str, Any]) -> None:
            nonlocal streaming
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                streaming = any(k.lower() == b"content-type" and v.startswith(STREAM_CONTENT_TYPE) for k, v in headers)
                if streaming:
                    kept = [(k, v) for k, v in headers if k.lower() not in {name for name, _ in STREAM_HEADERS}]
                    message = {**message, "headers": [*kept, *STREAM_HEADERS]}
            elif message["type"] == "http.response.body" and streaming and not message.get("more_body", False):
                streaming = False
                await send({"type": "http.response.body", "body": message.get("body", b"") + STREAM_END, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, as_ui_stream)


def create_app(settings: Settings) -> BedrockAgentCoreApp:
    app = BedrockAgentCoreApp()
    conversations = Conversations(settings)
    verifier = TokenVerifier(settings.issuers, settings.client_id, leeway_seconds=settings.jwt_leeway_seconds)

    @app.entrypoint
    async def invoke(payload: Any, context: RequestContext) -> AsyncGenerator[dict[str, Any], None]:
        conversation_id = session_id(payload, context)
        text = prompt_text(payload)
        if not conversation_id or not text:
            # Named in the stream, as the AI SDK shows an error chunk to the guest.
            yield {"type": "error", "errorText": "A message and a session id are required."}
            return
        presented = bearer(context.request_headers if context else None, settings.guest_token_header)
        proof = await verifier.verify(presented)
        conversation = conversations.get(conversation_id)
        async with conversation.lock:
            turn = conversation.turn(proof)
            turn.room.tokens.begin_turn(turn.access_token, turn.secrets_usable)
            ui = UiChunks(turn.room.guard.delivered)
            try:
                for chunk in ui.start():
                    yield chunk
                agent = await turn.room.ready(turn.visitor)
                async for event in agent.stream_async(text):
                    for chunk in ui.on_event(event):
                        yield chunk
                for chunk in ui.finish():
                    yield chunk
            except Exception as e:  # the guest gets a generic answer; the log names the kind only
                log.error("turn failed: %s", type(e).__name__)
                for chunk in ui.error():
                    yield chunk
            finally:
                conversation.after(turn)

    app.add_middleware(UiMessageStream)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["POST", "GET", "OPTIONS"],
            allow_headers=["content-type", settings.guest_token_header, SESSION_HEADER],
        )
    app.state.conversations = conversations
    app.state.verifier = verifier
    return app
