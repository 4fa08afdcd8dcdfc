"""The agent's rules without I/O: what the model sees of a result, what a call runs with, what the
scripted model decides, and how Strands' events become UI message chunks."""

from __future__ import annotations

from booking_agent.config import Settings
from booking_agent.conversation import Conversation, Conversations
from booking_agent.identity import Proof
from booking_agent.scripted import Call, Reply, decide
from booking_agent.stream import UiChunks
from booking_agent.tokens import MARKER, GuestTokens, for_model

EVENT = {
    "event_type": "auth_tokens",
    "success": True,
    "id_token": "id.jwt",
    "access_token": "access.jwt",
    "refresh_token": "refresh-token",
    "expires_in": 3600,
    "guest_id": "GST-1",
    "email": "guest@example.com",
    "cognito_sub": "sub-1",
}


def test_the_model_sees_no_secret_of_a_result() -> None:
    seen = for_model(EVENT)
    assert [seen[k] for k in ("id_token", "access_token", "refresh_token")] == [MARKER] * 3
    assert seen["guest_id"] == "GST-1" and seen["email"] == "guest@example.com"
    assert for_model({"success": True, "session_token": "handle"})["session_token"] == MARKER
    assert for_model("not json") == "not json"


def test_calls_run_with_the_conversations_secrets_whatever_the_model_passed() -> None:
    tokens = GuestTokens()
    tokens.remember("initiate_login", {"success": True, "session_token": "handle"})
    assert tokens.fill("verify_otp", {"email": "e", "otp_code": "12345678", "session_token": MARKER})["session_token"] == "handle"
    tokens.remember("verify_otp", EVENT)
    assert tokens.access_token() == "access.jwt"
    # A token the model made up is replaced; the access token never travels as an argument.
    assert tokens.fill("refresh", {"refresh_token": "forged"}) == {"refresh_token": "refresh-token"}
    assert tokens.fill("get_my_reservations", {"auth_token": "forged"}) == {}
    tokens.remember("sign_out", {"success": True, "access_token_revoked": True})
    assert tokens.access_token() is None and not tokens.holds_secrets()
    assert tokens.fill("sign_out", {"refresh_token": MARKER}) == {"refresh_token": MARKER}


def test_a_call_that_needs_a_secret_never_delivered_here_does_not_run() -> None:
    tokens = GuestTokens()
    assert "initiate_login" in (tokens.missing("verify_otp") or "")
    tokens.begin_turn("from.the.frontend", secrets_usable=False)
    # The frontend's access token lets reservations run, but its refresh token stays with it.
    assert tokens.missing("get_my_reservations") is None
    assert "sign-out button" in (tokens.missing("sign_out") or "")
    tokens.remember("verify_otp", EVENT)
    assert tokens.missing("sign_out") is None


def test_the_agent_never_refreshes_and_stored_secrets_serve_only_a_proven_turn() -> None:
    tokens = GuestTokens()
    tokens.remember("verify_otp", EVENT)
    assert tokens.signed_in_sub == "sub-1"
    assert "renews their session itself" in (tokens.missing("refresh") or "")
    tokens.end_turn()
    # The turn's access token is gone with it; the refresh token stays for a proven sign-out.
    assert tokens.access_token() is None and tokens.holds_secrets()
    tokens.begin_turn(None, secrets_usable=False)
    assert "did not prove" in (tokens.missing("sign_out") or "")
    tokens.end_turn()
    tokens.begin_turn("access.jwt", secrets_usable=True)
    assert tokens.missing("sign_out") is None
    assert tokens.fill("sign_out", {"refresh_token": MARKER}) == {"refresh_token": "refresh-token"}
    tokens.forget()
    assert not tokens.holds_secrets()


def test_the_negative_control_keeps_one_session_for_any_caller() -> None:
    tokens = GuestTokens(keep_across_turns=True)
    tokens.remember("verify_otp", EVENT)
    tokens.end_turn()
    tokens.begin_turn(None, secrets_usable=False)
    assert tokens.access_token() == "access.jwt"
    assert tokens.missing("refresh") is None and tokens.missing("sign_out") is None


def settings(**overrides) -> Settings:
    values = dict(
        gateway_url="https://gw.example/mcp", gateway_auth="aws_iam", region="eu-west-1", model="scripted",
        guest_token_header="X-Guest-Authorization", cors_origins=(), keep_tokens_from_model=True,
        model_record=None, max_conversations=2,
    )
    return Settings(**(values | overrides))


def proof(sub: str, expired: bool = False) -> Proof:
    return Proof(sub=sub, expired=expired, token=f"token-of-{sub}")


