"""The agent in AgentCore Runtime's contract, driven over HTTP as the runtime drives it, through
the local Gateway to the real functions: the feature guide's journey, the guest's tokens kept out
of the model, the frontend's token header, a refresh on expiry, and the request forms it takes."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from booking_agent.tokens import MARKER, parse_output
from conftest import PER_SOURCE_BUDGET, Agent, Stack


def texts(chunks: list[dict]) -> str:
    return "".join(c["delta"] for c in chunks if c["type"] == "text-delta")


def calls(chunks: list[dict]) -> list[tuple[str, object]]:
    """(tool, output) for every tool call of a turn, in order."""
    names = {c["toolCallId"]: c["toolName"] for c in chunks if c["type"] == "tool-input-available"}
    return [(names[c["toolCallId"]], c["output"]) for c in chunks if c["type"] == "tool-output-available"]


def output_of(chunks: list[dict], tool: str) -> dict:
    found = [output for name, output in calls(chunks) if name == tool]
    assert found, f"no {tool} call in {chunks}"
    return found[-1]


def new_session() -> str:
    # AgentCore Runtime's session ids are at least 33 characters.
    return f"session-{uuid.uuid4()}"


def sign_in(agent: Agent, stack: Stack, session: str, email: str, capture: bool = False) -> dict:
    """The guide's journey up to the code: the `auth_tokens` event the frontend receives."""
    asked = agent.say(session, "I want to book March 15-20")
    assert "email" in texts(asked)
    if capture:
        agent.capture("ask-email")
    sent = agent.say(session, f"John Doe, {email}")
    assert output_of(sent, "initiate_login")["success"] is True
    assert "verification code" in texts(sent)
    if capture:
        agent.capture("code-sent")
    verified = agent.say(session, stack.latest_code(email))
    event = output_of(verified, "verify_otp")
    assert event["event_type"] == "auth_tokens", event
    if capture:
        agent.capture("signed-in")
    return event


def leaks(agent: Agent, secrets: set[str]) -> list[str]:
    """Where a secret shows up: in what the model was given, or in the agent's log."""
    places = []
    record = agent.model_record.read_text(encoding="utf-8")
    log = agent.log.read_text(encoding="utf-8")
    for secret in secrets:
        if secret in record:
            places.append("model")
        if secret in log:
            places.append("log")
    # The login handle too: wherever the model saw a session_token, it saw the marker.
    for line in record.splitlines():
        for message in json.loads(line)["messages"]:
            for block in message["content"]:
                result = block.get("toolResult")
                for content in (result or {}).get("content", []):
                    output = parse_output(content.get("text") or "null")
                    if isinstance(output, dict) and output.get("session_token") not in (None, MARKER):
                        places.append("model: session_token")
    return places


def secrets_of(event: dict) -> set[str]:
    return {event["access_token"], event["id_token"], event["refresh_token"]}


def test_ping_answers_healthy(agent: Agent) -> None:
    assert httpx.get(f"{agent.url}/ping", timeout=10).json()["status"] == "Healthy"


def test_the_guides_journey_keeps_every_token_away_from_the_model(agent: Agent, stack: Stack) -> None:
    session = new_session()
    event = sign_in(agent, stack, session, stack.demo_email, capture=True)
    # The frontend receives the whole event: the tokens it keeps and the guest it names.
    assert event["access_token"].startswith("eyJ") and event["refresh_token"]
    assert event["email"] == stack.demo_email

    # Every later turn proves the guest: the page sends the access token it keeps.
    token = event["access_token"]
    listed = agent.say(session, "show my reservations", token=token)
    reservations = output_of(listed, "get_my_reservations")
    assert reservations["success"] is True, reservations
    assert len(reservations["reservations"]) == 3
    assert "Harbour View Hotel" in texts(listed)
    agent.capture("reservations")

    signed_out = output_of(agent.say(session, "please sign me out", token=token), "sign_out")
    agent.capture("signed-out")
    # The agent's code sent the access token: it is revoked too, not only the refresh token.
    assert signed_out["success"] is True and signed_out["access_token_revoked"] is True, signed_out

    assert leaks(agent, secrets_of(event)) == []
    # What the model asked for, it asked with markers: the code filled in the secrets.
    record = agent.model_record.read_text(encoding="utf-8")
    assert MARKER in record


def test_the_check_finds_tokens_when_the_guard_is_off(careless_agent: Agent, stack: Stack) -> None:
    """Negative control of the test above: without the guard the model sees the tokens."""
    event = sign_in(careless_agent, stack, new_session(), "careless.guest@example.com")
    assert "model" in leaks(careless_agent, secrets_of(event))


def test_the_frontends_token_signs_in_a_new_conversation(agent: Agent, stack: Stack) -> None:
    event = sign_in(agent, stack, new_session(), "returning.guest@example.com")
    # A reloaded page starts a new session and sends the token it stored, in the header.
    listed = agent.say(new_session(), "what are my reservations?", token=event["access_token"])
    assert output_of(listed, "get_my_reservations")["success"] is True
    # Without it, the agent's code has nothing to send: the guest is asked to sign in.
    anonymous = agent.say(new_session(), "what are my reservations?")
    assert output_of(anonymous, "get_my_reservations")["error_code"] == "AUTH_REQUIRED"
    agent.capture("auth-required")
    assert "email" in texts(anonymous)
    assert leaks(agent, secrets_of(event)) == []


