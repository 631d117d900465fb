"""JwtTokens: real tokens, hand-crafted hostile ones (base64url + hmac), a fake clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.errors import JoseError

from fakes import FakeClock
from ktv_auth import LEEWAY_SECONDS, MAX_TOKEN_LENGTH, JwtSettings, JwtTokens
from ktv_domain import AuthenticationFailed, User
from support import T0, make_user

SECRET = "test-secret-long-enough-for-hs256-0123456789"
HS256 = {"alg": "HS256", "typ": "JWT"}
Digest = Callable[[], Any]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def craft(header: object, claims: object, *, secret: str = SECRET,
          digest: Digest = hashlib.sha256) -> str:
    """A compact JWS signed by hand with HMAC (any header; claims as JSON, or raw bytes)."""
    body = claims if isinstance(claims, bytes) else json.dumps(claims).encode()
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(body)}"
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


def claims_for(user: User, at: datetime = T0, /, **changes: object) -> dict[str, object]:
    iat = int(at.timestamp())
    claims: dict[str, object] = {"sub": str(user.id), "email": str(user.email), "iat": iat,
                                 "exp": iat + 3600, **changes}
    return {k: v for k, v in claims.items() if v is not None}


def payload_of(token: str) -> dict[str, object]:
    segment = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(segment + "=="))
    return decoded


@pytest.fixture
def user() -> User:
    return make_user("viewer@example.com")


@pytest.fixture
def tokens(clock: FakeClock) -> JwtTokens:
    return JwtTokens(JwtSettings(secret=SECRET, expiry_hours=1), clock)


def refusal(tokens: JwtTokens, token: str) -> str:
    with pytest.raises(AuthenticationFailed) as exc:
        tokens.verify(token)
    return exc.value.message


def test_round_trip(clock: FakeClock, user: User) -> None:
    tokens = JwtTokens(JwtSettings(secret=SECRET), clock)
    issued = tokens.issue(user)
    assert issued.expires_in == 24 * 3600
    assert payload_of(issued.token) == {"sub": str(user.id), "email": "viewer@example.com",
                                        "iat": int(T0.timestamp()),
                                        "exp": int(T0.timestamp()) + 24 * 3600,
                                        "auth_time": int(T0.timestamp())}
    claims = tokens.verify(issued.token)
    assert (claims.user_id, claims.email) == (user.id, "viewer@example.com")
    assert (claims.issued_at, claims.expires_at) == (T0, T0 + timedelta(hours=24))
    assert claims.signed_in_at == T0


def test_a_refreshed_token_keeps_the_sign_in_time(clock: FakeClock, tokens: JwtTokens,
                                                  user: User) -> None:
    clock.advance(timedelta(minutes=30))
    refreshed = tokens.verify(tokens.issue(user, signed_in_at=T0).token)
    assert (refreshed.issued_at, refreshed.signed_in_at) == (T0 + timedelta(minutes=30), T0)


def test_a_token_without_auth_time_was_signed_in_when_issued(tokens: JwtTokens,
                                                              user: User) -> None:
    """Tokens issued before ``auth_time`` existed stay valid."""
    assert tokens.verify(craft(HS256, claims_for(user))).signed_in_at == T0
    assert refusal(tokens, craft(HS256, claims_for(user, auth_time="soon"))) == "invalid claims"


def test_a_hand_crafted_token_like_ours_is_accepted(tokens: JwtTokens, user: User) -> None:
    """The baseline for every refusal below: only the named defect differs."""
    assert tokens.verify(craft(HS256, claims_for(user))).user_id == user.id


@pytest.mark.parametrize("moment", [datetime(2001, 1, 1, tzinfo=UTC),
                                    datetime(2090, 1, 1, tzinfo=UTC)])
def test_time_comes_from_the_clock_not_the_wall(clock: FakeClock, tokens: JwtTokens,
                                                user: User, moment: datetime) -> None:
    clock.set(moment)
    assert tokens.verify(tokens.issue(user).token).issued_at == moment


def test_expiry_follows_the_clock_with_the_leeway(clock: FakeClock, tokens: JwtTokens,
                                                  user: User) -> None:
    token = tokens.issue(user).token
    clock.advance(timedelta(hours=1, seconds=LEEWAY_SECONDS - 1))
    assert tokens.verify(token).expires_at == T0 + timedelta(hours=1)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(AuthenticationFailed) as exc:
        tokens.verify(token)
    assert exc.value.message == "token expired"
    assert isinstance(exc.value.__cause__, JoseError)  # translated with ``raise ... from``


def test_issued_in_the_future_beyond_the_leeway(tokens: JwtTokens, user: User) -> None:
    tolerated = T0 + timedelta(seconds=LEEWAY_SECONDS)
    assert tokens.verify(craft(HS256, claims_for(user, tolerated))).issued_at == tolerated
    early = claims_for(user, tolerated + timedelta(seconds=1))
    assert refusal(tokens, craft(HS256, early)) == "token not yet valid"


HEADER = b64(json.dumps(HS256).encode())
NOT_UTF8 = b64(b"\xff\xfe")
MALFORMED = [
    "", "abc", "a.b", "a.b.c.d", f"{HEADER}..sig", f"{HEADER}.e30.sig\n", "!!!.e30.sig",
    f"{b64(b'not json')}.e30.sig", f"{b64(b'[1, 2]')}.e30.sig", f"{NOT_UTF8}.e30.sig",
    f"{HEADER[:-3]}.e30.sig",  # a base64 length that cannot exist (4n + 1)
    f"{b64(b'[' * 5000)}.e30.sig",  # nesting deep enough to exhaust the JSON parser
    f"{HEADER}.{'A' * MAX_TOKEN_LENGTH}.sig",
    # correctly signed, but huge, or a payload that is not a JSON object
    craft(HS256, {"pad": "x" * MAX_TOKEN_LENGTH}), craft(HS256, b"not json"),
    craft(HS256, b"[1, 2]"), craft(HS256, b'"a string"'), craft(HS256, b"[" * 4000),
]


@pytest.mark.parametrize("token", MALFORMED)
def test_malformed_strings(tokens: JwtTokens, token: str) -> None:
    assert refusal(tokens, token) == "malformed token"


@pytest.mark.parametrize(("header", "digest"), [
    ({"alg": "none", "typ": "JWT"}, None),  # the classic shape: no signature at all
    ({"alg": "HS512", "typ": "JWT"}, hashlib.sha512),  # same secret, stronger hash: still no
    ({"alg": "HS384"}, hashlib.sha384),
    ({"alg": "none"}, hashlib.sha256),
    ({"alg": "None"}, hashlib.sha256),
    ({"alg": "RS256"}, hashlib.sha256),  # key confusion
    ({"alg": ["HS256"]}, hashlib.sha256),
    ({"alg": None}, hashlib.sha256),
    ({"typ": "JWT"}, hashlib.sha256),
])
def test_other_algorithms_are_refused(tokens: JwtTokens, user: User, header: dict[str, object],
                                      digest: Digest | None) -> None:
    token = craft(header, claims_for(user), digest=digest or hashlib.sha256)
    token = token if digest else token.rsplit(".", 1)[0] + "."
    assert refusal(tokens, token) == "unsupported algorithm"


def test_bad_signatures(tokens: JwtTokens, user: User) -> None:
    genuine = tokens.issue(user).token
    head, body, signature = genuine.split(".")
    forged_body = b64(json.dumps(claims_for(user, is_admin=True)).encode())
    attacker = "attacker-chosen-secret-0123456789"
    embedded = {**HS256, "jwk": {"kty": "oct", "k": b64(attacker.encode())}}
    for token in [craft(HS256, claims_for(user), secret=SECRET + "x"),
                  craft(embedded, claims_for(user), secret=attacker),  # a key in the header
                  f"{head}.{forged_body}.{signature}", f"{head}.{body}.",
                  f"{head}.{body}.{signature[:-4]}", f"{head}.{body}.{signature[::-1]}"]:
        assert refusal(tokens, token) == "invalid signature", token


@pytest.mark.parametrize("changes", [
    {"sub": None}, {"exp": None}, {"iat": None}, {"email": None}, {"email": ""},
    {"sub": "42"}, {"sub": 42}, {"sub": "not-a-uuid-at-all-000000000000000"},
    {"exp": "9999999999"}, {"exp": True}, {"iat": [1]}, {"exp": 1e300}, {"iat": float("nan")},
])
def test_missing_or_mistyped_claims(tokens: JwtTokens, user: User,
                                    changes: dict[str, object]) -> None:
    assert refusal(tokens, craft(HS256, claims_for(user, **changes))) == "invalid claims"


def test_issuer_and_audience_when_configured(clock: FakeClock, user: User) -> None:
    tokens = JwtTokens(JwtSettings(secret=SECRET, issuer="ktv", audience="ktv-api"), clock)
    issued = tokens.issue(user).token
    assert {"iss": "ktv", "aud": "ktv-api"}.items() <= payload_of(issued).items()
    assert tokens.verify(issued).user_id == user.id
    assert tokens.verify(craft(HS256, claims_for(user, iss="ktv", aud=["other", "ktv-api"])))
    cases: list[tuple[dict[str, object], str]] = [
        ({"aud": "ktv-api"}, "invalid issuer"),
        ({"iss": "evil", "aud": "ktv-api"}, "invalid issuer"),
        ({"iss": "ktv"}, "invalid audience"), ({"iss": "ktv", "aud": "other"}, "invalid audience"),
        ({"iss": "ktv", "aud": ["other"]}, "invalid audience")]
    for changes, reason in cases:
        assert refusal(tokens, craft(HS256, claims_for(user, **changes))) == reason, changes


def test_issuer_and_audience_when_not_configured(tokens: JwtTokens, user: User) -> None:
    assert "iss" not in payload_of(tokens.issue(user).token)
    assert tokens.verify(craft(HS256, claims_for(user, iss="anyone"))).user_id == user.id
    # RFC 7519 §4.1.3: an audience we cannot identify ourselves with is refused.
    assert refusal(tokens, craft(HS256, claims_for(user, aud="ktv-api"))) == "invalid audience"


def test_the_secret_is_in_no_repr(tokens: JwtTokens) -> None:
    settings = JwtSettings(secret=SECRET, issuer="ktv")
    for text in [repr(settings), str(settings), repr(tokens)]:
        assert SECRET not in text
    assert repr(settings) == "JwtSettings(expiry_hours=24, issuer='ktv', audience=None)"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"secret": ""}, "secret"), ({"expiry_hours": 0}, "expiry"), ({"issuer": ""}, "issuer"),
    ({"audience": ""}, "audience"),
])
def test_settings_refuse_nonsense(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        JwtSettings(**{"secret": SECRET, **changes})


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8)
HEADER_KEYS = st.sampled_from(["typ", "kid", "crit", "b64", "jku", "x5c", "cty", "zip"])
CLAIM_KEYS = st.sampled_from(["sub", "email", "iat", "exp", "nbf", "iss", "aud", "jti"])
REASONS = {"malformed token", "unsupported algorithm", "invalid signature", "invalid claims",
           "token expired", "token not yet valid", "invalid issuer", "invalid audience"}


@settings(max_examples=300, deadline=None)
@given(header=st.dictionaries(HEADER_KEYS | st.text(max_size=8), JSON, max_size=4),
       claims=st.dictionaries(CLAIM_KEYS | st.text(max_size=8), JSON, max_size=8),
       garbage=st.text(max_size=300))
def test_verify_refuses_only_with_the_domain_error(header: dict[str, object],
                                                   claims: dict[str, object], garbage: str) -> None:
    """Correctly signed nonsense and random text: accepted or AuthenticationFailed, nothing else."""
    tokens = JwtTokens(JwtSettings(secret=SECRET, audience="ktv"), FakeClock(T0))
    for token in [craft({**header, "alg": "HS256"}, claims), garbage]:
        try:
            tokens.verify(token)
        except AuthenticationFailed as exc:
            reason = exc.message
        else:
            reason = "accepted"
        assert reason in {*REASONS, "accepted"}  # one of the documented reasons
