"""Who a request proves it is: the guest's Cognito access token, verified by the agent itself.

A session id names a conversation and proves nothing: AgentCore Runtime does not bind sessions to
users, and anyone allowed to invoke the runtime can name any session id
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-security-best-practices.html).
So a turn acts for a guest only when its guest-token header carries an access token that passes
the checks Cognito documents for its tokens
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html):
an RS256 signature by a key of the pool's JWKS, an issuer of the configured set (never one the
token names for itself), `token_use` "access", the app client's `client_id`, and `exp`. The same
rules as the functions' verifier, with its JWKS policy: keys cached for the process, an unknown
`kid` refetched at most once per cooldown, a bounded fetch, and failing closed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

log = logging.getLogger("booking_agent")

ALGORITHM = "RS256"
# Longer than any token Cognito issues: anything bigger is refused before it is parsed.
MAX_TOKEN_LENGTH = 16 * 1024


@dataclass(frozen=True)
class Proof:
    """What a verified access token proves: the guest (`sub`), and whether the token has expired.

    An expired token still names the guest, as its signature holds; it authorizes nothing."""

    sub: str
    expired: bool
    # The token itself, for the tools of this turn; never printed.
    token: str = field(repr=False)


@dataclass(frozen=True)
class TrustedIssuer:
    iss: str
    jwks_url: str


class _Keys:
    """One issuer's JWKS: parsed once, refetched for an unknown `kid` at most once per cooldown."""

    def __init__(self, jwks_url: str, cooldown: float, timeout: float) -> None:
        self._url = jwks_url
        self._cooldown = cooldown
        self._timeout = timeout
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            fresh = self._fetched_at is not None and time.monotonic() - self._fetched_at < self._cooldown
            if kid not in self._keys and not fresh:
                await self._fetch()
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(self._url)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as e:
            # Fail closed: the tokens of this issuer are refused until a fetch succeeds.
            log.warning("JWKS fetch failed: %s", type(e).__name__)
            return
        self._keys = {k.key_id: k.key for k in keys if k.key_id and k.algorithm_name == ALGORITHM}


class TokenVerifier:
    """Verifies the access tokens of one user pool and app client."""

    def __init__(
        self,
        issuers: tuple[TrustedIssuer, ...],
        client_id: str,
        leeway_seconds: float = 1.0,
        refetch_cooldown_seconds: float = 10.0,
        fetch_timeout_seconds: float = 5.0,
    ) -> None:
        self._keys = {i.iss: _Keys(i.jwks_url, refetch_cooldown_seconds, fetch_timeout_seconds) for i in issuers}
        self._client_id = client_id
        self._leeway = leeway_seconds

    async def verify(self, token: str | None) -> Proof | None:
        """The proof `token` carries, or None: absent, malformed, forged, of another pool or
        client, or not an access token. Only the kind of a refusal is logged."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            return await self._verify(token)
        except jwt.PyJWTError as e:
            log.info("guest token refused: %s", type(e).__name__)
            return None

    async def _verify(self, token: str) -> Proof | None:
        # One unverified read, only to pick the issuer's keys from the configured set.
        unverified = jwt.api_jwt.decode_complete(token, options={"verify_signature": False})
        header, iss = unverified["header"], unverified["payload"].get("iss")
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise jwt.InvalidAlgorithmError("not an RS256 token with a kid")
        keys = self._keys.get(iss) if isinstance(iss, str) else None
        if keys is None:
            raise jwt.InvalidIssuerError("an issuer outside the configuration")
        key = await keys.key(header["kid"])
        if key is None:
            raise jwt.InvalidKeyError("a kid the issuer does not publish")
        # One RSA check; expiry is read after it, so an expired token is known to be the pool's
        # and still names its guest.
        options = {
            "require": ["exp", "iss", "sub", "token_use", "client_id"],
            "verify_aud": False,
            "verify_exp": False,
        }
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=iss, options=options)
        if claims.get("token_use") != "access":
            raise jwt.InvalidTokenError("not an access token")
        if claims.get("client_id") != self._client_id:
            raise jwt.InvalidTokenError("another app client")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise jwt.InvalidTokenError("no subject")
        exp = claims["exp"]
        if not isinstance(exp, (int, float)):
            raise jwt.InvalidTokenError("exp is not a number")
        return Proof(sub=sub, expired=exp < time.time() - self._leeway, token=token)
