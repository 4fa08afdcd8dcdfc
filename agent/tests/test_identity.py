"""The agent's token checks against a JWKS served on loopback: what proves a guest, what does not,
and the key-fetch policy (cached, an unknown kid refetched at most once per cooldown, fail closed)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from booking_agent.config import pool_issuers
from booking_agent.identity import TokenVerifier, TrustedIssuer

POOL = "eu-west-1_Test12345"
ISS = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
CLIENT = "client-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Jwks:
    def __init__(self, url: str) -> None:
        self.url = url
        self.fetches = 0
        self.up = True


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [public | {"kid": "key-1", "alg": "RS256", "use": "sig"}]}).encode()
    state: Jwks

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            state.fetches += 1
            if not state.up:
                self.send_response(503)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Jwks(f"http://127.0.0.1:{server.server_address[1]}/{POOL}/.well-known/jwks.json")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def token(key=KEY, kid: str = "key-1", alg: str = "RS256", **claims: object) -> str:
    now = int(time.time())
    body = {"sub": "sub-1", "iss": ISS, "token_use": "access", "client_id": CLIENT, "iat": now, "exp": now + 600} | claims
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def verifier(jwks: Jwks, **kwargs: float) -> TokenVerifier:
    return TokenVerifier((TrustedIssuer(ISS, jwks.url),), CLIENT, **kwargs)


def test_a_valid_and_an_expired_access_token_name_the_guest(jwks: Jwks) -> None:
    async def run() -> None:
        v = verifier(jwks)
        valid = await v.verify(token())
        assert valid is not None and (valid.sub, valid.expired) == ("sub-1", False)
        expired = await v.verify(token(exp=int(time.time()) - 60))
        assert expired is not None and (expired.sub, expired.expired) == ("sub-1", True)
        # The token itself is never printed with the proof.
        assert "eyJ" not in repr(valid)

    asyncio.run(run())
    assert jwks.fetches == 1


@pytest.mark.parametrize(
    "name,presented",
    [
        ("another key under the pool's kid", lambda: token(key=OTHER_KEY)),
        ("an expired token with another key", lambda: token(key=OTHER_KEY, exp=int(time.time()) - 60)),
        ("an ID token", lambda: token(token_use="id")),
        ("another app client", lambda: token(client_id="client-2")),
        ("another pool", lambda: token(iss=ISS.replace("Test12345", "Other1234"))),
        ("HMAC", lambda: jwt.encode({"sub": "sub-1", "iss": ISS}, "secret-long-enough-for-hs256-000000", algorithm="HS256", headers={"kid": "key-1"})),
        ("no signature", lambda: jwt.encode({"sub": "sub-1", "iss": ISS}, None, algorithm="none")),
        ("no subject", lambda: token(sub="")),
        ("no expiry", lambda: jwt.encode({"sub": "s", "iss": ISS, "token_use": "access", "client_id": CLIENT}, KEY, algorithm="RS256", headers={"kid": "key-1"})),
        ("not a token", lambda: "session-0123456789abcdef0123456789abcdef"),
        ("nothing", lambda: None),
        ("too long", lambda: token(padding="x" * 20_000)),
    ],
)
def test_what_proves_nobody(jwks: Jwks, name: str, presented) -> None:
    assert asyncio.run(verifier(jwks).verify(presented())) is None, name


def test_an_issuer_outside_the_configuration_fetches_nothing(jwks: Jwks) -> None:
    assert asyncio.run(verifier(jwks).verify(token(iss="https://evil.example/keys"))) is None
    assert jwks.fetches == 0


def test_an_unknown_kid_is_refetched_at_most_once_per_cooldown(jwks: Jwks) -> None:
    async def run() -> None:
        v = verifier(jwks, refetch_cooldown_seconds=60.0)
        assert await v.verify(token()) is not None
        for _ in range(5):
            assert await v.verify(token(kid="rotated-key")) is None

    asyncio.run(run())
    assert jwks.fetches == 1


def test_keys_that_cannot_be_fetched_fail_closed(jwks: Jwks) -> None:
    jwks.up = False
    assert asyncio.run(verifier(jwks, refetch_cooldown_seconds=0.0).verify(token())) is None
    jwks.up = True
    assert asyncio.run(verifier(jwks).verify(token())) is not None


def test_the_pools_issuers_are_both_formats_with_keys_from_a_local_endpoint(monkeypatch) -> None:
    monkeypatch.delenv("COGNITO_ISSUER", raising=False)
    monkeypatch.setenv("COGNITO_REPLICA_REGIONS", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://127.0.0.1:9229/")
    issuers = pool_issuers("eu-west-1", POOL)
    assert [i.iss for i in issuers] == [
        ISS,
        f"https://cognito-idp.eu-central-1.amazonaws.com/{POOL}",
        f"https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL}",
    ]
    assert {i.jwks_url for i in issuers} == {f"http://127.0.0.1:9229/{POOL}/.well-known/jwks.json"}
    monkeypatch.delenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
    assert pool_issuers("eu-west-1", POOL)[0].jwks_url == f"{ISS}/.well-known/jwks.json"
