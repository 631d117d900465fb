"""ktv_iptv: text rules, ids, episode numbers, programme runs, logos (pure functions)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from ktv_domain import BlockId, ChannelId, ContentType, MediaItem, MediaItemId, ScheduledSlot
from ktv_iptv import (
    LOGO_SIZE,
    XMLTV_ID_RULE,
    ProgrammeRun,
    episode_numbers,
    hdhr_device_id,
    is_valid_hdhr_device_id,
    m3u_display_name,
    render_logo,
    render_programmes,
    xmltv_channel_id,
    xmltv_time,
)
from ktv_iptv.text import m3u_attr, one_line, paragraph

T = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CH = ChannelId(uuid.UUID("00000000-0000-4000-8000-000000000001"))


def slot(start: datetime, secs: float, item: MediaItem) -> ScheduledSlot:
    return ScheduledSlot(id=uuid.uuid4(), channel_id=CH, block_id=BlockId(uuid.uuid4()),
                         generation=1, start_at=start,
                         end_at=start + timedelta(seconds=secs), item=item)


def item(n: int, **kw: object) -> MediaItem:
    kw.setdefault("title", f"Item {n}")
    return MediaItem(id=MediaItemId(f"i{n}"), duration_secs=600, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("season", "episode", "expected"), [
    (1, 2, ("S01E02", "0.1.")), (12, 104, ("S12E104", "11.103.")),
    (None, 5, ("E05", ".4.")), (0, 5, ("E05", ".4.")), (3, None, ("S03", "2..")),
    (None, None, None), (0, 0, None), (-1, None, None)])
def test_episode_numbers(season: int | None, episode: int | None,
                         expected: tuple[str, str] | None) -> None:
    got = episode_numbers(season, episode)
    assert got == expected
    if got is not None:
        assert got[1].count(".") == 2


def test_times_truncate_to_the_second_in_utc() -> None:
    local = datetime(2026, 11, 1, 1, 30, 59, 999_999,
                     tzinfo=__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert xmltv_time(local) == "20261101053059 +0000"  # 01:30:59.999999 EDT
    assert xmltv_time(T) == "20261121120000 +0000"


def test_ids() -> None:
    ids = {xmltv_channel_id(uuid.uuid4()) for _ in range(200)}
    assert all(XMLTV_ID_RULE.fullmatch(i) and len(i) == 37 for i in ids)
    assert xmltv_channel_id(CH) == "00000000000040008000000000000001.k-tv"
    for seed in (b"", b"a", uuid.uuid4().bytes):
        d = hdhr_device_id(seed)
        assert is_valid_hdhr_device_id(d)
        assert d == hdhr_device_id(seed)
        assert d.isupper()
    assert not is_valid_hdhr_device_id("12345678")
    assert is_valid_hdhr_device_id("FFFFFFFF")  # Jellyfin's test device
    # one wrong digit is caught (the point of the check digit)
    good = hdhr_device_id(b"x")
    bad = good[:3] + format((int(good[3], 16) + 1) % 16, "X") + good[4:]
    assert not is_valid_hdhr_device_id(bad)


def test_text_rules() -> None:
    assert one_line(" a\r\n b\t\x00c\ufffd\x85d ") == "a b cd"
    assert paragraph("one\r\n\r\n\r\ntwo\x07\nthree ") == "one\n\ntwo\nthree"
    assert m3u_attr('say "hi"\nnow') == "say 'hi' now"
    assert m3u_display_name("Drama, Mystery") == "Drama\u201a Mystery"
    assert m3u_display_name("24 Hours") == "24\u00a0Hours"
    assert m3u_display_name("84. VOX") == "84.\u00a0VOX"
    assert m3u_display_name("News 24") == "News 24"
    assert m3u_display_name('a="b"') == "a='b'"


def test_a_programme_run_in_dtd_order_with_repeats_gaps_and_escaping() -> None:
    ep = item(1, content_type=ContentType.EPISODE, series_name="Show & Co",
              title="<Pilot>", season_number=1, episode_number=1, year=1999,
              genres=("Comedy", "comedy", "Series"), overview="  \n ",
              image_url="https://img.example/1.jpg?a=1&b=2")
    movie = item(2, content_type=ContentType.MOVIE, title="Film", overview="Line 1\nLine 2")
    run = ProgrammeRun(
        xmltv_id="x.k-tv",
        slots=[slot(T, 600.4, ep), slot(T + timedelta(seconds=600.4), 600, movie),
               slot(T + timedelta(hours=1), 600, ep)],
        first_airings={ep.id: T, movie.id: T - timedelta(days=3)},
        previous_end=T - timedelta(minutes=5), coverage_end=T + timedelta(hours=2),
        fill_gaps=True)
    text = render_programmes(run)
    assert text.count("<programme ") == 6  # 3 slots + leading, middle and trailing gaps
    first = text.split("</programme>")[1]
    assert first.index("<title>Show &amp; Co</title>") < first.index(
        "<sub-title>&lt;Pilot&gt;</sub-title>") < first.index("<date>1999</date>") < \
        first.index("<category>Comedy</category>") < first.index('<icon src="') < \
        first.index('system="onscreen"')
    assert "<desc>" not in first  # blank overview: no element
    assert first.count("<category>") == 2  # Comedy (once) and Series
    assert "previously-shown" not in first  # its first airing
    assert 'src="https://img.example/1.jpg?a=1&amp;b=2"' in first
    assert 'start="20261121120000 +0000" stop="20261121121000 +0000"' in first
    assert 'start="20261121121000 +0000"' in text  # back-to-back share the boundary
    assert "<desc>Line 1\nLine 2</desc>" in text
    assert text.count("<previously-shown/>") == 2  # the movie (3 days ago), the episode again
    no_gaps = render_programmes(ProgrammeRun(xmltv_id="x.k-tv", slots=run.slots))
    assert no_gaps.count("<programme ") == 3
    assert "Off air" not in no_gaps


def test_an_empty_run_gets_its_placeholder_only() -> None:
    assert render_programmes(ProgrammeRun(xmltv_id="x.k-tv", slots=[])) == ""
    text = render_programmes(ProgrammeRun(xmltv_id="x.k-tv", slots=[],
                                          placeholder=(T, T + timedelta(days=7))))
    assert text.count("<programme ") == 1
    assert 'stop="20261128120000 +0000"' in text
    assert "<title>Off air</title>" in text


def test_logos_are_deterministic_pngs() -> None:
    a = render_logo("101", "Drama, Mystery & More")
    assert a == render_logo("101", "Drama, Mystery & More")
    assert a != render_logo("102", "Drama, Mystery & More")
    image = Image.open(io.BytesIO(a))
    assert (image.format, image.size) == ("PNG", LOGO_SIZE)
    assert len(image.getcolors(maxcolors=100_000) or []) > 2  # text was drawn
    long = render_logo("99999.999", "x" * 300)
    assert Image.open(io.BytesIO(long)).size == LOGO_SIZE


_JELLYFIN_ATTR = re.compile(r'([a-z0-9\-_]+)="([^"]+)"', re.I)


def test_catch_up_attributes_follow_the_kodi_and_tivimate_convention() -> None:
    from ktv_iptv import M3uChannel, render_m3u

    def channel(stream_url: str, days: int) -> M3uChannel:
        return M3uChannel(tvg_id="c1.k-tv", number="1", name="One", logo_url="http://l/1.png",
                          group="K-TV", stream_url=stream_url, catchup_days=days)

    text = render_m3u([channel("http://tv/iptv/t/stream/1.ts", 7),
                       channel("http://tv/api/v1/channels/c/live.ts?exp=1&sig=a", 2),
                       channel("http://tv/iptv/t/stream/3.ts", 0)], guide_url="http://tv/x")
    extinf = [line for line in text.splitlines() if line.startswith("#EXTINF")]
    attrs = [dict(_JELLYFIN_ATTR.findall(line)) for line in extinf]
    # A player appends the source, filled in, to the stream URL: a query of its own...
    assert attrs[0]["catchup"] == "append"
    assert attrs[0]["catchup-days"] == "7"
    assert attrs[0]["catchup-source"] == "?utc={utc}&lutc={lutc}"
    # ...or more parameters when the URL already has a query (a signed link).
    assert attrs[1]["catchup-source"] == "&utc={utc}&lutc={lutc}"
    assert attrs[1]["catchup-days"] == "2"
    # No window, no catch-up attributes at all.
    assert not {"catchup", "catchup-days", "catchup-source"} & set(attrs[2])
