"""Account use cases: register, authenticate (rehash on login), look up, delete, feed tokens."""

from __future__ import annotations

import dataclasses
import hmac
import uuid
from collections.abc import Callable
from datetime import timedelta

from ..errors import (
    AccountLinkRefused,
    AuthenticationFailed,
    Conflict,
    NotFound,
    OidcError,
    RegistrationClosed,
    ValidationError,
)
from ..feed_tokens import (
    DEFAULT_FEED_TOKEN_NAME,
    FEED_TOKEN_TOUCH_INTERVAL,
    MAX_FEED_TOKENS,
    FeedToken,
    IssuedFeedToken,
    hash_feed_token,
    is_feed_token_shaped,
    new_feed_token,
    validate_feed_token_name,
)
from ..ids import UserId, new_id
from ..ports import Clock, CpuRunner, PasswordHasher, UnitOfWork, run_inline
from ..user import Email, User, validate_password

__all__ = ["UserService"]

_BAD_CREDENTIALS = "wrong email or password"
_UNKNOWN_FEED_TOKEN = "unknown feed token"


class UserService:
    def __init__(self, uow: Callable[[], UnitOfWork], hasher: PasswordHasher, clock: Clock,
                 *, allow_registration: bool = True,
                 cpu: CpuRunner = run_inline) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self.allow_registration = allow_registration
        self._cpu = cpu
        self._dummy_hash: str | None = None
        self._deleted_listeners: list[Callable[[UserId], None]] = []

    def on_delete(self, listener: Callable[[UserId], None]) -> None:
        """Call ``listener(user_id)`` after a user is deleted (caches forget them)."""
        self._deleted_listeners.append(listener)

    async def register(self, email: str, password: str) -> User:
        """A new account; the first one is an admin. DuplicateEmail when taken."""
        if not self.allow_registration:
            raise RegistrationClosed("registration is closed on this server")
        address = Email(email)
        validate_password(password)
        password_hash = await self._cpu(lambda: self._hasher.hash(password))
        async with self._uow() as uow:
            first = await uow.users.count() == 0
            user = User(id=UserId(new_id()), email=address, created_at=self._clock.now(),
                        password_hash=password_hash, is_admin=first)
            await uow.users.add(user)
            await uow.commit()
        return user

    async def authenticate(self, email: str, password: str) -> User:
        """The user these credentials belong to; AuthenticationFailed otherwise.

        Unknown emails cost one hash verification too, so timing does not
        reveal which accounts exist. A password outside the length limits is a
        ValidationError before anything is looked up or hashed (no account has one).
        """
        validate_password(password)
        try:
            address = Email(email)
        except ValidationError:
            address = None
        user = None
        if address is not None:
            async with self._uow() as uow:
                user = await uow.users.get_by_email(address)
        stored = user.password_hash if user else None
        if stored is None:
            dummy = await self._dummy()
            await self._cpu(lambda: self._hasher.verify(dummy, password))
            raise AuthenticationFailed(_BAD_CREDENTIALS)
        if not await self._cpu(lambda: self._hasher.verify(stored, password)):
            raise AuthenticationFailed(_BAD_CREDENTIALS)
        assert user is not None
        if self._hasher.needs_rehash(stored):
            new_hash = await self._cpu(lambda: self._hasher.hash(password))
            user = dataclasses.replace(user, password_hash=new_hash)
            async with self._uow() as uow:
                await uow.users.update(user)
                await uow.commit()
        return user

    async def login_oidc(self, issuer: str, subject: str, email: str | None,
                         email_verified: bool) -> User:
        """The account of an OIDC identity (``issuer`` + ``subject``), linked or created.

        1. An account already linked to this identity is returned as it is.
        2. Else an account with the same email is linked, but only when the provider
           verified the email and the account has no other identity
           (AccountLinkRefused otherwise: nobody takes over an account with an
           address they have not proven).
        3. Else a new account without a password is created (RegistrationClosed when
           registration is closed); the first account on a server is an admin.
        """
        if not issuer or not subject:
            raise OidcError("the ID token names no issuer or subject", code="invalid_id_token")
        linked_as = f"{issuer}|{subject}"
        async with self._uow() as uow:
            user = await uow.users.get_by_oidc_subject(linked_as)
        if user is not None:
            return user
        if email is None:
            raise OidcError("the identity provider shared no email address; allow the "
                            "'email' scope for this client", code="email_missing")
        try:
            address = Email(email)
        except ValidationError as exc:
            raise OidcError("the identity provider's email address is not valid",
                            code="email_invalid") from exc
        async with self._uow() as uow:
            existing = await uow.users.get_by_email(address)
            if existing is not None:
                if not email_verified:
                    raise AccountLinkRefused(
                        "an account with this email exists, but the identity provider has "
                        "not verified the email, so it cannot be linked; log in with your "
                        "password or verify the email at the provider")
                if existing.oidc_subject is not None:
                    raise AccountLinkRefused(
                        "the account with this email is already linked to another identity")
                user = dataclasses.replace(existing, oidc_subject=linked_as)
                await uow.users.update(user)
                await uow.commit()
                return user
            if not self.allow_registration:
                raise RegistrationClosed("registration is closed on this server")
            first = await uow.users.count() == 0
            user = User(id=UserId(new_id()), email=address, created_at=self._clock.now(),
                        password_hash=None, is_admin=first, oidc_subject=linked_as)
            await uow.users.add(user)
            await uow.commit()
        return user

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._cpu(
                lambda: self._hasher.hash("k-tv timing equaliser"))
        return self._dummy_hash

    async def get(self, user_id: UserId) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("user not found")
        return user

    async def by_email(self, email: str) -> User:
        """The account with this email; NotFound otherwise."""
        async with self._uow() as uow:
            user = await uow.users.get_by_email(Email(email))
        if user is None:
            raise NotFound(f"no account with the email {email!r}")
        return user

    async def first_admin(self) -> User:
        """The first administrator account; NotFound when there is none."""
        async with self._uow() as uow:
            user = await uow.users.first_admin()
        if user is None:
            raise NotFound("there is no administrator account yet")
        return user

    async def delete(self, user_id: UserId) -> None:
        async with self._uow() as uow:
            if not await uow.users.delete(user_id):
                raise NotFound("user not found")
            await uow.commit()
        for listener in self._deleted_listeners:
            listener(user_id)

    # -- feed tokens --------------------------------------------------------------------

    async def create_feed_token(self, user_id: UserId, name: str) -> IssuedFeedToken:
        """A new named feed token; Conflict when the user already has one of that name
        or holds ``MAX_FEED_TOKENS``. The secret is returned once; only its hash is stored."""
        validate_feed_token_name(name)
        return await self._issue(user_id, name, replace=False)

    async def rotate_feed_token(self, user_id: UserId,
                                name: str = DEFAULT_FEED_TOKEN_NAME) -> IssuedFeedToken:
        """A new secret for the user's token called ``name`` (created when missing); the
        previous secret of that name stops working at once, the others are untouched.
        NotFound when the user does not exist."""
        validate_feed_token_name(name)
        return await self._issue(user_id, name, replace=True)

    async def _issue(self, user_id: UserId, name: str, *, replace: bool) -> IssuedFeedToken:
        token = new_feed_token()
        now = self._clock.now()
        async with self._uow() as uow:
            held = await uow.feed_tokens.list(user_id)
            exists = any(t.name == name for t in held)
            if exists and not replace:
                raise Conflict(f"you already have a feed token called {name!r}")
            if not exists and len(held) >= MAX_FEED_TOKENS:
                raise Conflict(f"at most {MAX_FEED_TOKENS} feed tokens per account; "
                               "revoke one first")
            stored = FeedToken(id=new_id(), user_id=user_id, name=name,
                               token_hash=hash_feed_token(token), created_at=now)
            await uow.feed_tokens.put(stored)
            await uow.commit()
        return IssuedFeedToken(token=token, id=stored.id, name=name, created_at=now)

    async def list_feed_tokens(self, user_id: UserId) -> list[FeedToken]:
        """The user's tokens (hashes, never secrets), oldest first."""
        async with self._uow() as uow:
            return await uow.feed_tokens.list(user_id)

    async def revoke_feed_token(self, user_id: UserId,
                                name: str = DEFAULT_FEED_TOKEN_NAME) -> bool:
        """Revoke the user's token called ``name`` at once; whether there was one."""
        async with self._uow() as uow:
            existed = await uow.feed_tokens.delete_named(user_id, name)
            await uow.commit()
        return existed

    async def delete_feed_token(self, user_id: UserId, token_id: uuid.UUID) -> None:
        """Revoke one of the user's tokens by id at once; NotFound when it is not theirs."""
        async with self._uow() as uow:
            if not await uow.feed_tokens.delete(user_id, token_id):
                raise NotFound("feed token not found")
            await uow.commit()

    async def find_feed_token(self, token: str) -> FeedToken | None:
        """The stored token this secret belongs to, or None; records no use."""
        if not is_feed_token_shaped(token):
            return None
        token_hash = hash_feed_token(token)
        async with self._uow() as uow:
            stored = await uow.feed_tokens.find(token_hash)
        if stored is None or not hmac.compare_digest(stored.token_hash, token_hash):
            return None
        return stored

    async def resolve_feed_token(self, token: str) -> User:
        """The owner of a feed token; NotFound (saying nothing more) otherwise.

        The hash is looked up through a unique index, so no secret is compared
        byte by byte against stored ones; the found hash is compared again in
        constant time anyway. Strings that cannot be a token are refused before
        the database is asked. The token's ``last_used_at`` is written at most
        every ``FEED_TOKEN_TOUCH_INTERVAL`` (players poll every few seconds).
        """
        if not is_feed_token_shaped(token):
            raise NotFound(_UNKNOWN_FEED_TOKEN)
        token_hash = hash_feed_token(token)
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.feed_tokens.find(token_hash)
            if stored is None or not hmac.compare_digest(stored.token_hash, token_hash):
                raise NotFound(_UNKNOWN_FEED_TOKEN)
            user = await uow.users.get(stored.user_id)
            if user is None:
                raise NotFound(_UNKNOWN_FEED_TOKEN)
            last = stored.last_used_at
            if last is None or not timedelta(0) <= now - last < FEED_TOKEN_TOUCH_INTERVAL:
                await uow.feed_tokens.touch(stored.id, now)
                await uow.commit()
        return user
