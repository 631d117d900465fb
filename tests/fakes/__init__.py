"""In-memory fakes for every domain port. They behave like the real adapters
(constraints, transactions, ordering), so unit tests assert on end state."""

from .clock import FakeClock, FakeMonotonic
from .jellyfin import FakeJellyfin
from .media import FakeMediaProvider
from .security import FakePasswordHasher, FakeTokenIssuer
from .store import InMemoryStore, InMemoryUnitOfWork

__all__ = [
    "FakeClock",
    "FakeJellyfin",
    "FakeMediaProvider",
    "FakeMonotonic",
    "FakePasswordHasher",
    "FakeTokenIssuer",
    "InMemoryStore",
    "InMemoryUnitOfWork",
]
