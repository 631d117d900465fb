from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from ktv_domain import AccessToken, User


class FakePasswordHasher:
    """Deterministic salted-free hashing with a version, so rehash-on-login is testable."""

    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.hash_calls = 0
        self.verify_calls = 0

    def hash(self, password: str) -> str:
        self.hash_calls += 1
        return f"fake$v{self.version}${hashlib.sha256(password.encode()).hexdigest()}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.verify_calls += 1
        parts = password_hash.split("$")
        if len(parts) != 3 or parts[0] != "fake":
            return False
        digest = hashlib.sha256(password.encode()).hexdigest()
        return hmac.compare_digest(parts[2], digest)

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"fake$v{self.version}$")


class FakeTokenIssuer:
    def __init__(self, expires_in: int = 3600) -> None:
        self.expires_in = expires_in

    def issue(self, user: User, *, signed_in_at: datetime | None = None) -> AccessToken:
        return AccessToken(token=f"token-{user.id}", expires_in=self.expires_in)
