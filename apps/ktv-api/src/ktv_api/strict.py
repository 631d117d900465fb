"""Strict decoding: a request is read exactly as the OpenAPI document describes it.

Litestar decodes leniently (msgspec's ``strict=False``): a body's ``"60"``
becomes ``60``, a query's ``from=0.5`` a datetime in 1970, a path's
UUID without dashes a UUID. Three pieces make every route strict, with no
per-route work (new routes and Structs are covered by default):

- :class:`StrictRequest` (the app's ``request_class``) decodes a JSON body
  straight into the handler's ``data`` type with ``strict=True``: a wrong type
  is a 422 whose ``errors`` name the field path (``schedule_config.blocks[0]
  .duration_mins``); nothing is coerced.
- :func:`strict_parameters` (an app-level guard, so it runs for every route
  before any dependency) checks the raw text of every query, header and cookie
  parameter, and of every typed path segment, against its declared type:
  integers, numbers and booleans spelled as in JSON (``60``, ``-1.5e3``,
  ``true``), datetimes in RFC 3339 with an offset, UUIDs in their hyphenated
  form. Anything else is a 400 naming the parameter.
- :func:`malformed_path_parameter` names the segment when Litestar's router
  cannot parse a typed path parameter at all (it would answer 404); the
  problem mapping answers 400 instead.
"""

from __future__ import annotations

import functools
import re
import types
import typing
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, Final, Union

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ParamType
from litestar.exceptions import SerializationException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.routes import BaseRoute
from litestar.typing import FieldDefinition

__all__ = ["StrictRequest", "malformed_path_parameter", "strict_parameters"]

_JSON_NUMBER: Final = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
#: What each type's raw text must look like (full match); types not listed are not checked
#: here (strings; enums and literals, which msgspec matches exactly).
_SHAPES: Final[dict[type, tuple[re.Pattern[str], str]]] = {
    bool: (re.compile(r"true|false"), "must be true or false"),
    # A JSON number (``60.0`` and ``6e1`` are integers too, as in JSON Schema); one with a
    # fractional part is then refused by the conversion to int.
    int: (re.compile(_JSON_NUMBER), "must be an integer, e.g. 42"),
    float: (re.compile(_JSON_NUMBER), "must be a number, e.g. 1.5"),
    datetime: (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                          r"(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"),
               "must be an RFC 3339 date-time with an offset, e.g. 2026-11-21T20:00:00Z"),
    date: (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "must be a date, e.g. 2026-11-21"),
    time: (re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"),
           "must be an RFC 3339 time with an offset, e.g. 20:00:00Z"),
    uuid.UUID: (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                           r"[0-9a-fA-F]{12}"),
                "must be a UUID, e.g. 3f2c8a9e-1d7b-4c55-9a0e-6b1f2d3c4e5f"),
}
#: Handler parameters Litestar fills itself (never from the client's text).
_RESERVED: Final = frozenset({"request", "socket", "state", "scope", "headers", "cookies",
                              "query", "body", "data"})
_PATH_PARAM: Final = re.compile(r"\{([^:}]+):([^}]+)\}")
_PATH_TYPES: Final[dict[str, type]] = {"int": int, "float": float, "uuid": uuid.UUID,
                                       "date": date, "datetime": datetime, "time": time}


class StrictRequest(Request[Any, Any, Any]):
    """A request whose JSON body is decoded strictly into the handler's ``data`` type."""

    async def json(self) -> Any:
        field = self.route_handler.parsed_data_field
        target = _body_type(field)
        if target is None:
            return await super().json()
        body = await self.body()
        try:
            value = msgspec.json.decode(body or b"null")
        except msgspec.DecodeError as exc:
            raise SerializationException(f"malformed JSON: {exc}") from exc
        try:
            return msgspec.convert(_integral(value), target, strict=True)
        except msgspec.ValidationError as exc:
            raise ValidationException(
                "the request body is invalid",
                extra=[{"key": "data", "message": str(exc), "source": "body"}]) from exc


