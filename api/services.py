"""GET /api/v1/services and /api/v1/services/<code>."""
from flask import jsonify

from api import bp
from api import needs
from api.openapi import NOT_FOUND
from api.openapi import UNAUTHORIZED
from api.openapi import json_response
from api.openapi import register_paths
from api.openapi import schema_ref
from office import catalog
from office.errors import NotFound

FIELDS = ("code", "category", "name", "summary", "requirements", "processing_time", "fee", "where", "issued_by",
          "legal_basis")


def service_json(service) -> dict:
    return {field: getattr(service, field) for field in FIELDS}


@bp.get("/services")
@needs(None)  # the catalog is public: any valid key reads it
def list_services():
    return jsonify(services=[service_json(s) for s in catalog.services()])


@bp.get("/services/<code>")
@needs(None)
def get_service(code):
    service = catalog.get_service(code)
    if service is None:
        raise NotFound(f"No service with code {code!r}.")
    return jsonify(service_json(service))


_TEXT = schema_ref("Bilingual")

register_paths(
    {
        "/services": {"get": {
            "summary": "The active services, in catalog order",
            "responses": {"200": json_response("ServiceList"), "401": UNAUTHORIZED}}},
        "/services/{code}": {"get": {
            "summary": "One service by its code (case-insensitive)",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": json_response("Service"), "401": UNAUTHORIZED, "404": NOT_FOUND}}},
    },
    {
        "Service": {"type": "object", "required": list(FIELDS), "properties": {
            "code": {"type": "string", "example": "KTP"}, "category": {"type": "string", "example": "adminduk"},
            "name": _TEXT, "summary": _TEXT, "requirements": {"type": "array", "items": _TEXT},
            "processing_time": _TEXT, "fee": _TEXT, "where": _TEXT, "issued_by": _TEXT,
            "legal_basis": {"type": "string"}}},
        "ServiceList": {"type": "object", "required": ["services"], "properties": {
            "services": {"type": "array", "items": schema_ref("Service")}}},
    },
)
