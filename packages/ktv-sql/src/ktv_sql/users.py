"""UserRepository over SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import Conflict, DuplicateEmail, Email, NotFound, User, UserId

from .session import Session
from .tables import users
from .translate import writing

__all__ = ["SqlUserRepository"]


def _values(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email.value, "password_hash": user.password_hash,
            "is_admin": user.is_admin, "oidc_subject": user.oidc_subject,
            "created_at": user.created_at}


def _user(row: Row[Any] | None) -> User | None:
    if row is None:
        return None
    return User(id=UserId(row.id), email=Email(row.email), created_at=row.created_at,
                password_hash=row.password_hash, is_admin=bool(row.is_admin),
                oidc_subject=row.oidc_subject)


def _unique() -> dict[str, Conflict]:
    return {"oidc": Conflict("this identity is already linked to an account"),
            "": DuplicateEmail("an account with this email already exists")}


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def add(self, user: User) -> None:
        async with writing(self._conn, unique=_unique()):
            await self._conn.execute(insert(users).values(_values(user)))

    async def get(self, user_id: UserId) -> User | None:
        return _user((await self._conn.execute(
            select(users).where(users.c.id == user_id))).first())

    async def get_by_email(self, email: Email) -> User | None:
        return _user((await self._conn.execute(
            select(users).where(users.c.email == email.value))).first())

    async def get_by_oidc_subject(self, subject: str) -> User | None:
        return _user((await self._conn.execute(
            select(users).where(users.c.oidc_subject == subject))).first())

    async def update(self, user: User) -> None:
        values = _values(user)
        del values["id"]
        async with writing(self._conn, unique=_unique()):
            result = await self._conn.execute(
                update(users).where(users.c.id == user.id).values(values))
        if result.rowcount == 0:
            raise NotFound("user not found")

    async def delete(self, user_id: UserId) -> bool:
        async with writing(self._conn, unique=Conflict("cannot delete user")):
            result = await self._conn.execute(delete(users).where(users.c.id == user_id))
        return result.rowcount > 0

    async def list_all(self) -> list[User]:
        rows = await self._conn.execute(select(users).order_by(users.c.email))
        return [u for u in (_user(row) for row in rows) if u is not None]

    async def count(self) -> int:
        return int((await self._conn.execute(select(func.count()).select_from(users)))
                   .scalar_one())

    async def first_admin(self) -> User | None:
        row = (await self._conn.execute(
            select(users).where(users.c.is_admin.is_(True))
            .order_by(users.c.created_at, users.c.id).limit(1))).first()
        return _user(row)
