"""ID token validation, the sealed flow cookie and the relying party's HTTP side, with
locally generated keys and an ``httpx.MockTransport`` provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from fakes import FakeClock
from ktv_auth import (
    FlowState,
    IdTokenValidator,
    OidcClient,
    OidcSettings,
    Sealer,
    derive_key,
    parse_key_set,
)
from ktv_domain import OidcError, OidcUnavailable
from support import T0

ISSUER = "https://idp.example.com/realms/home"
CLIENT = "k-tv"
RESOURCE = "api://k-tv"
NOW = int(T0.timestamp())
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
RSA_NEXT = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})


def public(*keys: RSAKey | ECKey) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


class Keys:
    """A JwksSource over a list of published key sets: each refresh moves to the next."""

    def __init__(self, *published: dict[str, Any]) -> None:
        self.published = list(published)
        self.fetches = 0

    async def key_set(self, *, refresh: bool) -> KeySet:
        if refresh:
            self.fetches += 1
        return parse_key_set(self.published[min(self.fetches, len(self.published) - 1)])


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"iss": ISSUER, "aud": CLIENT, "sub": "alice", "nonce": "n-1",
                            "iat": NOW - 5, "exp": NOW + 300, "email": "a@example.com"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], key: RSAKey | ECKey | OctKey = RSA, alg: str = "RS256",
         kid: str | None = "rsa-1") -> str:
    header: dict[str, Any] = {"alg": alg}
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(header, payload, key, algorithms=[alg])


def validator(keys: Keys | None = None, *, audiences: tuple[str, ...] = (CLIENT,),
              algorithms: tuple[str, ...] = ("RS256", "ES256")) -> IdTokenValidator:
    return IdTokenValidator(issuer=ISSUER, audiences=audiences, source=keys or Keys(
        public(RSA, EC)), clock=FakeClock(T0), algorithms=algorithms)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_valid_token_gives_its_claims() -> None:
    got = await validator().validate(sign(claims()), nonce="n-1")
    assert (got["sub"], got["email"]) == ("alice", "a@example.com")
    ec = await validator().validate(sign(claims(), EC, "ES256", "ec-1"), nonce="n-1")
    assert ec["sub"] == "alice"


async def test_the_resource_id_is_an_accepted_audience() -> None:
    v = validator(audiences=(CLIENT, RESOURCE))
    for aud in (RESOURCE, [RESOURCE, "other"], CLIENT):
        assert (await v.validate(sign(claims(aud=aud)), nonce="n-1"))["sub"] == "alice"
    with pytest.raises(OidcError, match="'aud'"):
        await v.validate(sign(claims(aud="someone-else")), nonce="n-1")
    # Without a resource id configured, it is just another client's audience.
    with pytest.raises(OidcError, match="'aud'"):
        await validator().validate(sign(claims(aud=RESOURCE)), nonce="n-1")


@pytest.mark.parametrize(("change", "reason"), [
    ({"iss": "https://evil.example.com"}, "'iss'"),
    ({"iss": ISSUER + "/"}, "'iss'"),
    ({"aud": "another-client"}, "'aud'"),
    ({"aud": None}, "'aud'"),
    ({"exp": NOW - 61}, "expired"),
    ({"exp": None}, "'exp'"),
    ({"iat": NOW + 120}, "'iat'"),
    ({"sub": None}, "'sub'"),
    ({"sub": ""}, "'sub'"),
    ({"nonce": "n-2"}, "nonce"),
    ({"nonce": None}, "nonce"),
    ({"azp": "another-client"}, "authorized party"),
])
async def test_claims_are_checked(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(OidcError, match=reason) as info:
        await validator().validate(sign(claims(**change)), nonce="n-1")
    assert info.value.code == "invalid_id_token"


async def test_leeway_absorbs_small_clock_differences() -> None:
    got = await validator().validate(sign(claims(exp=NOW - 30, iat=NOW + 30)), nonce="n-1")
    assert got["sub"] == "alice"


async def test_signatures_are_checked_and_only_asymmetric_algorithms_accepted() -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    with pytest.raises(OidcError, match="signature"):
        await validator().validate(sign(claims(), other), nonce="n-1")
    # alg=none, and HS256 keyed with the provider's public key (algorithm confusion).
    unsigned = f"{b64({'alg': 'none', 'kid': 'rsa-1'})}.{b64(claims())}."
    with pytest.raises(OidcError, match="'none' is not accepted"):
        await validator().validate(unsigned, nonce="n-1")
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'rsa-1'})}.{b64(claims())}"
    mac = hmac.new(RSA.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    hs = f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"
    with pytest.raises(OidcError, match="'HS256' is not accepted"):
        await validator().validate(hs, nonce="n-1")
    # An algorithm the provider did not advertise is refused too.
    with pytest.raises(OidcError, match="'ES256' is not accepted"):
        await validator(algorithms=("RS256",)).validate(sign(claims(), EC, "ES256", "ec-1"),
                                                        nonce="n-1")
    # A key of the wrong type for the header's algorithm never verifies.
    with pytest.raises(OidcError):
        await validator().validate(sign(claims(), EC, "ES256", "rsa-1"), nonce="n-1")


@pytest.mark.parametrize("token", [
    "", "a.b", "a.b.c.d", "!!!.???.***", f"{b64({'kid': 'x'})}.{b64({})}.", "x" * 20_000,
    f"{base64.urlsafe_b64encode(b'[1]').decode()}.e30.", f"{b64({'alg': 'RS256'})}.bm9wZQ.AA",
])
async def test_malformed_tokens_are_refused_cleanly(token: str) -> None:
    with pytest.raises(OidcError) as info:
        await validator().validate(token, nonce="n-1")
    assert info.value.code == "invalid_id_token"


async def test_an_unknown_kid_refetches_the_key_set_once() -> None:
    keys = Keys(public(RSA), public(RSA, RSA_NEXT))
    v = validator(keys)
    assert (await v.validate(sign(claims()), nonce="n-1"))["sub"] == "alice"
    assert keys.fetches == 0
    rotated = sign(claims(), RSA_NEXT, kid="rsa-2")
    assert (await v.validate(rotated, nonce="n-1"))["sub"] == "alice"
    assert keys.fetches == 1
    with pytest.raises(OidcError, match="unknown key"):
        await v.validate(sign(claims(), RSA_NEXT, kid="rsa-9"), nonce="n-1")
    assert keys.fetches == 2


def test_a_key_set_without_usable_public_keys_is_refused() -> None:
    documents: tuple[dict[str, Any], ...] = (
        {}, {"keys": "x"}, {"keys": []},
        {"keys": [OctKey.generate_key(256).as_dict(private=True)]},
        {"keys": [{**RSA.as_dict(private=False), "use": "enc"}]})
    for document in documents:
        with pytest.raises(OidcUnavailable):
            parse_key_set(document)


# -- sealing ------------------------------------------------------------------------


def test_derived_keys_are_deterministic_and_separate_per_purpose() -> None:
    assert derive_key("s" * 64, "a") == derive_key("s" * 64, "a")
    assert len(derive_key("s" * 64, "a")) == 32
    assert derive_key("s" * 64, "a") != derive_key("s" * 64, "b")
    assert derive_key("s" * 64, "a") != derive_key("t" * 64, "a")
    with pytest.raises(ValueError, match="secret"):
        derive_key("", "a")


def test_sealed_values_open_only_intact_and_under_the_same_key_and_purpose() -> None:
    sealer = Sealer("s" * 64, "flow")
    sealed = sealer.seal(b"hello")
    assert b"hello" not in base64.urlsafe_b64decode(sealed + "==")
    assert sealer.open(sealed) == b"hello"
    assert sealer.seal(b"hello") != sealed  # a fresh nonce every time
    assert Sealer("s" * 64, "other").open(sealed) is None
    assert Sealer("t" * 64, "flow").open(sealed) is None
    raw = bytearray(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)))
    for i in (0, 5, len(raw) - 1):
        changed = bytearray(raw)
        changed[i] ^= 1
        token = base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()
        assert sealer.open(token) is None
    for bad in (None, "", "x", sealed[:-3], "é" * 10, "A" * 5000, sealed + "!!"):
        assert sealer.open(bad) is None
    assert "s" * 64 not in repr(sealer)


def test_flow_state_round_trips_and_rejects_garbage() -> None:
    flow = FlowState(state="s", verifier="v", nonce="n", created_at=NOW)
    assert FlowState.from_bytes(flow.to_bytes()) == flow
    assert "'v'" not in repr(flow)
    for raw in (b"", b"\xff", b"[]", b'{"s":"a"}', b'{"s":"a","v":"b","n":"c","t":true}',
                b'{"s":"","v":"b","n":"c","t":1}', b"[" * 10_000):
        with pytest.raises(OidcError) as info:
            FlowState.from_bytes(raw)
        assert info.value.code == "invalid_state"


# -- the relying party against a MockTransport provider --------------------------------


Handler = Callable[[httpx.Request], httpx.Response]


def provider(*, issuer: str = ISSUER, auth_methods: list[str] | None = None,
             token: Callable[[httpx.Request], httpx.Response] | None = None,
             ) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    document: dict[str, Any] = {
        "issuer": issuer, "authorization_endpoint": f"{ISSUER}/auth",
        "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/certs",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "id_token_signing_alg_values_supported": ["RS256"]}
    if auth_methods is not None:
        document["token_endpoint_auth_methods_supported"] = auth_methods

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json=document)
        if path.endswith("/certs"):
            return httpx.Response(200, json=public(RSA))
        if path.endswith("/token") and token is not None:
            return token(request)
        if path.endswith("/userinfo"):
            return httpx.Response(200, json={"sub": "alice", "email": "u@example.com",
                                             "email_verified": True})
        return httpx.Response(404)
    return handle, seen


def client(handler: Handler, *, secret: str | None = "sec ret", clock: FakeClock | None = None,
           ) -> OidcClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    settings = OidcSettings(issuer=ISSUER, client_id=CLIENT, client_secret=secret,
                            redirect_url="https://tv.example.com/api/v1/auth/callback")
    return OidcClient(settings, http, clock or FakeClock(T0), sealer=Sealer("s" * 64, "t"))


def token_answer(payload: Callable[[], dict[str, Any]],
                 ) -> Callable[[httpx.Request], httpx.Response]:
    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "at", "token_type": "Bearer",
                                         "id_token": sign(payload())})
    return answer


async def flow_for(rp: OidcClient) -> FlowState:
    await rp.discover()
    return rp.authorization_request().flow


@pytest.mark.parametrize(("methods", "expect_basic"), [
    (None, True), (["client_secret_basic", "client_secret_post"], True),
    (["client_secret_post"], False)])
async def test_the_code_exchange_authenticates_as_the_provider_supports(
        methods: list[str] | None, expect_basic: bool) -> None:
    nonce: list[str] = []
    handler, seen = provider(auth_methods=methods,
                             token=token_answer(lambda: claims(nonce=nonce[0])))
    rp = client(handler)
    flow = await flow_for(rp)
    nonce.append(flow.nonce)
    identity = await rp.complete(flow, {"code": "c", "state": flow.state})
    assert (identity.subject, identity.email, identity.issuer) == ("alice", "a@example.com",
                                                                  ISSUER)
    assert identity.email_verified is False  # the ID token says nothing about it
    request = next(r for r in seen if r.url.path.endswith("/token"))
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form["code_verifier"] == flow.verifier
    assert form["grant_type"] == "authorization_code"
    if expect_basic:
        assert request.headers["authorization"] == "Basic " + base64.b64encode(
            b"k-tv:sec+ret").decode()
        assert "client_secret" not in form
    else:
        assert (form["client_id"], form["client_secret"]) == ("k-tv", "sec ret")
        assert "authorization" not in request.headers


async def test_a_public_client_sends_only_its_id_and_email_comes_from_userinfo() -> None:
    nonce: list[str] = []
    handler, seen = provider(token=token_answer(lambda: claims(nonce=nonce[0], email=None)))
    rp = client(handler, secret=None)
    flow = await flow_for(rp)
    nonce.append(flow.nonce)
    identity = await rp.complete(flow, {"code": "c", "state": flow.state})
    assert (identity.email, identity.email_verified) == ("u@example.com", True)
    request = next(r for r in seen if r.url.path.endswith("/token"))
    assert dict(httpx.QueryParams(request.content.decode()))["client_id"] == "k-tv"
    assert "authorization" not in request.headers


async def test_discovery_checks_the_issuer_and_reports_unreachable_providers() -> None:
    rp = client(provider(issuer="https://evil.example.com")[0])
    with pytest.raises(OidcUnavailable, match="check OIDC_ISSUER"):
        await rp.discover()
    assert not rp.ready
    assert rp.status.startswith("unavailable")

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)
    rp = client(down)
    with pytest.raises(OidcUnavailable, match="cannot be reached"):
        await rp.discover()
    with pytest.raises(OidcUnavailable):
        rp.authorization_request()
    # An issuer written with a trailing slash still matches, and its spelling is kept.
    ok = client(provider(issuer=ISSUER + "/")[0])
    assert (await ok.discover()).issuer == ISSUER + "/"


async def test_callback_checks_come_before_the_code_exchange() -> None:
    handler, seen = provider(token=token_answer(claims))
    clock = FakeClock(T0)
    rp = client(handler, clock=clock)
    flow = await flow_for(rp)
    cases: list[tuple[dict[str, str], str]] = [
        ({"error": "access_denied", "state": flow.state}, "access_denied"),
        ({"error": "<script>", "state": flow.state}, "provider_error"),
        ({"code": "c", "state": "other"}, "invalid_state"),
        ({"code": "c"}, "invalid_state"),
        ({"state": flow.state}, "invalid_request"),
        ({"code": "c", "state": flow.state, "iss": "https://evil.example.com"},
         "invalid_request"),
    ]
    for params, code in cases:
        with pytest.raises(OidcError) as info:
            await rp.complete(flow, params)
        assert info.value.code == code
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(OidcError, match="too long"):
        await rp.complete(flow, {"code": "c", "state": flow.state})
    assert not any(r.url.path.endswith("/token") for r in seen)


async def test_token_endpoint_failures_are_4xx_or_unavailable() -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant"})

    def fail(_: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    def junk(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>")

    for answer, error in ((refuse, OidcError), (fail, OidcUnavailable), (junk, OidcError)):
        handler, _ = provider(token=answer)
        rp = client(handler)
        flow = await flow_for(rp)
        with pytest.raises(error) as info:
            await rp.complete(flow, {"code": "c", "state": flow.state})
        assert info.value.code != ""


async def test_finish_refuses_a_missing_or_foreign_cookie() -> None:
    rp = client(provider()[0])
    await rp.discover()
    url, sealed = rp.start()
    assert url.startswith(f"{ISSUER}/auth?")
    for cookie in (None, "", sealed[:-2], Sealer("s" * 64, "other").seal(b"{}")):
        with pytest.raises(OidcError) as info:
            await rp.finish(cookie, {"code": "c", "state": "x"})
        assert info.value.code == "invalid_state"
    with pytest.raises(OidcError) as info:
        await rp.finish(None, {"error": "access_denied"})
    assert info.value.code == "access_denied"
