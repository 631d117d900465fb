"""HTTP-level promises: OPTIONS lists every method of a path; every error is a problem body."""

from __future__ import annotations

import re
import uuid

import pytest

from api.helpers import Api, assert_problem

ORIGIN = "http://localhost:5173"
_METHODS = ("get", "put", "post", "delete", "patch", "head")


async def _documented(api: Api) -> dict[str, set[str]]:
    document = (await api.client.get("/api/v1/openapi.json")).json()
    return {path: {m.upper() for m in item if m in _METHODS}
            for path, item in document["paths"].items()}


async def test_options_lists_exactly_the_documented_methods_of_every_path(
        api: Api, owner: dict[str, str]) -> None:
    cid = (await api.create_channel(owner))["id"]
    documented = await _documented(api)
    assert len(documented) > 20
    for path, methods in documented.items():
        concrete = re.sub(r"\{channel_id\}", cid, path)
        concrete = re.sub(r"\{(slot_id|token_id)\}", str(uuid.uuid4()), concrete)
        concrete = re.sub(r"\{[^}]+\}", "x", concrete)
        r = await api.client.options(concrete)
        assert r.status_code == 204, (path, r.text)
        allow = {m.strip() for m in r.headers["allow"].split(",")}
        assert allow == methods | {"OPTIONS"}, path


async def test_an_undocumented_method_is_a_405_problem_with_allow(api: Api) -> None:
    r = await api.client.delete("/api/v1/channels")
    assert_problem(r, 405)
    assert {m.strip() for m in r.headers["allow"].split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nope", "/api/v1/channels/x/y/z",
                                  "/api/v1/auth/me/extra", "/nowhere", "/api/v1/docs/../x"])
async def test_an_unknown_path_is_a_404_problem(api: Api, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        r = await api.client.request(method, path)
        assert_problem(r, 404)
        assert "<" not in r.text


@pytest.mark.parametrize(("headers", "detail"), [
    ({"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}, "Origin"),
    ({"Origin": ORIGIN, "Access-Control-Request-Method": "TRACE"}, "method"),
    ({"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "x-evil"}, "header"),
])
async def test_a_refused_cors_preflight_is_a_problem(api: Api, headers: dict[str, str],
                                                     detail: str) -> None:
    r = await api.client.options("/api/v1/channels", headers=headers)
    body = assert_problem(r, 400)
    assert detail.lower() in body["detail"].lower()
    assert "access-control-allow-origin" not in r.headers


async def test_an_accepted_cors_preflight_still_works(api: Api) -> None:
    r = await api.client.options("/api/v1/channels", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code in (200, 204), r.text
    assert r.headers["access-control-allow-origin"] == ORIGIN


async def test_a_head_request_for_an_error_has_problem_headers_and_no_body(api: Api) -> None:
    r = await api.client.head("/api/v1/nope")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.content == b""