def _integral(value: Any) -> Any:
    """JSON numbers with no fractional part as ints: JSON Schema's ``integer`` includes
    ``60.0`` and ``6e1`` (so an integer field takes them; a number field takes ints anyway)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _body_type(field: FieldDefinition | None) -> Any:
    """The type a JSON body is decoded into, or None to leave it to Litestar (no ``data``,
    a DTO, or another encoding than JSON)."""
    if field is None or field.annotation is Any:
        return None
    kwarg = field.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type not in (None, "application/json"):
        return None
    return field.raw if field.is_optional else field.annotation


async def strict_parameters(connection: ASGIConnection[Any, Any, Any, Any],
                            _: BaseRouteHandler) -> None:
    """The app-level guard: refuse, with a 400 naming each, parameters whose text is not
    exactly of their declared type (see the module docstring)."""
    segments, declared = _plan(connection)
    if not segments and not declared:
        return
    problems = _path_problems(segments, connection.scope["path"]) if segments else []
    for source, key, field in declared:
        values: Sequence[str]
        if source == ParamType.QUERY:
            values = connection.query_params.getall(key, [])
        elif source == ParamType.HEADER:
            values = connection.headers.getall(key, [])
        else:
            cookie = connection.cookies.get(key)
            values = [] if cookie is None else [cookie]
        message = _check_all(values, field.annotation)
        if message is not None:
            problems.append({"key": key, "message": message, "source": str(source)})
    if problems:
        raise ValidationException("malformed request", extra=problems)


_Segment = str | tuple[str, re.Pattern[str] | None, str]
_Plan = tuple[tuple[_Segment, ...], list[tuple[ParamType, str, FieldDefinition]]]


def _plan(connection: ASGIConnection[Any, Any, Any, Any]) -> _Plan:
    """What to check for this handler and matched route, worked out once and kept on the
    handler: the route's typed path segments, the query/header/cookie parameters."""
    handler = connection.route_handler
    plans: dict[str | None, _Plan] | None = handler.opt.get(_PLAN_KEY)
    if plans is None:
        plans = handler.opt[_PLAN_KEY] = {}
    template = connection.scope.get("path_template")
    found = plans.get(template)
    if found is None:
        typed = next((route.path for route in connection.app.routes
                      if route.path_format == template
                      and handler in getattr(route, "route_handlers", ())), None)
        segments = _segments(typed) if typed else ()
        if not any(isinstance(s, tuple) and s[1] is not None for s in segments):
            segments = ()
        found = plans[template] = (segments, _declared(handler))
    return found


@functools.lru_cache(maxsize=1024)
def _segments(template: str) -> tuple[_Segment, ...]:
    """A route path (``/c/{id:uuid}``) as fixed segments and (name, shape, message)."""
    out: list[_Segment] = []
    for want in template.strip("/").split("/"):
        param = _PATH_PARAM.fullmatch(want)
        if param is None:
            out.append(want)
            continue
        kind = _PATH_TYPES.get(param.group(2).strip())
        shape = _SHAPES.get(kind) if kind is not None else None
        out.append((param.group(1).strip(), shape[0] if shape else None,
                    shape[1] if shape else ""))
    return tuple(out)


def malformed_path_parameter(routes: Iterable[BaseRoute], path: str) -> tuple[str, str] | None:
    """``(name, message)`` of the typed path parameter that makes ``path`` unroutable, for
    a route whose fixed segments it matches; None when no route would take it."""
    for route in routes:
        if "{" not in route.path:
            continue
        for problem in _path_problems(_segments(route.path), path):
            return problem["key"], problem["message"]
    return None


def _path_problems(segments: tuple[_Segment, ...], path: str) -> list[dict[str, str]]:
    actual = path.strip("/").split("/")
    if len(segments) != len(actual):
        return []
    problems: list[dict[str, str]] = []
    for want, got in zip(segments, actual, strict=True):
        if isinstance(want, str):
            if want != got:
                return []
        elif want[1] is not None and not want[1].fullmatch(got):
            problems.append({"key": want[0], "message": want[2], "source": "path"})
    return problems


_CACHE_KEY: Final = "ktv_strict_parameters"
_PLAN_KEY: Final = "ktv_strict_plan"


def _declared(handler: BaseRouteHandler) -> list[tuple[ParamType, str, FieldDefinition]]:
    """The handler's query, header and cookie parameters: (where, name, definition)."""
    found: list[tuple[ParamType, str, FieldDefinition]] | None = handler.opt.get(_CACHE_KEY)
    if found is not None:
        return found
    dependencies = set(handler.resolve_dependencies())
    found = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in _RESERVED or name in dependencies:
            continue
        kwarg = field.kwarg_definition
        if kwarg is None:
            found.append((ParamType.QUERY, name, field))
        elif isinstance(kwarg, ParameterKwarg) and kwarg.param_type != ParamType.PATH:
            key = (kwarg.header if kwarg.param_type == ParamType.HEADER else
                   kwarg.cookie if kwarg.param_type == ParamType.COOKIE else kwarg.query)
            found.append((kwarg.param_type, kwarg.name or key or name, field))
    handler.opt[_CACHE_KEY] = found
    return found


def _check_all(values: Sequence[str], annotation: Any) -> str | None:
    """The first problem with ``values`` (the raw texts of one parameter), or None."""
    kinds = _kinds(annotation)
    shapes = [_SHAPES[k] for k in kinds if k in _SHAPES]
    if not shapes or len(shapes) < len(kinds):
        return None  # a string (or enum) alternative accepts any text msgspec accepts
    for value in values:
        if not any(pattern.fullmatch(value) for pattern, _ in shapes):
            return shapes[0][1]
    return None


def _kinds(annotation: Any) -> list[Any]:
    """The scalar types a parameter may hold: ``int | None`` -> [int];
    ``list[UUID]`` -> [UUID]; ``Annotated[...]`` unwrapped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [k for arg in typing.get_args(annotation) if arg is not type(None)
                for k in _kinds(arg)]
    if origin in (list, tuple, set, frozenset, Sequence):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return [k for arg in args for k in _kinds(arg)]
    return [annotation]
