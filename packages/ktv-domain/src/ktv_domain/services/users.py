"""Account use cases: register, authenticate (rehash on login), look up, delete."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..errors import AuthenticationFailed, NotFound, RegistrationClosed, ValidationError
from ..ids import UserId, new_id
from ..ports import Clock, CpuRunner, PasswordHasher, UnitOfWork, run_inline
from ..user import MAX_PASSWORD_LENGTH, Email, User, validate_password

__all__ = ["UserService"]

_BAD_CREDENTIALS = "wrong email or password"


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
        reveal which accounts exist.
        """
        try:
            address = Email(email)
        except ValidationError:
            address = None
        if len(password) > MAX_PASSWORD_LENGTH:
            raise AuthenticationFailed(_BAD_CREDENTIALS)
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

    async def delete(self, user_id: UserId) -> None:
        async with self._uow() as uow:
            if not await uow.users.delete(user_id):
                raise NotFound("user not found")
            await uow.commit()
