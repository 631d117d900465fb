"""Logs carry no secrets: not the password, not the token, not the JWT secret."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from structlog.testing import capture_logs

from api.helpers import JWT_SECRET, Api, Start

SECRET_PASSWORD = "hunter2-very-secret-passphrase"


async def exercise(api: Api) -> list[str]:
    """Register, log in (right and wrong), use and refresh the token; the secrets used."""
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
    return [SECRET_PASSWORD, token, fresh, login.json()["access_token"], JWT_SECRET]


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
