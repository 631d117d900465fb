"""ChannelRepository over SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ktv_domain import Channel, ChannelId, Conflict, NotFound, UserId

from .codec import decode_config, decode_policy, encode_config, encode_policy
from .session import Session
from .tables import channels
from .translate import writing

__all__ = ["SqlChannelRepository"]


def _values(ch: Channel) -> dict[str, Any]:
    return {"id": ch.id, "owner_id": ch.owner_id, "number": ch.number, "name": ch.name,
            "description": ch.description, "timezone": ch.timezone, "enabled": ch.enabled,
            "logo_url": ch.logo_url, "schedule_config": encode_config(ch.schedule_config),
            "recycle_policy": encode_policy(ch.recycle_policy),
            "stream_profile": ch.stream_profile, "catchup_days": ch.catchup_days,
            "created_at": ch.created_at, "updated_at": ch.updated_at}


def _channel(row: Row[Any]) -> Channel:
    return Channel(id=ChannelId(row.id), owner_id=UserId(row.owner_id), name=row.name,
                   number=row.number, created_at=row.created_at, updated_at=row.updated_at,
                   description=row.description, timezone=row.timezone,
                   enabled=bool(row.enabled), logo_url=row.logo_url,
                   schedule_config=decode_config(row.schedule_config),
                   recycle_policy=decode_policy(row.recycle_policy),
                   stream_profile=row.stream_profile, catchup_days=row.catchup_days)


def number_key(ch: Channel) -> tuple[int, int, str]:
    """Channel numbers compare numerically: 2 < 10 < 10.1 < 10.2."""
    major, _, minor = ch.number.partition(".")
    return (int(major), int(minor or 0), str(ch.id))


def _taken(ch: Channel) -> dict[str, Conflict]:
    return {"number": Conflict(f"channel number {ch.number} is already in use"),
            "": Conflict("channel already exists")}


class SqlChannelRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _conn(self) -> AsyncConnection:
        return self._s.conn

    async def add(self, channel: Channel) -> None:
        async with writing(self._conn, unique=_taken(channel), missing="owner not found"):
            await self._conn.execute(insert(channels).values(_values(channel)))

    async def get(self, channel_id: ChannelId) -> Channel | None:
        row = (await self._conn.execute(
            select(channels).where(channels.c.id == channel_id))).first()
        return None if row is None else _channel(row)

    async def list_by_owner(self, owner_id: UserId) -> list[Channel]:
        rows = await self._conn.execute(select(channels).where(channels.c.owner_id == owner_id))
        return sorted((_channel(r) for r in rows), key=number_key)

    async def list_enabled(self) -> list[Channel]:
        rows = await self._conn.execute(select(channels).where(channels.c.enabled.is_(True)))
        return sorted((_channel(r) for r in rows), key=lambda c: (str(c.owner_id), number_key(c)))

    async def update(self, channel: Channel) -> None:
        values = _values(channel)
        del values["id"]
        async with writing(self._conn, unique=_taken(channel), missing="owner not found"):
            result = await self._conn.execute(
                update(channels).where(channels.c.id == channel.id).values(values))
        if result.rowcount == 0:
            raise NotFound("channel not found")

    async def delete(self, channel_id: ChannelId) -> bool:
        async with writing(self._conn, unique=Conflict("cannot delete channel")):
            result = await self._conn.execute(delete(channels).where(channels.c.id == channel_id))
        return result.rowcount > 0