def test_a_conversation_is_the_guests_only_for_a_token_of_the_bound_sub() -> None:
    c = Conversation(settings(), "session-0123456789abcdef0123456789abcdef")
    anonymous = c.turn(None)
    assert (anonymous.visitor, anonymous.access_token, anonymous.secrets_usable) == (False, None, False)
    # A sign-in in the turn binds the conversation to its guest.
    anonymous.room.tokens.remember("verify_otp", EVENT)
    c.after(anonymous)
    assert c.bound_sub == "sub-1"
    guest = c.turn(proof("sub-1"))
    assert guest.room is anonymous.room and guest.secrets_usable and guest.access_token == "token-of-sub-1"
    c.after(guest)
    expired = c.turn(proof("sub-1", expired=True))
    assert expired.room is anonymous.room and not expired.secrets_usable
    c.after(expired)
    for stranger in (None, proof("sub-2"), proof("sub-2", expired=True)):
        visitor = c.turn(stranger)
        assert visitor.visitor and visitor.room is not anonymous.room and visitor.access_token is None
        assert not visitor.secrets_usable
        c.after(visitor)
        assert c.bound_sub == "sub-1" and anonymous.room.tokens.holds_secrets()


def test_a_sign_in_by_a_visitor_rebinds_and_a_sign_out_starts_afresh() -> None:
    c = Conversation(settings(), "session-0123456789abcdef0123456789abcdef")
    first = c.turn(proof("sub-1"))
    c.after(first)
    assert c.bound_sub == "sub-1"
    visitor = c.turn(None)
    visitor.room.tokens.remember("verify_otp", EVENT | {"cognito_sub": "sub-2"})
    c.after(visitor)
    assert c.bound_sub == "sub-2" and c.turn(proof("sub-2")).room is visitor.room
    guest = c.turn(proof("sub-2"))
    guest.room.tokens.remember("sign_out", {"success": True, "refresh_token_revoked": True})
    c.after(guest)
    assert c.bound_sub is None and not c.holds_secrets()
    assert c.turn(None).room is not visitor.room


def test_a_session_the_functions_refuse_closes_the_guests_room_but_a_strangers_refusal_does_not() -> None:
    c = Conversation(settings(), "session-0123456789abcdef0123456789abcdef")
    first = c.turn(proof("sub-1"))
    first.room.tokens.remember("verify_otp", EVENT)
    c.after(first)
    # A visitor's failures touch nothing of the guest's.
    visitor = c.turn(None)
    visitor.room.tokens.remember("get_my_reservations", {"success": False, "error_code": "INVALID_TOKEN"})
    c.after(visitor)
    assert c.bound_sub == "sub-1" and first.room.tokens.holds_secrets()
    # The guest's own token refused (signed out elsewhere): the guest's room and secrets are gone.
    guest = c.turn(proof("sub-1"))
    guest.room.tokens.remember("get_my_reservations", {"success": False, "error_code": "INVALID_TOKEN"})
    c.after(guest)
    assert c.bound_sub is None and not c.holds_secrets() and c.turn(None).room is not first.room


def test_with_the_binding_off_the_session_id_alone_decides() -> None:
    c = Conversation(settings(bind_sessions=False), "session-0123456789abcdef0123456789abcdef")
    first = c.turn(proof("sub-1"))
    c.after(first)
    stranger = c.turn(None)
    assert stranger.room is first.room and stranger.secrets_usable and not stranger.visitor


