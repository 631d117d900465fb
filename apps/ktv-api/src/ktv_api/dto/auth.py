"""Account and token wire types."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from ktv_domain import AccessToken, User

from .base import Request, Response, utc

__all__ = ["Credentials", "TokenOut", "UserOut"]

# Bounds generous enough for any real input; the domain gives the precise rules.
Email = Annotated[str, msgspec.Meta(max_length=1024, examples=["you@example.com"])]
Password = Annotated[str, msgspec.Meta(max_length=4096, examples=["correct horse battery"])]


class Credentials(Request):
    email: Email
    password: Password


class TokenOut(Response):
    access_token: str
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"

    @classmethod
    def of(cls, token: AccessToken) -> TokenOut:
        return cls(access_token=token.token, expires_in=token.expires_in)


class UserOut(Response):
    id: uuid.UUID
    email: str
    created_at: datetime
    is_admin: bool
    has_password: bool
    oidc_linked: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=str(user.email), created_at=utc(user.created_at),
                   is_admin=user.is_admin, has_password=user.password_hash is not None,
                   oidc_linked=user.oidc_subject is not None)
