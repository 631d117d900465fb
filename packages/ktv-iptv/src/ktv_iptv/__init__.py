"""K-TV IPTV documents: M3U playlists, XMLTV guides, HDHomeRun tuner documents, logos.

Pure rendering over domain values (channels' numbers and names, stored slots):
no I/O, no web framework. The app decides what goes in (which user's channels,
which URLs carry which credential) and caches what comes out.
"""

from .hdhomerun import (
    FIRMWARE_NAME,
    MODEL_NUMBER,
    LineupEntry,
    Tuner,
    device_xml,
    discover,
    lineup,
    lineup_status,
)
from .ids import (
    XMLTV_ID_RULE,
    hdhr_device_auth,
    hdhr_device_id,
    is_valid_hdhr_device_id,
    xmltv_channel_id,
)
from .logos import LOGO_SIZE, render_logo
from .m3u import M3U_CONTENT_TYPE, M3uChannel, render_m3u
from .text import m3u_display_name
from .xmltv import (
    OFF_AIR_TITLE,
    XMLTV_CONTENT_TYPE,
    GuideChannel,
    ProgrammeRun,
    assemble,
    episode_numbers,
    render_channel,
    render_programmes,
    xmltv_time,
)

__all__ = [
    "FIRMWARE_NAME",
    "LOGO_SIZE",
    "M3U_CONTENT_TYPE",
    "MODEL_NUMBER",
    "OFF_AIR_TITLE",
    "XMLTV_CONTENT_TYPE",
    "XMLTV_ID_RULE",
    "GuideChannel",
    "LineupEntry",
    "M3uChannel",
    "ProgrammeRun",
    "Tuner",
    "assemble",
    "device_xml",
    "discover",
    "episode_numbers",
    "hdhr_device_auth",
    "hdhr_device_id",
    "is_valid_hdhr_device_id",
    "lineup",
    "lineup_status",
    "m3u_display_name",
    "render_channel",
    "render_logo",
    "render_m3u",
    "render_programmes",
    "xmltv_channel_id",
    "xmltv_time",
]
