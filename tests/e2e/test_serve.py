"""End to end: the real ``ktv`` command over HTTP, the way the README walks a newcomer.

There is no media source in these runs, so generating a schedule answers 503 and
saying so is the point; the full path (a library, slots, M3U/XMLTV, streams) is
added with the local-folder media provider.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from .process import KtvServer, clean_env, run_ktv

EMAIL = "you@example.com"
PASSWORD = "yourpassword"
REQUEST_ID = "e2e-walk-0001"

#: The README's "Design a schedule" body, verbatim.
README_SCHEDULE_CONFIG: dict[str, Any] = {
    "blocks": [
        {
            "id": "00000000-0000-0000-0000-000000000001",
            "name": "Evening Sitcoms",
            "start_time": "20:00:00",
            "duration_mins": 120,
            "content": {
                "type": "algorithmic",
                "filter": {
                    "content_type": "episode",
                    "genres": ["Comedy"],
                    "decade": 1990,
                    "min_duration_secs": 1200,
                    "max_duration_secs": 1800,
                    "collections": [],
                    "tags": [],
                },
                "strategy": "random",
            },
        },
        {
            "id": "00000000-0000-0000-0000-000000000002",
            "name": "Late Night Movie",
            "start_time": "22:00:00",
            "duration_mins": 150,
            "content": {
                "type": "algorithmic",
                "filter": {
                    "content_type": "movie",
                    "genres": ["Comedy"],
                    "decade": None,
                    "min_duration_secs": None,
                    "max_duration_secs": None,
                    "collections": [],
                    "tags": [],
                },
                "strategy": "best_fit",
            },
        },
    ]
}


def _expect(response: httpx.Response, status: int, server: KtvServer) -> httpx.Response:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} -> {response.status_code} "
        f"(expected {status}): {response.text}\n{server.describe()}")
    return response


def test_readme_walk(ktv_server: KtvServer) -> None:
    s = ktv_server
    with httpx.Client(base_url=f"{s.base_url}/api/v1", timeout=10.0, trust_env=False) as api:
        # Register and get a token
        r = _expect(api.post("/auth/register", json={"email": EMAIL, "password": PASSWORD}),
                    201, s)
        body = r.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 86400
        token: str = body["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        me = _expect(api.get("/auth/me", headers={**auth, "X-Request-ID": REQUEST_ID}),
                     200, s)
        assert me.json()["email"] == EMAIL
        assert me.headers["x-request-id"] == REQUEST_ID

        # Create a channel
        r = _expect(api.post("/channels", headers=auth, json={
            "name": "90s Sitcom Network",
            "description": "Nothing but classic sitcoms, all day",
            "timezone": "America/New_York",
        }), 201, s)
        channel = r.json()
        channel_id = channel["id"]
        assert channel["name"] == "90s Sitcom Network"
        assert channel["timezone"] == "America/New_York"
        assert channel["number"]
        assert channel["schedule_config"] == {"blocks": []}

        # Design a schedule: both of the README's blocks
        r = _expect(api.put(f"/channels/{channel_id}", headers=auth,
                            json={"schedule_config": README_SCHEDULE_CONFIG}), 200, s)
        blocks = r.json()["schedule_config"]["blocks"]
        assert [(b["id"], b["name"], b["start_time"], b["duration_mins"]) for b in blocks] == [
            ("00000000-0000-0000-0000-000000000001", "Evening Sitcoms", "20:00:00", 120),
            ("00000000-0000-0000-0000-000000000002", "Late Night Movie", "22:00:00", 150)]
        assert [b["content"] for b in blocks] == [
            {**b["content"], "filter": {**b["content"]["filter"], "series": []}}
            for b in README_SCHEDULE_CONFIG["blocks"]]
        stored = _expect(api.get(f"/channels/{channel_id}", headers=auth), 200, s).json()
        assert stored["name"] == "90s Sitcom Network"  # the partial update kept it
        assert stored["schedule_config"]["blocks"] == blocks

        # Generate: no media source is configured yet, and the answer says so
        r = _expect(api.post(f"/channels/{channel_id}/schedule", headers=auth), 503, s)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "no media source is configured" in r.json()["detail"]

        # Tune in: nothing scheduled, so no signal
        r = _expect(api.get(f"/channels/{channel_id}/now", headers=auth), 204, s)
        assert r.content == b""
        now = datetime.now(UTC)
        window = {"from": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "until": (now + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        r = _expect(api.get(f"/channels/{channel_id}/epg", params=window, headers=auth), 200, s)
        assert r.json() == []
        r = _expect(api.get(f"/channels/{channel_id}/stream", headers=auth), 204, s)
        assert "location" not in r.headers

        # Server-level endpoints
        config = _expect(api.get("/config"), 200, s).json()
        assert config["allow_registration"] is True
        assert config["media_source"] is None
        ready = _expect(api.get("/health/ready"), 200, s).json()
        assert ready["status"] == "ok"
        assert ready["checks"]["migrations"] == "ok"
        assert ready["checks"]["database"] == "ok"
    metrics = _expect(httpx.get(f"{s.base_url}/metrics", timeout=10.0, trust_env=False),
                      200, s)
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'ktv_http_requests_total{method="POST",route="/api/v1/auth/register"' in metrics.text

    # Ctrl-C stops it cleanly (exit 0); then its log is complete.
    s.stop()
    _check_log(s, secrets=[PASSWORD, token, token.rsplit(".", 1)[-1]])

    # The database it left behind is migrated.
    status = run_ktv(["migrate", "--status"], env=s.env, cwd=s.workdir)
    assert status.returncode == 0, status.stderr
    assert re.search(r"^0001\s+\S+\s+applied\s", status.stdout, re.MULTILINE), status.stdout


def _check_log(server: KtvServer, *, secrets: list[str]) -> None:
    """Every stderr line is a JSON object; request lines carry a request id; no secrets."""
    text = server.log()
    records: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}\n{server.describe()}")
        assert isinstance(record, dict), line
        records.append(record)
    requests = [r for r in records if r.get("event") == "request"]
    assert len(requests) >= 10, server.describe()
    for r in requests:
        assert isinstance(r.get("request_id"), str), r
        assert r["request_id"], r
        assert {"method", "path", "status", "duration_ms"} <= r.keys(), r
    assert any(r["request_id"] == REQUEST_ID and r["path"] == "/api/v1/auth/me"
               and r["status"] == 200 for r in requests), server.describe()
    events = [r.get("event") for r in records]
    assert "k-tv started" in events
    assert "k-tv stopped" in events
    for secret in secrets:
        assert secret not in text, f"a secret reached the log\n{server.describe()}"


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["migrate", "--help"]],
                         ids=["ktv", "serve", "migrate"])
def test_help(args: list[str], tmp_path: Path) -> None:
    result = run_ktv(args, env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ktv"), result.stdout


def test_invalid_configuration_fails_at_startup(tmp_path: Path) -> None:
    """One clear line per problem, exit code 2, and nothing started or touched."""
    database = tmp_path / "ktv.db"
    result = run_ktv(["serve"], cwd=tmp_path, env=clean_env(
        PORT="abc", PRODUCTION="true", DATABASE_URL=f"sqlite:{database}"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    names = ("PORT", "JWT_SECRET", "COOKIE_SECRET")
    for name in names:
        others = [n for n in names if n != name]
        own = [line for line in lines
               if re.search(rf"\b{name}\b", line)
               and not any(re.search(rf"\b{o}\b", line) for o in others)]
        assert len(own) == 1, f"expected one line naming {name}:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not database.exists()
