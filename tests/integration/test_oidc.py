"""OIDC single sign-on end to end: a real provider (oidc-provider-mock, Authlib's OpenID
Connect server) and a real K-TV server on loopback, driven like a browser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from integration.oidc_env import (
    CLIENT_ID,
    COOKIE_SECRET,
    Ktvd,
    browser,
    consent,
    fragment,
    ktv_server,
    provider,
    reserve_port,
    set_user,
    sign_in,
    start,
)
from ktv_api.controllers.oidc import FLOW_COOKIE
from ktv_auth import FlowState, Sealer, pkce_challenge

# The provider (Authlib's server) calls its own deprecated Authlib APIs in its thread.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")

PASSWORD = "correct horse battery"
PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with provider() as url:
        yield url


@pytest.fixture
async def ktv(tmp_path: Path, issuer: str) -> AsyncIterator[Ktvd]:
    async with ktv_server(tmp_path, issuer) as k:
        yield k


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with browser() as c:
        yield c


_subjects = iter(range(1_000_000))


async def new_subject(issuer: str, *, email: str | None = None,
                      verified: bool = True) -> tuple[str, str]:
    """A provider user with a unique subject and email; (sub, email)."""
    n = next(_subjects)
    sub = f"user-{n}-{time.monotonic_ns()}"
    address = email or f"{sub}@example.com"
    await set_user(issuer, sub, {"email": address, "email_verified": verified,
                                 "name": f"User {n}"})
    return sub, address


async def me(client: httpx.AsyncClient, ktv: Ktvd, token: str) -> dict[str, Any]:
    r = await client.get(f"{ktv.base_url}/api/v1/auth/me",
                         headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def cookie_header(r: httpx.Response) -> str:
    headers = [v for v in r.headers.get_list("set-cookie") if v.startswith(FLOW_COOKIE + "=")]
    assert len(headers) == 1, r.headers
    return headers[0]


def assert_cleared(r: httpx.Response) -> None:
    header = cookie_header(r).lower()
    assert "max-age=0" in header
    assert "path=/api/v1/auth" in header


# -- the happy paths ------------------------------------------------------------------


async def test_first_sign_in_creates_the_account_and_the_second_finds_it(
        ktv: Ktvd, client: httpx.AsyncClient, issuer: str) -> None:
    sub, email = await new_subject(issuer)
    flow = await start(client, ktv)
    # What went to the provider: code flow, PKCE S256, state, nonce, our redirect URI.
    p = flow.params
    assert flow.authorize_url.startswith(f"{issuer}/oauth2/authorize?")
    assert p["response_type"] == "code"
    assert p["client_id"] == CLIENT_ID
    assert p["redirect_uri"] == ktv.callback_url
    assert p["scope"] == "openid email profile"
    assert p["code_challenge_method"] == "S256"
    # The cookie: sealed, HttpOnly, SameSite=Lax, scoped to /api/v1/auth, ten minutes.
    header = cookie_header(flow.login)
    attributes = {a.strip().lower() for a in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/api/v1/auth", "max-age=600"} <= attributes
    assert "secure" not in attributes
    sealed = client.cookies[FLOW_COOKIE]
    assert p["state"] not in sealed
    assert p["nonce"] not in sealed
    raw = Sealer(COOKIE_SECRET, "oidc-flow-cookie").open(sealed)
    assert raw is not None
    state = FlowState.from_bytes(raw)
    assert (state.state, state.nonce) == (p["state"], p["nonce"])
    assert p["code_challenge"] == pkce_challenge(state.verifier)

    callback = await consent(client, flow.authorize_url, sub)
    r = await client.get(callback)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert_cleared(r)
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    account = await me(client, ktv, body["access_token"])
    assert account["email"] == email
    assert account["oidc_linked"] is True
    assert account["has_password"] is False
    assert account["is_admin"] is True  # the first account on the server

    again = await sign_in(client, ktv, sub)
    assert again.status_code == 200, again.text
    assert (await me(client, ktv, again.json()["access_token"]))["id"] == account["id"]


async def test_a_verified_email_links_the_existing_password_account(
        ktv: Ktvd, client: httpx.AsyncClient, issuer: str) -> None:
    r = await client.post(f"{ktv.base_url}/api/v1/auth/register",
                          json={"email": "Linked@Example.com", "password": PASSWORD})
    assert r.status_code == 201, r.text
    registered = await me(client, ktv, r.json()["access_token"])
    sub, _ = await new_subject(issuer, email="linked@example.com", verified=True)

    r = await sign_in(client, ktv, sub)
    assert r.status_code == 200, r.text
    account = await me(client, ktv, r.json()["access_token"])
    assert account["id"] == registered["id"]
    assert account["oidc_linked"] is True
    assert account["has_password"] is True
    # The password still works, and the next SSO sign-in finds the account by subject.
    login = await client.post(f"{ktv.base_url}/api/v1/auth/login",
                              json={"email": "linked@example.com", "password": PASSWORD})
    assert login.status_code == 200
    r = await sign_in(client, ktv, sub)
    assert (await me(client, ktv, r.json()["access_token"]))["id"] == registered["id"]


async def test_an_unverified_email_never_takes_over_an_account(
        ktv: Ktvd, client: httpx.AsyncClient, issuer: str) -> None:
    r = await client.post(f"{ktv.base_url}/api/v1/auth/register",
                          json={"email": "victim@example.com", "password": PASSWORD})
    assert r.status_code == 201
    sub, _ = await new_subject(issuer, email="victim@example.com", verified=False)
    r = await sign_in(client, ktv, sub)
    body = problem(r, 409)
    assert "not verified" in body["detail"]
    assert_cleared(r)


async def test_redirect_mode_puts_the_token_or_the_error_in_the_fragment(
        tmp_path: Path, issuer: str, client: httpx.AsyncClient) -> None:
    target = "http://tv.example.com/signed-in"
    async with ktv_server(tmp_path, issuer, env={"OIDC_POST_LOGIN_REDIRECT": target}) as ktv:
        sub, email = await new_subject(issuer)
        r = await sign_in(client, ktv, sub)
        assert r.status_code == 302, r.text
        location = r.headers["location"]
        assert location.startswith(target + "#")
        assert urlsplit(location).query == ""  # never in the query (logs, Referer)
        data = fragment(location)
        assert data["token_type"] == "Bearer"
        assert int(data["expires_in"]) > 0
        assert (await me(client, ktv, data["access_token"]))["email"] == email
        assert_cleared(r)

        flow = await start(client, ktv)
        denied = await client.get(await consent(client, flow.authorize_url, None))
        assert denied.status_code == 302
        data = fragment(denied.headers["location"])
        assert data["error"] == "access_denied"
        assert "access_denied" in data["error_description"]
        assert "access_token" not in data
        assert_cleared(denied)


async def test_a_resource_id_may_be_configured_beside_the_client_id(
        tmp_path: Path, issuer: str, client: httpx.AsyncClient) -> None:
    """The provider puts the client id in ``aud``; with OIDC_RESOURCE_ID set that is
    still accepted. (A token whose ``aud`` is only the resource id is accepted too:
    the provider cannot issue one, so tests/unit/test_oidc_tokens.py covers it.)"""
    env = {"OIDC_RESOURCE_ID": "api://k-tv"}
    async with ktv_server(tmp_path, issuer, env=env) as ktv:
        sub, _ = await new_subject(issuer)
        r = await sign_in(client, ktv, sub)
        assert r.status_code == 200, r.text


async def test_secure_cookie_marks_the_flow_cookie_secure(
        tmp_path: Path, issuer: str, client: httpx.AsyncClient) -> None:
    async with ktv_server(tmp_path, issuer, env={"SECURE_COOKIE": "true"}) as ktv:
        flow = await start(client, ktv)
        attributes = {a.strip().lower() for a in cookie_header(flow.login).split(";")[1:]}
        assert "secure" in attributes


# -- refusals ---------------------------------------------------------------------------


async def test_the_providers_error_is_a_clear_400(ktv: Ktvd, client: httpx.AsyncClient) -> None:
    flow = await start(client, ktv)
    r = await client.get(await consent(client, flow.authorize_url, None))
    body = problem(r, 400)
    assert "access_denied" in body["detail"]
    assert_cleared(r)


async def test_a_callback_without_the_cookie_is_refused(
        ktv: Ktvd, client: httpx.AsyncClient, issuer: str) -> None:
    sub, _ = await new_subject(issuer)
    flow = await start(client, ktv)
    callback = await consent(client, flow.authorize_url, sub)
    async with browser() as other:  # another browser: a forged or foreign callback
        r = await other.get(callback)
    body = problem(r, 400)
    assert "cookie" in body["detail"]
    assert_cleared(r)


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
async def test_a_tampered_cookie_is_refused(ktv: Ktvd, client: httpx.AsyncClient,
                                            issuer: str, damage: str) -> None:
    sub, _ = await new_subject(issuer)
    flow = await start(client, ktv)
    callback = await consent(client, flow.authorize_url, sub)
    sealed = client.cookies[FLOW_COOKIE]
    middle = len(sealed) // 2
    bad = {"flip": sealed[:middle] + ("A" if sealed[middle] != "A" else "B")
           + sealed[middle + 1:],
           "truncate": sealed[:-5], "garbage": "not-a-sealed-value!", "empty": ""}[damage]
    client.cookies.clear()
    client.cookies.set(FLOW_COOKIE, bad, domain="127.0.0.1", path="/api/v1/auth")
    r = await client.get(callback)
    problem(r, 400)
    assert_cleared(r)


async def test_a_replayed_callback_is_refused(ktv: Ktvd, client: httpx.AsyncClient,
                                              issuer: str) -> None:
    sub, _ = await new_subject(issuer)
    flow = await start(client, ktv)
    sealed = client.cookies[FLOW_COOKIE]
    callback = await consent(client, flow.authorize_url, sub)
    assert (await client.get(callback)).status_code == 200
    # The browser no longer holds the cookie: the same state is refused.
    assert FLOW_COOKIE not in client.cookies
    problem(await client.get(callback), 400)
    # Even with the old cookie put back, the code is spent at the provider.
    client.cookies.set(FLOW_COOKIE, sealed, domain="127.0.0.1", path="/api/v1/auth")
    body = problem(await client.get(callback), 400)
    assert "authorization code" in body["detail"]


async def test_a_state_from_another_sign_in_is_refused(
        ktv: Ktvd, client: httpx.AsyncClient, issuer: str) -> None:
    sub, _ = await new_subject(issuer)
    first = await start(client, ktv)
    callback = await consent(client, first.authorize_url, sub)
    await start(client, ktv)  # a second sign-in replaces the cookie
    body = problem(await client.get(callback), 400)
    assert "state" in body["detail"]


async def test_an_expired_state_is_refused(ktv: Ktvd, client: httpx.AsyncClient,
                                           issuer: str) -> None:
    sub, _ = await new_subject(issuer)
    flow = await start(client, ktv)
    callback = await consent(client, flow.authorize_url, sub)
    ktv.clock.offset = timedelta(minutes=10, seconds=30)
    body = problem(await client.get(callback), 400)
    assert "too long" in body["detail"]


async def test_a_wrong_nonce_is_refused(ktv: Ktvd, client: httpx.AsyncClient,
                                        issuer: str) -> None:
    """The browser swaps the nonce on its way to the provider: the provider signs an ID
    token with that nonce, which is not the one this sign-in started with."""
    sub, _ = await new_subject(issuer)

    def swap_nonce(url: str) -> str:
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        params["nonce"] = "attacker-chosen-nonce"
        return parts._replace(query=urlencode(params)).geturl()

    r = await sign_in(client, ktv, sub, edit=swap_nonce)
    body = problem(r, 400)
    assert "nonce" in body["detail"]
    assert_cleared(r)


async def test_closed_registration_refuses_new_identities(
        tmp_path: Path, issuer: str, client: httpx.AsyncClient) -> None:
    env = {"ALLOW_REGISTRATION": "false"}
    async with ktv_server(tmp_path, issuer, env=env) as ktv:
        sub, _ = await new_subject(issuer)
        body = problem(await sign_in(client, ktv, sub), 403)
        assert "registration is closed" in body["detail"]


async def test_without_oidc_both_routes_are_404(tmp_path: Path, client: httpx.AsyncClient,
                                               ) -> None:
    env = {"OIDC_ISSUER": "", "OIDC_CLIENT_ID": "", "OIDC_REDIRECT_URL": "",
           "OIDC_CLIENT_SECRET": ""}
    async with ktv_server(tmp_path, "", env=env) as ktv:
        for path in ("/api/v1/auth/login/oidc", "/api/v1/auth/callback?code=x&state=y"):
            problem(await client.get(ktv.base_url + path), 404)
        config = (await client.get(f"{ktv.base_url}/api/v1/config")).json()
        assert config["oidc_enabled"] is False
        assert config["oidc_ready"] is False
        ready = (await client.get(f"{ktv.base_url}/api/v1/health/ready")).json()
        assert "oidc" not in ready["checks"]


async def test_a_provider_that_is_down_at_start_up_is_retried_in_the_background(
        tmp_path: Path, client: httpx.AsyncClient) -> None:
    # The provider's port is held (bound, not listening: connections are refused) until
    # the provider starts on that very socket, so no other process can take it meanwhile.
    with reserve_port() as reserved:
        issuer = f"http://localhost:{reserved.getsockname()[1]}"
        async with ktv_server(tmp_path, issuer) as ktv:
            config = (await client.get(f"{ktv.base_url}/api/v1/config")).json()
            assert config["oidc_enabled"] is True
            assert config["oidc_ready"] is False
            ready = await client.get(f"{ktv.base_url}/api/v1/health/ready")
            assert ready.status_code == 200  # reported, not fatal
            assert ready.json()["checks"]["oidc"].startswith("unavailable")
            r = await client.get(f"{ktv.base_url}/api/v1/auth/login/oidc")
            problem(r, 503)
            assert "Retry-After" in r.headers

            with provider(sock=reserved) as url:
                assert url == issuer
                deadline = time.monotonic() + 20
                while not (await client.get(f"{ktv.base_url}/api/v1/config")
                           ).json()["oidc_ready"]:
                    assert time.monotonic() < deadline, "discovery was not retried"
                    await asyncio.sleep(0.1)
                ready = (await client.get(f"{ktv.base_url}/api/v1/health/ready")).json()
                assert ready["checks"]["oidc"] == "ok"
                sub, _ = await new_subject(issuer)
                r = await sign_in(client, ktv, sub)
                assert r.status_code == 200, r.text


async def test_config_and_readiness_report_a_discovered_provider(
        ktv: Ktvd, client: httpx.AsyncClient) -> None:
    config = (await client.get(f"{ktv.base_url}/api/v1/config")).json()
    assert (config["oidc_enabled"], config["oidc_ready"]) == (True, True)
    ready = (await client.get(f"{ktv.base_url}/api/v1/health/ready")).json()
    assert ready["checks"]["oidc"] == "ok"

