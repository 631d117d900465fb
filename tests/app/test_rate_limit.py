"""The per-client limiter behind login and registration."""

from __future__ import annotations

import pytest

from fakes import FakeMonotonic
from ktv_api.problems import RateLimited
from ktv_api.security import RateLimiter


def test_limit_per_client_and_bucket_with_retry_after() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(3, 60.0, monotonic=clock)
    for _ in range(3):
        limiter.hit("login", "10.0.0.1")
    with pytest.raises(RateLimited) as info:
        limiter.hit("login", "10.0.0.1")
    assert info.value.retry_after == 60
    limiter.hit("login", "10.0.0.2")  # another client
    limiter.hit("register", "10.0.0.1")  # another bucket
    clock.t += 45
    with pytest.raises(RateLimited) as info:
        limiter.hit("login", "10.0.0.1")
    assert info.value.retry_after == 15
    clock.t += 15
    limiter.hit("login", "10.0.0.1")  # the window slid past the first attempts


def test_memory_stays_bounded_under_a_flood_of_clients() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(1, 60.0, monotonic=clock, max_clients=100)
    for i in range(1000):
        limiter.hit("login", f"client-{i}")
    assert len(limiter._hits) <= 100
