"""The OpenAPI document, finished so that it states what the server enforces.

Litestar generates the document from the routes; :func:`finish_document`
then, once per app:

- replaces the schema of every msgspec Struct a route reads or writes with the
  one msgspec itself generates from the same type (``msgspec.json.schema``),
  so every rule the decoder applies (lengths, patterns, ranges, array sizes,
  enums, nullable fields, ``additionalProperties: false``, the tagged union of
  block contents, constraints on list items) is in the document, exactly;
- writes patterns in their portable form (``\\Z`` -> ``$``, see ``dto.rules``);
- adds the problem responses every operation can give whatever it does: 400
  (a malformed parameter or body) when it takes any, 401 when it needs a
  token, 413 and 422 when it reads a body;
- adds OpenAPI links: from a created channel to reading, updating, generating,
  reading the schedule of and deleting it, and from a generation to its
  channel's schedule, now and EPG.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Iterator
from typing import Any, Final

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    Discriminator,
    Link,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    Schema,
)

from .problems import PROBLEM_JSON, describe_problem

__all__ = ["finish_document"]

_REF: Final = "#/components/schemas/{name}"
_END: Final = re.compile(r"\\Z$")
_KEYS: Final = {
    "title": "title", "description": "description", "type": "type", "format": "format",
    "pattern": "pattern", "enum": "enum", "const": "const", "default": "default",
    "examples": "examples", "minLength": "min_length", "maxLength": "max_length",
    "minimum": "minimum", "maximum": "maximum", "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum", "multipleOf": "multiple_of",
    "minItems": "min_items", "maxItems": "max_items", "uniqueItems": "unique_items",
    "required": "required", "minProperties": "min_properties",
    "maxProperties": "max_properties",
}
_NESTED: Final = {"items": "items", "additionalProperties": "additional_properties",
                  "not": "schema_not"}
_NESTED_LISTS: Final = {"anyOf": "any_of", "oneOf": "one_of", "allOf": "all_of",
                        "prefixItems": "prefix_items"}


def finish_document(app: Litestar) -> OpenAPI:
    """The app's document, finished (see the module docstring); idempotent."""
    document = app.openapi_schema
    if getattr(document, "_ktv_finished", False):
        return document
    _use_msgspec_schemas(app, document)
    for operation in _operations(document):
        _add_problem_responses(operation)
        for parameter in operation.parameters or []:
            schema = getattr(parameter, "schema", None)
            if isinstance(schema, Schema) and schema.pattern:
                schema.pattern = _portable(schema.pattern)
    _add_links(document)
    document._ktv_finished = True  # type: ignore[attr-defined]
    return document


# -- schemas ------------------------------------------------------------------------------


