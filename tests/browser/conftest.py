"""Fixtures: Debian's Chromium (skipped locally without it, required in CI), the clip
library (made once per session), a K-TV with channels, a page on another origin."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext

from support.tools import require_tool

from .env import Site, bound_socket, chromium, ktv_site, make_library, other_origin


@pytest.fixture(scope="session")
def chromium_exe() -> str:
    return require_tool("chromium", apt_package="chromium")


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("clips"))


@pytest.fixture
def origin_socket() -> Iterator[socket.socket]:
    """The other origin's socket, bound before K-TV starts so its CORS list can name it."""
    sock = bound_socket()
    try:
        yield sock
    finally:
        sock.close()


@pytest.fixture
def origin(origin_socket: socket.socket) -> str:
    return f"http://127.0.0.1:{origin_socket.getsockname()[1]}"


@pytest.fixture
async def site(chromium_exe: str, tmp_path: Path, media: Path, origin: str,
               ) -> AsyncIterator[Site]:
    async with ktv_site(tmp_path, media, env={"CORS_ALLOWED_ORIGINS": origin},
                        logo_url=f"{origin}/logo.svg") as s:
        yield s


@pytest.fixture
async def other_page(site: Site, origin_socket: socket.socket) -> AsyncIterator[str]:
    """The other origin serving the player pointed at ``site``; yields its /watch URL."""
    async with other_origin(origin_socket, site.base_url) as base:
        yield f"{base}/watch"


@pytest.fixture
async def browser(chromium_exe: str, tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with chromium(chromium_exe, tmp_path / "chromium-profile") as context:
        yield context
