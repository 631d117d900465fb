"""``/media/{id}/stream``: a local item's file, over a signed link, with byte ranges.

No bearer token: the signed ``exp``/``sig`` query is the credential, so a
player that follows ``/channels/{id}/stream``'s 307 needs no header. The
file is streamed in 64 KiB chunks read off the event loop; ``Range`` (one
span), ``If-Range`` and ``HEAD`` are supported.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import AsyncIterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Annotated, Any, Final

import anyio
import structlog
from litestar import Controller, HttpMethod, Request, Response, route
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import Stream
from litestar.response.base import ASGIResponse

from ktv_domain import Forbidden, MediaItemId, NotFound
from ktv_localmedia import mime_type_for

from ..byte_ranges import ByteSpan, Unsatisfiable, parse_range
from ..problems import PROBLEM_JSON, Problem, problem_responses
from ..state import Ktv, KtvDep

__all__ = ["CHUNK_BYTES", "MediaController"]

_log = structlog.get_logger("ktv.media")
CHUNK_BYTES: Final = 64 * 1024
#: The longest a client may cache a response (never past the link's expiry).
MAX_AGE_SECS: Final = 3600
#: Ids are provider-made (local: 32 hex digits); anything else is no item of ours.
_ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_INVALID_LINK = "invalid or expired link"
_PARTIAL = ResponseSpec(None, media_type="application/octet-stream",
                        description="The requested byte range (`Content-Range` says which)")
_UNSATISFIABLE = ResponseSpec(Problem, media_type=PROBLEM_JSON, generate_examples=False,
                              description="No requested range overlaps the file "
                                          "(`Content-Range: bytes */<size>`)")


class _FileStream(Stream):
    """A :class:`Stream` whose own media type wins: Litestar's ``Stream`` prefers the
    route's (``application/octet-stream`` here) over the one it was given."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        kwargs["media_type"] = self.media_type
        return super().to_asgi_response(*args, **kwargs)


class MediaController(Controller):
    path = "/media"
    tags = ["media"]

    @route("/{item_id:str}/stream", http_method=[HttpMethod.GET, HttpMethod.HEAD],
           summary="A local item's file, through a signed link (byte ranges supported)",
           media_type="application/octet-stream", response_description="The whole file",
           response_headers=[
               ResponseHeader(name="Accept-Ranges", value="bytes", documentation_only=True),
               ResponseHeader(name="Cache-Control", value="private, max-age=3600",
                              documentation_only=True)],
           responses={206: _PARTIAL, 416: _UNSATISFIABLE, **problem_responses(400, 403, 404)})
    async def stream(
        self, request: Request[Any, Any, Any], item_id: FromPath[str], ktv: KtvDep,
        exp: Annotated[str | None, QueryParameter(
            description="Expiry of the link (unix seconds); part of the signed URL")] = None,
        sig: Annotated[str | None, QueryParameter(
            description="The link's signature; part of the signed URL")] = None,
        byte_range: Annotated[str | None, HeaderParameter(
            name="range", description="`bytes=first-last`, `bytes=first-` or `bytes=-n`",
            required=False)] = None,
        if_range: Annotated[str | None, HeaderParameter(
            name="if-range", description="Serve the range only if the file is unchanged "
                                         "(an `ETag` or `Last-Modified` value)",
            required=False)] = None,
    ) -> Response[Any]:
        """Links come from ``/channels/{id}/stream``'s redirect and expire; an invalid,
        tampered or expired link is a 403. The whole file is a 200, one range a 206,
        a range past the end a 416; a malformed ``Range`` is ignored (a 200)."""
        urls = ktv.media_urls
        if exp is None or sig is None or not urls.verify(item_id, exp, sig):
            raise Forbidden(_INVALID_LINK)
        path = await _resolve(ktv, item_id)
        info = await _stat(path, item_id)
        size = info.st_size
        etag = f'"{size:x}-{info.st_mtime_ns:x}"'
        headers = {
            "Accept-Ranges": "bytes",
            "Cache-Control": f"private, max-age={min(MAX_AGE_SECS, urls.seconds_left(exp))}",
            "ETag": etag,
            "Last-Modified": formatdate(info.st_mtime, usegmt=True),
        }
        if if_range is not None and not _if_range_matches(if_range, etag, info.st_mtime):
            byte_range = None
        wanted = parse_range(byte_range, size)
        if isinstance(wanted, Unsatisfiable):
            headers["Content-Range"] = wanted.content_range
            body = Problem(title="Range not satisfiable", status=416,
                           detail=f"the requested range is outside the file ({size} bytes)")
            return Response(body, status_code=416, media_type=PROBLEM_JSON, headers=headers)
        span = wanted if isinstance(wanted, ByteSpan) else None
        first, length = (span.first, span.length) if span else (0, size)
        if span is not None:
            headers["Content-Range"] = span.content_range
        headers["Content-Length"] = str(length)
        head = request.method == HttpMethod.HEAD
        chunks = _no_body() if head or length == 0 else _read(path, first, length)
        return _FileStream(chunks, status_code=206 if span else 200,
                           media_type=mime_type_for(path.name), headers=headers)


async def _resolve(ktv: Ktv, item_id: str) -> Path:
    if ktv.media_files is None or not _ITEM_ID.fullmatch(item_id):
        raise NotFound("no such media item")
    return await ktv.media_files.local_file(MediaItemId(item_id))


async def _stat(path: Path, item_id: str) -> os.stat_result:
    try:
        info = await anyio.Path(path).stat()
    except OSError as exc:
        _log.warning("indexed media file is unreadable", item_id=item_id,
                     error=type(exc).__name__)
        raise NotFound("no such media item") from exc
    if not stat.S_ISREG(info.st_mode):
        raise NotFound("no such media item")
    return info


def _if_range_matches(value: str, etag: str, mtime: float) -> bool:
    """RFC 9110 13.1.5: a strong ETag match, or the exact Last-Modified date."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag
    try:
        return int(parsedate_to_datetime(value).timestamp()) == int(mtime)
    except (TypeError, ValueError, OverflowError, IndexError):
        return False


async def _no_body() -> AsyncIterator[bytes]:
    return
    yield  # pragma: no cover - makes this an (empty) async generator


async def _read(path: Path, first: int, length: int) -> AsyncIterator[bytes]:
    """``length`` bytes from ``first``, a chunk at a time; the file is opened lazily and
    always closed, also when the client goes away mid-stream."""
    async with await anyio.open_file(path, "rb") as f:
        await f.seek(first)
        remaining = length
        while remaining > 0:
            chunk = await f.read(min(CHUNK_BYTES, remaining))
            if not chunk:  # the file shrank since the stat: end short
                _log.warning("media file shrank while streaming", path_name=path.name)
                return
            remaining -= len(chunk)
            yield chunk
