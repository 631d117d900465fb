"""A small structural validator for the saved Jellyfin OpenAPI subset (no jsonschema needed).

Checks what matters for a fake's fidelity: no property the schema does not
declare (``additionalProperties: false``), JSON types, ``nullable``, enums
(also through ``allOf`` refs), array items and maps. Formats are not checked
except that ``uuid`` ids must be Jellyfin's 32-hex "N" form.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SPEC = (Path(__file__).resolve().parents[1] / "fakes" / "specs"
        / "jellyfin-openapi-12.0-subset.json")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,)}


@cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC.read_text())
    return data


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec()["components"]["schemas"][name]
    return schema


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Problems found (empty when ``value`` conforms)."""
    schema = _resolve(schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{path}: null not allowed"]
    errors: list[str] = []
    for sub in schema.get("allOf", []):
        errors += validate(value, sub, path)
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in enum")
    kind = schema.get("type")
    if kind is not None:
        ok = isinstance(value, _TYPES[kind]) and not (kind != "boolean"
                                                      and isinstance(value, bool))
        if not ok:
            return [*errors, f"{path}: expected {kind}, got {type(value).__name__}"]
    if schema.get("format") == "uuid" and isinstance(value, str) \
            and not _HEX32.fullmatch(value):
        errors.append(f"{path}: {value!r} is not a 32-hex Guid")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errors += validate(v, schema["items"], f"{path}[{i}]")
    if isinstance(value, dict):
        props: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, v in value.items():
            if key in props:
                errors += validate(v, props[key], f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                errors += validate(v, extra, f"{path}.{key}")
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key!r}")
    return errors


def response_schema(path: str, method: str = "get") -> dict[str, Any]:
    ok = spec()["paths"][path][method]["responses"]["200"]["content"]
    schema: dict[str, Any] = ok["application/json"]["schema"]
    return schema
