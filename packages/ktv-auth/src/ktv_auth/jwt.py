"""HS256 access tokens (joserfc), implementing ``ktv_domain.TokenIssuer``.

``issue`` signs ``sub`` (the user id), ``email``, ``iat``, ``exp``,
``auth_time`` (when the user last signed in: kept by a token refresh, so a
fresh token is not a fresh sign-in) and, when configured, ``iss`` and ``aud``.
``verify`` accepts what ``issue`` makes and refuses everything else with
``ktv_domain.AuthenticationFailed`` (never another exception type), whose message
is one of these short reasons::

    "malformed token"          > 8 KiB, not three base64url segments, not JSON objects,
                               header parameters joserfc refuses (crit, zip, enc...)
    "unsupported algorithm"    any ``alg`` but HS256 ("none" and HS512 included)
    "invalid signature"        signed with another secret, or altered
    "invalid claims"           sub/email/iat/exp missing or mistyped, sub not a UUID,
                               or another registered claim (nbf, jti) invalid
    "token expired"            now >= exp + leeway
    "token not yet valid"      iat > now + leeway
    "invalid issuer"           iss missing or different (issuer configured)
    "invalid audience"         aud missing or not ours (audience configured),
                               or present while no audience is configured

Time comes from the injected ``Clock``, never the wall clock. The leeway is
``LEEWAY_SECONDS`` (30 s), applied to both ``exp`` and ``iat``: it absorbs
clock drift between replicas, and a token outliving its ``expires_in`` by 30 s
is harmless. The secret appears in no ``repr``.
"""

from __future__ import annotations

import base64
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeGuard

from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import OctKey
from joserfc.jws import JWSRegistry

from ktv_domain import AccessToken, AuthenticationFailed, Clock, User, UserId

__all__ = ["ALGORITHM", "LEEWAY_SECONDS", "MAX_TOKEN_LENGTH", "JwtSettings", "JwtTokens",
           "TokenClaims"]

ALGORITHM: Final = "HS256"
LEEWAY_SECONDS: Final = 30
MAX_TOKEN_LENGTH: Final = 8 * 1024
#: header.payload.signature; an empty signature still reaches the algorithm check.
_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
#: Every other exception a hostile token can provoke inside joserfc or json.
_DECODING_ERRORS: Final = (JoseError, ValueError, TypeError, RecursionError)
_CLAIM_REASONS: Final = {"iss": "invalid issuer", "aud": "invalid audience",
                         "iat": "token not yet valid"}


@dataclass(frozen=True, slots=True, kw_only=True)
class JwtSettings:
    """How tokens are signed and checked; the algorithm is always HS256."""

    secret: str = field(repr=False)
    expiry_hours: int = 24
    issuer: str | None = None
    audience: str | None = None

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("JWT secret must not be empty")
        if self.expiry_hours < 1:
            raise ValueError("JWT expiry must be at least 1 hour")
        if self.issuer == "" or self.audience == "":
            raise ValueError("JWT issuer and audience must be non-empty or None")


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenClaims:
    """What a verified access token says."""

    user_id: UserId
    email: str
    issued_at: datetime
    expires_at: datetime
    #: When the user signed in (``auth_time``; ``iat`` for tokens without it).
    signed_in_at: datetime


