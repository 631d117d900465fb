"""What a source holds (video? audio? which codecs?), read with PyAV before ffmpeg runs.

The transcode command needs to know whether to add silence or a still picture;
``copy`` needs both streams. Probing reads only the container's headers. The
result is cached per item by the session manager.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import av

from ktv_domain import MediaInput, MediaItemId

from .errors import SourceUnreadable

__all__ = ["Probes", "SourceInfo", "probe"]

#: How long opening a remote source may take (microseconds, PyAV/ffmpeg option).
_NET_TIMEOUT_US = 10_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceInfo:
    has_video: bool
    has_audio: bool
    video_codec: str | None = None
    audio_codec: str | None = None
    duration: float | None = None


def probe(location: str, headers: Mapping[str, str] | None = None) -> SourceInfo:
    """Open ``location`` (a path or an http(s) URL) and list its streams (blocking).

    SourceUnreadable when it cannot be opened or holds neither video nor audio;
    its message never contains ``headers`` (they may carry a secret).
    """
    options: dict[str, str] = {}
    if location.startswith(("http://", "https://")):
        options["timeout"] = str(_NET_TIMEOUT_US)
        options["rw_timeout"] = str(_NET_TIMEOUT_US)
        if headers:
            options["headers"] = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    try:
        with av.open(location, options=options, timeout=_NET_TIMEOUT_US / 1e6) as container:
            video = next((s for s in container.streams.video
                          if not s.disposition & av.stream.Disposition.attached_pic), None)
            audio = next(iter(container.streams.audio), None)
            duration = (container.duration / av.time_base
                        if container.duration is not None else None)
            info = SourceInfo(
                has_video=video is not None, has_audio=audio is not None,
                video_codec=video.codec_context.name if video is not None else None,
                audio_codec=audio.codec_context.name if audio is not None else None,
                duration=duration)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise SourceUnreadable(f"cannot open the source: {type(exc).__name__}") from exc
    if not info.has_video and not info.has_audio:
        raise SourceUnreadable("the source holds neither video nor audio")
    return info


class Probes:
    """What each item holds, probed once (off the event loop) and remembered."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._known: OrderedDict[MediaItemId, SourceInfo] = OrderedDict()

    async def info(self, item_id: MediaItemId, source: MediaInput) -> SourceInfo:
        known = self._known.get(item_id)
        if known is not None:
            self._known.move_to_end(item_id)
            return known
        info = await asyncio.to_thread(probe, source.location, dict(source.headers))
        self._known[item_id] = info
        while len(self._known) > self._size:
            self._known.popitem(last=False)
        return info
