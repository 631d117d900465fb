"""Stream profiles and the ffmpeg command lines they build.

``transcode`` (the default) normalises every item to one H.264 + AAC format:
one resolution (``height``, 16:9, aspect kept with padding), one frame rate,
a keyframe every 2 s, no B-frames (decode order = display order, so splices
stay monotonic), stereo 48 kHz audio. Starts are frame-accurate and item
boundaries are seamless whatever the sources' codecs, sizes, rates or
layouts. Items without audio get silence; audio-only items get a still picture.

``copy`` remuxes the source's first video and audio streams as they are: the
cheapest by far, but an item starts at the keyframe before its offset and the
encoding may change at each boundary (flagged with the TS discontinuity
indicator, and ``#EXT-X-DISCONTINUITY`` in HLS). Items that lack a video or an
audio stream are transcoded even in ``copy`` (there is nothing to copy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .probe import SourceInfo

__all__ = ["PROFILE_NAMES", "ProfileName", "StreamProfile"]

#: Keyframe interval of transcoded output (and the HLS segment length).
KEYFRAME_SECS = 2


class ProfileName(StrEnum):
    TRANSCODE = "transcode"
    COPY = "copy"


PROFILE_NAMES = tuple(p.value for p in ProfileName)


def _even(n: float) -> int:
    return max(2, round(n / 2) * 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamProfile:
    name: ProfileName = ProfileName.TRANSCODE
    height: int = 720
    fps: int = 30
    preset: str = "veryfast"
    audio_bitrate_k: int = 128
    threads: int = 0  # ffmpeg's choice

    def __post_init__(self) -> None:
        if not 90 <= self.height <= 2160:
            raise ValueError("height must be within 90..2160")
        if not 1 <= self.fps <= 60:
            raise ValueError("fps must be within 1..60")

    @property
    def width(self) -> int:
        return _even(self.height * 16 / 9)

    @property
    def video_bitrate_k(self) -> int:
        """A ceiling that keeps 720p near 3 Mb/s, scaled by pixel count."""
        return max(300, int(3000 * (self.width * self.height) / (1280 * 720)))

    # -- commands -----------------------------------------------------------------------

    def item_command(self, ffmpeg: str, location: str, headers: Mapping[str, str],
                     info: SourceInfo, *, offset: float, length: float,
                     still_image: str | None = None, service_name: str = "K-TV") -> list[str]:
        """ffmpeg reading ``location`` from ``offset`` s for ``length`` s, MPEG-TS on stdout."""
        copy = (self.name is ProfileName.COPY and info.has_video and info.has_audio)
        args = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "warning",
                "-fflags", "+genpts+discardcorrupt"]
        args += _input_options(location, headers)
        if offset > 0:
            args += ["-ss", f"{offset:.6f}"]
        args += ["-i", location]
        if copy:
            # -t bounds the run loosely; the splicer cuts at the scheduled end.
            args += ["-t", f"{length + 10:.6f}", "-map", "0:v:0", "-map", "0:a:0", "-c", "copy",
                     "-mpegts_flags", "+initial_discontinuity"]
        else:
            args += self._transcode_inputs(info, still_image)
            args += ["-t", f"{length + 0.5:.6f}"]
            args += self._transcode_maps(info)
            args += self._encoders(still=not info.has_video)
        return [*args, *_mux(service_name)]

    def _transcode_inputs(self, info: SourceInfo, still_image: str | None) -> list[str]:
        extra: list[str] = []
        if not info.has_video:  # audio only: a still picture
            if still_image is not None:
                extra += ["-loop", "1", "-framerate", str(self.fps), "-i", still_image]
            else:
                extra += ["-f", "lavfi", "-i",
                          f"color=c=0x101018:s={self.width}x{self.height}:r={self.fps}"]
        if not info.has_audio:  # video only: silence
            extra += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        return extra

    def _transcode_maps(self, info: SourceInfo) -> list[str]:
        video = "0:v:0" if info.has_video else "1:v:0"
        audio = "0:a:0" if info.has_audio else "1:a:0"
        return ["-map", video, "-map", audio]

    def _video_filter(self) -> str:
        w, h = self.width, self.height
        return (f"yadif=deint=interlaced,scale={w}:{h}:force_original_aspect_ratio=decrease,"
                f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={self.fps},format=yuv420p")

    def _encoders(self, *, still: bool = False) -> list[str]:
        gop = self.fps * KEYFRAME_SECS
        rate = self.video_bitrate_k
        args = ["-vf", self._video_filter(),
                "-c:v", "libx264", "-preset", self.preset, "-profile:v", "high",
                "-bf", "0", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
                "-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_SECS})",
                "-crf", "23", "-maxrate", f"{rate}k", "-bufsize", f"{rate * 2}k"]
        if still:
            args += ["-tune", "stillimage"]
        if self.threads:
            args += ["-threads", str(self.threads)]
        args += ["-c:a", "aac", "-b:a", f"{self.audio_bitrate_k}k", "-ac", "2", "-ar", "48000",
                 "-af", "aresample=async=1000"]
        return args

    def slate_command(self, ffmpeg: str, image: str, *, secs: float) -> list[str]:
        """A ``secs``-long clip of a still image with silence (the slate), MPEG-TS on stdout."""
        args = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "warning",
                "-loop", "1", "-framerate", str(self.fps), "-i", image,
                "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
                "-t", f"{secs:.3f}", "-map", "0:v:0", "-map", "1:a:0"]
        args += self._encoders(still=True)
        return [*args, *_mux("K-TV")]


def _input_options(location: str, headers: Mapping[str, str]) -> list[str]:
    if not location.startswith(("http://", "https://")):
        return []
    args = ["-reconnect", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", "4",
            "-rw_timeout", "15000000"]
    if headers:
        args += ["-headers", "".join(f"{k}: {v}\r\n" for k, v in headers.items())]
    return args


def _mux(service_name: str) -> list[str]:
    return ["-map_metadata", "-1", "-metadata", f"service_name={service_name}",
            "-metadata", "service_provider=K-TV",
            "-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0", "pipe:1"]
