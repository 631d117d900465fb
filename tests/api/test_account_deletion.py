"""``DELETE /api/v1/auth/me``: users delete their own account (password or recent sign-in)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from api.helpers import PASSWORD, Api, assert_problem, auth, token_subject
from ktv_domain import User, UserId
from ktv_domain.services import RECENT_LOGIN

ME = "/api/v1/auth/me"


async def test_deleting_your_account_removes_it_and_all_it_owns(any_api: Api) -> None:
    owner = await any_api.register("me@example.com")
    other = await any_api.register("other@example.com")
    mine = await any_api.on_air_channel(owner)
    theirs = await any_api.on_air_channel(other)
    r = await any_api.client.post("/api/v1/auth/feed-token", headers=owner)
    assert r.status_code == 201
    assert (await any_api.client.get(f"/api/v1/channels/{mine}", headers=owner)).status_code == 200

    r = await any_api.client.request("DELETE", ME, headers=owner, json={"password": PASSWORD})
    assert r.status_code == 204, r.text

    # The token is refused at once (this process forgets the cached user), and so is login.
    assert_problem(await any_api.client.get(ME, headers=owner), 401)
    assert_problem(await any_api.client.get(f"/api/v1/channels/{mine}", headers=owner), 401)
    assert_problem(await any_api.client.post("/api/v1/auth/login", json={
        "email": "me@example.com", "password": PASSWORD}), 401)
    uid = token_subject(owner["Authorization"].split()[1])
    async with any_api.ktv.channels._uow() as uow:  # what the database holds
        assert await uow.users.get(uid) is None
        assert await uow.channels.list_by_owner(uid) == []
        assert await uow.feed_tokens.list(uid) == []
    # The other user is untouched; the address can be registered again.
    r = await any_api.client.get(f"/api/v1/channels/{theirs}", headers=other)
    assert r.status_code == 200
    await any_api.register("me@example.com")


async def test_the_password_is_required_and_checked(api: Api) -> None:
    owner = await api.register("me@example.com")
    assert_problem(await api.client.delete(ME, headers=owner), 403)
    assert_problem(await api.client.request("DELETE", ME, headers=owner,
                                            json={"password": "not-the-password"}), 403)
    assert_problem(await api.client.request("DELETE", ME, headers=owner,
                                            json={"password": PASSWORD, "extra": 1}), 422)
    assert (await api.client.get(ME, headers=owner)).status_code == 200  # still there
    assert_problem(await api.client.request("DELETE", ME, json={"password": PASSWORD}), 401)


async def _sso_user(api: Api) -> dict[str, str]:
    """An account without a password (as single sign-on makes them), signed in now."""
    headers = await api.register("sso@example.com")
    uid = token_subject(headers["Authorization"].split()[1])
    async with api.ktv.channels._uow() as uow:
        user = await uow.users.get(uid)
        assert isinstance(user, User)
        await uow.users.update(dataclasses.replace(user, password_hash=None,
                                                   oidc_subject="https://idp|sso"))
        await uow.commit()
    api.ktv.auth.forget(UserId(uid))
    return headers


async def test_without_a_password_a_recent_sign_in_is_required(api: Api) -> None:
    headers = await _sso_user(api)
    api.clock.advance(RECENT_LOGIN + timedelta(seconds=1))
    # A refreshed token keeps the sign-in time: refreshing is not signing in again.
    fresh = (await api.client.post("/api/v1/auth/token", headers=headers)).json()
    assert_problem(await api.client.delete(ME, headers=auth(fresh["access_token"])), 403)
    assert_problem(await api.client.delete(ME, headers=headers), 403)
    signed_in = auth(api.ktv.tokens.issue(await api.ktv.users.get(
        token_subject(headers["Authorization"].split()[1]))).token)
    assert (await api.client.delete(ME, headers=signed_in)).status_code == 204
    assert_problem(await api.client.get(ME, headers=signed_in), 401)


async def test_a_recent_single_sign_on_user_needs_no_password(api: Api) -> None:
    headers = await _sso_user(api)
    api.clock.advance(RECENT_LOGIN - timedelta(seconds=1))
    assert (await api.client.delete(ME, headers=headers)).status_code == 204
