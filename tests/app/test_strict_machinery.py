"""The strict-decoding machinery applies to any route and Struct, with no per-route work."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.params import CookieParameter, FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.testing import TestClient

from ktv_api.problems import exception_handlers
from ktv_api.strict import StrictRequest, strict_parameters


class Thing(msgspec.Struct, forbid_unknown_fields=True):
    count: int
    ratio: float = 0.5
    tags: list[Annotated[str, msgspec.Meta(max_length=3)]] = msgspec.field(default_factory=list)


@get("/things/{n:int}/{when:datetime}", sync_to_thread=False)
def read(n: FromPath[int], when: FromPath[Any],
         flag: Annotated[bool, QueryParameter()] = False,
         ids: Annotated[list[int] | None, QueryParameter()] = None,
         size: Annotated[int | None, HeaderParameter(name="x-size", required=False)] = None,
         seen: Annotated[float | None, CookieParameter(name="seen")] = None,
         ) -> dict[str, Any]:
    return {"n": n, "flag": flag, "ids": ids, "size": size, "seen": seen}


@post("/things", sync_to_thread=False)
def make(data: JSONBody[Thing]) -> dict[str, Any]:
    return {"count": data.count, "ratio": data.ratio, "tags": data.tags}


@pytest.fixture(scope="module")
def client() -> Any:
    app = Litestar([read, make], request_class=StrictRequest, guards=[strict_parameters],
                   exception_handlers=exception_handlers, logging_config=None)
    with TestClient(app) as c:
        yield c


BASE = "/things/5/2026-11-21T20:00:00Z"


@pytest.mark.parametrize(("url", "headers", "field"), [
    (BASE + "?flag=1", {}, "flag"),
    (BASE + "?flag=True", {}, "flag"),
    (BASE + "?ids=1&ids=x", {}, "ids"),
    (BASE + "?ids=1&ids=1.5", {}, "ids"),
    (BASE, {"x-size": "ten"}, "x-size"),
    (BASE, {"cookie": "seen=soon"}, "seen"),
    ("/things/05/2026-11-21T20:00:00Z", {}, "n"),
    ("/things/5/0.5", {}, "when"),
])
def test_parameters_of_any_route_are_strict(client: Any, url: str, headers: dict[str, str],
                                            field: str) -> None:
    r = client.get(url, headers=headers)
    assert r.status_code == 400, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()


def test_well_typed_parameters_pass(client: Any) -> None:
    r = client.get(BASE + "?flag=true&ids=1&ids=2", headers={"x-size": "10",
                                                              "cookie": "seen=1.5"})
    assert r.status_code == 200, r.text
    assert r.json() == {"n": 5, "flag": True, "ids": [1, 2], "size": 10, "seen": 1.5}


@pytest.mark.parametrize(("body", "field"), [
    ({"count": "1"}, "count"), ({"count": 1, "ratio": "0.5"}, "ratio"),
    ({"count": 1, "tags": ["long"]}, "tags[0]"), ({"count": 1, "extra": 1}, "extra"),
    ({"count": 1.5}, "count"),
])
def test_bodies_of_any_route_are_strict(client: Any, body: dict[str, Any], field: str) -> None:
    r = client.post("/things", json=body)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()


def test_a_strict_body_keeps_json_schema_integers(client: Any) -> None:
    r = client.post("/things", json={"count": 2.0, "ratio": 1})
    assert r.status_code == 201, r.text
    assert r.json() == {"count": 2, "ratio": 1.0, "tags": []}
