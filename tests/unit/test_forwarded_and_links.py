"""The trusted-proxy layer and the signed channel links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakes import FakeClock
from ktv_api.channel_links import ChannelLinks
from ktv_api.forwarded import ForwardedHeaders, TrustedPeers
from ktv_api.settings import load_settings

T = datetime(2026, 11, 21, 12, 34, 56, tzinfo=UTC)


def test_trusted_peers() -> None:
    peers = TrustedPeers(["127.0.0.1", "10.0.0.0/8", "::1", "testclient"])
    for host in ("127.0.0.1", "10.1.2.3", "::1", "testclient"):
        assert host in peers
    for host in ("127.0.0.2", "11.0.0.1", "evil", ""):
        assert host not in peers
    assert None not in peers
    assert "203.0.113.1" in TrustedPeers(["*"])


async def _seen(trusted: list[str], client: str, headers: list[tuple[bytes, bytes]]
                ) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {"type": "http", "scheme": "http", "client": (client, 5000),
             "headers": [(b"host", b"internal:3000"), *headers]}
    await ForwardedHeaders(app, trusted)(scope, None, None)  # type: ignore[arg-type]
    return seen


async def test_forwarded_headers_from_a_trusted_proxy_only() -> None:
    headers = [(b"x-forwarded-proto", b"https"), (b"x-forwarded-host", b"tv.example.com"),
               (b"x-forwarded-for", b"198.51.100.7, 10.0.0.5")]
    seen = await _seen(["10.0.0.0/8"], "10.0.0.9", headers)
    assert seen["scheme"] == "https"
    assert dict(seen["headers"])[b"host"] == b"tv.example.com"
    assert seen["client"] == ("198.51.100.7", 0)  # the right-most untrusted hop
    seen = await _seen(["10.0.0.0/8"], "192.0.2.1", headers)
    assert (seen["scheme"], dict(seen["headers"])[b"host"], seen["client"]) == (
        "http", b"internal:3000", ("192.0.2.1", 5000))
    bad = await _seen(["*"], "1.2.3.4", [(b"x-forwarded-host", b"a b/c"),
                                         (b"x-forwarded-proto", b"gopher")])
    assert (bad["scheme"], dict(bad["headers"])[b"host"]) == ("http", b"internal:3000")


def test_forwarded_allow_ips_setting() -> None:
    s = load_settings({"FORWARDED_ALLOW_IPS": "10.0.0.0/8, 127.0.0.1,*"}, env_file=None)
    assert s.forwarded_allow_ips == ("10.0.0.0/8", "127.0.0.1", "*")
    assert load_settings({}, env_file=None).forwarded_allow_ips == ("127.0.0.1",)
    with pytest.raises(Exception, match="FORWARDED_ALLOW_IPS"):
        load_settings({"FORWARDED_ALLOW_IPS": "10.0.0.0/8, bad host!"}, env_file=None)
    for name, bad in (("GUIDE_DAYS", "0"), ("GUIDE_DAYS", "15"), ("HDHR_TUNER_COUNT", "0"),
                      ("GUIDE_FILL_GAPS", "maybe")):
        with pytest.raises(Exception, match=name):
            load_settings({name: bad}, env_file=None)
    s = load_settings({"GUIDE_DAYS": "14", "HDHR_TUNER_COUNT": "2", "GUIDE_FILL_GAPS": "yes"},
                      env_file=None)
    assert (s.guide_days, s.hdhr_tuner_count, s.guide_fill_gaps) == (14, 2, True)


def test_channel_links_sign_and_verify() -> None:
    clock = FakeClock(T)
    links = ChannelLinks.from_settings(load_settings({}, env_file=None), clock)
    cid = uuid.uuid4()
    url = links.live_url("https://tv.example.com", cid)
    path, _, query = url.removeprefix("https://tv.example.com").partition("?")
    assert path == f"/api/v1/channels/{cid}/live.ts"
    params = dict(p.split("=", 1) for p in query.split("&"))
    exp = int(params["exp"])
    # valid from the next whole hour for 24 h: the same links all hour long
    assert exp == int(datetime(2026, 11, 22, 13, 0, tzinfo=UTC).timestamp())
    clock.advance(timedelta(minutes=20))
    assert links.live_url("https://tv.example.com", cid) == url
    assert links.verify(path, params["exp"], params["sig"])
    assert links.verify_live(cid, params["exp"], params["sig"])
    assert not links.verify_logo(cid, params["exp"], params["sig"])
    assert not links.verify_live(uuid.uuid4(), params["exp"], params["sig"])
    assert not links.verify(path, str(exp + 1), params["sig"])
    assert not links.verify(path, params["exp"], None)
    other = ChannelLinks.from_settings(load_settings({"COOKIE_SECRET": "z" * 70},
                                                     env_file=None), clock)
    assert not other.verify(path, params["exp"], params["sig"])  # another key
    clock.set(datetime.fromtimestamp(exp, UTC))
    assert not links.verify(path, params["exp"], params["sig"])  # expired
