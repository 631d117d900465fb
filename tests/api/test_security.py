"""The security pass: headers, password limits, enumeration, deleted users, rate limits,
production settings. See docs/security.md for what each check protects."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
import pytest
from litestar import Litestar, Response, get
from litestar.testing import AsyncTestClient

from api.feed_probe import feed_probe
from api.helpers import JWT_SECRET, PASSWORD, Api, Start, assert_problem, auth, token_subject
from fakes import FakeClock, FakePasswordHasher, InMemoryStore
from ktv_api import Overrides, create_app, load_settings
from ktv_api.metrics import Metrics
from ktv_api.middleware import RequestContext
from ktv_api.settings import SettingsError

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: Differ per response by design; everything else must be equal where bodies must be.
VOLATILE = {"x-request-id", "date"}


@asynccontextmanager
async def counting(clock: FakeClock, env: Mapping[str, str] | None = None,
                   ) -> AsyncIterator[tuple[Api, FakePasswordHasher]]:
    """The app with a hasher that counts its calls (and an in-memory store)."""
    hasher, store = FakePasswordHasher(), InMemoryStore()
    settings = load_settings({"JWT_SECRET": JWT_SECRET, "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
                              **(env or {})}, env_file=None)
    app = create_app(settings, overrides=Overrides(uow=store.uow, clock=clock, hasher=hasher),
                     keeper=False, sync_interval=3600)
    async with AsyncTestClient(app=app) as client:
        yield Api(client=client, app=app, clock=clock, media=None, store=store,
                  settings=settings), hasher


def assert_secured(r: httpx.Response, *, hsts: bool = False) -> None:
    h = r.headers
    assert h["x-content-type-options"] == "nosniff", (r.request.url, h)
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"
    assert h["content-security-policy"] == API_CSP
    assert "cache-control" in h
    assert h["x-request-id"]
    assert ("strict-transport-security" in h) is hsts


# -- headers ------------------------------------------------------------------------------

async def test_every_kind_of_response_carries_the_security_headers(api: Api) -> None:
    c = api.client
    owner = await api.register()
    responses = [
        await c.get("/api/v1/config"),                                          # 200
        await c.post(REGISTER, json={"email": "b@example.com", "password": PASSWORD}),  # 201
        await c.delete("/api/v1/auth/feed-token", headers=owner),               # 204
        await c.get("/api/v1/nope"),                                            # 404 route
        await c.get(f"/api/v1/channels/{'0' * 32}", headers=owner),             # 404 domain
        await c.get(ME),                                                        # 401
        await c.post(REGISTER, content=b"{not json"),                           # 400
        await c.post(REGISTER, json={"email": "x"}),                            # 422
        await c.put("/api/v1/config"),                                          # 405
        await c.post(REGISTER, content=b"x" * (1024 * 1024 + 1)),               # 413
        await c.options("/api/v1/channels", headers={                          # preflight
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"}),
        await c.get("/metrics"),
        await c.get("/api/v1/openapi.json"),
    ]
    assert {r.status_code for r in responses} >= {200, 201, 204, 400, 401, 404, 405, 413, 422}
    for r in responses:
        assert_secured(r)
    async with AsyncTestClient(app=feed_probe(api)) as probe:
        boom = await probe.get("/boom")
        assert_problem(boom, 500)
        assert "unexpected failure" not in boom.text
        assert "RuntimeError" not in boom.text
        assert_secured(boom)
        assert_secured(await probe.get("/iptv/ktvf_nothing/probe"))


async def test_the_docs_page_may_load_its_scripts_but_not_be_framed(api: Api) -> None:
    r = await api.client.get("/api/v1/docs")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert r.headers["x-frame-options"] == "DENY"


async def test_auth_responses_are_never_stored(api: Api) -> None:
    c = api.client
    owner = await api.register()
    for r in (await c.post(LOGIN, json={"email": "owner@example.com", "password": PASSWORD}),
              await c.post(LOGIN, json={"email": "owner@example.com", "password": "wrong-one"}),
              await c.get(ME, headers=owner), await c.post("/api/v1/auth/token", headers=owner),
              await c.post("/api/v1/auth/feed-token", headers=owner)):
        assert r.headers.get_list("cache-control") == ["no-store"], r.request.url


@get(["/api/v1/channels/logo", "/api/v1/auth/cached"])
async def cacheable() -> Response[dict[str, str]]:
    return Response({}, headers={"Cache-Control": "public, max-age=60"})


@pytest.mark.parametrize(("path", "expected"), [
    ("/api/v1/channels/logo", ["public, max-age=60"]),  # a handler's own choice is kept
    ("/api/v1/auth/cached", ["no-store"]),              # never on credentials
])
async def test_a_handlers_own_caching_is_kept_except_on_auth(path: str,
                                                             expected: list[str]) -> None:
    app = Litestar(route_handlers=[cacheable])
    app.asgi_handler = RequestContext(app.asgi_handler, Metrics())
    async with AsyncTestClient(app=app) as client:
        r = await client.get(path)
    assert r.status_code == 200
    assert r.headers.get_list("cache-control") == expected


async def test_hsts_only_when_served_over_https(start: Start) -> None:
    async with start(env={"SECURE_COOKIE": "true"}) as api:
        for r in (await api.client.get("/api/v1/config"), await api.client.get("/nope")):
            assert_secured(r, hsts=True)
            assert r.headers["strict-transport-security"] == "max-age=31536000"
    async with start() as api:
        assert_secured(await api.client.get("/api/v1/config"), hsts=False)


# -- passwords and enumeration ------------------------------------------------------------

@pytest.mark.parametrize("path", [REGISTER, LOGIN])
@pytest.mark.parametrize("password", ["x" * 1_000_000, "x" * 1025, "x" * 7])
async def test_out_of_range_passwords_are_422_and_never_hashed(clock: FakeClock, path: str,
                                                               password: str) -> None:
    async with counting(clock) as (api, hasher):
        await api.register("a@example.com")
        before = (hasher.hash_calls, hasher.verify_calls)
        r = await api.client.post(path, json={"email": "a@example.com", "password": password})
        assert_problem(r, 422, "password")
        assert (hasher.hash_calls, hasher.verify_calls) == before


async def test_login_answers_unknown_emails_exactly_like_wrong_passwords(
        clock: FakeClock) -> None:
    async with counting(clock) as (api, hasher):
        await api.register("known@example.com")
        # An account without a password (OIDC only) answers the same way too.
        assert api.store is not None
        oidc = await api.ktv.users.register("oidc@example.com", PASSWORD)
        async with api.store.uow() as uow:
            await uow.users.update(dataclasses.replace(oidc, password_hash=None))
            await uow.commit()
        answers = []
        for email, password in [("known@example.com", "wrong password"),
                                ("nobody@example.com", PASSWORD),
                                ("oidc@example.com", PASSWORD),
                                ("not-an-email", PASSWORD)]:
            verified = hasher.verify_calls
            r = await api.client.post(LOGIN, json={"email": email, "password": password})
            # The same work either way: exactly one hash verification.
            assert hasher.verify_calls == verified + 1, email
            assert_problem(r, 401)
            answers.append((r.status_code, r.content,
                            sorted((k, v) for k, v in r.headers.items()
                                   if k not in VOLATILE)))
        assert all(a == answers[0] for a in answers[1:])


async def test_registering_a_taken_email_is_409_after_the_same_work(clock: FakeClock) -> None:
    """The accepted enumeration of docs/api.md: the 409 says the email is taken; it
    costs the same hash as a successful registration, and is rate-limited."""
    async with counting(clock) as (api, hasher):
        await api.register("taken@example.com")
        hashed = hasher.hash_calls
        r = await api.client.post(REGISTER, json={"email": "TAKEN@example.com",
                                                  "password": PASSWORD})
        assert_problem(r, 409)
        assert hasher.hash_calls == hashed + 1


# -- deleted users -----------------------------------------------------------------------

async def test_a_deleted_users_cached_token_is_refused_at_once(any_api: Api) -> None:
    c = any_api.client
    owner = await any_api.register()
    feed = (await c.post("/api/v1/auth/feed-token", headers=owner)).json()["token"]
    assert (await c.get(ME, headers=owner)).status_code == 200  # now cached for 10 s
    assert (await c.get("/api/v1/channels", headers=owner)).status_code == 200
    await any_api.ktv.users.delete(token_subject(owner["Authorization"].split()[1]))
    for path in (ME, "/api/v1/channels"):
        assert_problem(await c.get(path, headers=owner), 401)
    assert_problem(await c.post("/api/v1/auth/token", headers=owner), 401)
    async with AsyncTestClient(app=feed_probe(any_api)) as probe:
        assert (await probe.get(f"/iptv/{feed}/probe")).status_code == 404


# -- rate limits --------------------------------------------------------------------------

@pytest.mark.parametrize("path", [REGISTER, LOGIN, "/api/v1/auth/token",
                                  "/api/v1/auth/feed-token"])
async def test_every_credential_endpoint_is_rate_limited(start: Start, path: str) -> None:
    async with start(env={"AUTH_RATE_LIMIT_PER_MINUTE": "3"}) as api:
        user = await api.ktv.users.register("owner@example.com", PASSWORD)  # not counted
        owner = auth(api.ktv.tokens.issue(user).token)
        statuses = []
        for n in range(4):
            body = {"email": f"u{n}@example.com", "password": PASSWORD}
            r = await api.client.post(path, json=body, headers=owner)
            statuses.append(r.status_code)
        assert 429 not in statuses[:3], statuses
        assert_problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1


# -- production settings ------------------------------------------------------------------

GOOD = {"PRODUCTION": "true", "JWT_SECRET": "0123456789abcdef" * 3,
        "COOKIE_SECRET": "fedcba9876543210" * 5}


def problems(env: Mapping[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as info:
        load_settings(env, env_file=None)
    return info.value.problems


def test_good_production_settings_start() -> None:
    assert load_settings(GOOD, env_file=None).production
    https = {**GOOD, "PUBLIC_BASE_URL": "https://tv.example.com", "SECURE_COOKIE": "true"}
    assert load_settings(https, env_file=None).secure_cookie


@pytest.mark.parametrize(("env", "says"), [
    ({"JWT_SECRET": "s" * 40}, "JWT_SECRET looks like a placeholder"),
    ({"COOKIE_SECRET": "ab" * 40}, "COOKIE_SECRET looks like a placeholder"),
    ({"COOKIE_SECRET": GOOD["JWT_SECRET"] * 2, "JWT_SECRET": GOOD["JWT_SECRET"] * 2},
     "must differ"),
    ({"PUBLIC_BASE_URL": "https://tv.example.com"}, "SECURE_COOKIE=true is required when "
                                                    "PUBLIC_BASE_URL uses https"),
    ({"PUBLIC_BASE_URL": "https://tv.example.com", "SECURE_COOKIE": "false"},
     "SECURE_COOKIE=true"),
])
def test_production_refuses_weak_setups_one_line_each(env: dict[str, str], says: str) -> None:
    found = problems({**GOOD, **env})
    assert len(found) == 1, found
    assert says in found[0]
    assert "\n" not in found[0]
    assert "PRODUCTION=true" in found[0]


def test_a_plain_http_public_url_needs_no_secure_cookie() -> None:
    assert not load_settings({**GOOD, "PUBLIC_BASE_URL": "http://192.168.1.5:3000"},
                             env_file=None).secure_cookie


@pytest.mark.parametrize("production", ["true", "false"])
def test_a_wildcard_cors_origin_is_refused_everywhere(production: str) -> None:
    found = problems({**GOOD, "PRODUCTION": production, "CORS_ALLOWED_ORIGINS": "*"})
    assert found == ["CORS_ALLOWED_ORIGINS must list exact origins; '*' (any site) "
                     "is not allowed"]
