"""K-TV streaming adapter: continuous per-channel MPEG-TS (and HLS) from ffmpeg.

One :class:`ChannelSession` per channel, profile and origin plays the domain's
playout plan through ffmpeg, splices the runs into one transport stream whose
timestamps are the guide's instants (:class:`Splicer`), paces it to the clock
and fans it out to every viewer (:class:`Broadcast`). :class:`StreamManager`
starts, shares, bounds and stops sessions. Imports only the domain.
"""

from .errors import SessionClosed, SessionLimitReached, SourceUnreadable, StreamingError
from .fanout import Broadcast, Viewer
from .hls import HLS_MEDIA_TYPE, HlsSegmenter, Segment, render_playlist
from .manager import SessionInfo, StreamManager, StreamSettings
from .probe import Probes, SourceInfo, probe
from .profiles import PROFILE_NAMES, ProfileName, StreamProfile
from .session import ChannelSchedule, ChannelSession, SessionConfig, SessionKey, item_label
from .slate import Slates, SlateText, render_png
from .splicer import Chunk, Splicer, ticks_from_us, us_from_ticks
from .vod import VOD_SEGMENT_SECS, VodPart, vod_parts, vod_playlist

__all__ = [
    "HLS_MEDIA_TYPE",
    "PROFILE_NAMES",
    "VOD_SEGMENT_SECS",
    "Broadcast",
    "ChannelSchedule",
    "ChannelSession",
    "Chunk",
    "HlsSegmenter",
    "Probes",
    "ProfileName",
    "Segment",
    "SessionClosed",
    "SessionConfig",
    "SessionInfo",
    "SessionKey",
    "SessionLimitReached",
    "SlateText",
    "Slates",
    "SourceInfo",
    "SourceUnreadable",
    "Splicer",
    "StreamManager",
    "StreamProfile",
    "StreamSettings",
    "StreamingError",
    "Viewer",
    "VodPart",
    "item_label",
    "probe",
    "render_playlist",
    "render_png",
    "ticks_from_us",
    "us_from_ticks",
    "vod_parts",
    "vod_playlist",
]