def test_idle_conversations_are_dropped_with_their_secrets(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("booking_agent.conversation.time.monotonic", lambda: clock[0])
    conversations = Conversations(settings(conversation_idle_seconds=900.0))
    c = conversations.get("a" * 33)
    turn = c.turn(None)
    turn.room.tokens.remember("verify_otp", EVENT)
    c.after(turn)
    clock[0] += 901
    conversations.get("b" * 33)
    assert "a" * 33 not in conversations and not c.holds_secrets()


def user(text: str) -> dict:
    return {"role": "user", "content": [{"text": text}]}


def used(tool: str, arguments: dict, use_id: str) -> dict:
    return {"role": "assistant", "content": [{"toolUse": {"toolUseId": use_id, "name": f"t___{tool}", "input": arguments}}]}


def result(output: str, use_id: str) -> dict:
    return {"role": "user", "content": [{"toolResult": {"toolUseId": use_id, "status": "success", "content": [{"text": output}]}}]}


def test_the_scripted_model_walks_the_guides_journey() -> None:
    messages = [user("I want to book March 15-20")]
    assert isinstance(decide(messages), Reply) and "email" in decide(messages).text
    messages += [{"role": "assistant", "content": [{"text": "…"}]}, user("John Doe, john@example.com")]
    assert decide(messages) == Call("initiate_login", {"email": "john@example.com"})
    messages += [used("initiate_login", {"email": "john@example.com"}, "1"), result('{"success": true, "session_token": "%s", "delivery": "j***@e***.com"}' % MARKER, "1")]
    assert "verification code" in decide(messages).text
    messages += [{"role": "assistant", "content": [{"text": "…"}]}, user("12345678")]
    assert decide(messages) == Call("verify_otp", {"email": "john@example.com", "otp_code": "12345678", "session_token": MARKER})


def test_the_scripted_model_refreshes_once_then_gives_up() -> None:
    expired = '{"success": false, "error_code": "TOKEN_EXPIRED", "message": "Your session expired."}'
    signed_in = '{"success": true, "event_type": "auth_tokens", "refresh_token": "%s"}' % MARKER
    messages = [user("123456"), used("verify_otp", {}, "0"), result(signed_in, "0")]
    messages += [user("show my reservations"), used("get_my_reservations", {}, "1"), result(expired, "1")]
    assert decide(messages).tool == "refresh"
    messages += [used("refresh", {}, "2"), result('{"success": true, "event_type": "auth_tokens"}', "2")]
    assert decide(messages) == Call("get_my_reservations", {})
    messages += [used("get_my_reservations", {}, "3"), result(expired, "3")]
    assert isinstance(decide(messages), Reply)


def test_the_scripted_model_answers_a_refused_refresh_by_waiting_for_the_app() -> None:
    expired = '{"success": false, "error_code": "TOKEN_EXPIRED", "message": "Your session expired."}'
    signed_in = '{"success": true, "event_type": "auth_tokens", "refresh_token": "%s"}' % MARKER
    messages = [user("123456"), used("verify_otp", {}, "0"), result(signed_in, "0")]
    messages += [user("show my reservations"), used("get_my_reservations", {}, "1"), result(expired, "1")]
    messages += [used("refresh", {}, "2"), result("The guest's app renews their session itself.", "2")]
    assert "renewing" in decide(messages).text


def test_without_tokens_of_its_own_the_scripted_model_leaves_the_refresh_to_the_app() -> None:
    expired = '{"success": false, "error_code": "TOKEN_EXPIRED", "message": "Your session expired."}'
    messages = [user("show my reservations"), used("get_my_reservations", {}, "1"), result(expired, "1")]
    assert isinstance(decide(messages), Reply)


def test_strands_events_become_one_ui_message_with_steps() -> None:
    ui = UiChunks({"u1": EVENT})
    chunks = ui.start()
    chunks += ui.on_event({"message": used("verify_otp", {"otp_code": "1"}, "u1") | {"role": "assistant"}})
    chunks += ui.on_event({"message": result('{"access_token": "%s"}' % MARKER, "u1")})
    chunks += ui.on_event({"data": "Signed ", "delta": {"text": "Signed "}})
    chunks += ui.on_event({"data": "in.", "delta": {"text": "in."}})
    chunks += ui.on_event({"message": {"role": "assistant", "content": [{"text": "Signed in."}]}})
    chunks += ui.finish()
    kinds = [c["type"] for c in chunks]
    assert kinds == [
        "start", "start-step", "tool-input-available", "tool-output-available", "finish-step",
        "start-step", "text-start", "text-delta", "text-delta", "text-end", "finish-step", "finish",
    ]
    # The frontend gets the event the code kept, not what the model saw.
    assert chunks[3]["output"] == EVENT and chunks[2]["toolName"] == "verify_otp"


def test_the_gateway_requests_carry_the_conversation_the_guest_header_and_a_sigv4_signature_over_them(monkeypatch) -> None:
    import httpx

    from booking_agent.gateway import GatewayAuth

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    settings_ = settings(max_conversations=1)
    tokens = GuestTokens()
    auth = GatewayAuth(settings_, tokens, "session-0123456789abcdef0123456789abcdef")
    request = httpx.Request("POST", settings_.gateway_url, json={"jsonrpc": "2.0"})
    unsigned_guest = next(auth.auth_flow(request))
    assert "x-guest-authorization" not in unsigned_guest.headers
    assert unsigned_guest.headers["x-conversation-id"] == "session-0123456789abcdef0123456789abcdef"
    assert unsigned_guest.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/bedrock-agentcore/aws4_request" in unsigned_guest.headers["authorization"]

    tokens.remember("verify_otp", EVENT)
    signed = next(auth.auth_flow(httpx.Request("POST", settings_.gateway_url, json={"jsonrpc": "2.0"})))
    assert signed.headers["x-guest-authorization"] == "Bearer access.jwt"
    # The headers are part of what was signed.
    signed_headers = signed.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"x-guest-authorization", "x-conversation-id"} <= set(signed_headers)


def test_the_deployed_gateway_lists_the_revision_the_agents_mcp_client_speaks() -> None:
    """AgentCore Gateway accepts only the revisions its ProtocolConfiguration lists: the one the
    agent's MCP client (the SDK Strands uses) opens with must be among them."""
    import json
    from pathlib import Path

    from mcp_types.version import LATEST_MODERN_VERSION

    protocol = json.loads((Path(__file__).resolve().parents[2] / "infra/agentcore/gateway-protocol.json").read_text())
    assert LATEST_MODERN_VERSION in protocol["Mcp"]["SupportedVersions"]


def test_the_secrets_the_agent_keeps_are_the_contracts():
    # wire.json is written from the contract types' Secret fields: a field newly marked there
    # changes what the agent keeps from the model, and this says what that is today.
    from booking_agent import wire

    assert wire.SECRET_OUTPUTS == ("access_token", "id_token", "refresh_token", "session_token")
    assert wire.FILLED_ARGUMENTS == {
        "refresh": ("refresh_token",),
        "sign_out": ("refresh_token",),
        "verify_otp": ("session_token",),
    }
    assert wire.TOKEN_ARGUMENTS == ("access_token", "auth_token")
    assert wire.TOOL_SEPARATOR == "___"
