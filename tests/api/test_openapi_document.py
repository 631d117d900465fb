"""The OpenAPI document states the rules the server enforces (and the SPA generates from)."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest

from api.helpers import Api
from ktv_api.dto.auth import Registration
from ktv_api.dto.channels import ChannelCreate, ChannelUpdate

Json = dict[str, Any]


@pytest.fixture
async def document(api: Api) -> Json:
    r = await api.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc: Json = r.json()
    return doc


def _component(document: Json, name: str) -> Json:
    schema: Json = document["components"]["schemas"][name]
    return schema


def test_request_bodies_are_the_decoders_own_schemas(document: Json) -> None:
    """Every component equals what msgspec (the decoder) generates for the same type,
    with portable patterns."""
    _, generated = msgspec.json.schema_components(
        [ChannelCreate, ChannelUpdate, Registration], ref_template="#/components/schemas/{name}")
    for name, expected in generated.items():
        text = json.dumps(expected).replace("\\\\Z", "$")
        assert _normalised(_component(document, name)) == _normalised(json.loads(text)), name


def _normalised(schema: Any) -> Any:
    """Without descriptions (msgspec keeps docstring indentation) and null defaults
    (Litestar's spec objects cannot hold an explicit null default)."""
    if isinstance(schema, dict):
        return {k: _normalised(v) for k, v in schema.items()
                if k != "description" and not (k == "default" and v is None)}
    if isinstance(schema, list):
        return [_normalised(v) for v in schema]
    return schema


def test_the_rules_of_a_channel_are_stated(document: Json) -> None:
    channel = _component(document, "ChannelCreate")["properties"]
    assert channel["name"]["maxLength"] == 200
    assert channel["name"]["minLength"] == 1
    assert "pattern" in channel["name"]  # not only white space
    assert channel["description"]["maxLength"] == 5000
    number = channel["number"]["anyOf"][0]
    assert re.fullmatch(number["pattern"], "101.1")
    assert not re.fullmatch(number["pattern"], "0101")
    assert channel["logo_url"]["anyOf"][0]["format"] == "uri"
    assert "IANA" in channel["timezone"]["description"]
    block = _component(document, "BlockIn")
    assert block["properties"]["duration_mins"] == {
        "type": "integer", "minimum": 1, "maximum": 1440, "description": "1..1440 minutes"}
    assert "overlap" in block["description"]
    assert block["additionalProperties"] is False
    manual = _component(document, "ManualDto")["properties"]["items"]
    assert (manual["minItems"], manual["maxItems"]) == (1, 1000)
    assert _component(document, "ScheduleConfigIn")["properties"]["blocks"]["maxItems"] == 96
    decade = _component(document, "FilterDto")["properties"]["decade"]["anyOf"][0]
    assert (decade["minimum"], decade["maximum"], decade["multipleOf"]) == (1800, 2200, 10)
    assert {"type": "null"} in channel["logo_url"]["anyOf"]


def test_passwords_and_emails_are_stated(document: Json) -> None:
    registration = _component(document, "Registration")["properties"]
    assert (registration["password"]["minLength"], registration["password"]["maxLength"]) == (
        8, 1024)
    assert registration["email"]["format"] == "email"
    assert registration["email"]["maxLength"] == 254


def test_patterns_are_portable(document: Json) -> None:
    text = json.dumps(document)
    assert "\\\\Z" not in text
    assert "\\\\s" not in text


def test_the_cursor_is_an_opaque_string_with_its_own_error(document: Json) -> None:
    operation = document["paths"]["/api/v1/library/items"]["get"]
    cursor = next(p for p in operation["parameters"] if p["name"] == "cursor")
    assert "urn:ktv:problem:invalid-cursor" in cursor["description"]
    assert "invalid-cursor" in operation["responses"]["422"]["description"]


def test_every_operation_documents_its_problem_responses(document: Json) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if operation.get("requestBody"):
                assert {"400", "413", "422"} <= responses.keys(), (method, path)
            if operation.get("parameters"):
                assert "400" in responses, (method, path)
            if operation.get("security"):
                assert "401" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert "application/problem+json" in response["content"], (method, path)


def test_a_created_channel_links_to_what_a_client_does_next(document: Json) -> None:
    operations = {op["operationId"]: (method, path)
                  for path, item in document["paths"].items() for method, op in item.items()}
    links = document["paths"]["/api/v1/channels"]["post"]["responses"]["201"]["links"]
    targets = {operations[link["operationId"]] for link in links.values()}
    channel = "/api/v1/channels/{channel_id}"
    assert {("get", channel), ("put", channel), ("patch", channel), ("delete", channel),
            ("post", channel + "/schedule"), ("get", channel + "/schedule")} <= targets
    for link in links.values():
        assert link["parameters"] == {"channel_id": "$response.body#/id"}
