"""The agent's MCP connection to AgentCore Gateway, one per conversation: every request names the
conversation in the conversation header and carries its guest token in the guest-token header, both
set here by code, and is SigV4-signed for a Gateway with AWS_IAM inbound auth."""

from __future__ import annotations

from collections.abc import Generator

import httpx
from strands.tools.mcp import MCPClient

from .config import Settings
from .tokens import GuestTokens
from .wire import CONVERSATION_HEADER

# CONVERSATION_HEADER: the sign-in targets allowlist it; the functions bind a sign-in to the
# conversation that started it and count the codes it asks for against its own budget. The Gateway
# has no session id to tell conversations apart with stateless MCP, which Strands' client speaks.


class GatewayAuth(httpx.Auth):
    """Names the conversation and adds the guest-token header (when the conversation has a
    token), then signs the request.

    The headers are signed with the rest, as the Gateway checks the whole request."""

    requires_request_body = True

    def __init__(self, settings: Settings, tokens: GuestTokens, conversation_id: str) -> None:
        self._header = settings.guest_token_header
        self._tokens = tokens
        self._conversation = conversation_id
        self._sign = settings.gateway_auth == "aws_iam"
        self._region = settings.region

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[CONVERSATION_HEADER] = self._conversation
        token = self._tokens.access_token()
        if token:
            request.headers[self._header] = f"Bearer {token}"
        else:
            request.headers.pop(self._header, None)
        if self._sign:
            sign_request(request, self._region)
        yield request


def sign_request(request: httpx.Request, region: str) -> None:
    """SigV4 for the Gateway's AWS_IAM inbound auth: service `bedrock-agentcore`, with the
    runtime's credentials (its execution role on AgentCore Runtime)."""
    # Imported here: only a deployed agent signs, and botocore is heavy to import.
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign the Gateway request with")
    # Only what the Gateway needs to see signed; hop-by-hop headers may change on the way.
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("connection", "content-length")}
    aws_request = AWSRequest(method=request.method, url=str(request.url), data=request.content, headers=headers)
    SigV4Auth(credentials.get_frozen_credentials(), "bedrock-agentcore", region).add_auth(aws_request)
    for name, value in aws_request.headers.items():
        request.headers[name] = value


def gateway_client(settings: Settings, tokens: GuestTokens, conversation_id: str) -> MCPClient:
    """An MCP client of the Gateway for one conversation (Streamable HTTP)."""
    auth = GatewayAuth(settings, tokens, conversation_id)
    return MCPClient(url=settings.gateway_url, auth_provider=auth, startup_timeout=60)
