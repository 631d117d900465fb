"""``/iptv/{token}/channels.m3u`` and the Bearer twin, read by m3u-ipytv and by Jellyfin's rules."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from ipytv import playlist

from api.helpers import Api, Start
from api.iptv_helpers import feed_token, guide
from fakes.jellyfin_livetv import parse_m3u_like_jellyfin
from ktv_iptv import xmltv_channel_id


def _absolute_without_query(url: str, base: str) -> None:
    parts = urlsplit(url)
    assert url.startswith(base + "/"), url
    assert parts.scheme in ("http", "https")
    assert parts.netloc
    assert not parts.query, url
    assert not parts.fragment, url


async def test_a_third_party_parser_and_jellyfins_rules_read_the_playlist(
        api: Api, owner: dict[str, str]) -> None:
    names = {"2": "Drama, Mystery & More", "10": "24 Hours News", "1": 'The "Best" Channel',
             "3.1": "Plain"}
    ids = {n: (await api.create_channel(owner, number=n, name=name))["id"]
           for n, name in names.items()}
    token = await feed_token(api, owner)
    r = await api.client.get(f"/iptv/{token}/channels.m3u",
                             headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/x-mpegurl; charset=utf-8"
    assert not r.content.startswith(b"\xef\xbb\xbf")  # no BOM
    text = r.content.decode("utf-8")
    base = f"http://testserver.local/iptv/{token}"
    assert text.splitlines()[0] == (f'#EXTM3U url-tvg="{base}/xmltv.xml" '
                                    f'x-tvg-url="{base}/xmltv.xml"')
    order = ["1", "2", "3.1", "10"]

    pl = playlist.loads(text)  # m3u-ipytv
    assert pl.get_attributes() == {"url-tvg": f"{base}/xmltv.xml",
                                   "x-tvg-url": f"{base}/xmltv.xml"}
    assert [ch.attributes["tvg-chno"] for ch in pl] == order
    for ch, number in zip(pl, order, strict=True):
        assert ch.url == f"{base}/stream/{number}.ts"
        assert ch.attributes["tvg-id"] == xmltv_channel_id(uuid.UUID(ids[number]))
        assert ch.attributes["tvg-logo"] == f"{base}/logos/{number}.png"
        assert ch.attributes["group-title"] == "K-TV"
        _absolute_without_query(ch.url, base)
        _absolute_without_query(ch.attributes["tvg-logo"], base)

    seen = parse_m3u_like_jellyfin(text)  # Jellyfin's M3uParser, rule for rule
    assert [c.number for c in seen] == order
    shown = {c.number: (c.name or "").replace("\u201a", ",").replace("\u00a0", " ")
             for c in seen}
    assert shown == {n: names[n].replace('"', "'") for n in order}
    assert {c.tuner_channel_id for c in seen} == {xmltv_channel_id(uuid.UUID(i))
                                                 for i in ids.values()}
    # tvg-id is the XMLTV channel id, for every channel
    g = await guide(api, token)
    assert {c.tuner_channel_id for c in seen} == set(g.channels)


async def test_public_base_url_wins(start: Start) -> None:
    async with start(env={"PUBLIC_BASE_URL": "https://tv.example.com/k-tv/",
                          "FORWARDED_ALLOW_IPS": "*"}) as api:
        owner = await api.register()
        await api.create_channel(owner)
        token = await feed_token(api, owner)
        r = await api.client.get(f"/iptv/{token}/channels.m3u",
                                 headers={"X-Forwarded-Host": "evil.example"})
        (ch,) = playlist.loads(r.text)
        assert ch.url == f"https://tv.example.com/k-tv/iptv/{token}/stream/1.ts"


async def test_forwarded_headers_only_from_trusted_proxies(start: Start) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tv.example.org:8443",
                 "X-Forwarded-For": "203.0.113.9"}
    for trusted, expected in (("testclient", "https://tv.example.org:8443"),
                              ("10.0.0.0/8", "http://testserver.local")):
        async with start(env={"FORWARDED_ALLOW_IPS": trusted}) as api:
            owner = await api.register()
            await api.create_channel(owner)
            token = await feed_token(api, owner)
            r = await api.client.get(f"/iptv/{token}/channels.m3u", headers=forwarded)
            (ch,) = playlist.loads(r.text)
            assert ch.url == f"{expected}/iptv/{token}/stream/1.ts"
            r = await api.client.get(f"/iptv/{token}/hdhr/discover.json", headers=forwarded)
            assert r.json()["BaseURL"] == f"{expected}/iptv/{token}/hdhr"


async def test_a_channel_logo_url_wins_and_generated_logos_are_pngs(
        api: Api, owner: dict[str, str]) -> None:
    await api.create_channel(owner, number="5", logo_url="https://img.example/5.png")
    await api.create_channel(owner, number="6", name="Six")
    token = await feed_token(api, owner)
    pl = playlist.loads((await api.client.get(f"/iptv/{token}/channels.m3u")).text)
    logos = [ch.attributes["tvg-logo"] for ch in pl]
    assert logos == ["https://img.example/5.png",
                     f"http://testserver.local/iptv/{token}/logos/6.png"]
    r = await api.client.get(f"/iptv/{token}/logos/6.png")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert r.headers["cache-control"] == "private, max-age=86400"
    again = await api.client.get(f"/iptv/{token}/logos/6.png",
                                 headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    for missing in ("7.png", "6.jpg", "x.png", "06.png", "6"):
        assert (await api.client.get(f"/iptv/{token}/logos/{missing}")).status_code == 404


async def test_the_bearer_twin_carries_signed_links_and_no_token(
        api: Api, owner: dict[str, str]) -> None:
    cid = (await api.create_channel(owner, number="4"))["id"]
    r = await api.client.get("/api/v1/iptv/channels.m3u", headers=owner)
    assert r.status_code == 200
    bearer = owner["Authorization"].split()[1]
    assert bearer not in r.text
    assert "ktvf_" not in r.text
    (ch,) = playlist.loads(r.text)
    assert ch.attributes["tvg-id"] == xmltv_channel_id(uuid.UUID(cid))
    stream = urlsplit(ch.url)
    assert stream.path == f"/api/v1/channels/{cid}/live.ts"
    q = parse_qs(stream.query)
    links = api.ktv.channel_links
    assert links.verify(stream.path, q["exp"][0], q["sig"][0])
    assert links.verify_live(uuid.UUID(cid), q["exp"][0], q["sig"][0])
    assert not links.verify_logo(uuid.UUID(cid), q["exp"][0], q["sig"][0])
    logo = urlsplit(ch.attributes["tvg-logo"])
    got = await api.client.get(f"{logo.path}?{logo.query}")  # no header needed
    assert got.status_code == 200
    assert got.content.startswith(b"\x89PNG")
    tampered = logo.query.replace("sig=", "sig=x")
    assert (await api.client.get(f"{logo.path}?{tampered}")).status_code == 404
    assert (await api.client.get(logo.path)).status_code == 404
    assert (await api.client.get("/api/v1/iptv/channels.m3u")).status_code == 401
    assert (await api.client.get("/api/v1/iptv/xmltv.xml")).status_code == 401
    xml = await api.client.get("/api/v1/iptv/xmltv.xml", headers=owner)
    assert xml.status_code == 200
    assert b"ktvf_" not in xml.content
    assert bearer.encode() not in xml.content
