"""Fixtures: the app through ``create_app`` with fakes, or with a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from api.helpers import Api, Start, library, running
from fakes import FakeClock, FakeMediaProvider, InMemoryStore
from support import T0

BACKENDS = ["memory", "sqlite"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)  # 2026-11-21 12:00 UTC


@pytest.fixture
def media() -> FakeMediaProvider:
    return FakeMediaProvider(library())


@pytest.fixture
def start(tmp_path: Path, clock: FakeClock, media: FakeMediaProvider) -> Start:
    """Start another app: ``async with start(env={...}) as api: ...``."""
    def _start(*, backend: str = "memory", env: Mapping[str, str] | None = None,
               with_media: bool = True, store: InMemoryStore | None = None,
               ) -> AbstractAsyncContextManager[Api]:
        return running(tmp_path=tmp_path, clock=clock, backend=backend, env=env,
                       media=media if with_media else None, store=store)
    return _start


@pytest.fixture
async def api(start: Start) -> AsyncIterator[Api]:
    """The app on in-memory fakes."""
    async with start() as a:
        yield a


@pytest.fixture(params=BACKENDS)
async def any_api(request: pytest.FixtureRequest, start: Start) -> AsyncIterator[Api]:
    """The app on fakes, then on a migrated SQLite file."""
    async with start(backend=request.param) as a:
        yield a


@pytest.fixture
async def owner(api: Api) -> dict[str, str]:
    """Authorization headers of the first (admin) account on ``api``."""
    return await api.register()
