"""Shared set-up for the Jellyfin adapter tests: a fake server with a small library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from fakes.jellyfin import FakeItem, FakeJellyfin
from ktv_jellyfin import JellyfinProvider

API_KEY = "0123456789abcdef0123456789abcdef"
BASE = "http://jellyfin.test/jf"



async def no_sleep(_secs: float) -> None:
    return None


@dataclass
class Library:
    server: FakeJellyfin
    movies: FakeItem
    shows: FakeItem
    heat: FakeItem
    alien: FakeItem
    short: FakeItem
    runtimeless: FakeItem
    virtual: FakeItem
    series: FakeItem
    box: FakeItem


def build_library(*, legacy_auth: bool = False) -> Library:
    s = FakeJellyfin(BASE, API_KEY, legacy_auth=legacy_auth)
    movies = s.add_library("Movies", "movies")
    shows = s.add_library("Shows", "tvshows")
    s.add_library("Music", "music")
    heat = s.add_video("Heat", movies, minutes=170, year=1995, genres=("Crime", "Drama"),
                       tags=("heist",), overview="A thief and a cop.")
    sub = s.add_folder("Sci-Fi", movies)
    alien = s.add_video("Alien", sub, minutes=117, year=1979, genres=("Science Fiction",))
    short = s.add_video("Paperman", movies, minutes=7, year=2012, genres=("Animation",),
                        kind="Video")
    runtimeless = s.add_video("Unprobed", movies, minutes=None, year=2001)
    series = s.add_series("Friends", shows, seasons=2, episodes=3, minutes=22,
                          genres=("Comedy",))
    season1 = next(i for i in s.lib.items.values() if i.parent_id == series.id)
    virtual = s.add_video("Missing episode", season1, minutes=None, kind="Episode",
                          location_type="Virtual")
    box = s.add_box_set("Best of the 90s", [heat])
    return Library(s, movies, shows, heat, alien, short, runtimeless, virtual, series, box)


@asynccontextmanager
async def provider_for(server: FakeJellyfin, **kwargs: Any) -> AsyncIterator[JellyfinProvider]:
    async with httpx.AsyncClient(transport=server.transport()) as client:
        kwargs.setdefault("sleep", no_sleep)
        kwargs.setdefault("api_key", API_KEY)
        yield JellyfinProvider(BASE, client=client, **kwargs)


def params_of(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params.multi_items())
