"""The OpenAPI 3 document, generated from the API's routes and their pydantic models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "details": {"type": "object"},
        "code": {"type": "string", "description": "Why the core refused, e.g. no_ort_table, break_negative"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    roles: list[str]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    out: type | None
    status: int
    paged: bool

    def query_models(self) -> list[type[BaseModel]]:
        """The models of the query's parameters: the operation's own, and paging where it pages."""
        from backend.web.schemas import PageQuery

        models = [m for m in (self.query,) if m is not None]
        if self.paged and (self.query is None or "page" not in self.query.model_fields):
            models.append(PageQuery)
        return models

    def query_names(self) -> set[str]:
        return {name for model in self.query_models() for name in model.model_fields}


def document(operations: list[Operation]) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, Any] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "piket API",
            "version": "1",
            "description": "Call-outs, roster, hours and settlement of the regional inspection team.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = _ref(op.out, schemas) if op.out else {"type": "object"}
    if op.paged:
        answer = {
            "type": "object",
            "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": answer},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    made: dict[str, Any] = {
        "summary": op.summary,
        "description": "Roles: " + ", ".join(op.roles),
        "operationId": op.method.lower() + re.sub(r"[/{}]+", "_", op.path).rstrip("_"),
        "parameters": _path_parameters(op.path) + _query_parameters(op, schemas),
        "responses": {
            str(op.status): {"description": "OK", "content": {"application/json": {"schema": answer}}},
            **{
                code: {"description": text, **error}
                for code, text in (
                    ("400", "Not JSON, or a stale form"),
                    ("401", "No valid token or session"),
                    ("403", "The role may not do this"),
                    ("404", "Not found"),
                    ("422", "A field is wrong or the operation is refused"),
                    ("503", "The database is away"),
                )
            },
        },
    }
    if op.body is not None:
        made["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body, schemas)}},
        }
    return made


def _ref(model: type, schemas: dict[str, Any]) -> dict[str, str]:
    schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {
            "name": n,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
        for n in names
    ]


def _query_parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for model in op.query_models():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        for name, field in schema["properties"].items():
            found.append({"name": name, "in": "query", "required": name in required, "schema": field})
    return found
