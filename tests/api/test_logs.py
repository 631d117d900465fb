"""Logs carry no secrets: not the password, not a token (bearer or feed), not the JWT secret."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from api.feed_probe import feed_probe
from api.helpers import JWT_SECRET, Api, Start
from ktv_api.logs import redact_text

SECRET_PASSWORD = "hunter2-very-secret-passphrase"


async def exercise(api: Api) -> list[str]:
    """Register, log in (right and wrong), use and refresh the token, create, use, rotate
    and revoke a feed token; the secrets used."""
    c = api.client
    h = await api.register("Leaky@Example.com", SECRET_PASSWORD)
    token = h["Authorization"].split()[1]
    login = await c.post("/api/v1/auth/login", json={"email": "leaky@example.com",
                                                     "password": SECRET_PASSWORD})
    assert login.status_code == 200
    await c.post("/api/v1/auth/login", json={"email": "leaky@example.com",
                                             "password": SECRET_PASSWORD + "x"})
    await c.post("/api/v1/auth/register", json={"email": "leaky@example.com",
                                                "password": SECRET_PASSWORD})
    await c.get("/api/v1/auth/me", headers=h)
    fresh = (await c.post("/api/v1/auth/token", headers=h)).json()["access_token"]
    cid = await api.on_air_channel(h)
    await c.get(f"/api/v1/channels/{cid}/stream", headers=h, follow_redirects=False)
    await c.get("/api/v1/channels", headers={"Authorization": f"Bearer {token}x"})
    await c.get("/api/v1/channels", headers={"Authorization": f"Basic {token}"})
    await c.get(f"/api/v1/nope?token={token}&password={SECRET_PASSWORD}")
    feeds = []
    async with AsyncTestClient(app=feed_probe(api)) as probe:
        for _ in range(2):  # create, then rotate
            r = await c.post("/api/v1/auth/feed-token", headers=h)
            assert r.status_code == 201
            feeds.append(r.json()["token"])
            assert (await probe.get(f"/iptv/{feeds[-1]}/probe")).status_code == 200
        assert (await probe.get(f"/iptv/{feeds[0]}/probe")).status_code == 404  # rotated out
        await probe.get(f"/elsewhere?feed={feeds[1]}")
        await probe.get(f"/elsewhere/{feeds[1]}")
    await c.get(f"/iptv/{feeds[1]}/channels.m3u")  # no such route yet: logged as a 404
    await c.delete("/api/v1/auth/feed-token", headers=h)
    return [SECRET_PASSWORD, token, fresh, login.json()["access_token"], JWT_SECRET, *feeds]


async def test_log_events_hold_no_secrets(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with capture_logs() as events:
        secrets = await exercise(api)
    assert any(e["event"] == "request" for e in events)  # the capture did capture
    # httpx is the test client's own logger (it prints the URLs the test sends).
    app_records = [r.getMessage() for r in caplog.records if r.name != "httpx"]
    dumped = repr(events) + repr(app_records)
    for secret in secrets:
        assert secret not in dumped


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_rendered_log_lines_hold_no_secrets(start: Start, backend: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from ktv_api.logs import configure_logging

    configure_logging("debug", "json")
    # Cached loggers would keep this pipeline after the test; other tests capture logs.
    structlog.configure(cache_logger_on_first_use=False)
    try:
        async with start(backend=backend) as api:
            secrets = await exercise(api)
        err = capsys.readouterr().err
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line.get("event") == "request" for line in lines)
    for secret in secrets:
        assert secret not in err


@pytest.mark.parametrize("text", [
    "/iptv/{t}/stream/101.ts", "GET /elsewhere/{t}", "feed={t}&x=1", "token {t} leaked",
    "'{t}'", "{t}", "x{t}y",
])
def test_feed_tokens_are_masked_wherever_they_appear(text: str) -> None:
    token = "ktvf_" + "AbC-_9" * 7 + "z"
    masked = redact_text(text.format(t=token))
    assert token not in masked
    assert token[5:20] not in masked
    assert "[redacted]" in masked
