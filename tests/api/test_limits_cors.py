"""Per-client rate limits on the auth routes, and CORS for the configured origins."""

from __future__ import annotations

import pytest

from api.helpers import PASSWORD, Start, assert_problem

LIMITED = {"AUTH_RATE_LIMIT_PER_MINUTE": "3"}
ORIGIN = "http://localhost:5173"


def preflight(origin: str, method: str = "PUT") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type"}


async def test_the_fourth_login_in_a_minute_is_429(start: Start) -> None:
    async with start(env=LIMITED) as api:
        await api.register("a@example.com")
        attempts = [await api.client.post("/api/v1/auth/login", json={
            "email": "a@example.com", "password": p}) for p in (PASSWORD, "wrong-one", PASSWORD)]
        assert [r.status_code for r in attempts] == [200, 401, 200]
        r = await api.client.post("/api/v1/auth/login", json={"email": "a@example.com",
                                                               "password": PASSWORD})
        body = assert_problem(r, 429)
        assert "access_token" not in r.text
        retry = r.headers["retry-after"]
        assert retry.isdigit()
        assert 1 <= int(retry) <= 60
        assert body["title"] == "Too many requests"
        # Another bucket: registration is counted separately.
        assert (await api.client.post("/api/v1/auth/register", json={
            "email": "b@example.com", "password": PASSWORD})).status_code == 201


async def test_the_fourth_registration_in_a_minute_is_429(start: Start) -> None:
    async with start(env=LIMITED) as api:
        for n in range(3):
            await api.register(f"user{n}@example.com")
        r = await api.client.post("/api/v1/auth/register", json={"email": "user3@example.com",
                                                                  "password": PASSWORD})
        assert_problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1
        # Nothing was created by the refused attempt.
        assert_problem(await api.client.post("/api/v1/auth/login", json={
            "email": "user3@example.com", "password": PASSWORD}), 401)


async def test_invalid_attempts_count_too(start: Start) -> None:
    async with start(env=LIMITED) as api:
        for _ in range(3):
            r = await api.client.post("/api/v1/auth/login", json={"email": "nobody@example.com",
                                                                   "password": "x" * 10})
            assert r.status_code == 401
        assert_problem(await api.client.post("/api/v1/auth/login", json={
            "email": "nobody@example.com", "password": "x" * 10}), 429)


async def test_authenticated_routes_are_not_limited(start: Start) -> None:
    async with start(env=LIMITED) as api:
        h = await api.register()
        for _ in range(10):
            assert (await api.client.get("/api/v1/auth/me", headers=h)).status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_preflight_from_an_allowed_origin(start: Start, method: str) -> None:
    async with start() as api:
        r = await api.client.options("/api/v1/channels", headers=preflight(ORIGIN, method))
        assert r.status_code in (200, 204)
        assert r.headers["access-control-allow-origin"] == ORIGIN
        methods = {m.strip() for m in r.headers["access-control-allow-methods"].split(",")}
        assert {"PUT", "PATCH", "DELETE", "GET", "POST"} <= methods
        headers = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type"} <= headers


async def test_simple_request_from_an_allowed_origin(start: Start) -> None:
    async with start() as api:
        r = await api.client.get("/api/v1/config", headers={"Origin": ORIGIN})
        assert r.headers["access-control-allow-origin"] == ORIGIN
        exposed = r.headers.get("access-control-expose-headers", "").lower()
        assert "x-request-id" in exposed


@pytest.mark.parametrize("origin", ["http://evil.example.com", "http://localhost:5174",
                                    "https://localhost:5173", "null"])
async def test_a_disallowed_origin_gets_no_cors_headers(start: Start, origin: str) -> None:
    async with start() as api:
        r = await api.client.options("/api/v1/channels", headers=preflight(origin))
        assert "access-control-allow-origin" not in r.headers
        assert r.status_code >= 400
        r = await api.client.get("/api/v1/config", headers={"Origin": origin})
        assert r.status_code == 200
        assert "access-control-allow-origin" not in r.headers


async def test_several_configured_origins(start: Start) -> None:
    env = {"CORS_ALLOWED_ORIGINS": "https://tv.example.com, https://admin.example.com"}
    async with start(env=env) as api:
        for origin in ("https://tv.example.com", "https://admin.example.com"):
            r = await api.client.options("/api/v1/channels", headers=preflight(origin))
            assert r.headers["access-control-allow-origin"] == origin
        r = await api.client.options("/api/v1/channels", headers=preflight(ORIGIN))
        assert "access-control-allow-origin" not in r.headers