class JwtTokens:
    """Issues and verifies access tokens; implements ``TokenIssuer``."""

    __slots__ = ("_claims", "_clock", "_key", "_registry", "_settings")

    def __init__(self, settings: JwtSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._key = OctKey.import_key(settings.secret.encode())
        self._registry = JWSRegistry(algorithms=[ALGORITHM])
        required: dict[str, Any] = {}
        if settings.issuer is not None:
            required["iss"] = {"essential": True, "value": settings.issuer}
        if settings.audience is not None:
            required["aud"] = {"essential": True, "value": settings.audience}
        self._claims = jwt.JWTClaimsRegistry(now=self._now, leeway=LEEWAY_SECONDS, **required)

    def __repr__(self) -> str:
        return f"JwtTokens({self._settings!r})"

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def issue(self, user: User, *, signed_in_at: datetime | None = None) -> AccessToken:
        """A signed token for ``user``, valid for ``expiry_hours``; ``signed_in_at`` (default:
        now) is when the user signed in, for a refreshed token the original sign-in."""
        issued_at = self._now()
        expires_in = self._settings.expiry_hours * 3600
        auth_time = issued_at if signed_in_at is None else int(signed_in_at.timestamp())
        claims: dict[str, Any] = {"sub": str(user.id), "email": str(user.email),
                                  "iat": issued_at, "exp": issued_at + expires_in,
                                  "auth_time": auth_time}
        if self._settings.issuer is not None:
            claims["iss"] = self._settings.issuer
        if self._settings.audience is not None:
            claims["aud"] = self._settings.audience
        token = jwt.encode({"alg": ALGORITHM}, claims, self._key, registry=self._registry)
        return AccessToken(token=token, expires_in=expires_in)

    def verify(self, token: str) -> TokenClaims:
        """The token's claims; AuthenticationFailed (reasons above) when it is not ours,
        not intact, or not valid now."""
        _check_header(token)
        try:
            decoded = jwt.decode(token, self._key, registry=self._registry)
        except BadSignatureError as exc:
            raise AuthenticationFailed("invalid signature") from exc
        except _DECODING_ERRORS as exc:
            raise AuthenticationFailed("malformed token") from exc
        claims = decoded.claims
        parsed = _parse_claims(claims)
        if self._settings.audience is None and "aud" in claims:
            raise AuthenticationFailed("invalid audience")
        try:
            self._claims.validate(claims)
        except ExpiredTokenError as exc:
            raise AuthenticationFailed("token expired") from exc
        except ClaimError as exc:
            raise AuthenticationFailed(_CLAIM_REASONS.get(exc.claim, "invalid claims")) from exc
        except _DECODING_ERRORS as exc:
            raise AuthenticationFailed("invalid claims") from exc
        return parsed


def _check_header(token: str) -> None:
    """Refuse, before any cryptography, what is not a compact JWS with alg HS256."""
    if len(token) > MAX_TOKEN_LENGTH or not _COMPACT.fullmatch(token):
        raise AuthenticationFailed("malformed token")
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError) as exc:  # binascii, UTF-8 and JSON errors
        raise AuthenticationFailed("malformed token") from exc
    if not isinstance(header, dict):
        raise AuthenticationFailed("malformed token")
    if header.get("alg") != ALGORITHM:
        raise AuthenticationFailed("unsupported algorithm")


def _parse_claims(claims: dict[str, Any]) -> TokenClaims:
    """Types first, so that a later joserfc complaint about ``iat`` can only mean
    "in the future"."""
    sub, email, iat, exp = (claims.get(k) for k in ("sub", "email", "iat", "exp"))
    auth_time = claims.get("auth_time", iat)
    if not (isinstance(sub, str) and isinstance(email, str) and email
            and _is_numeric_date(iat) and _is_numeric_date(exp)
            and _is_numeric_date(auth_time)):
        raise AuthenticationFailed("invalid claims")
    try:
        return TokenClaims(user_id=UserId(uuid.UUID(sub)), email=email,
                           issued_at=datetime.fromtimestamp(iat, UTC),
                           expires_at=datetime.fromtimestamp(exp, UTC),
                           signed_in_at=datetime.fromtimestamp(auth_time, UTC))
    except (ValueError, OverflowError, OSError) as exc:  # not a UUID; a date out of range
        raise AuthenticationFailed("invalid claims") from exc


def _is_numeric_date(value: object) -> TypeGuard[int | float]:
    """A JSON number that is not a bool, NaN or infinity (as joserfc requires)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
