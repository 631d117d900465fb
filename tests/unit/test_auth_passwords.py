"""Argon2PasswordHasher against the real argon2-cffi (the cheap test profile)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher as RawArgon2
from argon2 import Type, extract_parameters

from ktv_auth import Argon2PasswordHasher
from ktv_domain import ValidationError


@pytest.fixture
def argon() -> Argon2PasswordHasher:
    return Argon2PasswordHasher.fast_for_tests()


def test_hash_then_verify_round_trip(argon: Argon2PasswordHasher) -> None:
    stored = argon.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert "correct horse" not in stored
    assert argon.verify(stored, "correct horse battery staple") is True
    assert argon.needs_rehash(stored) is False


def test_each_hash_has_its_own_salt(argon: Argon2PasswordHasher) -> None:
    first, second = argon.hash("same password"), argon.hash("same password")
    assert first != second
    assert argon.verify(first, "same password")
    assert argon.verify(second, "same password")


@pytest.mark.parametrize("attempt", ["correct horse battery stapl", "Correct horse battery staple",
                                     "", "correct horse battery staple "])
def test_wrong_password_is_false(argon: Argon2PasswordHasher, attempt: str) -> None:
    assert argon.verify(argon.hash("correct horse battery staple"), attempt) is False


def test_unicode_passwords_round_trip(argon: Argon2PasswordHasher) -> None:
    stored = argon.hash("pässwörd-日本語-🔑")
    assert argon.verify(stored, "pässwörd-日本語-🔑")
    assert not argon.verify(stored, "passwort-日本語-🔑")


def test_a_password_that_is_not_text_is_a_validation_error(argon: Argon2PasswordHasher) -> None:
    with pytest.raises(ValidationError) as exc:
        argon.hash("lone \ud800 surrogate")
    assert exc.value.errors[0].field == "password"
    assert argon.verify(argon.hash("password1"), "lone \ud800 surrogate") is False


GARBAGE_HASHES = [
    "",
    "not a hash",
    "fake$v1$x",  # what the in-memory fake stores
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt
    "pbkdf2_sha256$600000$salt$hash",
    "$argon2id$v=19$m=1024,t=1,p=1$",  # truncated
    "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$!!!notbase64!!!",
    "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
    "$argon2id$v=19$m=1024,t=1,p=1$sälté$hash",  # not ASCII
]


@pytest.mark.parametrize("garbage", GARBAGE_HASHES)
def test_garbage_hashes_verify_false_and_need_rehash(argon: Argon2PasswordHasher,
                                                     garbage: str) -> None:
    assert argon.verify(garbage, "password1") is False
    assert argon.needs_rehash(garbage) is True


def test_tampered_hash_verifies_false(argon: Argon2PasswordHasher) -> None:
    stored = argon.hash("password1")
    digest = stored.rsplit("$", 1)[1]
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    assert argon.verify(stored.rsplit("$", 1)[0] + "$" + flipped, "password1") is False


@pytest.mark.parametrize("changed", [
    {"time_cost": 2}, {"memory_cost": 2048}, {"parallelism": 2},
])
def test_changed_parameters_need_a_rehash(argon: Argon2PasswordHasher,
                                          changed: dict[str, int]) -> None:
    old = argon.hash("password1")
    stronger = Argon2PasswordHasher(**{"time_cost": 1, "memory_cost": 1024, "parallelism": 1,
                                       **changed})
    assert stronger.needs_rehash(old) is True
    assert stronger.verify(old, "password1")  # an old hash still logs in...
    renewed = stronger.hash("password1")  # ...and is then replaced
    assert stronger.needs_rehash(renewed) is False
    assert argon.needs_rehash(renewed) is True


def test_another_argon2_type_verifies_but_needs_a_rehash(argon: Argon2PasswordHasher) -> None:
    legacy = RawArgon2(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I)
    stored = legacy.hash("password1")
    assert stored.startswith("$argon2i$")
    assert argon.verify(stored, "password1")
    assert argon.needs_rehash(stored) is True


def test_defaults_are_the_rfc_9106_low_memory_profile() -> None:
    default = Argon2PasswordHasher()
    assert (default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)
    params = extract_parameters(default.hash("password1"))
    assert params.type is Type.ID
    assert (params.salt_len, params.hash_len) == (16, 32)
    assert repr(default) == ("Argon2PasswordHasher(time_cost=3, memory_cost=65536, "
                             "parallelism=4)")


@pytest.mark.parametrize("bad", [
    {"time_cost": 0}, {"parallelism": 0}, {"memory_cost": 7}, {"memory_cost": 16, "parallelism": 4},
])
def test_impossible_parameters_fail_at_construction(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="argon2 needs"):
        Argon2PasswordHasher(**bad)
