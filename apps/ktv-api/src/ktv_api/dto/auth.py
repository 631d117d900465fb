"""Account and token wire types."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from ktv_domain import AccessToken, FeedToken, IssuedFeedToken, User
from ktv_domain.user import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

from .base import Request, Response, utc
from .rules import EMAIL_PATTERN, meta

__all__ = ["AccountDeletion", "Credentials", "FeedTokenIn", "FeedTokenInfoOut", "FeedTokenOut",
           "Registration", "TokenOut", "UserOut"]

Password = Annotated[str, msgspec.Meta(
    min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH,
    examples=["correct horse battery"],
    description=f"{MIN_PASSWORD_LENGTH}..{MAX_PASSWORD_LENGTH} characters")]
NewEmail = Annotated[str, meta(
    format="email", max_length=254, pattern=EMAIL_PATTERN, examples=["you@example.com"],
    description="A plain address (letters, digits and the usual symbols, a host name); "
                "stored lowercased")]
#: Any text: a login with something that is no account's address is the same 401 as a wrong
#: password (accounts made through single sign-on may have addresses outside ``NewEmail``).
AnyEmail = Annotated[str, msgspec.Meta(
    max_length=254, examples=["you@example.com"],
    description="The account's email address (any case)")]


class Registration(Request):
    email: NewEmail
    password: Password


class Credentials(Request):
    email: AnyEmail
    password: Password


class AccountDeletion(Request):
    """The account's password (required when it has one)."""

    password: Password | None = None


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


FeedTokenName = Annotated[str, msgspec.Meta(
    min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9._-]{0,39}\Z",
    examples=["living-room"],
    description="1-40 characters: a-z, 0-9, '.', '_', '-'; a letter or digit first")]


class FeedTokenIn(Request):
    name: FeedTokenName


class FeedTokenOut(Response):
    """A new IPTV feed token, shown once, with the URLs that carry it."""

    token: str
    id: uuid.UUID
    name: str
    m3u_url: str
    xmltv_url: str
    hdhomerun_url: str
    created_at: datetime

    @classmethod
    def of(cls, issued: IssuedFeedToken, base_url: str) -> FeedTokenOut:
        """``base_url``: where players reach this server (``PUBLIC_BASE_URL``), no slash."""
        feed = f"{base_url}/iptv/{issued.token}"
        return cls(token=issued.token, id=issued.id, name=issued.name,
                   m3u_url=f"{feed}/channels.m3u", xmltv_url=f"{feed}/xmltv.xml",
                   hdhomerun_url=f"{feed}/hdhr/", created_at=utc(issued.created_at))


class FeedTokenInfoOut(Response):
    """A feed token as listed: never its secret."""

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: FeedToken) -> FeedTokenInfoOut:
        return cls(id=token.id, name=token.name, created_at=utc(token.created_at),
                   last_used_at=utc(token.last_used_at) if token.last_used_at else None)
