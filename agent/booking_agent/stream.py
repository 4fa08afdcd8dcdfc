"""The agent's answer as a stream of Vercel AI SDK UI message chunks (the `ai` package's
`uiMessageChunkSchema`), built from Strands' stream events: one message per turn, a step per model
call, its text, its tool calls and their results. A tool result goes to the frontend whole (the
`auth_tokens` event the browser keeps); the model saw it without its secrets."""

from __future__ import annotations

import uuid
from typing import Any

from .tokens import parse_output, tool_name

TOOL_FAILED = "The tool failed."


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class UiChunks:
    def __init__(self, delivered: dict[str, Any]) -> None:
        self._delivered = delivered
        self._text_id: str | None = None
        self._in_step = False

    def start(self) -> list[dict[str, Any]]:
        return [{"type": "start", "messageId": _new_id("msg")}]

    def _step(self) -> list[dict[str, Any]]:
        if self._in_step:
            return []
        self._in_step = True
        return [{"type": "start-step"}]

    def _end_text(self) -> list[dict[str, Any]]:
        if self._text_id is None:
            return []
        chunk = {"type": "text-end", "id": self._text_id}
        self._text_id = None
        return [chunk]

    def _end_step(self) -> list[dict[str, Any]]:
        out = self._end_text()
        if self._in_step:
            out.append({"type": "finish-step"})
            self._in_step = False
        return out

    def on_event(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if isinstance(event.get("data"), str) and "delta" in event:
            out += self._step()
            if self._text_id is None:
                self._text_id = _new_id("txt")
                out.append({"type": "text-start", "id": self._text_id})
            out.append({"type": "text-delta", "id": self._text_id, "delta": event["data"]})
            return out
        message = event.get("message")
        if not isinstance(message, dict):
            return out
        blocks = message.get("content", [])
        if message.get("role") == "assistant":
            out += self._end_text()
            uses = [b["toolUse"] for b in blocks if "toolUse" in b]
            for use in uses:
                out += self._step()
                out.append(
                    {
                        "type": "tool-input-available",
                        "toolCallId": use["toolUseId"],
                        "toolName": tool_name(use["name"]),
                        "input": use.get("input") or {},
                    }
                )
            if not uses:
                out += self._end_step()
        elif message.get("role") == "user":
            for block in blocks:
                result = block.get("toolResult")
                if not result:
                    continue
                call_id = result["toolUseId"]
                if result.get("status") != "success":
                    out.append({"type": "tool-output-error", "toolCallId": call_id, "errorText": TOOL_FAILED})
                    continue
                output = self._delivered.pop(call_id, None)
                if output is None:
                    texts = [c["text"] for c in result.get("content", []) if "text" in c]
                    output = parse_output(texts[0]) if texts else None
                out.append({"type": "tool-output-available", "toolCallId": call_id, "output": output})
            out += self._end_step()
        return out

    def finish(self) -> list[dict[str, Any]]:
        return self._end_step() + [{"type": "finish"}]

    def error(self) -> list[dict[str, Any]]:
        return self._end_step() + [{"type": "error", "errorText": "The assistant failed; please try again."}]
