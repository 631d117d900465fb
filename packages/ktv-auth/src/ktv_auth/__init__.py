"""K-TV authentication adapter: argon2id password hashing and HS256 JWT access tokens.

Implements the domain's ``PasswordHasher`` (:class:`Argon2PasswordHasher`) and
``TokenIssuer`` (:class:`JwtTokens`, which also verifies bearer tokens). Every
refusal is a domain error (``ktv_domain.AuthenticationFailed``, or
``OidcError`` / ``OidcUnavailable`` for OpenID Connect sign-in through
:class:`OidcClient`; :class:`Sealer` and :func:`derive_key` seal short-lived
cookies under keys derived from one secret); this package
has no error hierarchy of its own. It never imports the web framework, the app
or another adapter.
"""

from .id_token import IdTokenValidator, parse_key_set
from .jwt import ALGORITHM, LEEWAY_SECONDS, MAX_TOKEN_LENGTH, JwtSettings, JwtTokens, TokenClaims
from .oidc import (
    FLOW_MAX_AGE,
    AuthorizationRequest,
    FlowState,
    OidcClient,
    OidcIdentity,
    OidcSettings,
    ProviderMetadata,
    pkce_challenge,
)
from .passwords import Argon2PasswordHasher
from .sealing import Sealer, derive_key
from .signing import MIN_SIGNING_KEY_BYTES, UrlSigner

__all__ = [
    "ALGORITHM",
    "FLOW_MAX_AGE",
    "LEEWAY_SECONDS",
    "MAX_TOKEN_LENGTH",
    "MIN_SIGNING_KEY_BYTES",
    "Argon2PasswordHasher",
    "AuthorizationRequest",
    "FlowState",
    "IdTokenValidator",
    "JwtSettings",
    "JwtTokens",
    "OidcClient",
    "OidcIdentity",
    "OidcSettings",
    "ProviderMetadata",
    "Sealer",
    "TokenClaims",
    "UrlSigner",
    "derive_key",
    "parse_key_set",
    "pkce_challenge",
]
