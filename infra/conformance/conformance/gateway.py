"""The AgentCore Gateway, as an agent's code reaches it: MCP over Streamable HTTP, signed with
SigV4 for the service `bedrock-agentcore` when the Gateway's inbound auth is `AWS_IAM`
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-inbound-auth.html).
Tool calls go through the official MCP SDK; the version probe sends a bare `initialize`, since
an SDK only ever asks for its own revision."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

import httpx2
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_MODERN_VERSION

from . import wire

__all__ = ["Gateway", "SigV4", "HANDSHAKE_PROTOCOL_VERSIONS", "LATEST_MODERN_VERSION"]

SERVICE = "bedrock-agentcore"


class SigV4(httpx2.Auth):
    """Sign each request with the caller's credentials (botocore's signer)."""

    requires_request_body = True

    def __init__(self, credentials, region: str):
        self.credentials, self.region = credentials, region

    def auth_flow(self, request: httpx2.Request):
        signed = AWSRequest(method=request.method, url=str(request.url),
                            data=request.content, headers=dict(request.headers))
        # Only what the signature covers; hop-by-hop headers may change on the way.
        del signed.headers["connection"]
        SigV4Auth(self.credentials.get_frozen_credentials(), SERVICE, self.region).add_auth(signed)
        request.headers.update(dict(signed.headers))
        yield request


class Gateway:
    def __init__(self, url: str, auth: httpx2.Auth | None):
        self.url, self.auth = url, auth

    @asynccontextmanager
    async def session(self, headers: dict[str, str] | None = None):
        http = create_mcp_http_client(headers=headers or {}, auth=self.auth)
        async with http, streamable_http_client(self.url, http_client=http) as (read, write):
            async with ClientSession(read, write) as mcp:
                await mcp.initialize()
                yield mcp

    async def call(self, tool_suffix: str, arguments: dict, headers: dict[str, str]) -> dict:
        """Call the tool whose name ends with `___<tool_suffix>`; its JSON answer."""
        async with self.session(headers) as mcp:
            tools = (await mcp.list_tools()).tools
            name = next(t.name for t in tools if t.name.endswith(wire.TOOL_SEPARATOR + tool_suffix))
            result = await mcp.call_tool(name, arguments)
            text = result.content[0].text
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return {"text": text, "is_error": bool(result.is_error)}

    async def negotiate(self) -> tuple[str, str]:
        """What the official SDK's default connection negotiates (the initialize handshake, as
        the agent's client makes it), and what its `server/discover` probe of the modern
        revision answers: the supported versions, or the error."""
        async with self.session() as mcp:
            negotiated = mcp.initialize_result.protocol_version if mcp.initialize_result else "?"
            try:
                found = await mcp.send_discover(LATEST_MODERN_VERSION)
                discovered = ", ".join(found.get("supportedVersions", [])) or "no versions"
            except Exception as err:  # noqa: BLE001 - any refusal is the observation
                discovered = f"refused ({type(err).__name__}: {str(err)[:120]})"
        return negotiated, discovered

    async def initialize(self, version: str) -> tuple[int, str | None, str]:
        """A bare `initialize` asking for `version`: the HTTP status, the revision the answer
        names (None when it is an error) and the error's text."""
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "booking-auth-conformance", "version": "1"}}}
        async with httpx2.AsyncClient(auth=self.auth, timeout=30) as http:
            reply = await http.post(self.url, json=body, headers={
                "accept": "application/json, text/event-stream",
                "content-type": "application/json"})
            message = _message(reply)
            session = reply.headers.get("mcp-session-id")
            if session:
                # Close the session it opened, as a client would.
                await http.delete(self.url, headers={"mcp-session-id": session})
        if message is None:
            return reply.status_code, None, reply.text[:200]
        if "result" in message:
            return reply.status_code, message["result"].get("protocolVersion"), ""
        return reply.status_code, None, json.dumps(message.get("error"))[:200]


def _message(reply: httpx2.Response) -> dict | None:
    """The JSON-RPC message of a JSON or a one-event SSE answer."""
    if "text/event-stream" in reply.headers.get("content-type", ""):
        for line in reply.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                try:
                    return json.loads(line[5:])
                except json.JSONDecodeError:
                    continue
        return None
    try:
        return reply.json()
    except ValueError:
        return None
