"""Password hashing with argon2id (argon2-cffi), implementing ``ktv_domain.PasswordHasher``.

The defaults are argon2-cffi's RFC 9106 *low-memory* profile (argon2id, t=3,
m=64 MiB, p=4, 16-byte salt, 32-byte hash). Hashes are PHC strings
(``$argon2id$v=19$m=65536,t=3,p=4$salt$hash``), so each records its own
parameters: ``needs_rehash`` tells the login use case when a stored hash was
made with other parameters and should be replaced.

Hashing is CPU- and memory-heavy on purpose; callers run it through the
domain's ``CpuRunner``, off the event loop.
"""

from __future__ import annotations

from typing import Final

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from ktv_domain import ValidationError

__all__ = ["Argon2PasswordHasher"]

_DEFAULTS: Final = RFC_9106_LOW_MEMORY


class Argon2PasswordHasher:
    """argon2id hashing; ``memory_cost`` is in KiB."""

    __slots__ = ("_hasher",)

    def __init__(self, *, time_cost: int = _DEFAULTS.time_cost,
                 memory_cost: int = _DEFAULTS.memory_cost,
                 parallelism: int = _DEFAULTS.parallelism) -> None:
        if time_cost < 1 or parallelism < 1 or memory_cost < 8 * parallelism:
            raise ValueError("argon2 needs time_cost >= 1, parallelism >= 1 and "
                             "memory_cost >= 8 KiB per lane")
        self._hasher = _Argon2(time_cost=time_cost, memory_cost=memory_cost,
                               parallelism=parallelism, hash_len=_DEFAULTS.hash_len,
                               salt_len=_DEFAULTS.salt_len, type=Type.ID)

    @classmethod
    def fast_for_tests(cls) -> Argon2PasswordHasher:
        """A cheap profile (t=1, m=1 MiB, p=1): real argon2id, never for production."""
        return cls(time_cost=1, memory_cost=1024, parallelism=1)

    @property
    def time_cost(self) -> int:
        return self._hasher.time_cost

    @property
    def memory_cost(self) -> int:
        return self._hasher.memory_cost

    @property
    def parallelism(self) -> int:
        return self._hasher.parallelism

    def __repr__(self) -> str:
        return (f"Argon2PasswordHasher(time_cost={self.time_cost}, "
                f"memory_cost={self.memory_cost}, parallelism={self.parallelism})")

    def hash(self, password: str) -> str:
        """A fresh PHC-format argon2id hash with a random salt.

        ValidationError for a password that is not valid Unicode text (a lone
        surrogate cannot be encoded as UTF-8).
        """
        try:
            return self._hasher.hash(password)
        except UnicodeEncodeError as exc:
            raise ValidationError("must be valid text", field="password") from exc

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; False, never an error, for a wrong password,
        a malformed or non-argon2 hash, or text that cannot be encoded."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError, UnicodeError):
            # VerifyMismatchError is a VerificationError; a hash that is not ASCII
            # or a password with a lone surrogate fails to encode (UnicodeError).
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters (or type, or lengths)
        than this hasher's, and for a hash that cannot be parsed at all."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except ValueError:  # InvalidHashError is a ValueError
            return True
