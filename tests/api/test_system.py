"""Server endpoints, OpenAPI, and the problem bodies and headers every response carries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from api.helpers import JWT_SECRET, Api, assert_problem
from ktv_api import create_app, load_settings

HEX_ID = re.compile(r"[0-9a-f]{32}")


async def test_config_reports_features_and_no_secrets(api: Api) -> None:
    r = await api.client.get("/api/v1/config")
    assert r.status_code == 200
    config = r.json()
    assert {"allow_registration", "password_login_enabled", "oidc_enabled", "media_source",
            "version"} <= set(config)
    assert config["allow_registration"] is True
    assert config["password_login_enabled"] is True
    assert config["media_source"] == "custom"  # a media override without a name
    assert config["schedule_horizon_hours"] == 48
    text = r.text.lower()
    for secret in (JWT_SECRET.lower(), api.settings.cookie_secret.lower(), "secret", "key"):
        assert secret not in text


async def test_health(any_api: Api) -> None:
    live = await any_api.client.get("/api/v1/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    ready = await any_api.client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["media_source"] != "not configured"
    if any_api.store is None:  # a real database also reports its migrations
        assert body["checks"]["migrations"] == "ok"


async def test_not_ready_is_a_problem_naming_the_failing_check(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:{tmp_path / 'ktv.db'}",
                              "LOG_LEVEL": "warning"}, env_file=None)
    app = create_app(settings, run_migrations=False, keeper=False)
    async with AsyncTestClient(app=app) as client:
        r = await client.get("/api/v1/health/ready")
    body = assert_problem(r, 503)
    assert body["checks"]["migrations"].endswith("pending")
    assert "migrations" in body["detail"]


async def test_metrics_count_requests(api: Api, owner: dict[str, str]) -> None:
    await api.client.get("/api/v1/channels", headers=owner)
    await api.client.get("/api/v1/nowhere")
    r = await api.client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert "ktv_http_requests_total" in text
    assert re.search(r'ktv_http_requests_total\{method="GET",route="/api/v1/channels",'
                     r'status="200"\} 1\.0', text)
    assert 'route="<unmatched>",status="404"' in text
    assert "ktv_http_request_duration_seconds_bucket" in text
    assert owner["Authorization"].split()[1] not in text


async def test_openapi_document(api: Api) -> None:
    r = await api.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path in ("/api/v1/channels/{channel_id}/now", "/api/v1/channels/{channel_id}/epg",
                 "/api/v1/channels/{channel_id}", "/api/v1/auth/register", "/api/v1/config"):
        assert path in paths, sorted(paths)
    assert set(paths["/api/v1/channels/{channel_id}"]) >= {"get", "put", "patch", "delete"}
    epg = paths["/api/v1/channels/{channel_id}/epg"]["get"]
    assert {p["name"] for p in epg["parameters"]} >= {"channel_id", "from", "until"}
    assert "BearerToken" in doc["components"]["securitySchemes"]


async def test_docs_page_is_html(api: Api) -> None:
    r = await api.client.get("/api/v1/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower()


@pytest.mark.parametrize("path", ["/api/v1/nope", "/nope", "/api/v2/channels",
                                  "/api/v1/channels/00000000-0000-0000-0000-000000000000/x"])
async def test_unknown_route_is_a_404_problem(api: Api, path: str) -> None:
    assert_problem(await api.client.get(path), 404)


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/config"), ("DELETE", "/api/v1/channels"), ("GET", "/api/v1/auth/login"),
    ("PUT", "/api/v1/health/live")])
async def test_wrong_method_is_a_405_problem(api: Api, method: str, path: str) -> None:
    assert_problem(await api.client.request(method, path), 405)


async def test_every_response_has_a_request_id(api: Api, owner: dict[str, str]) -> None:
    responses = [
        await api.client.get("/api/v1/config"),
        await api.client.get("/api/v1/nope"),
        await api.client.get("/api/v1/channels"),
        await api.client.post("/api/v1/channels", json={"name": 1}, headers=owner),
        await api.client.post("/api/v1/config"),
        await api.client.get("/metrics"),
        await api.client.get("/api/v1/openapi.json"),
        await api.client.options("/api/v1/channels", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"}),
    ]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(HEX_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    for r in responses:
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_a_sane_incoming_request_id_is_echoed(api: Api) -> None:
    r = await api.client.get("/api/v1/config", headers={"X-Request-ID": "edge-1234.abc_Z"})
    assert r.headers["x-request-id"] == "edge-1234.abc_Z"
    r = await api.client.get("/api/v1/nope", headers={"X-Request-ID": "trace-42"})
    assert r.headers["x-request-id"] == "trace-42"


@pytest.mark.parametrize("bad", ["has spaces", "x" * 65, "<script>", "a\\b", "id;drop"])
async def test_an_insane_request_id_is_replaced(api: Api, bad: str) -> None:
    r = await api.client.get("/api/v1/config", headers={"X-Request-ID": bad})
    assert HEX_ID.fullmatch(r.headers["x-request-id"])
