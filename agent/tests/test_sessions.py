"""A session id is state, never identity: a second caller who knows only a signed-in guest's
session id, with no token, an expired token of another guest, a forged token or a token of another
pool, gets none of the guest's bookings, tokens or history, and cannot sign them out; the guest's
own next turn, and a new conversation with the token the page stored, still work. Each hijack is
also run against the same agent with the binding switched off (AGENT_BIND_SESSIONS=false), where
it succeeds: the negative control that shows each check can fail."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import Agent, Stack
from test_agent import calls, new_session, output_of, secrets_of, sign_in


def forged(token: str, sub: str) -> str:
    """`token` with its subject changed and its signature kept: a signature check fails."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = sub
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def of_another_pool(token: str) -> str:
    """A well-formed access token of the guest's `sub`, signed by another pool's key."""
    claims = jwt.decode(token, options={"verify_signature": False})
    pool = claims["iss"].rsplit("/", 1)[1]
    claims["iss"] = claims["iss"].replace(pool, f"{pool.split('_')[0]}_Another1")
    claims["exp"] = int(time.time()) + 3600
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "another-pool-key"})


def of_the_same_kid_forged_key(token: str) -> str:
    """The guest's claims and the pool's own `kid`, signed by a key that is not the pool's."""
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def expired_token_of_another_guest(agent: Agent, stack: Stack) -> str:
    event = expiring_sign_in(agent, stack, new_session())
    outlive(event["access_token"])
    return event["access_token"]


# Each way a second caller may try, from what it can get: (name, the header token it sends).
ATTEMPTS: list[tuple[str, Callable[[Agent, Stack, dict], str | None]]] = [
    ("no token", lambda agent, stack, event: None),
    ("an expired token of another guest", lambda agent, stack, event: expired_token_of_another_guest(agent, stack)),
    ("a forged token", lambda agent, stack, event: forged(event["access_token"], "someone-else")),
    ("a token signed with another key under the pool's kid", lambda agent, stack, event: of_the_same_kid_forged_key(event["access_token"])),
    ("a token of another pool", lambda agent, stack, event: of_another_pool(event["access_token"])),
]


def hijack(agent: Agent, session: str, token: str | None) -> dict:
    """What a second caller gets in the guest's conversation: bookings, tokens, a sign-out."""
    listed = agent.say(session, "show my reservations", token=token)
    record = agent.model_record.read_text(encoding="utf-8").splitlines()[-1]
    listed_stream = agent.last_stream
    signed_out = agent.say(session, "please sign me out", token=token)
    outputs = [output for _, output in calls(listed) + calls(signed_out)]
    return {
        "reservations": [o for o in outputs if isinstance(o, dict) and o.get("success") and "reservations" in o],
        "tokens": "auth_tokens" in listed_stream + agent.last_stream,
        "signed_out": any(isinstance(o, dict) and o.get("success") and "access_token_revoked" in o for o in outputs),
        # What the model was given for the hijacker's turn: the guest's history would name their email.
        "record": record,
    }


def signed_in_then_hijacked(agent: Agent, stack: Stack, attempt) -> tuple[str, str, dict, dict]:
    """A guest signed in in a new conversation, then a second caller's try at it: the session,
    the guest's address, their `auth_tokens` event, and what the caller got."""
    session = new_session()
    email = f"guest.{time.time_ns()}@example.com"
    event = sign_in(agent, stack, session, email)
    return session, email, event, hijack(agent, session, attempt(agent, stack, event))


