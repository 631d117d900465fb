"""OpenAPI generation tweaks.

Request bodies refuse unknown fields (``forbid_unknown_fields``), and the
document says so (``additionalProperties: false``), so clients and
schema-driven fuzzers know an extra field is a 422, not ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.plugins import OpenAPISchemaPlugin

from .dto.base import Request

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition

__all__ = ["StrictRequestSchemas"]


class StrictRequestSchemas(OpenAPISchemaPlugin):
    """Litestar's own struct schema, with ``additionalProperties: false`` for requests."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and field_definition.is_subclass_of(Request)

    def to_openapi_schema(self, field_definition: FieldDefinition,
                          schema_creator: SchemaCreator) -> Schema:
        builtin = next(p for p in schema_creator.plugins if p is not self
                       and schema_creator.plugin_supports_field(p, field_definition))
        schema = builtin.to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
