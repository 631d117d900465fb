"""Schema-driven fuzzing: schemathesis against the app's own OpenAPI document.

Every documented operation gets positive and negative cases generated from
``/api/v1/openapi.json`` and sent in-process over ASGI (no server). Each
response must not be a 5xx and must conform to the document: a documented
status code, a documented content type, documented headers, and a body that
matches the declared schema. Cases carry a real user's bearer token, and most
``channel_id`` path parameters name that user's real channel (one with blocks
covering the whole day and a generated schedule over a fake library), so the
deep paths (validation, the engine, the on-air view, stream routing) run, not
just 404s.

Bounded and deterministic: a fixed seed, derandomized Hypothesis, a small
``max_examples`` per operation, no example database.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.python import asgi

from fakes import FakeJellyfin, FakeMediaProvider, InMemoryStore
from ktv_api import Overrides, create_app, load_settings
from ktv_auth import Argon2PasswordHasher
from ktv_domain import ContentType
from support import make_item

OPENAPI = "/api/v1/openapi.json"
EMAIL = "fuzz@example.com"
PASSWORD = "fuzz-password-1"
SEED = 20261121
MAX_EXAMPLES = 50

# What every response must satisfy. ``positive_data_acceptance`` is left out on purpose:
# the domain refuses some schema-valid input with a 422 (an unknown IANA time zone, an EPG
# window that ends before it starts, a blank name, a short password); that is validation,
# not a schema violation.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,  # malformed or hostile input gets a 4xx
    ignored_auth,  # a secured operation without (or with a bad) token gets a 401
    unsupported_method,  # an undocumented method gets a 405 with Allow
]


@dataclass(slots=True)
class Target:
    """The fuzzing user and the channels cases are steered to."""

    token: str
    channel_id: str
    #: The channel DELETE cases are steered to (re-created after each deletion).
    victim: str


def _library() -> FakeMediaProvider:
    items = [make_item(n, 1200 + 60 * (n % 10), genres=("Comedy",), year=1990 + n % 10,
                       series_name=f"Show {n % 3}", season_number=1, episode_number=n)
             for n in range(1, 25)]
    items += [make_item(100 + n, 5400 + 300 * n, content_type=ContentType.MOVIE,
                        genres=("Comedy", "Drama"), year=1985 + n) for n in range(8)]
    return FakeMediaProvider(items)


_DAY_BLOCKS: list[dict[str, Any]] = [
    {"name": "Day", "start_time": "00:00:00", "duration_mins": 720,
     "content": {"type": "algorithmic", "strategy": "sequential",
                 "filter": {"content_type": "episode"}}},
    {"name": "Night", "start_time": "12:00:00", "duration_mins": 720,
     "content": {"type": "algorithmic", "strategy": "best_fit",
                 "filter": {"genres": ["Comedy"]}}},
]


def _ok(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _new_channel(client: asgi.ASGIClient, token: str, name: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    body: dict[str, Any] = {"name": name, "timezone": "America/New_York",
            "schedule_config": {"blocks": _DAY_BLOCKS}}
    channel_id: str = _ok(client.post("/api/v1/channels", json=body, headers=headers), 201)["id"]
    _ok(client.post(f"/api/v1/channels/{channel_id}/schedule", headers=headers), 201)
    return channel_id


#: Jellyfin Live TV registration goes to a fake Jellyfin, which fetches our documents.
JELLYFIN = FakeJellyfin()


def _app() -> Any:
    env = {"DATABASE_URL": "sqlite://", "LOG_LEVEL": "warning",
           "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
           "JELLYFIN_BASE_URL": JELLYFIN.base_url, "JELLYFIN_API_KEY": JELLYFIN.api_key}
    app = create_app(load_settings(env, env_file=None), overrides=Overrides(
        uow=InMemoryStore().uow, media=_library(), media_source="fake",
        hasher=Argon2PasswordHasher.fast_for_tests(),
        http_client=httpx.AsyncClient(transport=JELLYFIN.transport())), keeper=False)
    JELLYFIN.livetv.fetcher = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver")  # type: ignore[arg-type]
    return app


def _config() -> schemathesis.Config:
    config = schemathesis.Config(seed=SEED)
    project = config.projects.default
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    # Literals mined from the app's source come out in hash order, which varies per process.
    project.analysis.constants.enabled = False
    return config


def _setup(app: Any) -> Target:
    with asgi.get_client(app) as client:
        token = _ok(client.post("/api/v1/auth/register",
                                json={"email": EMAIL, "password": PASSWORD}), 201)["access_token"]
        return Target(token=token, channel_id=_new_channel(client, token, "Fuzz Network"),
                      victim=_new_channel(client, token, "Victim"))


# Everything is set up at import: schemathesis builds the explicit-example and coverage
# cases (with their auth and path parameters) while pytest collects, before any fixture
# runs, and its lazy ``from_fixture`` loader does not work with pytest 9. The app runs in
# schemathesis' ASGI portal thread; the module fixture stops its lifespan at the end.
APP = _app()
schema = schemathesis.openapi.from_asgi(OPENAPI, APP, config=_config())
TARGET = _setup(APP)


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    yield TARGET
    asgi.shutdown_lifespans()


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


@schema.hook
def map_path_parameters(context: schemathesis.HookContext,
                        path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Three in four well-formed ids become the fuzzing user's real channel (malformed ones
    stay: they are what a negative case is about)."""
    value = (path_parameters or {}).get("channel_id")
    if _is_uuid(value) and zlib.crc32(str(value).encode()) % 4:
        method = context.operation.method.upper() if context.operation else ""
        assert path_parameters is not None
        path_parameters["channel_id"] = (TARGET.victim if method == "DELETE"
                                         else TARGET.channel_id)
    return path_parameters


_ZONES = ("UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu")


def _steer(case: Case[Any]) -> None:
    """Give most valid channel bodies a real time zone (random strings never are one), so
    they get past validation and their fuzzed blocks reach the store and the engine."""
    body = case.body
    positive = case.meta is not None and not case.meta.generation.mode.is_negative
    zone = body.get("timezone") if isinstance(body, dict) else None
    if positive and isinstance(body, dict) and isinstance(zone, str):
        pick = zlib.crc32(zone.encode("utf-8", "surrogatepass"))
        if pick % 4:
            body["timezone"] = _ZONES[pick % len(_ZONES)]


@schema.auth(refresh_interval=None)
class BearerToken:
    """The fuzzing user's token on every case (schemathesis leaves it off the cases that
    deliberately omit or corrupt it)."""

    def get(self, case: Case[Any], ctx: Any) -> str:
        return TARGET.token

    def set(self, case: Case[Any], data: str, ctx: Any) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None)
def test_api_conforms_to_its_schema(case: Case[Any], target: Target) -> None:
    _steer(case)
    response = case.call_and_validate(checks=CHECKS)
    if (case.method.upper() == "DELETE" and response.status_code == 204
            and (case.path_parameters or {}).get("channel_id") == target.victim):
        with asgi.get_client(APP) as client:
            target.victim = _new_channel(client, target.token, f"Victim {uuid.uuid4()}")