@pytest.mark.parametrize("name,attempt", ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_a_second_caller_with_the_session_id_gets_nothing_of_the_guests(agent: Agent, stack: Stack, name: str, attempt) -> None:
    session, email, event, got = signed_in_then_hijacked(agent, stack, attempt)
    assert got["reservations"] == [], name
    assert got["tokens"] is False, name
    assert got["signed_out"] is False, name
    # The hijacker's turn ran on none of the guest's history: the model never saw their address.
    assert email not in got["record"], name
    for secret in secrets_of(event):
        assert secret not in agent.last_stream

    # The guest's own next turn still works, with the secrets the conversation kept.
    own = agent.say(session, "show my reservations", token=event["access_token"])
    assert output_of(own, "get_my_reservations")["success"] is True, name
    assert email in agent.model_record.read_text(encoding="utf-8").splitlines()[-1]
    out = output_of(agent.say(session, "sign me out", token=event["access_token"]), "sign_out")
    assert out["success"] is True and out["access_token_revoked"] is True, out


@pytest.mark.parametrize("name,attempt", ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_with_the_binding_off_the_same_hijack_succeeds(unbound_agent: Agent, stack: Stack, name: str, attempt) -> None:
    """The negative control: the checks above fail on an agent that trusts the session id."""
    _, email, _, got = signed_in_then_hijacked(unbound_agent, stack, attempt)
    # The guest's history, and their session: signed out with the conversation's refresh token, or
    # (behind an expired token) renewed with it and streamed to the caller.
    assert email in got["record"], name
    assert got["signed_out"] or got["tokens"], (name, got)


def test_with_the_binding_off_a_hijacker_gets_bookings_and_fresh_tokens(unbound_agent: Agent, stack: Stack) -> None:
    """The negative control of the bookings and token checks: the guest's bookings, and after
    expiry the agent's own refresh streaming new tokens to a caller with no token at all."""
    session = new_session()
    event = expiring_sign_in(unbound_agent, stack, session)
    listed = unbound_agent.say(session, "show my reservations")
    assert output_of(listed, "get_my_reservations")["success"] is True
    outlive(event["access_token"])
    refreshed = unbound_agent.say(session, "show my reservations")
    assert output_of(refreshed, "refresh")["event_type"] == "auth_tokens"


def test_the_guests_bookings_and_a_refresh_stay_with_the_guest(agent: Agent, stack: Stack) -> None:
    """The same with the binding on: the bookings reach only the guest's own turn, and an expired
    conversation streams no token to anyone."""
    session = new_session()
    event = expiring_sign_in(agent, stack, session)
    stranger = agent.say(session, "show my reservations")
    assert output_of(stranger, "get_my_reservations")["error_code"] == "AUTH_REQUIRED"
    own = agent.say(session, "show my reservations", token=event["access_token"])
    assert output_of(own, "get_my_reservations")["success"] is True
    outlive(event["access_token"])
    for token in (None, event["access_token"]):
        turn = agent.say(session, "show my reservations", token=token)
        assert "auth_tokens" not in agent.last_stream
        assert [n for n, _ in calls(turn)] == ["get_my_reservations"]


def expiring_sign_in(agent: Agent, stack: Stack, session: str) -> dict:
    """A sign-in whose access token lives 3 s."""
    stack.configure({"access_token_validity_seconds": 3})
    try:
        return sign_in(agent, stack, session, f"expiring.{time.time_ns()}@example.com")
    finally:
        stack.configure({"access_token_validity_seconds": 3600})


def outlive(token: str) -> None:
    """Until `token` is past its `exp` and the one-second leeway."""
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp + 2.2 - time.time()))
def test_a_token_of_another_guest_does_not_rebind_the_conversation(agent: Agent, stack: Stack) -> None:
    session = new_session()
    first = sign_in(agent, stack, session, f"first.{time.time_ns()}@example.com")
    second = sign_in(agent, stack, new_session(), f"second.{time.time_ns()}@example.com")
    # The second guest's valid token proves the second guest, not this conversation's.
    turn = agent.say(session, "show my reservations", token=second["access_token"])
    assert output_of(turn, "get_my_reservations")["error_code"] == "AUTH_REQUIRED"
    # The conversation is still the first guest's.
    own = agent.say(session, "show my reservations", token=first["access_token"])
    assert output_of(own, "get_my_reservations")["success"] is True


def test_a_reloaded_page_with_its_stored_token_binds_its_new_conversation(agent: Agent, stack: Stack) -> None:
    event = sign_in(agent, stack, new_session(), f"reload.{time.time_ns()}@example.com")
    reloaded = new_session()
    listed = agent.say(reloaded, "what are my reservations?", token=event["access_token"])
    assert output_of(listed, "get_my_reservations")["success"] is True
    # From then on the new conversation is the guest's too: a caller without the token is a visitor.
    stranger = agent.say(reloaded, "what are my reservations?")
    assert output_of(stranger, "get_my_reservations")["error_code"] == "AUTH_REQUIRED"


def test_signing_in_again_as_a_visitor_replaces_the_guests_room(agent: Agent, stack: Stack) -> None:
    """A right code proves its owner: whoever signs in in a bound conversation gets it, and the
    room before (its history and secrets) is closed rather than handed over."""
    session = new_session()
    first_email = f"before.{time.time_ns()}@example.com"
    first = sign_in(agent, stack, session, first_email)
    second = sign_in(agent, stack, session, f"after.{time.time_ns()}@example.com")
    assert second["cognito_sub"] != first["cognito_sub"]
    listed = agent.say(session, "show my reservations", token=second["access_token"])
    assert output_of(listed, "get_my_reservations")["success"] is True
    assert first_email not in agent.model_record.read_text(encoding="utf-8").splitlines()[-1]
    stale = agent.say(session, "show my reservations", token=first["access_token"])
    assert output_of(stale, "get_my_reservations")["error_code"] == "AUTH_REQUIRED"
