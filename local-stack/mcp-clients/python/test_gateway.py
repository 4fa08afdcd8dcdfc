"""The official Python MCP SDK (`mcp`, pinned in scripts/requirements-local.txt) against the local
AgentCore Gateway: initialize, list the tools, walk the whole sign-in journey, and check AWS's
header rules and result mapping from outside. Run by local-stack/tests/mcp_clients.rs, which
starts the stack and passes the endpoints in the environment:

  MCP_URL              the Gateway as deployed (no interceptor)
  MCP_URL_INTERCEPTED  the same with the guest-token REQUEST interceptor
  MCP_URL_FAILING      a Gateway with one target whose function fails every call
  INBOX_URL            the Cognito stand-in's inbox (`?email=` is appended)
  GUEST_EMAIL          a seeded guest with three reservations, for this suite alone
"""

import asyncio
import json
import os
import unittest
import urllib.parse
import urllib.request
from contextlib import asynccontextmanager

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

ENV = os.environ
TOOLS = {
    "initiate-login___initiate_login",
    "verify-otp___verify_otp",
    "refresh___refresh",
    "reservations___get_my_reservations",
    "sign-out___sign_out",
}
NEGOTIATED: set[str] = set()


@asynccontextmanager
async def session(url: str, headers: dict[str, str] | None = None):
    """One MCP session, as an agent's code opens it for a conversation."""
    http = create_mcp_http_client(headers=headers or {})
    async with http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write) as mcp:
            result = await mcp.initialize()
            NEGOTIATED.add(result.protocol_version)
            yield mcp


def guest(token: str) -> dict[str, str]:
    return {"X-Guest-Authorization": f"Bearer {token}"}


async def call(mcp: ClientSession, tool: str, arguments: dict) -> tuple[dict, bool]:
    result = await mcp.call_tool(tool, arguments)
    text = result.content[0].text
    try:
        return json.loads(text), bool(result.is_error)
    except json.JSONDecodeError:
        return {"text": text}, bool(result.is_error)


def latest_code(email: str) -> str:
    url = ENV["INBOX_URL"] + "?email=" + urllib.parse.quote(email)
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["messages"][-1]["code"]


async def sign_in(email: str) -> dict:
    async with session(ENV["MCP_URL"]) as mcp:
        started, error = await call(mcp, "initiate-login___initiate_login", {"email": email})
        assert not error and started["success"], started
        tokens, error = await call(mcp, "verify-otp___verify_otp", {
            "email": email, "otp_code": latest_code(email), "session_token": started["session_token"],
        })
        assert not error and tokens["event_type"] == "auth_tokens", tokens
        return tokens


