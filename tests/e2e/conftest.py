"""Fixtures for the end-to-end tests: a real ``ktv serve`` process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .process import KtvServer, start_server


@pytest.fixture
def ktv_server(tmp_path: Path) -> Iterator[KtvServer]:
    """A fresh ``ktv serve`` on a free port over a new SQLite database in ``tmp_path``;
    stopped with Ctrl-C afterwards (which must exit 0)."""
    workdir = tmp_path / "ktv"
    workdir.mkdir()
    server = start_server(workdir)
    try:
        yield server
    finally:
        if server.exit_code is None:
            server.stop()
