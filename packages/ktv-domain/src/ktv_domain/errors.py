"""Domain errors: the one hierarchy every K-TV layer translates to and from.

::

    DomainError
    ├── ValidationError            input that breaks a rule (carries FieldErrors)
    │   └── InvalidCursor              a page cursor this server did not issue
    ├── NotFound                   no such entity *for this caller*
    ├── Gone                       it existed, and is no longer available (catch-up)
    ├── Conflict                   uniqueness or concurrent-update clash
    │   ├── DuplicateEmail
    │   └── AccountLinkRefused     an OIDC identity may not take over an existing account
    ├── Forbidden                  caller is known but may not do this
    │   └── RegistrationClosed
    ├── AuthenticationFailed       bad credentials (never says which part)
    ├── OidcError                  an OIDC sign-in cannot complete (``code`` says why)
    │   └── OidcUnavailable            the identity provider is unreachable or not ready
    └── MediaSourceError           the media library cannot answer
        ├── MediaSourceNotConfigured
        ├── MediaSourceUnavailable     unreachable, timed out, 5xx
        └── MediaSourceUnauthorized    the source refused our credentials

Adapters raise these (``raise ... from exc``); the app maps them to HTTP in
exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccountLinkRefused",
    "AuthenticationFailed",
    "Conflict",
    "DomainError",
    "DuplicateEmail",
    "FieldError",
    "Forbidden",
    "Gone",
    "InvalidCursor",
    "MediaSourceError",
    "MediaSourceNotConfigured",
    "MediaSourceUnauthorized",
    "MediaSourceUnavailable",
    "NotFound",
    "OidcError",
    "OidcUnavailable",
    "RegistrationClosed",
    "ValidationError",
]


class DomainError(Exception):
    """Base of every error the domain knows about."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; ``field`` is a dotted path."""

    field: str
    message: str


class ValidationError(DomainError):
    """Input that is well-formed but breaks a domain rule."""

    def __init__(self, errors: list[FieldError] | FieldError | str, field: str = "") -> None:
        if isinstance(errors, str):
            errors = [FieldError(field, errors)]
        elif isinstance(errors, FieldError):
            errors = [errors]
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" if e.field else e.message
                                   for e in self.errors))

    def prefixed(self, prefix: str) -> ValidationError:
        """The same errors with ``prefix.`` in front of each field path."""
        return ValidationError([
            FieldError(f"{prefix}.{e.field}" if e.field else prefix, e.message)
            for e in self.errors
        ])


class InvalidCursor(ValidationError):
    """A page ``cursor`` that no listing of this server handed out (clients start over
    without one)."""

    def __init__(self) -> None:
        super().__init__("is not a cursor this server issued", field="cursor")


class NotFound(DomainError):
    """The entity does not exist, or does not exist for this caller."""


class Gone(DomainError):
    """It existed but is no longer available: aired before the catch-up window, or its
    item left the library."""


class Conflict(DomainError):
    """A uniqueness rule or a concurrent change prevents the operation."""


class DuplicateEmail(Conflict):
    """An account with this email already exists."""


class AccountLinkRefused(Conflict):
    """An OIDC identity matches an existing account's email but may not be linked to it
    (the provider has not verified the email, or the account has another identity)."""


class Forbidden(DomainError):
    """The caller is authenticated but not allowed to do this."""


class RegistrationClosed(Forbidden):
    """The operator closed self-registration."""


class AuthenticationFailed(DomainError):
    """Credentials were wrong; the message never says which part."""


class OidcError(DomainError):
    """An OpenID Connect sign-in cannot complete: the provider answered with an error,
    the flow state is missing, tampered with or expired, or the ID token is not valid.

    ``code`` is a short OAuth-style reason (``invalid_state``, ``invalid_id_token``,
    ``access_denied``...) that is safe to show to the user.
    """

    def __init__(self, message: str, *, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.code = code


class OidcUnavailable(OidcError):
    """The identity provider is unreachable, failing, or its discovery has not succeeded."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="temporarily_unavailable")


class MediaSourceError(DomainError):
    """The media library could not answer."""


class MediaSourceNotConfigured(MediaSourceError):
    """No media source is configured."""

    def __init__(self, message: str = "no media source is configured: set MEDIA_DIRS, or "
                                      "JELLYFIN_BASE_URL and JELLYFIN_API_KEY") -> None:
        super().__init__(message)


class MediaSourceUnavailable(MediaSourceError):
    """The media source is unreachable, timed out or failed."""


class MediaSourceUnauthorized(MediaSourceError):
    """The media source refused our credentials."""