class LocalGateway(unittest.IsolatedAsyncioTestCase):
    async def test_1_initialize_and_list_the_tools(self):
        async with session(ENV["MCP_URL"]) as mcp:
            listed = await mcp.list_tools()
        self.assertEqual({t.name for t in listed.tools}, TOOLS)
        reservations = next(t for t in listed.tools if t.name == "reservations___get_my_reservations")
        self.assertIn("X-Guest-Authorization", reservations.description)
        self.assertEqual(reservations.input_schema["type"], "object")

    async def test_2_the_whole_journey_with_the_token_in_the_guest_header(self):
        email = ENV["GUEST_EMAIL"]
        tokens = await sign_in(email)
        async with session(ENV["MCP_URL"], guest(tokens["access_token"])) as mcp:
            listed, error = await call(mcp, "reservations___get_my_reservations", {})
            self.assertFalse(error)
            self.assertEqual(len(listed["reservations"]), 3, listed)
            refreshed, _ = await call(mcp, "refresh___refresh", {"refresh_token": tokens["refresh_token"]})
            self.assertEqual(refreshed["event_type"], "auth_tokens", refreshed)
        async with session(ENV["MCP_URL"], guest(refreshed["access_token"])) as mcp:
            again, _ = await call(mcp, "reservations___get_my_reservations", {})
            self.assertEqual(len(again["reservations"]), 3, again)
            out, _ = await call(mcp, "sign-out___sign_out", {"refresh_token": refreshed["refresh_token"]})
            self.assertTrue(out["access_token_revoked"], out)
            self.assertEqual(out["message"], "You are signed out.")
            after, _ = await call(mcp, "reservations___get_my_reservations", {})
            self.assertEqual(after["error_code"], "INVALID_TOKEN", after)

    async def test_3_a_header_that_is_not_allowlisted_never_reaches_a_function(self):
        tokens = await sign_in("python.headers@example.com")
        bearer = f"Bearer {tokens['access_token']}"
        # Authorization is restricted; X-Other-Token is not on the target's allowlist.
        async with session(ENV["MCP_URL"], {"Authorization": bearer, "X-Other-Token": bearer}) as mcp:
            out, error = await call(mcp, "reservations___get_my_reservations", {})
        self.assertFalse(error)
        self.assertEqual(out["error_code"], "AUTH_REQUIRED", out)

    async def test_4_the_interceptor_strips_a_model_supplied_token(self):
        tokens = await sign_in("python.interceptor@example.com")
        arguments = {"auth_token": tokens["access_token"]}
        # As deployed by default the argument is allowed ...
        async with session(ENV["MCP_URL"]) as mcp:
            plain, _ = await call(mcp, "reservations___get_my_reservations", arguments)
        self.assertTrue(plain["success"], plain)
        # ... and the interceptor takes it away: only the header set by code counts.
        async with session(ENV["MCP_URL_INTERCEPTED"]) as mcp:
            stripped, _ = await call(mcp, "reservations___get_my_reservations", arguments)
        self.assertEqual(stripped["error_code"], "AUTH_REQUIRED", stripped)
        async with session(ENV["MCP_URL_INTERCEPTED"], guest(tokens["access_token"])) as mcp:
            forwarded, _ = await call(mcp, "reservations___get_my_reservations", {})
            login, _ = await call(mcp, "initiate-login___initiate_login", {"email": "not-an-email"})
        self.assertTrue(forwarded["success"], forwarded)
        self.assertEqual(login["error_code"], "INVALID_EMAIL", login)

    async def test_5_a_function_that_fails_gives_is_error(self):
        async with session(ENV["MCP_URL_FAILING"]) as mcp:
            out, error = await call(mcp, "guest-token-interceptor___fails", {})
        self.assertTrue(error)
        self.assertEqual(out, {"text": "An internal error occurred. Please retry later."})

    async def test_6_a_sign_in_finishes_only_in_the_conversation_that_started_it(self):
        # The agent's code names its conversation in X-Conversation-Id, which the sign-in targets
        # allowlist: a sign-in started in one conversation cannot be finished from another.
        email = "python.conversation@example.com"
        async with session(ENV["MCP_URL"], {"X-Conversation-Id": "chat-a"}) as mcp:
            started, _ = await call(mcp, "initiate-login___initiate_login", {"email": email})
        self.assertTrue(started["success"], started)
        arguments = {"email": email, "otp_code": latest_code(email), "session_token": started["session_token"]}
        for headers in [{"X-Conversation-Id": "chat-b"}, {}]:
            async with session(ENV["MCP_URL"], headers) as mcp:
                elsewhere, _ = await call(mcp, "verify-otp___verify_otp", arguments)
            self.assertEqual(elsewhere["error_code"], "LOGIN_NOT_FOUND", (headers, elsewhere))
        # Through the interceptor too, and with every attempt left.
        async with session(ENV["MCP_URL_INTERCEPTED"], {"x-conversation-id": "chat-a"}) as mcp:
            tokens, _ = await call(mcp, "verify-otp___verify_otp", arguments)
        self.assertEqual(tokens["event_type"], "auth_tokens", tokens)

    @classmethod
    def tearDownClass(cls):
        print(f"python mcp SDK: negotiated protocol versions {sorted(NEGOTIATED)}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
