"""The emulated HDHomeRun tuner under ``/iptv/{token}/hdhr/``."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from api.helpers import Api, Start
from api.iptv_helpers import feed_token
from ktv_iptv import is_valid_hdhr_device_id


async def test_discover_lineup_status_and_device_shapes(api: Api,
                                                        owner: dict[str, str]) -> None:
    for n in ("101", "2.1"):
        await api.create_channel(owner, number=n, name=f"Ch {n}")
    token = await feed_token(api, owner)
    base = f"http://testserver.local/iptv/{token}/hdhr"
    d = (await api.client.get(f"/iptv/{token}/hdhr/discover.json")).json()
    assert set(d) == {"FriendlyName", "Manufacturer", "ManufacturerURL", "ModelNumber",
                      "FirmwareName", "FirmwareVersion", "DeviceID", "DeviceAuth", "BaseURL",
                      "LineupURL", "TunerCount"}
    assert (d["ModelNumber"], d["FirmwareName"]) == ("HDTC-2US", "hdhomeruntc_atsc")
    assert (d["BaseURL"], d["LineupURL"]) == (base, f"{base}/lineup.json")
    assert d["TunerCount"] == 4
    assert is_valid_hdhr_device_id(d["DeviceID"])
    assert d["DeviceAuth"]
    assert token not in d["DeviceAuth"]

    lineup = (await api.client.get(f"/iptv/{token}/hdhr/lineup.json")).json()
    assert lineup == [
        {"GuideNumber": "2.1", "GuideName": "Ch 2.1",
         "URL": f"http://testserver.local/iptv/{token}/stream/2.1.ts"},
        {"GuideNumber": "101", "GuideName": "Ch 101",
         "URL": f"http://testserver.local/iptv/{token}/stream/101.ts"}]
    for entry in lineup:  # the stream route's shape: absolute, .ts, no query
        url = urlsplit(entry["URL"])
        assert url.path == f"/iptv/{token}/stream/{entry['GuideNumber']}.ts"
        assert not url.query

    status = (await api.client.get(f"/iptv/{token}/hdhr/lineup_status.json")).json()
    assert status == {"ScanInProgress": 0, "ScanPossible": 1, "Source": "Cable",
                      "SourceList": ["Cable"]}

    r = await api.client.get(f"/iptv/{token}/hdhr/device.xml")
    root = etree.fromstring(r.content)
    ns = {"u": "urn:schemas-upnp-org:device-1-0"}
    assert root.findtext("u:URLBase", namespaces=ns) == base
    assert root.findtext("u:device/u:modelNumber", namespaces=ns) == "HDTC-2US"
    assert root.findtext("u:device/u:deviceType", namespaces=ns) == (
        "urn:schemas-upnp-org:device:MediaServer:1")
    assert root.findtext("u:device/u:UDN", namespaces=ns).startswith("uuid:")

    r = await api.client.post(f"/iptv/{token}/hdhr/lineup.post?scan=start&source=Cable")
    assert r.status_code == 200


async def test_the_device_is_stable_per_user_and_distinct_between_users(
        start: Start) -> None:
    async with start(env={"HDHR_TUNER_COUNT": "2"}) as api:
        ann, bob = await api.register("ann@example.com"), await api.register("bob@example.com")
        a1, a2 = await feed_token(api, ann), await feed_token(api, ann, "tv")
        b = await feed_token(api, bob)
        ids = [(await api.client.get(f"/iptv/{t}/hdhr/discover.json")).json()
               for t in (a1, a2, b)]
        assert ids[0]["DeviceID"] == ids[1]["DeviceID"] != ids[2]["DeviceID"]
        assert ids[0]["TunerCount"] == 2


async def test_the_tuner_count_follows_the_stream_session_limit(start: Start) -> None:
    """Without HDHR_TUNER_COUNT, Plex and Jellyfin are told as many tuners as pipelines
    this server runs at once, so they never tune more channels than it can stream."""
    async with start(env={"STREAM_MAX_SESSIONS": "3"}) as api:
        token = await feed_token(api, await api.register("tuner@example.com"))
        discover = (await api.client.get(f"/iptv/{token}/hdhr/discover.json")).json()
        assert discover["TunerCount"] == 3
