"""ID token validation (OpenID Connect Core 3.1.3.7) with joserfc.

:meth:`IdTokenValidator.validate` accepts a compact JWS only when

- its ``alg`` is an asymmetric signature algorithm (RS*, PS*, ES*, EdDSA) that
  the provider advertises: never ``none``, never HS* (a public JWKS key must
  not become an HMAC secret);
- its signature verifies with the provider's JWKS key named by ``kid`` (an
  unknown ``kid`` fetches the JWKS again once: the provider rotated its keys);
- ``iss`` is the provider's issuer exactly; ``aud`` contains the client id or
  the configured resource id; ``azp``, when present, is the client id;
- ``exp`` is in the future and ``iat`` not in the future, both with
  ``LEEWAY_SECONDS`` of leeway, by the injected ``Clock``;
- ``sub`` is a non-empty string and ``nonce`` equals the flow's nonce
  (compared in constant time).

Anything else is ``ktv_domain.OidcError`` with code ``invalid_id_token`` and a
short reason; nothing else escapes.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Collection, Mapping
from typing import Any, Final, Protocol

from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import Key, KeySet

from ktv_domain import Clock, OidcError, OidcUnavailable

__all__ = ["ASYMMETRIC_ALGORITHMS", "LEEWAY_SECONDS", "IdTokenValidator", "JwksSource",
           "parse_key_set"]

#: The only algorithms an ID token may be signed with (those of RFC 7518 and RFC 8037
#: that use a key pair), whatever the provider advertises.
ASYMMETRIC_ALGORITHMS: Final = frozenset({
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
    "EdDSA"})
LEEWAY_SECONDS: Final = 60
_MAX_TOKEN_LENGTH: Final = 16 * 1024
_DECODING_ERRORS: Final = (JoseError, ValueError, TypeError, KeyError, RecursionError)


class JwksSource(Protocol):
    async def key_set(self, *, refresh: bool) -> KeySet:
        """The provider's signing keys; fetched again when ``refresh``."""


def parse_key_set(document: Mapping[str, Any]) -> KeySet:
    """A JWKS document as joserfc keys; OidcUnavailable when it holds no usable key."""
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise OidcUnavailable("the identity provider's JWKS has no 'keys' list")
    usable = [k for k in keys if isinstance(k, dict) and k.get("kty") != "oct"
              and k.get("use", "sig") == "sig"]
    try:
        return KeySet.import_key_set({"keys": usable})
    except _DECODING_ERRORS as exc:
        raise OidcUnavailable("the identity provider's JWKS holds no usable public key") \
            from exc


def _invalid(reason: str) -> OidcError:
    return OidcError(f"the ID token is not valid: {reason}", code="invalid_id_token")


class IdTokenValidator:
    def __init__(self, *, issuer: str, audiences: Collection[str], source: JwksSource,
                 clock: Clock, algorithms: Collection[str] = ("RS256",)) -> None:
        self._issuer = issuer
        self._audiences = tuple(audiences)
        self._client_id = self._audiences[0]
        self._source = source
        self._clock = clock
        self._algorithms = frozenset(algorithms) & ASYMMETRIC_ALGORITHMS
        self._claims = jwt.JWTClaimsRegistry(
            now=self._now, leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "values": list(self._audiences)},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True})

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    async def validate(self, token: str, *, nonce: str) -> dict[str, Any]:
        """The token's claims, if it passes every check above."""
        alg, kid = _header(token)
        if alg not in self._algorithms:
            raise _invalid(f"algorithm {alg[:20]!r} is not accepted")
        key = await self._key(kid)
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
        except BadSignatureError as exc:
            raise _invalid("bad signature") from exc
        except _DECODING_ERRORS as exc:
            raise _invalid("malformed or not signed with the provider's key") from exc
        claims = decoded.claims
        try:
            self._claims.validate(claims)
        except ExpiredTokenError as exc:
            raise _invalid("expired") from exc
        except ClaimError as exc:
            raise _invalid(f"claim {exc.claim!r} is missing or wrong") from exc
        except _DECODING_ERRORS as exc:
            raise _invalid("claims are malformed") from exc
        azp = claims.get("azp")
        if azp is not None and azp != self._client_id:
            raise _invalid("authorized party is another client")
        found = claims.get("nonce")
        if not isinstance(found, str) or not hmac.compare_digest(found.encode(),
                                                                 nonce.encode()):
            raise _invalid("nonce does not match this sign-in")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise _invalid("no subject")
        return claims

    async def _key(self, kid: str | None) -> Key:
        for refresh in (False, True):
            keys = await self._source.key_set(refresh=refresh)
            try:
                key: Key = keys.get_by_kid(kid)
            except JoseError:
                continue
            return key
        raise _invalid("signed with an unknown key")


def _header(token: str) -> tuple[str, str | None]:
    """``alg`` and ``kid`` from the protected header, before any cryptography."""
    if len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise _invalid("not a compact JWS")
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError) as exc:
        raise _invalid("malformed header") from exc
    if not isinstance(header, dict):
        raise _invalid("malformed header")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or (kid is not None and not isinstance(kid, str)):
        raise _invalid("malformed header")
    return alg, kid
