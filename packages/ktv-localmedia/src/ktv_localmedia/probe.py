"""Probe a media file with PyAV: duration, codecs, resolution, container.

:func:`probe` blocks (it reads the file headers); callers on the event loop run
it in a worker thread. It only opens the container, it never decodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from .errors import ProbeFailed

__all__ = ["ProbeResult", "probe"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """The technical facts of one media file (None where the file does not say)."""

    duration_secs: float | None
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    #: The demuxer's name, e.g. ``matroska,webm`` or ``mov,mp4,m4a,3gp,3g2,mj2``.
    container: str


def _positive(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value > 0 else None


def probe(path: Path) -> ProbeResult:
    """Read ``path``'s headers; :class:`ProbeFailed` when it is not a readable video.

    The duration is the container's, else the longest stream's; None when
    neither is known. A file without a video stream is refused.
    """
    try:
        with av.open(str(path), mode="r", metadata_errors="replace") as container:
            video = container.streams.video[0] if container.streams.video else None
            if video is None:
                raise ProbeFailed(path, "no video stream")
            audio = container.streams.audio[0] if container.streams.audio else None
            duration = _positive(container.duration / av.time_base
                                 if container.duration is not None else None)
            if duration is None:
                stream_secs = [float(s.duration * s.time_base) for s in container.streams
                               if s.duration is not None and s.time_base is not None]
                duration = _positive(max(stream_secs, default=None))
            return ProbeResult(
                duration_secs=duration,
                video_codec=video.codec_context.name,
                audio_codec=audio.codec_context.name if audio is not None else None,
                width=video.codec_context.width or None,
                height=video.codec_context.height or None,
                container=container.format.name,
            )
    except ProbeFailed:
        raise
    except av.error.FFmpegError as exc:
        raise ProbeFailed(path, f"{type(exc).__name__}: {exc}") from exc
    except (OSError, ValueError, RuntimeError, IndexError) as exc:
        raise ProbeFailed(path, f"{type(exc).__name__}: {exc}") from exc
