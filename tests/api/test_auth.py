"""``/auth``: registration, login, the caller's account, fresh tokens, closed registration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.helpers import PASSWORD, Api, Start, assert_problem, auth
from ktv_auth import LEEWAY_SECONDS

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"


async def test_register_returns_a_bearer_token(api: Api) -> None:
    r = await api.client.post(REGISTER, json={"email": "a@example.com", "password": PASSWORD})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == api.settings.jwt_expiry_hours * 3600
    me = await api.client.get("/api/v1/auth/me", headers=auth(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "a@example.com"


async def test_email_is_lowercased_and_never_trimmed(api: Api) -> None:
    """Case is normalised; surrounding white space is refused at registration (strict
    decoding, no silent trimming)."""
    for padded in (" you@example.com", "you@example.com\n"):
        r = await api.client.post(REGISTER, json={"email": padded, "password": PASSWORD})
        assert_problem(r, 422, "email")
    await api.register("You@Example.COM", PASSWORD)
    r = await api.client.post(LOGIN, json={"email": "YOU@example.com", "password": PASSWORD})
    assert r.status_code == 200
    me = await api.client.get("/api/v1/auth/me", headers=auth(r.json()["access_token"]))
    assert me.json()["email"] == "you@example.com"
    again = await api.client.post(REGISTER, json={"email": "YOU@example.com",
                                                  "password": PASSWORD})
    assert_problem(again, 409)


async def test_first_account_is_admin_and_the_second_is_not(api: Api) -> None:
    first = await api.register("first@example.com")
    second = await api.register("second@example.com")
    me1 = (await api.client.get("/api/v1/auth/me", headers=first)).json()
    me2 = (await api.client.get("/api/v1/auth/me", headers=second)).json()
    assert me1["is_admin"] is True
    assert me2["is_admin"] is False
    assert {"id", "email", "created_at", "is_admin"} <= set(me1)
    assert me1["id"] != me2["id"]
    assert me1["created_at"] == "2026-11-21T12:00:00Z"  # the fake clock, in UTC
    assert "password_hash" not in me1
    assert PASSWORD not in str(me1)


async def test_duplicate_email_is_409(api: Api) -> None:
    await api.register("dup@example.com")
    r = await api.client.post(REGISTER, json={"email": "dup@example.com", "password": PASSWORD})
    assert_problem(r, 409)


@pytest.mark.parametrize("password", ["x" * 7, "x" * 1025])
async def test_password_length_is_422_naming_password(api: Api, password: str) -> None:
    r = await api.client.post(REGISTER, json={"email": "a@example.com", "password": password})
    assert_problem(r, 422, "password")
    assert_problem(await api.client.post(LOGIN, json={"email": "a@example.com",
                                                      "password": PASSWORD}), 401)


async def test_password_of_8_and_1024_characters_is_accepted(api: Api) -> None:
    await api.register("short@example.com", "x" * 8)
    await api.register("long@example.com", "y" * 1024)


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", " ", "a b@c.de"])
async def test_invalid_email_is_422_naming_email(api: Api, email: str) -> None:
    r = await api.client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert_problem(r, 422, "email")


async def test_missing_field_is_422_naming_it(api: Api) -> None:
    r = await api.client.post(REGISTER, json={"email": "a@example.com"})
    assert_problem(r, 422, "password")


async def test_wrong_password_and_unknown_email_get_the_same_401(api: Api) -> None:
    await api.register("known@example.com")
    wrong = await api.client.post(LOGIN, json={"email": "known@example.com",
                                               "password": "not the password"})
    unknown = await api.client.post(LOGIN, json={"email": "nobody@example.com",
                                                 "password": PASSWORD})
    invalid = await api.client.post(LOGIN, json={"email": "nobody", "password": PASSWORD})
    bodies = [assert_problem(r, 401) for r in (wrong, unknown, invalid)]
    assert bodies[0] == bodies[1] == bodies[2]
    for r in (wrong, unknown, invalid):
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_login_gives_a_working_token(api: Api) -> None:
    await api.register("login@example.com")
    r = await api.client.post(LOGIN, json={"email": "login@example.com", "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["token_type"] == "Bearer"
    me = await api.client.get("/api/v1/auth/me", headers=auth(r.json()["access_token"]))
    assert me.status_code == 200


async def test_token_endpoint_gives_a_fresh_working_token(api: Api,
                                                          owner: dict[str, str]) -> None:
    api.clock.advance(timedelta(minutes=5))
    r = await api.client.post("/api/v1/auth/token", headers=owner)
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["token_type"] == "Bearer"
    assert fresh["access_token"] != owner["Authorization"].split()[1]
    me = await api.client.get("/api/v1/auth/me", headers=auth(fresh["access_token"]))
    assert me.status_code == 200
    assert_problem(await api.client.post("/api/v1/auth/token"), 401)
    # Past the first token's expiry (and the 30 s leeway) only the fresh one works.
    api.clock.advance(timedelta(hours=24, seconds=LEEWAY_SECONDS + 1) - timedelta(minutes=5))
    assert_problem(await api.client.get("/api/v1/auth/me", headers=owner), 401)
    me = await api.client.get("/api/v1/auth/me", headers=auth(fresh["access_token"]))
    assert me.status_code == 200


async def test_logout_is_200(api: Api, owner: dict[str, str]) -> None:
    r = await api.client.post("/api/v1/auth/logout", headers=owner)
    assert r.status_code == 200


async def test_closed_registration_is_403(start: Start) -> None:
    async with start(env={"ALLOW_REGISTRATION": "false"}) as api:
        r = await api.client.post(REGISTER, json={"email": "a@example.com",
                                                  "password": PASSWORD})
        assert_problem(r, 403)
        config = (await api.client.get("/api/v1/config")).json()
        assert config["allow_registration"] is False
        assert_problem(await api.client.post(LOGIN, json={"email": "a@example.com",
                                                          "password": PASSWORD}), 401)


async def test_open_registration_is_reported(api: Api) -> None:
    assert (await api.client.get("/api/v1/config")).json()["allow_registration"] is True
