"""``/channels``: a user's channels (CRUD with partial update)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from ktv_domain import ChannelId

from ..dto.channels import ChannelCreate, ChannelOut, ChannelUpdate
from ..problems import problem_responses
from ..state import CurrentUser, KtvDep, provide_user
from .auth import BEARER

_READ = problem_responses(400, 401, 404)
_WRITE = problem_responses(400, 401, 404, 409, 422)

__all__ = ["ChannelController"]


class ChannelController(Controller):
    path = "/channels"
    tags = ["channels"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @get("", summary="The caller's channels, by number", responses=problem_responses(401))
    async def list_channels(self, user: CurrentUser, ktv: KtvDep) -> list[ChannelOut]:
        return [ChannelOut.of(ch) for ch in await ktv.channels.list(user.id)]

    @post("", summary="Create a channel", status_code=201,
          responses=problem_responses(400, 401, 409, 422))
    async def create(
        self,
        data: JSONBody[ChannelCreate],
        user: CurrentUser,
        ktv: KtvDep) -> ChannelOut:
        """``number`` is assigned when absent; unique per owner (409 when taken)."""
        return ChannelOut.of(await ktv.channels.create(user.id, data.to_spec()))

    @get("/{channel_id:uuid}", summary="One channel", responses=_READ)
    async def get_channel(
        self,
        channel_id: FromPath[UUID],
        user: CurrentUser,
        ktv: KtvDep) -> ChannelOut:
        return ChannelOut.of(await ktv.channels.get(user.id, ChannelId(channel_id)))

    @put("/{channel_id:uuid}", summary="Update a channel: only provided fields change",
         responses=_WRITE)
    async def update(
        self,
        channel_id: FromPath[UUID],
        data: JSONBody[ChannelUpdate],
        user: CurrentUser,
        ktv: KtvDep) -> ChannelOut:
        """Blocks keep their ids when sent back with them; new blocks get one."""
        return await _update(channel_id, data, user, ktv)

    @patch("/{channel_id:uuid}", summary="Update a channel (alias of PUT)", responses=_WRITE)
    async def patch_channel(
        self,
        channel_id: FromPath[UUID],
        data: JSONBody[ChannelUpdate],
        user: CurrentUser,
        ktv: KtvDep) -> ChannelOut:
        return await _update(channel_id, data, user, ktv)

    @delete("/{channel_id:uuid}", summary="Delete a channel with its schedules",
            status_code=204, responses=_READ)
    async def delete_channel(
        self,
        channel_id: FromPath[UUID],
        user: CurrentUser,
        ktv: KtvDep) -> None:
        await ktv.channels.delete(user.id, ChannelId(channel_id))
        ktv.onair.forget(ChannelId(channel_id))


async def _update(
    channel_id: FromPath[UUID],
    data: JSONBody[ChannelUpdate],
    user: CurrentUser,
    ktv: KtvDep) -> ChannelOut:
    updated = await ktv.channels.update(user.id, ChannelId(channel_id), data.to_changes())
    await ktv.onair.refresh(updated.id)  # the view carries the channel's catch-up window
    return ChannelOut.of(updated)
