"""Signed URLs: what one key signs, only that key verifies, and only until it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from fakes import FakeClock
from ktv_auth import UrlSigner
from support import T0

KEY = b"k" * 32
PATH = "/api/v1/media/abc123/stream"


@pytest.fixture
def signer(clock: FakeClock) -> UrlSigner:
    return UrlSigner(KEY, clock)


def params(query: str) -> tuple[str, str]:
    parsed = parse_qs(query, strict_parsing=True)
    assert set(parsed) == {"exp", "sig"}
    return parsed["exp"][0], parsed["sig"][0]


def test_a_signed_path_verifies_until_it_expires(signer: UrlSigner, clock: FakeClock) -> None:
    exp, sig = params(signer.sign(PATH, expires_at=T0 + timedelta(minutes=5)))
    assert exp == str(int((T0 + timedelta(minutes=5)).timestamp()))
    assert len(sig) == 43
    assert signer.verify(PATH, exp, sig)

    clock.advance(timedelta(minutes=4, seconds=59))
    assert signer.verify(PATH, exp, sig)
    clock.advance(timedelta(seconds=1))  # exactly at exp: expired
    assert not signer.verify(PATH, exp, sig)
    clock.advance(timedelta(days=1))
    assert not signer.verify(PATH, exp, sig)


def test_signing_is_deterministic_and_bound_to_the_path(signer: UrlSigner) -> None:
    at = T0 + timedelta(hours=1)
    assert signer.sign(PATH, expires_at=at) == signer.sign(PATH, expires_at=at)
    other = signer.sign("/api/v1/media/abc124/stream", expires_at=at)
    assert params(other)[1] != params(signer.sign(PATH, expires_at=at))[1]


def test_an_expiry_in_the_past_never_verifies(signer: UrlSigner) -> None:
    exp, sig = params(signer.sign(PATH, expires_at=T0 - timedelta(seconds=1)))
    assert not signer.verify(PATH, exp, sig)


def test_expiry_is_truncated_to_whole_seconds(signer: UrlSigner) -> None:
    exp, _ = params(signer.sign(PATH, expires_at=T0 + timedelta(seconds=10, milliseconds=999)))
    assert exp == str(int(T0.timestamp()) + 10)


@pytest.mark.parametrize("path", [
    "/api/v1/media/abc124/stream",     # another item
    "/api/v1/media/abc123/stream/",    # a trailing slash
    "/api/v1/media/ABC123/stream",     # case matters
    "/api/v1/media/abc123/stream\n1",  # smuggling a second line
    "",
])
def test_a_signature_does_not_verify_another_path(signer: UrlSigner, path: str) -> None:
    exp, sig = params(signer.sign(PATH, expires_at=T0 + timedelta(minutes=5)))
    assert not signer.verify(path, exp, sig)


def test_a_tampered_expiry_is_refused(signer: UrlSigner) -> None:
    exp, sig = params(signer.sign(PATH, expires_at=T0 + timedelta(minutes=5)))
    assert not signer.verify(PATH, str(int(exp) + 3600), sig)
    assert not signer.verify(PATH, str(int(exp) - 1), sig)
    assert not signer.verify(PATH, "0" + exp, sig)  # same number, other text


def test_a_tampered_signature_is_refused(signer: UrlSigner) -> None:
    exp, sig = params(signer.sign(PATH, expires_at=T0 + timedelta(minutes=5)))
    for i in (0, 21, 42):
        flipped = "A" if sig[i] != "A" else "B"
        assert not signer.verify(PATH, exp, sig[:i] + flipped + sig[i + 1:])
    assert not signer.verify(PATH, exp, sig[:-1])
    assert not signer.verify(PATH, exp, sig + "=")


@pytest.mark.parametrize(("exp", "sig"), [
    (None, None),
    (None, "x" * 43),
    ("1800000000", None),
    ("", ""),
    ("abc", "x" * 43),
    ("-1", "x" * 43),
    ("+1800000000", "x" * 43),
    (" 1800000000", "x" * 43),
    ("1.5", "x" * 43),
    ("١٨٠٠٠٠٠٠٠٠", "x" * 43),        # Arabic-Indic digits int() would accept
    ("9" * 400, "x" * 43),            # absurdly large
    ("1800000000", "x" * 42 + "é"),   # not base64url
    ("1800000000", "x" * 42 + "\ud800"),  # a lone surrogate
    ("1800000000", "+" * 43),         # standard base64 alphabet, not url-safe
    ("1800000000", "x" * 10_000),
])
def test_malformed_input_is_refused_without_raising(
        signer: UrlSigner, exp: str | None, sig: str | None) -> None:
    assert not signer.verify(PATH, exp, sig)


def test_malformed_paths_are_refused_without_raising(signer: UrlSigner) -> None:
    exp, sig = params(signer.sign(PATH, expires_at=T0 + timedelta(minutes=5)))
    assert not signer.verify("/\ud800", exp, sig)
    assert not signer.verify("/" + "a" * 100_000, exp, sig)


def test_another_key_neither_verifies_nor_produces_the_same_signature(
        clock: FakeClock) -> None:
    mine, theirs = UrlSigner(KEY, clock), UrlSigner(b"K" * 32, clock)
    at = T0 + timedelta(minutes=5)
    exp, sig = params(mine.sign(PATH, expires_at=at))
    assert not theirs.verify(PATH, exp, sig)
    assert params(theirs.sign(PATH, expires_at=at))[1] != sig
    assert mine.verify(PATH, exp, sig)


def test_bad_arguments_to_sign_are_programming_errors(signer: UrlSigner,
                                                      clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        signer.sign(PATH, expires_at=datetime(2026, 11, 21, 12, 5))
    with pytest.raises(ValueError, match="absolute"):
        signer.sign("relative/path", expires_at=T0)
    with pytest.raises(ValueError, match="after 1970"):
        signer.sign(PATH, expires_at=datetime(1960, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="at least 16 bytes"):
        UrlSigner(b"short", clock)
