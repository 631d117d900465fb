"""Bearer tokens: every way a token can be missing, wrong, stale or foreign is a 401."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from api.helpers import JWT_SECRET, Api, Start, assert_problem, auth, token_subject
from fakes import FakeClock, InMemoryStore
from ktv_auth import LEEWAY_SECONDS, JwtSettings, JwtTokens

ME = "/api/v1/auth/me"


def b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def assert_401(api: Api, headers: dict[str, str], path: str = ME) -> str:
    r = await api.client.get(path, headers=headers)
    body = assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    detail: str = body["detail"]
    return detail


async def test_a_valid_token_works_on_every_protected_route(api: Api,
                                                            owner: dict[str, str]) -> None:
    assert (await api.client.get(ME, headers=owner)).status_code == 200
    assert (await api.client.get("/api/v1/channels", headers=owner)).status_code == 200


@pytest.mark.parametrize("path", [ME, "/api/v1/channels"])
async def test_missing_header_is_401(api: Api, path: str) -> None:
    await assert_401(api, {}, path)


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer", "Bearer  ",
                                   "bearer-token"])
async def test_wrong_scheme_is_401(api: Api, owner: dict[str, str], value: str) -> None:
    await assert_401(api, {"Authorization": value})
    await assert_401(api, {"Authorization": f"Basic {bearer(owner)}"})


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 9000, "eyJ.eyJ.", "...",
                                   "e30.e30.e30", "Zm9v.YmFy.YmF6"])
async def test_garbage_is_401(api: Api, token: str) -> None:
    await assert_401(api, auth(token))


async def test_expired_token_is_401(api: Api, owner: dict[str, str]) -> None:
    expiry = timedelta(hours=api.settings.jwt_expiry_hours)
    api.clock.advance(expiry - timedelta(minutes=1))
    assert (await api.client.get(ME, headers=owner)).status_code == 200
    api.clock.advance(timedelta(minutes=1, seconds=LEEWAY_SECONDS + 1))
    assert "expired" in await assert_401(api, owner)


async def test_tampered_payload_is_401(api: Api, owner: dict[str, str]) -> None:
    header, payload, signature = bearer(owner).split(".")
    i = len(payload) // 2
    swapped = "A" if payload[i] != "A" else "B"
    tampered = f"{header}.{payload[:i]}{swapped}{payload[i + 1:]}.{signature}"
    await assert_401(api, auth(tampered))
    await assert_401(api, auth(f"{header}.{payload}.{signature[:-4]}AAAA"))


async def test_alg_none_token_is_401(api: Api, owner: dict[str, str]) -> None:
    claims = json.loads(base64.urlsafe_b64decode(bearer(owner).split(".")[1] + "=="))
    for alg in ("none", "None", "HS512"):
        forged = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims)}."
        await assert_401(api, auth(forged))
    unsigned = f"{b64({'typ': 'JWT'})}.{b64(claims)}."
    await assert_401(api, auth(unsigned))


async def test_token_signed_with_another_secret_is_401(api: Api, owner: dict[str, str],
                                                       clock: FakeClock) -> None:
    user = await api.ktv.users.get(token_subject(bearer(owner)))
    foreign = JwtTokens(JwtSettings(secret="another-secret-" + "z" * 32), clock).issue(user)
    assert "signature" in await assert_401(api, auth(foreign.token))
    ours = JwtTokens(JwtSettings(secret=JWT_SECRET), clock).issue(user)
    assert (await api.client.get(ME, headers=auth(ours.token))).status_code == 200


async def test_token_of_a_deleted_user_is_401(api: Api) -> None:
    # The Authenticator remembers verified users for 10 s of time.monotonic(); this user
    # is deleted before their token's first request, so nothing is cached for them.
    doomed = await api.register("doomed@example.com")
    await api.ktv.users.delete(token_subject(bearer(doomed)))
    detail = await assert_401(api, doomed)
    assert "no longer exists" in detail
    r = await api.client.post("/api/v1/auth/login", json={"email": "doomed@example.com",
                                                           "password": "irrelevant1"})
    assert_problem(r, 401)


async def test_token_of_a_user_deleted_in_the_store_is_401(api: Api) -> None:
    assert api.store is not None
    doomed = await api.register("gone@example.com")
    async with api.store.uow() as uow:
        assert await uow.users.delete(token_subject(bearer(doomed)))
        await uow.commit()
    await assert_401(api, doomed, "/api/v1/channels")


async def test_issuer_and_audience_are_checked(start: Start) -> None:
    store = InMemoryStore()  # one database behind two differently configured servers
    ours = {"JWT_ISSUER": "https://tv.example.com", "JWT_AUDIENCE": "k-tv"}
    theirs = {"JWT_ISSUER": "https://other.example.com", "JWT_AUDIENCE": "k-tv"}
    async with start(env=theirs, store=store) as other:
        foreign = await other.register("shared@example.com")
        assert (await other.client.get(ME, headers=foreign)).status_code == 200
    async with start(env={**ours, "JWT_AUDIENCE": "elsewhere"}, store=store) as other_aud:
        aud_token = await other_aud.register("aud@example.com")
    async with start(env=ours, store=store) as api:
        assert "issuer" in await assert_401(api, foreign)
        assert "audience" in await assert_401(api, aud_token)
        own = await api.register("own@example.com")
        assert (await api.client.get(ME, headers=own)).status_code == 200
