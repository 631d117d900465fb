"""K-TV authentication adapter: argon2id password hashing and HS256 JWT access tokens.

Implements the domain's ``PasswordHasher`` (:class:`Argon2PasswordHasher`) and
``TokenIssuer`` (:class:`JwtTokens`, which also verifies bearer tokens). Every
refusal is a domain error (``ktv_domain.AuthenticationFailed``); this package
has no error hierarchy of its own. It never imports the web framework, the app
or another adapter.
"""

from .jwt import ALGORITHM, LEEWAY_SECONDS, MAX_TOKEN_LENGTH, JwtSettings, JwtTokens, TokenClaims
from .passwords import Argon2PasswordHasher

__all__ = [
    "ALGORITHM",
    "LEEWAY_SECONDS",
    "MAX_TOKEN_LENGTH",
    "Argon2PasswordHasher",
    "JwtSettings",
    "JwtTokens",
    "TokenClaims",
]
