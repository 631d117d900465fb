"""Accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .errors import ValidationError
from .ids import UserId

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "Email", "User", "validate_password"]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@dataclass(frozen=True, slots=True)
class Email:
    """An email address, normalised: trimmed and lowercased."""

    value: str

    def __post_init__(self) -> None:
        normalised = self.value.strip().lower()
        if len(normalised) > 254 or not _EMAIL.fullmatch(normalised):
            raise ValidationError("must be a valid email address", field="email")
        object.__setattr__(self, "value", normalised)

    def __str__(self) -> str:
        return self.value


def validate_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"must be {MIN_PASSWORD_LENGTH}..{MAX_PASSWORD_LENGTH} characters", field="password")


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: UserId
    email: Email
    created_at: datetime
    #: None for accounts that only log in through OIDC.
    password_hash: str | None = None
    is_admin: bool = False
    #: ``issuer|subject`` of the linked OIDC identity, if any.
    oidc_subject: str | None = None
