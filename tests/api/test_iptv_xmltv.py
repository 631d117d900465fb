"""``/iptv/{token}/xmltv.xml``: DTD-valid, clean under tv_validate_file, equal to /epg."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import subprocess
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from api.helpers import ON_AIR_BLOCKS, Api, Start, block
from api.iptv_helpers import DTD_PATH, epg, feed_token, floor_second, guide, parse_guide
from ktv_domain import ChannelId, ContentType, UserId
from ktv_iptv import OFF_AIR_TITLE, XMLTV_ID_RULE, xmltv_channel_id
from support import make_item
from support.tools import require_tool

BACK = timedelta(hours=3)


def xid(channel_id: str) -> str:
    return xmltv_channel_id(uuid.UUID(channel_id))


async def _valid_until(api: Api, headers: dict[str, str], cid: str) -> datetime:
    r = await api.client.get(f"/api/v1/channels/{cid}/schedule", headers=headers)
    assert r.status_code == 200, r.text
    return datetime.fromisoformat(r.json()["valid_until"])


async def _assert_guide_is_epg(api: Api, headers: dict[str, str], token: str,
                               cids: list[str]) -> None:
    g = await guide(api, token)
    start = api.clock.now() - BACK
    for cid in cids:
        until = await _valid_until(api, headers, cid)
        slots = await epg(api, headers, cid, start, until)
        assert slots, "a channel on air has slots in the window"
        expected = [(floor_second(s["start_at"]), floor_second(s["end_at"])) for s in slots]
        assert [(p.start, p.stop) for p in g.of(xid(cid))] == expected
        # the window: the first programme is on air 3 h ago or later, the last ends the coverage
        assert g.of(xid(cid))[0].stop > start.replace(microsecond=0)


async def test_guide_equals_epg_for_several_channels_and_over_a_regeneration(
        api: Api, owner: dict[str, str]) -> None:
    cids = [await api.on_air_channel(owner) for _ in range(3)]
    token = await feed_token(api, owner)
    await _assert_guide_is_epg(api, owner, token, cids)
    before = await guide(api, token)
    api.clock.advance(timedelta(hours=2, minutes=7, seconds=3))
    r = await api.client.post(f"/api/v1/channels/{cids[1]}/schedule", headers=owner)
    assert r.status_code == 201
    await _assert_guide_is_epg(api, owner, token, cids)
    after = await guide(api, token)
    assert [(p.start, p.title) for p in after.of(xid(cids[1]))] != [
        (p.start, p.title) for p in before.of(xid(cids[1]))]


async def test_guide_equals_epg_across_a_dst_change(start: Start) -> None:
    # 1 November 2026, 02:00 EDT -> 01:00 EST; items with fractional durations
    items = [make_item(n, 1500.75 + 61.5 * n, content_type=ContentType.EPISODE,
                       series_name="Night Show", season_number=1, episode_number=n,
                       genres=("Comedy",)) for n in range(1, 20)]
    async with start() as api:
        api.clock.set(datetime(2026, 10, 31, 20, 0, tzinfo=UTC))
        assert api.media is not None
        api.media.add(*items)
        owner = await api.register()
        show = {"type": "algorithmic", "strategy": "sequential",
                "filter": {"series": ["Night Show"]}}
        blocks = [{"name": "Late", "start_time": "00:00:00", "duration_mins": 720,
                   "content": show},
                  {"name": "Day", "start_time": "12:00:00", "duration_mins": 720,
                   "content": show}]
        cid = (await api.create_channel(owner, timezone="America/New_York",
                                        schedule_config={"blocks": blocks}))["id"]
        assert (await api.client.post(f"/api/v1/channels/{cid}/schedule",
                                      headers=owner)).status_code == 201
        token = await feed_token(api, owner)
        await _assert_guide_is_epg(api, owner, token, [cid])
        g = await guide(api, token)
        change = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
        assert g.of(xid(cid))[0].start < change < g.of(xid(cid))[-1].stop
        assert any(p.start.microsecond == 0 and p.start.second != 0 for p in g.programmes)


async def test_children_are_in_dtd_order_with_episode_numbers_and_repeats(
        api: Api, owner: dict[str, str]) -> None:
    cid = (await api.create_channel(
        owner, schedule_config={"blocks": ON_AIR_BLOCKS},
        recycle_policy={"cooldown_days": None, "cooldown_generations": None}))["id"]
    assert (await api.client.post(f"/api/v1/channels/{cid}/schedule",
                                  headers=owner)).status_code == 201
    token = await feed_token(api, owner)
    g = await guide(api, token)
    start = api.clock.now() - timedelta(days=1)
    slots = await epg(api, owner, cid, start, await _valid_until(api, owner, cid))
    by_start = {floor_second(s["start_at"]): s for s in slots}
    seen: dict[str, datetime] = {}
    for s in slots:
        seen.setdefault(s["item"]["id"], floor_second(s["start_at"]))
    repeats = 0
    for p in g.of(xid(cid)):
        slot = by_start[p.start]
        item = slot["item"]
        repeat = seen[item["id"]] < p.start
        repeats += repeat
        assert ("previously-shown" in p.children) == repeat, (p.title, p.start)
        if item["content_type"] == "episode":
            assert p.title == item["series_name"]
            assert p.texts("sub-title") == [item["title"]]
            s, e = item["season_number"], item["episode_number"]
            assert p.episode("onscreen") == f"S{s:02d}E{e:02d}"
            assert p.episode("xmltv_ns") == f"{s - 1}.{e - 1}."
            assert p.texts("category") == [*item["genres"], "Series"]
        else:
            assert p.title == item["title"]
            assert p.episode("xmltv_ns") is None
            assert p.texts("category") == [*item["genres"], "Movie"]
        assert p.texts("date") == [str(item["year"])]
    assert repeats > 0


async def test_ids_are_stable_dotted_and_never_prefixes(api: Api,
                                                        owner: dict[str, str]) -> None:
    cids = {n: (await api.create_channel(owner, number=n, name=f"Channel {n}"))["id"]
            for n in ("1", "10", "100", "1.1")}
    token = await feed_token(api, owner)
    g = await guide(api, token)
    ids = list(g.channels)
    assert sorted(ids) == sorted(xid(c) for c in cids.values())
    for a in ids:
        assert XMLTV_ID_RULE.fullmatch(a)
        assert not any(b != a and b.startswith(a) for b in ids)
    assert g.channels[xid(cids["1.1"])] == ["1.1 Channel 1.1", "1.1", "Channel 1.1"]
    r = await api.client.patch(f"/api/v1/channels/{cids['10']}", headers=owner,
                               json={"name": "Renamed", "number": "42"})
    assert r.status_code == 200, r.text
    after = await guide(api, token)
    assert after.channels[xid(cids["10"])] == ["42 Renamed", "42", "Renamed"]
    assert set(after.channels) == set(g.channels)


async def test_a_channel_without_programmes_gets_one_off_air_programme(
        api: Api, owner: dict[str, str]) -> None:
    cid = (await api.create_channel(owner, number="7"))["id"]  # never generated
    token = await feed_token(api, owner)
    (p,) = (await guide(api, token)).of(xid(cid))
    assert p.title == OFF_AIR_TITLE
    hour = api.clock.now().replace(minute=0, second=0, microsecond=0) - BACK
    assert (p.start, p.stop) == (hour, hour + timedelta(days=7))


async def test_gaps_are_empty_or_off_air_as_configured(start: Start) -> None:
    blocks = [block("Noon", "12:00:00", 60), block("Evening", "20:00:00", 60)]
    for fill in (False, True):
        async with start(env={"GUIDE_FILL_GAPS": str(fill).lower()}) as api:
            owner = await api.register()
            cid = await api.on_air_channel(owner, blocks=blocks)
            g = (await guide(api, await feed_token(api, owner))).of(xid(cid))
            off = [p for p in g if p.title == OFF_AIR_TITLE]
            assert bool(off) == fill
            for a, b in itertools.pairwise(g):
                assert a.stop == b.start if fill else a.stop <= b.start
            if fill:  # one per gap, spanning it exactly
                assert all(p.stop - p.start > timedelta(hours=1) for p in off)
                assert g[-1].stop == (await _valid_until(api, owner, cid)).replace(
                    microsecond=0)


async def test_etag_304_and_gzip(api: Api, owner: dict[str, str]) -> None:
    await api.on_air_channel(owner)
    token = await feed_token(api, owner)
    url = f"/iptv/{token}/xmltv.xml"
    plain = await api.client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/xml; charset=utf-8"
    assert "content-encoding" not in plain.headers
    assert plain.headers["cache-control"] == "private, no-cache"
    assert plain.headers["vary"] == "Accept-Encoding"
    etag = plain.headers["etag"]
    zipped = await api.client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] != etag
    assert zipped.content == plain.content  # httpx decodes: the same document
    raw = await api.client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in raw.headers
    for tag in (etag, zipped.headers["etag"], f"W/{etag}", f'"x", {etag}', "*"):
        r = await api.client.get(url, headers={"If-None-Match": tag})
        assert r.status_code == 304, tag
        assert r.content == b""
    assert (await api.client.get(url, headers={"If-None-Match": '"stale"'})).status_code == 200
    # a new generation is a new document
    api.clock.advance(timedelta(minutes=30))
    cid = (await api.client.get("/api/v1/channels", headers=owner)).json()[0]["id"]
    await api.client.post(f"/api/v1/channels/{cid}/schedule", headers=owner)
    r = await api.client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 200
    assert r.headers["etag"] != etag


async def test_gzip_bytes_are_a_real_gzip_stream(api: Api, owner: dict[str, str]) -> None:
    await api.on_air_channel(owner)
    token = await feed_token(api, owner)
    async with api.client.stream("GET", f"/iptv/{token}/xmltv.xml",
                                 headers={"Accept-Encoding": "gzip"}) as r:
        body = b"".join([chunk async for chunk in r.aiter_raw()])
    parse_guide(gzip.decompress(body))


async def test_a_generation_seen_through_the_replica_sync_changes_the_guide(
        start: Start) -> None:
    async with start() as api:
        owner = await api.register()
        cid = await api.on_air_channel(owner)
        token = await feed_token(api, owner)
        first = await guide(api, token)
        # Another replica stores a generation: straight into the shared store.
        assert api.store is not None
        api.clock.advance(timedelta(hours=1))
        # new blocks, so the new generation differs from the old one
        r = await api.client.patch(f"/api/v1/channels/{cid}", headers=owner, json={
            "schedule_config": {"blocks": [block("Late movie", "13:30:00", 300,
                                                 content_type="movie", strategy="best_fit")]}})
        assert r.status_code == 200, r.text
        await api.ktv.schedules.generate(first_owner(api), ChannelId(uuid.UUID(cid)))
        stale = await guide(api, token)  # this replica has not seen it yet
        assert [(p.start, p.title) for p in stale.programmes] == [
            (p.start, p.title) for p in first.programmes]
        changed = await api.ktv.onair.sync()
        assert changed == 1
        after = await guide(api, token)
        assert [p.title for p in after.programmes] != [p.title for p in first.programmes]
        start_at = api.clock.now() - BACK
        slots = await epg(api, owner, cid, start_at, await _valid_until(api, owner, cid))
        assert [(p.start, p.stop) for p in after.of(xid(cid))] == [
            (floor_second(s["start_at"]), floor_second(s["end_at"])) for s in slots]


def first_owner(api: Api) -> UserId:
    assert api.store is not None
    (user,) = api.store.data.users.values()
    return user.id


async def test_tv_validate_file_finds_nothing(start: Start, tmp_path: Path) -> None:
    tool = require_tool("tv_validate_file", apt_package="xmltv-util")
    for fill in ("false", "true"):
        async with start(env={"GUIDE_FILL_GAPS": fill}) as api:
            owner = await api.register()
            for blocks in (ON_AIR_BLOCKS, [block("Evening", "20:00:00", 60)]):
                await api.on_air_channel(owner, blocks=blocks)
            await api.create_channel(owner, name="Nothing yet, & <soon>")
            token = await feed_token(api, owner)
            r = await api.client.get(f"/iptv/{token}/xmltv.xml")
            path = tmp_path / f"guide-{fill}.xml"
            path.write_bytes(r.content)
            # --dtd-file: the project's copy of the DTD (else it is fetched from the web)
            done = await asyncio.to_thread(
                subprocess.run, [tool, "--dtd-file", str(DTD_PATH), str(path)],
                capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, done.stdout + done.stderr
            assert "error" not in (done.stdout + done.stderr).lower(), done.stderr


async def test_disabled_channels_are_absent(api: Api, owner: dict[str, str]) -> None:
    on, off = await api.on_air_channel(owner), await api.on_air_channel(owner)
    r = await api.client.patch(f"/api/v1/channels/{off}", headers=owner,
                               json={"enabled": False})
    assert r.status_code == 200, r.text
    token = await feed_token(api, owner)
    g = await guide(api, token)
    assert list(g.channels) == [xid(on)]
    assert {p.channel for p in g.programmes} == {xid(on)}


async def test_a_guide_request_answers_while_50_channels_regenerate(
        api: Api, owner: dict[str, str]) -> None:
    cids = [await api.on_air_channel(owner) for _ in range(50)]
    token = await feed_token(api, owner)
    before = await guide(api, token)
    assert len(before.channels) == 50
    assert api.media is not None
    media = api.media
    gate = media.hold = threading.Event()
    api.clock.advance(timedelta(minutes=45))

    async def scenario() -> tuple[bytes, list[int], bool]:
        # On the app's own loop, so the requests really run side by side (the test
        # client serialises requests).
        transport = httpx.ASGITransport(app=api.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://testserver.local") as http:
            regenerations = [asyncio.create_task(http.post(
                f"/api/v1/channels/{cid}/schedule", headers=owner)) for cid in cids]
            for _ in range(3000):
                if media.held == 50:
                    break
                await asyncio.sleep(0.01)
            assert media.held == 50  # every regeneration is in flight, held at its media
            during = await http.get(f"/iptv/{token}/xmltv.xml")
            assert during.status_code == 200
            pending = not any(t.done() for t in regenerations)
            gate.set()
            statuses = [(await t).status_code for t in regenerations]
        return during.content, statuses, pending

    body, statuses, pending = api.client.blocking_portal.call(scenario)
    assert pending  # the guide answered while all 50 were still running
    assert len(parse_guide(body).channels) == 50
    assert set(statuses) == {201}
    await _assert_guide_is_epg(api, owner, token, cids[:5])
