"""Errors of the streaming adapter.

::

    StreamingError
    ├── SessionLimitReached    every pipeline slot is busy (the app answers 503 + Retry-After)
    ├── SourceUnreadable       a source cannot be opened or holds nothing playable
    └── SessionClosed          the session ended (channel gone, stopped by an operator)

Source problems never end a session: it plays the slate instead. These errors
reach the app only from :class:`StreamManager` calls.
"""

from __future__ import annotations

__all__ = ["SessionClosed", "SessionLimitReached", "SourceUnreadable", "StreamingError"]


class StreamingError(Exception):
    """Base of the streaming adapter's errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SessionLimitReached(StreamingError):
    def __init__(self, limit: int, retry_after: int = 15) -> None:
        super().__init__(f"all {limit} stream sessions are busy; try again shortly")
        self.limit = limit
        self.retry_after = retry_after


class SourceUnreadable(StreamingError):
    """A source that cannot be opened, or holds neither video nor audio."""


class SessionClosed(StreamingError):
    """The session a viewer was watching ended."""
