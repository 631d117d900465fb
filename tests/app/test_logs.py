"""Logs never carry secrets: masked by key and by shape."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from ktv_api.logs import configure_logging, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(("text", "secret"), [
    (f"Authorization: Bearer {JWT}", JWT),
    (f"token {JWT} leaked", JWT),
    ("GET /Videos/1/stream?static=true&api_key=abc123", "abc123"),
    ("postgresql://ktv:hunter2@db:5432/ktv", "hunter2"),
    ('MediaBrowser Token="jf-secret", Client="k"', "jf-secret"),
    ("/iptv/feedtoken123/channels.m3u", "feedtoken123"),
    ("/api/v1/media/1/stream?sig=deadbeef&exp=1", "deadbeef"),
])
def test_secret_shapes_are_masked(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_log_lines_mask_secret_keys_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")
    try:
        log = structlog.get_logger("test")
        log.info("login", password="correct horse", api_key="k-123", user="a@b.c",
                 detail=f"sent Bearer {JWT}", nested={"secret": "s3", "ok": 1})
        logging.getLogger("uvicorn.error").warning("dsn postgresql://u:pw123@h/db")
        err = capsys.readouterr().err
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert len(lines) == 2
    for secret in ("correct horse", "k-123", JWT, "s3", "pw123"):
        assert secret not in err
    assert lines[0]["user"] == "a@b.c"
    assert lines[0]["nested"]["ok"] == 1
    assert lines[0]["password"] == "[redacted]"
