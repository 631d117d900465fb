"""A small sample library made with ffmpeg, for ``ktv demo`` and the tests.

:func:`generate_sample_library` writes, under ``root``::

    The Quiet Lighthouse/tvshow.nfo
    The Quiet Lighthouse/Season 01/The Quiet Lighthouse - S01E02 - The Keeper's Log.mp4 (+ .nfo)
    Robot Garden/Season 1/Robot.Garden.S01E03.mp4                 (dotted naming)
    Orbital Kitchen/Season 02/Orbital Kitchen - S02E03 - Asteroid Stew.mp4
    Movies/The Long Signal (1999)/The Long Signal (1999).mp4 + movie.nfo
    Shorts/Station Ident.mp4
    .ktv-sample.json                                              (manifest, written last)

15 episodes of 2-4 minutes, 5 movies of 4-6 minutes and 5 shorts of 20-90
seconds (about 71 minutes, about 7 MB): 320x180 at 10 fps, H.264 (libx264,
else mpeg4) and mono AAC in MP4 with ``+faststart``. The picture is ffmpeg's
``smptehdbars`` pattern turned to a hue of its own per show or movie, with the
title, the episode code and a running clock drawn by ``drawtext``; the sound is
a ``sine`` beep every two seconds, a pitch of its own per show. (``testsrc2``
is three to five times bigger for the same quality: its noise squares defeat
the encoder.)

``drawtext`` needs a font: the first known font file on the machine
(:data:`FONT_CANDIDATES`), else fontconfig's default; each is tried on one
frame first. Without any, the clips are made without text
(:attr:`SampleLibrary.font` is None) and ``on_progress`` says so.

Idempotent and crash-safe: each video is encoded to a hidden temporary name
unique to the process (``.name.mp4.<pid>.ktv-tmp``; the folder walk skips
hidden files) and renamed into place when complete, so a killed run never
leaves a truncated file that looks complete (its leftovers are deleted when
the clip is made again); the manifest is written last. A second call
keeps every non-empty video (of the same duration, per the manifest) and
needs no ffmpeg at all when nothing is missing. ffmpeg runs ``jobs`` at a
time, one thread each, as plain subprocesses (no shell).

Note for the scanner: the movies are shorter than the default
``SHORT_MAX_SECS``; scan with :attr:`SampleLibrary.short_max_secs` so they
are movies and the shorts are shorts.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ktv_domain import ContentType

from .errors import SampleLibraryError
from .sample_catalog import MIN_CLIP_SECS, SHOWS, SampleClip, SampleJob, catalogue

__all__ = ["FONT_CANDIDATES", "SampleClip", "SampleLibrary", "escape_filter_value",
           "generate_sample_library", "resolve_ffmpeg"]

#: Font files tried, in order, before fontconfig's default font.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
MANIFEST = ".ktv-sample.json"
_TMP_SUFFIX = ".ktv-tmp"
_SIZE, _FPS, _GOP = "320x180", 10, 50
#: Between the longest short (90 s) and the shortest movie (240 s), before scaling.
_SHORT_MOVIE_SPLIT_SECS = 150.0
_FFMPEG_TIMEOUT_SECS = 300.0
_BEEP = "0.4*lt(mod(t,2),0.25)"  # a quarter-second beep every two seconds: cheap to encode


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleLibrary:
    """What :func:`generate_sample_library` made or found."""

    root: Path
    clips: tuple[SampleClip, ...]
    shows: int
    episodes: int
    movies: int
    shorts: int
    #: Files (videos, ``.nfo``) written by this call, relative to ``root``.
    created: tuple[PurePosixPath, ...]
    #: Files kept from an earlier call.
    reused: tuple[PurePosixPath, ...]
    total_bytes: int
    #: The font the titles were drawn with (``fontconfig`` for the default); None: no text.
    font: str | None
    #: A ``short_max_secs`` for the scanner that splits this library's shorts from movies.
    short_max_secs: float
    seconds: float


# --- ffmpeg ------------------------------------------------------------------------------------

def escape_filter_value(value: str) -> str:
    """``value`` as one option value inside an ffmpeg filter graph (both escaping levels).

    Level one protects it from the option parser (``\\``, ``'``, ``:``), level
    two from the graph parser (``\\``, ``'``, ``[``, ``]``, ``,``, ``;``).
    """
    for level in ("\\':", "\\'[],;"):
        value = "".join("\\" + c if c in level else c for c in value)
    return value


def _tail(text: str, limit: int = 1500) -> str:
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def resolve_ffmpeg(ffmpeg: str | None = None) -> str:
    """The ffmpeg to run: ``ffmpeg``, else ``FFMPEG_PATH``, else imageio-ffmpeg's binary."""
    exe = ffmpeg or os.environ.get("FFMPEG_PATH")
    source = "the ffmpeg argument" if ffmpeg else "FFMPEG_PATH"
    if not exe:
        try:
            module = importlib.import_module("imageio_ffmpeg")
            return str(module.get_ffmpeg_exe())
        except Exception as exc:  # ImportError, or RuntimeError when it has no binary
            raise SampleLibraryError(
                "no ffmpeg: set FFMPEG_PATH or install imageio-ffmpeg "
                f"({type(exc).__name__}: {exc})") from exc
    found = shutil.which(exe)
    if found is None:
        raise SampleLibraryError(f"ffmpeg not found or not executable: {exe!r} (from {source})")
    return found


def _run(args: Sequence[str], *, what: str, timeout: float = 60.0) -> None:
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, errors="replace",
                              timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise SampleLibraryError(f"{what}: ffmpeg took more than {timeout:.0f} s") from exc
    except OSError as exc:
        raise SampleLibraryError(f"{what}: cannot run {args[0]!r}: {exc}") from exc
    if done.returncode != 0:
        raise SampleLibraryError(f"{what}: ffmpeg exited with {done.returncode}: "
                                 f"{_tail(done.stderr) or '(no output)'}")


def _video_codec(exe: str) -> list[str]:
    try:
        encoders = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True,
                                  text=True, errors="replace", timeout=30, check=False,
                                  stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SampleLibraryError(f"cannot run ffmpeg {exe!r}: {exc}") from exc
    if encoders.returncode != 0:
        raise SampleLibraryError(f"ffmpeg {exe!r} does not work (exit {encoders.returncode}): "
                                 f"{_tail(encoders.stderr) or '(no output)'}")
    if " libx264 " in encoders.stdout:
        return ["-c:v", "libx264", "-preset", "superfast", "-crf", "45"]
    return ["-c:v", "mpeg4", "-q:v", "20"]


def _text_filter(text: str, size: int, y: str, font: str | None, *, expand: bool = False) -> str:
    font_opt = f"fontfile={escape_filter_value(font)}:" if font else ""
    return (f"drawtext={font_opt}text={escape_filter_value(text)}:fontsize={size}"
            f":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4"
            f":expansion={'normal' if expand else 'none'}"
            f":x={'w-tw-8' if expand else '(w-tw)/2'}:y={y}")


def _find_font(exe: str) -> str | None:
    """The first font ``drawtext`` can use: a known file, else fontconfig's default, else None."""
    candidates: list[str | None] = [p for p in FONT_CANDIDATES if Path(p).is_file()]
    for font in [*candidates, None]:
        try:
            _run([exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
                  "-i", "color=c=black:s=64x36:r=1:d=1",
                  "-vf", _text_filter("Ag", 12, "2", font), "-frames:v", "1", "-f", "null", "-"],
                 what="drawtext check", timeout=30)
        except SampleLibraryError:
            continue
        return font or "fontconfig"
    return None


def _encode_args(exe: str, job: SampleJob, out: Path, codec: list[str],
                 font: str | None) -> list[str]:
    video = [f"hue=h={job.hue}"]
    if font is not None:
        file = None if font == "fontconfig" else font
        small, big, code = job.lines
        video += [_text_filter(small, 13, "h/2-th-34", file),
                  _text_filter(big, 20 if len(big) <= 24 else 15, "(h-th)/2", file)]
        if code:
            video.append(_text_filter(code, 13, "h/2+24", file))
        video.append(_text_filter("%{pts:hms}", 11, "h-th-8", file, expand=True))
    audio = (f"sine=frequency={job.pitch}:sample_rate=16000,"
             f"volume={escape_filter_value(_BEEP)}:eval=frame")
    secs = f"{job.clip.secs:.1f}"
    return [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"smptehdbars=size={_SIZE}:rate={_FPS}",
            "-f", "lavfi", "-i", audio, "-filter_threads", "1",
            "-map", "0:v", "-map", "1:a", "-vf", ",".join(video), "-t", secs,
            *codec, "-g", str(_GOP), "-pix_fmt", "yuv420p", "-threads", "1",
            "-c:a", "aac", "-b:a", "12k", "-ac", "1",
            "-metadata", f"title={job.clip.title}", "-movflags", "+faststart",
            "-f", "mp4", str(out)]


def _tmp_name(final: Path) -> Path:
    """A hidden name beside ``final``, unique per process (the folder walk skips it)."""
    return final.with_name(f".{final.name}.{os.getpid()}{_TMP_SUFFIX}")


def _remove_leftovers(final: Path) -> None:
    """Delete what killed runs left for ``final`` (an orphan ffmpeg may still write to it)."""
    for old in final.parent.glob(f".{glob.escape(final.name)}.*{_TMP_SUFFIX}"):
        old.unlink(missing_ok=True)


def _encode(exe: str, job: SampleJob, final: Path, codec: list[str], font: str | None) -> int:
    _remove_leftovers(final)
    tmp = _tmp_name(final)
    try:
        _run(_encode_args(exe, job, tmp, codec, font), what=f"encoding {job.clip.relative}",
             timeout=_FFMPEG_TIMEOUT_SECS)
        size = tmp.stat().st_size
        if size == 0:
            raise SampleLibraryError(f"encoding {job.clip.relative}: ffmpeg wrote nothing")
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return size


# --- Files -----------------------------------------------------------------------------------

def _write_atomic(path: Path, text: str) -> None:
    tmp = _tmp_name(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_manifest(root: Path) -> tuple[dict[str, float], str | None]:
    """The durations and font recorded by the last complete run (empty when unreadable)."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        font = data.get("font")
        return ({str(k): float(v["secs"]) for k, v in data["files"].items()},
                font if isinstance(font, str) else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def generate_sample_library(root: Path, *, ffmpeg: str | None = None, jobs: int = 2,
                            duration_scale: float = 1.0,
                            on_progress: Callable[[str], None] | None = None) -> SampleLibrary:
    """Write the sample library under ``root``, reusing what an earlier call made (blocking).

    ``duration_scale`` multiplies every clip's duration (at least 1 s, to 0.1 s):
    ``1.0`` for the demo, ``1/60`` gives clips of seconds for tests. Raises
    :class:`SampleLibraryError` when ffmpeg is missing or fails (with the tail
    of its error output) or ``root`` cannot be written.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    if not 0 < duration_scale <= 10:
        raise ValueError("duration_scale must be in (0, 10]")
    started = time.monotonic()
    say = on_progress or (lambda _msg: None)
    work, nfos = catalogue(duration_scale)
    recorded, font = _read_manifest(root)
    created: list[PurePosixPath] = []
    reused: list[PurePosixPath] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        for nfo in nfos:
            path = root / nfo.relative
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                same = path.read_text(encoding="utf-8") == nfo.text
            except (OSError, UnicodeDecodeError):
                same = False
            if not same:
                _write_atomic(path, nfo.text)
            (reused if same else created).append(nfo.relative)
        todo: list[SampleJob] = []
        for job in work:
            path = root / job.clip.relative
            path.parent.mkdir(parents=True, exist_ok=True)
            rel = job.clip.relative.as_posix()
            if _size(path) > 0 and recorded.get(rel, job.clip.secs) == job.clip.secs:
                reused.append(job.clip.relative)
            else:
                todo.append(job)
    except OSError as exc:
        raise SampleLibraryError(f"cannot write the sample library in {root}: {exc}") from exc

    if todo:
        exe = resolve_ffmpeg(ffmpeg)
        codec = _video_codec(exe)
        font = _find_font(exe)
        if font is None:
            say("sample library: ffmpeg's drawtext has no usable font; clips made without titles")
        say(f"sample library: encoding {len(todo)} clips with ffmpeg ({jobs} at a time)")
        _run_jobs(exe, root, todo, codec, font, jobs, say)
        created.extend(job.clip.relative for job in todo)

    clips = tuple(job.clip for job in work)
    total = sum(_size(root / c.relative) for c in clips) + sum(_size(root / n.relative)
                                                               for n in nfos)
    manifest = {"version": 1, "font": font,
                "files": {c.relative.as_posix(): {"secs": c.secs,
                                                  "size": _size(root / c.relative)}
                          for c in clips}}
    try:
        _write_atomic(root / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        raise SampleLibraryError(f"cannot write {root / MANIFEST}: {exc}") from exc
    return SampleLibrary(
        root=root, clips=clips, shows=len(SHOWS),
        episodes=sum(c.content_type is ContentType.EPISODE for c in clips),
        movies=sum(c.content_type is ContentType.MOVIE for c in clips),
        shorts=sum(c.content_type is ContentType.SHORT for c in clips),
        created=tuple(created), reused=tuple(reused), total_bytes=total, font=font,
        short_max_secs=max(MIN_CLIP_SECS + 0.5, _SHORT_MOVIE_SPLIT_SECS * duration_scale),
        seconds=time.monotonic() - started)


def _run_jobs(exe: str, root: Path, todo: Sequence[SampleJob], codec: list[str],
              font: str | None, jobs: int, say: Callable[[str], None]) -> None:
    """Encode ``todo`` ``jobs`` at a time; on the first failure cancel the rest and raise it.

    On any exit (a failure, Ctrl-C) the queued clips are cancelled and the
    running ffmpeg processes are waited for, so none outlives the call.
    """
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ktv-sample")
    try:
        names = {pool.submit(_encode, exe, job, root / job.clip.relative, codec, font):
                 job.clip.relative for job in todo}
        for count, future in enumerate(as_completed(names), start=1):
            future.result()  # raises the clip's error
            say(f"sample library: [{count}/{len(todo)}] {names[future]}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
