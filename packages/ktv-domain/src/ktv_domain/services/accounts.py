"""Account administration: the operator's ``ktv user ...`` commands and self-deletion.

Deleting an account removes everything it owns (channels with their
schedules, its feed token: foreign keys with cascade) and tells the
``UserService``'s listeners, so caches of this process forget the user at
once; other processes re-read users within their cache's lifetime.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from ..errors import Forbidden, NotFound, ValidationError
from ..ids import UserId, new_id
from ..ports import Clock, CpuRunner, PasswordHasher, UnitOfWork, run_inline
from ..user import Email, User, validate_password
from .users import UserService

__all__ = ["RECENT_LOGIN", "AccountAdmin"]

#: How recent a sign-in must be to delete an account that has no password.
RECENT_LOGIN: Final = timedelta(minutes=10)


class AccountAdmin:
    def __init__(self, uow: Callable[[], UnitOfWork], hasher: PasswordHasher, clock: Clock,
                 users: UserService, *, cpu: CpuRunner = run_inline) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._users = users
        self._cpu = cpu

    async def list(self) -> list[User]:
        async with self._uow() as uow:
            return await uow.users.list_all()

    async def create(self, email: str, password: str, *, admin: bool = False) -> User:
        """A new account (registration need not be open); DuplicateEmail when taken. The
        first account on a server is an admin either way."""
        address = Email(email)
        validate_password(password)
        password_hash = await self._cpu(lambda: self._hasher.hash(password))
        async with self._uow() as uow:
            first = await uow.users.count() == 0
            user = User(id=UserId(new_id()), email=address, created_at=self._clock.now(),
                        password_hash=password_hash, is_admin=admin or first)
            await uow.users.add(user)
            await uow.commit()
        return user

    async def set_password(self, email: str, password: str) -> User:
        validate_password(password)
        password_hash = await self._cpu(lambda: self._hasher.hash(password))
        return await self._change(email, password_hash=password_hash)

    async def set_admin(self, email: str, admin: bool) -> User:
        return await self._change(email, is_admin=admin)

    async def delete(self, email: str) -> User:
        """Delete the account with this email and all it owns; NotFound when none."""
        user = await self._by_email(email)
        await self._users.delete(user.id)
        return user

    async def delete_own(self, user: User, *, password: str | None,
                         signed_in_at: datetime) -> None:
        """A user deletes their own account: with their password when they have one,
        else only within :data:`RECENT_LOGIN` of signing in (``signed_in_at``)."""
        if user.password_hash is not None:
            if password is None:
                raise Forbidden("this account has a password: send it to delete the account")
            stored = user.password_hash
            if not await self._cpu(lambda: self._hasher.verify(stored, password)):
                raise Forbidden("the password is not right")
        elif self._clock.now() - signed_in_at > RECENT_LOGIN:
            minutes = int(RECENT_LOGIN.total_seconds() // 60)
            raise Forbidden(f"sign in again (within {minutes} minutes) to delete this account")
        await self._users.delete(user.id)

    async def _by_email(self, email: str) -> User:
        try:
            address = Email(email)
        except ValidationError:
            raise NotFound(f"no account with the email {email!r}") from None
        async with self._uow() as uow:
            user = await uow.users.get_by_email(address)
        if user is None:
            raise NotFound(f"no account with the email {address}")
        return user

    async def _change(self, email: str, **changes: object) -> User:
        user = await self._by_email(email)
        changed = dataclasses.replace(user, **changes)  # type: ignore[arg-type]
        async with self._uow() as uow:
            await uow.users.update(changed)
            await uow.commit()
        return changed