def _use_msgspec_schemas(app: Litestar, document: OpenAPI) -> None:
    structs: dict[str, type[msgspec.Struct]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            fields = [handler.parsed_data_field, handler.parsed_return_field]
            types = [f.annotation for f in fields if f is not None]
            types += [spec.data_container for spec in (handler.responses or {}).values()]
            for tp in types:
                for struct in _structs(tp):
                    structs.setdefault(struct.__name__, struct)
    if not structs:
        return
    _, generated = msgspec.json.schema_components(list(structs.values()), ref_template=_REF)
    assert document.components is not None
    schemas = document.components.schemas
    assert schemas is not None
    for name, definition in generated.items():
        converted = _schema(definition)
        assert isinstance(converted, Schema)  # components are never bare references
        schemas[name] = converted


def _structs(tp: Any) -> Iterator[type[msgspec.Struct]]:
    """The msgspec Structs in a handler's type (``Response[list[X] | None]`` -> X)."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        yield tp
        return
    # Unions, lists, Annotated, Litestar's Response[T]: look inside.
    for arg in typing.get_args(tp):
        yield from _structs(arg)


def _schema(definition: Any) -> Schema | Reference:
    """A Litestar spec object for one of msgspec's JSON Schema dicts."""
    if "$ref" in definition:
        return Reference(ref=definition["$ref"])
    schema = Schema()
    for key, value in definition.items():
        if key in _KEYS:
            if key == "pattern":
                value = _portable(value)
            elif key == "description":
                value = inspect.cleandoc(value)
            setattr(schema, _KEYS[key], value)
        elif key in _NESTED:
            setattr(schema, _NESTED[key], value if isinstance(value, bool) else _schema(value))
        elif key in _NESTED_LISTS:
            setattr(schema, _NESTED_LISTS[key], [_schema(v) for v in value])
        elif key == "properties":
            schema.properties = {k: _schema(v) for k, v in value.items()}
        elif key == "discriminator":
            schema.discriminator = Discriminator(property_name=value["propertyName"],
                                                 mapping=value.get("mapping"))
        else:  # a keyword this converter does not know would silently drop a rule
            raise ValueError(f"unsupported JSON Schema keyword {key!r} from msgspec")
    return schema


def _portable(pattern: str) -> str:
    return _END.sub("$", pattern)


# -- responses ----------------------------------------------------------------------------


def _operations(document: OpenAPI) -> Iterator[Operation]:
    for item in (document.paths or {}).values():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation = getattr(item, method, None)
            if isinstance(operation, Operation):
                yield operation


def _add_problem_responses(operation: Operation) -> None:
    wanted: list[int] = []
    if operation.parameters or operation.request_body:
        wanted.append(400)
    if operation.security:
        wanted.append(401)
    if operation.request_body:
        wanted += [413, 422]
    responses = operation.responses if operation.responses is not None else {}
    for wanted_status in wanted:
        responses.setdefault(str(wanted_status), _problem(wanted_status))
    for key, response in list(responses.items()):
        # Litestar's own 400 ("Validation Exception", plain JSON) is not what we answer.
        if (int(key) >= 400 and isinstance(response, OpenAPIResponse)
                and PROBLEM_JSON not in (response.content or {})):
            responses[key] = _problem(int(key))
    operation.responses = dict(sorted(responses.items()))


def _problem(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(description=describe_problem(status), content={
        PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=_REF.format(name="Problem")))})


# -- links --------------------------------------------------------------------------------

_CHANNEL: Final = "/api/v1/channels/{channel_id}"
_CREATED_CHANNEL: Final = {
    "GetChannel": ("get", _CHANNEL), "UpdateChannel": ("put", _CHANNEL),
    "PatchChannel": ("patch", _CHANNEL), "GenerateSchedule": ("post", _CHANNEL + "/schedule"),
    "ReadSchedule": ("get", _CHANNEL + "/schedule"), "NowPlaying": ("get", _CHANNEL + "/now"),
    "ReadEpg": ("get", _CHANNEL + "/epg"), "DeleteChannel": ("delete", _CHANNEL),
}
_GENERATED: Final = {
    "ReadSchedule": ("get", _CHANNEL + "/schedule"), "NowPlaying": ("get", _CHANNEL + "/now"),
    "ReadEpg": ("get", _CHANNEL + "/epg"),
}


def _add_links(document: OpenAPI) -> None:
    _link(document, ("post", "/api/v1/channels", "201"), _CREATED_CHANNEL, "$response.body#/id")
    _link(document, ("post", _CHANNEL + "/schedule", "201"), _GENERATED,
          "$response.body#/channel_id")


def _link(document: OpenAPI, source: tuple[str, str, str],
          targets: dict[str, tuple[str, str]], channel_id: str) -> None:
    paths = document.paths or {}
    method, path, status = source
    item = paths.get(path)
    operation = getattr(item, method, None) if item is not None else None
    response = (operation.responses or {}).get(status) if operation is not None else None
    if not isinstance(response, OpenAPIResponse):
        return
    links: dict[str, Link | Reference] = dict(response.links or {})
    for name, (target_method, target_path) in targets.items():
        target_item = paths.get(target_path)
        target = getattr(target_item, target_method, None) if target_item else None
        if isinstance(target, Operation) and target.operation_id:
            links[name] = Link(operation_id=target.operation_id,
                               parameters={"channel_id": channel_id})
    response.links = links or None
