"""OpenAPI extensions: describe the bearer-token scheme and the error envelope."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "consular.accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "Messages per field; nested fields are dotted (persons.0.name_zh).",
                },
            },
        }
    },
}


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique string (a UUID). A retry with the same key and body returns the first answer "
    "(with `Idempotent-Replayed: true`) and creates nothing; the same key with another body is refused (422).",
}
REQUEST_ID_HEADER = {
    "in": "header",
    "name": "X-Request-ID",
    "required": False,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{8,64}$"},
    "description": "Your id for this request; echoed in the answer and recorded in the audit log.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: every operation may answer with the error envelope and takes X-Request-ID; every
    POST takes Idempotency-Key."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            parameters = operation.setdefault("parameters", [])
            parameters.append(REQUEST_ID_HEADER)
            if method == "post":
                parameters.append(IDEMPOTENCY_HEADER)
                operation.setdefault("responses", {}).setdefault(
                    "422", {"description": "Idempotency-Key reused with another request",
                            "content": {"application/json": {"schema": ref}}})
            responses = operation.setdefault("responses", {})
            for status, description in [("400", "Invalid input"), ("401", "Not authenticated"),
                                        ("403", "Not allowed"), ("404", "Not found"), ("429", "Rate limited")]:
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": ref}}})
    return result
