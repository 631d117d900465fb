"""``/library``: what the channel editor browses, and the local library's scans."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from ktv_domain import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Conflict,
    ContentType,
    Forbidden,
    LibraryQuery,
    MediaItemId,
    MediaSourceNotConfigured,
    User,
    decode_cursor,
)

from ..dto.library import (
    CollectionOut,
    CollectionsOut,
    GenreOut,
    GenresOut,
    ItemPageOut,
    ScanStatusOut,
)
from ..dto.schedule import ItemOut
from ..problems import PROBLEM_JSON, Problem, problem_responses
from ..state import CurrentUser, Ktv, KtvDep, LibraryScanner, provide_user
from .auth import BEARER

__all__ = ["LibraryController"]

_READ = problem_responses(400, 401, 503)
_CURSOR = ResponseSpec(Problem, media_type=PROBLEM_JSON, generate_examples=False,
                       description="A `cursor` this server did not issue (problem type "
                                   "`urn:ktv:problem:invalid-cursor`), or another invalid "
                                   "parameter; `errors` names it")


def _admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("only an administrator can scan the library")


def _scanner(ktv: Ktv) -> LibraryScanner:
    if ktv.scanner is not None:
        return ktv.scanner
    if ktv.media is None:
        raise MediaSourceNotConfigured()
    raise Conflict(f"the {ktv.media_source} media source cannot be scanned")


class LibraryController(Controller):
    path = "/library"
    tags = ["library"]
    security = BEARER
    dependencies = {"user": Provide(provide_user)}

    @get("/collections", summary="Collections (libraries, folders, box sets) with item counts",
         responses=_READ)
    async def collections(self, user: CurrentUser, ktv: KtvDep) -> CollectionsOut:
        """Use an id in an algorithmic block's ``collections`` filter."""
        found = await ktv.library.collections()
        return CollectionsOut(collections=[CollectionOut.of(c) for c in found])

    @get("/genres", summary="Genres with item counts", responses=_READ)
    async def genres(self, user: CurrentUser, ktv: KtvDep) -> GenresOut:
        return GenresOut(genres=[GenreOut.of(g) for g in await ktv.library.genres()])

    @get("/items", summary="Search the library",
         responses={**problem_responses(400, 401, 503), 422: _CURSOR})
    async def items(
        self, user: CurrentUser, ktv: KtvDep,
        q: Annotated[str | None, QueryParameter(
            description="Words that must all appear in the title, series or overview",
            max_length=200)] = None,
        content_type: Annotated[ContentType | None, QueryParameter()] = None,
        genre: Annotated[str | None, QueryParameter(max_length=200)] = None,
        series: Annotated[str | None, QueryParameter(max_length=200)] = None,
        collection: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, QueryParameter(
            description="Opaque: the previous page's `next_cursor`, passed back unchanged "
                        "(never built by a client). A cursor this server did not issue is a "
                        "422 with problem type `urn:ktv:problem:invalid-cursor` naming "
                        "`cursor`; list again from the first page.",
            max_length=100)] = None,
    ) -> ItemPageOut:
        """Items ordered by series or title, season and episode; ``limit`` per page (max 500)."""
        query = LibraryQuery(q=q or None, content_type=content_type, genre=genre or None,
                             series=series or None, collection=collection or None, limit=limit,
                             offset=decode_cursor(cursor) if cursor else 0)
        return ItemPageOut.of(await ktv.library.items(query))

    @get("/items/{item_id:str}", summary="One library item",
         responses=problem_responses(401, 404, 503))
    async def item(self, item_id: FromPath[str], user: CurrentUser, ktv: KtvDep) -> ItemOut:
        return ItemOut.of(await ktv.library.item(MediaItemId(item_id)))

    @get("/scan", summary="The current or last library scan or catalog refresh (admin)",
         responses=problem_responses(401, 403, 409, 503))
    async def scan_status(self, user: CurrentUser, ktv: KtvDep) -> ScanStatusOut:
        """The same on every replica (read from the database)."""
        _admin(user)
        return ScanStatusOut.of(await _scanner(ktv).status())

    @post("/scan", summary="Rescan the media folders, or re-read a Jellyfin catalog (admin)",
          status_code=202, responses=problem_responses(401, 403, 409, 503))
    async def scan(self, user: CurrentUser, ktv: KtvDep) -> ScanStatusOut:
        """Local folders: a scan is requested (``requested``) and the replica that scans
        (one at a time) starts it within seconds; only new or changed files are probed.
        When a scan is already requested or running, its status is returned and no second
        one starts. Jellyfin: this replica re-reads the catalog now (``running``)."""
        _admin(user)
        return ScanStatusOut.of(await _scanner(ktv).request())
