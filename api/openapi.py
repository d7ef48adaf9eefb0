"""GET /api/v1/openapi.json: the API described as an OpenAPI 3 document (no key needed)."""
from flask import jsonify

from api import bp
from office import lifecycle


def schema_ref(name: str) -> dict:
    """A reference to one of the document's schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(name: str, description: str = "OK") -> dict:
    """A response whose body is the schema `name`."""
    return {"description": description, "content": {"application/json": {"schema": schema_ref(name)}}}


def error_response() -> dict:
    """The response every API error shares: {"error": {"code", "message"}}."""
    return json_response("Error", "Error")


def _body(name: str):
    return {"required": True, "content": {"application/json": {"schema": schema_ref(name)}}}


REFERENCE = {"name": "reference", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9]{10}$"},
             "description": "10 digits, the last a Damm check digit"}
ERRORS = {"400": error_response(), "401": error_response(), "404": error_response()}

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Lekas API", "version": "1",
             "description": "Services and applications of Kantor Camat Jekan Raya, "
                            "for kelurahan offices and agencies."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/services": {"get": {"summary": "List services",
                              "responses": {"200": json_response("ServiceList"), **ERRORS}}},
        "/services/{code}": {"get": {
            "summary": "One service", "parameters": [{"name": "code", "in": "path", "required": True,
                                                      "schema": {"type": "string"}}],
            "responses": {"200": json_response("Service"), **ERRORS}}},
        "/applications": {
            "post": {"summary": "Register an application", "requestBody": _body("NewApplication"),
                     "responses": {"201": json_response("Application", "Created"), **ERRORS}},
            "get": {"summary": "List applications", "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(lifecycle.STATUSES)}},
                {"name": "service", "in": "query", "schema": {"type": "string"}},
                {"name": "kelurahan", "in": "query", "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                "responses": {"200": json_response("ApplicationList"), **ERRORS}},
        },
        "/applications/{reference}": {"get": {
            "summary": "One application with its history", "parameters": [REFERENCE],
            "responses": {"200": json_response("Application"), **ERRORS}}},
        "/applications/{reference}/status": {"post": {
            "summary": "Move an application to a new status", "parameters": [REFERENCE],
            "requestBody": _body("StatusChange"),
            "responses": {"200": json_response("Application"), "409": error_response(), **ERRORS}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Bilingual": {"type": "object", "properties": {"id": {"type": "string"}, "en": {"type": "string"}}},
            "Service": {"type": "object", "properties": {
                "code": {"type": "string"}, "category": {"type": "string"},
                "name": {"$ref": "#/components/schemas/Bilingual"},
                "summary": {"$ref": "#/components/schemas/Bilingual"},
                "requirements": {"type": "array", "items": {"$ref": "#/components/schemas/Bilingual"}},
                "processing_time": {"$ref": "#/components/schemas/Bilingual"},
                "fee": {"$ref": "#/components/schemas/Bilingual"},
                "where": {"$ref": "#/components/schemas/Bilingual"},
                "issued_by": {"$ref": "#/components/schemas/Bilingual"},
                "legal_basis": {"type": "string"}}},
            "ServiceList": {"type": "object", "properties": {
                "services": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}}},
            "NewApplication": {"type": "object", "required": ["service", "applicant_name", "phone", "kelurahan"],
                               "properties": {
                                   "service": {"type": "string", "example": "KTP"},
                                   "applicant_name": {"type": "string", "maxLength": 120},
                                   "phone": {"type": "string", "example": "0812-3456-7890"},
                                   "kelurahan": {"type": "string", "example": "Menteng"},
                                   "note": {"type": "string", "maxLength": 500}}},
            "StatusChange": {"type": "object", "required": ["status"], "properties": {
                "status": {"type": "string", "enum": list(lifecycle.STATUSES)},
                "note": {"type": "string", "maxLength": 500,
                         "description": "Required for REJECTED (reason) and NEEDS_DOCUMENTS (what is missing)"}}},
            "Application": {"type": "object", "properties": {
                "reference": {"type": "string"}, "service": {"type": "string"},
                "applicant_name": {"type": "string"}, "phone": {"type": "string"},
                "kelurahan": {"type": "string"}, "status": {"type": "string", "enum": list(lifecycle.STATUSES)},
                "note": {"type": "string", "nullable": True}, "created_at": {"type": "string", "format": "date-time"},
                "status_changed_at": {"type": "string", "format": "date-time"},
                "history": {"type": "array", "items": {"type": "object"}}}},
            "ApplicationList": {"type": "object", "properties": {
                "applications": {"type": "array", "items": {"$ref": "#/components/schemas/Application"}},
                "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
        },
    },
}


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    """Let other API modules (messages, broadcasts) add their paths to the document."""
    DOCUMENT["paths"].update(paths)
    DOCUMENT["components"]["schemas"].update(schemas or {})


@bp.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)