def test_a_conversation_is_sent_codes_only_within_its_own_budget(agent: Agent) -> None:
    # The agent's code names the conversation on every Gateway call (X-Conversation-Id): the
    # functions count its codes against that conversation, whatever the guest talks the model into.
    flooding = new_session()
    for i in range(PER_SOURCE_BUDGET):
        sent = agent.say(flooding, f"flood.{i}@example.com")
        assert output_of(sent, "initiate_login")["success"] is True, sent
    refused = output_of(agent.say(flooding, "flood.last@example.com"), "initiate_login")
    assert refused["error_code"] == "RATE_LIMITED" and refused["retry_after"] >= 1, refused
    # Another conversation of the same agent process is served.
    other = output_of(agent.say(new_session(), "flood.other@example.com"), "initiate_login")
    assert other["success"] is True, other


def expire(stack: Stack, agent: Agent, session: str, email: str) -> dict:
    """A sign-in in `session` whose access token has expired by the time this returns."""
    stack.configure({"access_token_validity_seconds": 3})
    try:
        event = sign_in(agent, stack, session, email)
    finally:
        stack.configure({"access_token_validity_seconds": 3600})
    payload = json.loads(_claims(event["access_token"]))
    time.sleep(max(0.0, payload["exp"] + 2.2 - time.time()))
    return event


def test_an_expired_token_is_renewed_by_the_page_and_the_agent_never_refreshes(agent: Agent, stack: Stack) -> None:
    session = new_session()
    event = expire(stack, agent, session, "expiring.guest@example.com")
    # The guest's own page sends its expired token: still the guest (the history goes on), but
    # the tools answer TOKEN_EXPIRED and the agent drives no refresh of its own.
    turn = agent.say(session, "show my reservations", token=event["access_token"])
    agent.capture("expired-left-to-the-app")
    assert [(n, o.get("error_code")) for n, o in calls(turn)] == [("get_my_reservations", "TOKEN_EXPIRED")]
    assert "auth_tokens" not in agent.last_stream
    # The page renews over HTTP and sends the message again, in the same conversation.
    renewed = stack.refresh(event["refresh_token"])
    assert renewed["event_type"] == "auth_tokens", renewed
    again = agent.say(session, "show my reservations", token=renewed["access_token"])
    assert output_of(again, "get_my_reservations")["success"] is True
    # The refresh token the conversation kept still signs the guest out.
    signed_out = output_of(agent.say(session, "sign me out", token=renewed["access_token"]), "sign_out")
    assert signed_out["success"] is True, signed_out
    assert leaks(agent, secrets_of(event) | secrets_of(renewed)) == []


def test_an_expired_token_in_a_new_conversation_is_left_to_the_page(agent: Agent, stack: Stack) -> None:
    event = expire(stack, agent, new_session(), "reloaded.guest@example.com")
    # A reloaded page starts a new conversation with the token it stored.
    turn = agent.say(new_session(), "show my reservations", token=event["access_token"])
    assert [name for name, _ in calls(turn)] == ["get_my_reservations"]
    assert output_of(turn, "get_my_reservations")["error_code"] == "TOKEN_EXPIRED"


def _claims(token: str) -> str:
    import base64

    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def test_every_turn_has_its_own_message_and_call_ids(agent: Agent, stack: Stack) -> None:
    session = new_session()
    turns = [agent.say(session, "hello"), agent.say(session, "hello"), agent.say(session, "show my reservations")]
    message_ids = [c["messageId"] for turn in turns for c in turn if c["type"] == "start"]
    assert len(message_ids) == 3 and len(set(message_ids)) == 3
    call_ids = [c["toolCallId"] for turn in turns for c in turn if c["type"] == "tool-input-available"]
    assert len(call_ids) == len(set(call_ids))


def test_an_ai_sdk_chat_request_is_one_turn_of_its_chat(agent: Agent) -> None:
    chat = f"chat-{uuid.uuid4()}"
    request = {
        "id": chat,
        "trigger": "submit-message",
        "messages": [{"id": "m1", "role": "user", "parts": [{"type": "text", "text": "I want to book March 15-20"}]}],
    }
    chunks = agent.post(request, {})
    assert chunks[0]["type"] == "start" and chunks[-1]["type"] == "finish"
    assert "email" in texts(chunks)


def test_a_request_without_a_conversation_is_refused_not_shared(agent: Agent) -> None:
    chunks = agent.post({"prompt": "show my reservations"}, {})
    assert chunks == [{"type": "error", "errorText": "A message and a session id are required."}]


def test_cors_allows_only_the_configured_origin(agent: Agent) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            f"{agent.url}/invocations",
            headers={"origin": origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-guest-authorization"},
            timeout=10,
        )

    allowed = preflight("http://127.0.0.1:5173")
    assert allowed.headers.get("access-control-allow-origin") == "http://127.0.0.1:5173"
    assert "access-control-allow-origin" not in preflight("http://evil.example").headers
