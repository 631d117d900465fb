"""The XMLTV guide (protocols.md section 2), rendered from exactly the stored slots.

Valid against the XMLTV DTD (child order ``title, sub-title, desc, date, category,
icon, episode-num, previously-shown``) and clean under ``tv_validate_file``:
dotted channel ids, ``YYYYMMDDhhmmss +0000`` times, ``stop`` always present, no
empty ``desc``, ``xmltv_ns`` with exactly two dots, and every channel with at
least one programme.

Times are the slots' instants truncated to the second: back-to-back slots share
the boundary value, and a slot (at least a second long) never renders empty.

The document is assembled from parts so a caller can cache them: one
``<channel>`` element per channel (:func:`render_channel`) and one run of
``<programme>`` elements per channel (:func:`render_programmes`), joined by
:func:`assemble`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ktv_domain import ContentType, MediaItem, MediaItemId, ScheduledSlot

from .text import attr, escape, one_line, paragraph

__all__ = [
    "OFF_AIR_TITLE",
    "XMLTV_CONTENT_TYPE",
    "GuideChannel",
    "ProgrammeRun",
    "assemble",
    "episode_numbers",
    "render_channel",
    "render_programmes",
    "xmltv_time",
]

XMLTV_CONTENT_TYPE = "application/xml; charset=utf-8"
OFF_AIR_TITLE = "Off air"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def xmltv_time(at: datetime) -> str:
    """``YYYYMMDDhhmmss +0000``: the UTC instant truncated to the second."""
    return time.strftime("%Y%m%d%H%M%S +0000", time.gmtime((at - _EPOCH) // _SECOND))


@dataclass(frozen=True, slots=True, kw_only=True)
class GuideChannel:
    xmltv_id: str
    number: str
    name: str
    icon_url: str | None = None


def _is_number(text: str) -> bool:
    try:
        float(text.replace("-", ".").replace("_", "."))
    except ValueError:
        return False
    return True


def render_channel(ch: GuideChannel) -> str:
    """``<channel>`` with display-names ``"{number} {name}"``, ``"{number}"``, ``"{name}"``.

    Jellyfin takes the *last* numeric display-name as the channel number (and
    matches an HDHomeRun tuner's channels by it), so a name that reads as a
    number is left out rather than override the real number.
    """
    name = one_line(ch.name)
    names = [f"{ch.number} {name}", ch.number]
    if name and not _is_number(name):
        names.append(name)
    body = "".join(f"    <display-name>{escape(n)}</display-name>\n" for n in names)
    if ch.icon_url:
        body += f'    <icon src="{attr(ch.icon_url)}"/>\n'
    return f'  <channel id="{attr(ch.xmltv_id)}">\n{body}  </channel>\n'


def episode_numbers(season: int | None, episode: int | None) -> tuple[str, str] | None:
    """``(onscreen, xmltv_ns)`` such as ``("S01E02", "0.1.")``, or None without numbers.

    ``xmltv_ns`` is zero-based with exactly two dots; a part that is unknown, or
    not positive (season 0 holds specials), is left empty (``".4."``).
    """
    s = season if season is not None and season >= 1 else None
    e = episode if episode is not None and episode >= 1 else None
    if s is None and e is None:
        return None
    onscreen = (f"S{s:02d}" if s is not None else "") + (f"E{e:02d}" if e is not None else "")
    ns = f"{'' if s is None else s - 1}.{'' if e is None else e - 1}."
    return onscreen, ns


def _year(item: MediaItem) -> int | None:
    if item.year is not None and 1000 <= item.year <= 9999:
        return item.year
    if item.premiere_date is not None:
        return item.premiere_date.year
    return None


def _programme_body(item: MediaItem) -> str:
    """Everything inside ``<programme>`` up to ``episode-num``, in DTD order."""
    episode = item.content_type is ContentType.EPISODE
    series = one_line(item.series_name)
    title = one_line(item.title)
    if episode and series:
        main, sub = series, (title if title and title != series else "")
    else:
        main, sub = title, ""
    parts = [f"    <title>{escape(main or item.id)}</title>\n"]
    if sub:
        parts.append(f"    <sub-title>{escape(sub)}</sub-title>\n")
    desc = paragraph(item.overview)
    if desc:
        parts.append(f"    <desc>{escape(desc)}</desc>\n")
    year = _year(item)
    if year is not None:
        parts.append(f"    <date>{year:04d}</date>\n")
    categories: list[str] = []
    seen: set[str] = set()
    extra = ("Movie",) if item.content_type is ContentType.MOVIE else (
        ("Series",) if episode else ())
    for genre in (*item.genres, *extra):
        cleaned = one_line(genre)
        if cleaned and cleaned.casefold() not in seen:
            seen.add(cleaned.casefold())
            categories.append(cleaned)
    parts.extend(f"    <category>{escape(c)}</category>\n" for c in categories)
    image = (item.image_url or "").strip()
    if image.startswith(("http://", "https://")) and one_line(image) == image:
        parts.append(f'    <icon src="{attr(image)}"/>\n')
    if episode:
        numbers = episode_numbers(item.season_number, item.episode_number)
        if numbers is not None:
            parts.append(f'    <episode-num system="onscreen">{numbers[0]}</episode-num>\n'
                         f'    <episode-num system="xmltv_ns">{numbers[1]}</episode-num>\n')
    return "".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammeRun:
    """One channel's programmes in the guide window.

    ``slots``: the stored slots overlapping the window, in start order.
    ``previous_end``: the end of the slot just before them (None when there is
    none), so a leading gap is a real gap between two slots.
    ``coverage_end``: where the stored schedule ends (``valid_until``).
    ``first_airings``: for each item, the first time it was scheduled on this
    channel; a programme whose item aired earlier is ``previously-shown``.
    ``fill_gaps``: one "Off air" programme per gap instead of nothing.
    ``placeholder``: when the run would hold no programme at all, one "Off air"
    programme over this span (``tv_validate_file`` refuses a channel without one).
    """

    xmltv_id: str
    slots: Sequence[ScheduledSlot]
    first_airings: Mapping[MediaItemId, datetime] = field(default_factory=dict)
    previous_end: datetime | None = None
    coverage_end: datetime | None = None
    fill_gaps: bool = False
    placeholder: tuple[datetime, datetime] | None = None


def _off_air(channel: str, start: str, stop: str) -> str:
    return (f'  <programme start="{start}" stop="{stop}" channel="{channel}">\n'
            f"    <title>{OFF_AIR_TITLE}</title>\n  </programme>\n")


def render_programmes(run: ProgrammeRun, *, times: dict[datetime, str] | None = None,
                      bodies: dict[MediaItem, str] | None = None) -> str:
    """The ``<programme>`` elements of one channel.

    ``times`` and ``bodies`` are optional memo tables shared across channels
    (formatted instants, rendered item bodies); pass the same dicts to reuse work.
    """
    times = {} if times is None else times
    bodies = {} if bodies is None else bodies
    channel = attr(run.xmltv_id)
    out: list[str] = []
    previous_end = run.previous_end

    def stamp(at: datetime) -> str:
        s = times.get(at)
        if s is None:
            s = times[at] = xmltv_time(at)
        return s

    def gap(start: datetime | None, stop: datetime) -> None:
        if run.fill_gaps and start is not None and stamp(start) < stamp(stop):
            out.append(_off_air(channel, stamp(start), stamp(stop)))

    for slot in run.slots:
        if previous_end is not None and previous_end < slot.start_at:
            gap(previous_end, slot.start_at)
        item = slot.item
        body = bodies.get(item)
        if body is None:
            body = bodies[item] = _programme_body(item)
        first = run.first_airings.get(item.id)
        repeat = "    <previously-shown/>\n" if first is not None and first < slot.start_at \
            else ""
        out.append(f'  <programme start="{stamp(slot.start_at)}" stop="{stamp(slot.end_at)}" '
                   f'channel="{channel}">\n{body}{repeat}  </programme>\n')
        previous_end = slot.end_at
    if run.slots and run.coverage_end is not None and previous_end is not None \
            and previous_end < run.coverage_end:
        gap(previous_end, run.coverage_end)
    if not out and run.placeholder is not None:
        start, stop = run.placeholder
        out.append(_off_air(channel, stamp(start), stamp(stop)))
    return "".join(out)


def assemble(channels: Iterable[bytes], programmes: Iterable[bytes], *,
             generator_url: str | None = None) -> bytes:
    """The UTF-8 document from rendered, UTF-8 encoded parts (channels first, as the DTD
    orders)."""
    info = f' generator-info-url="{attr(generator_url)}"' if generator_url else ""
    head = f'{_HEADER}<tv generator-info-name="K-TV"{info} source-info-name="K-TV">\n'
    return b"".join((head.encode(), *channels, *programmes, b"</tv>\n"))
