"""GET /api/v1/openapi.json: the API described as an OpenAPI 3 document (no key needed).

Each route module adds its own paths with `register_paths`. The document states every rule that JSON Schema can
state: types, enums, lengths, patterns, bounds, required fields, and for every status a route answers the error
codes it can carry. The few rules JSON Schema cannot state (a reference's check digit, named by its `format`; a
text's SMS segments; how far ahead a broadcast may be scheduled; whether an audience reaches anyone) are explained
in the description and answered with the error code listed there.
"""
import copy

from flask import jsonify

from api import MAX_PAGE
from api import MAX_PER_PAGE
from api import bp
from api import phones
from office import catalog
from office import lifecycle
from office.apikeys import Scope

# Every error code the API answers, with what it means; responses list the codes they can carry.
ERROR_CODES = {
    "unauthorized": "no valid API key in `Authorization: Bearer <key>`",
    "too_many_requests": "the key (or, without one, the address) passed API_RATE_LIMIT; `Retry-After` says when to "
                         "come back",
    "insufficient_scope": "the key is valid but lacks the scope this request needs; `scope` names it",
    "other_kelurahan": "a key limited to one kelurahan may register applications of that kelurahan only",
    "not_found": "nothing has that reference, code or id",
    "malformed_json": "the body is not a JSON object",
    "request_entity_too_large": "the body is larger than 512 KB",
    "invalid_text": "a text holds a lone UTF-16 surrogate (such as `\\ud800`), which is no character",
    "missing_field": "a required field is missing, empty or only spaces",
    "invalid_field": "a field is not of its documented type",
    "field_too_long": "a text is longer than its maxLength",
    "unknown_service": "no active service has that code",
    "unknown_kelurahan": "no kelurahan has that name or code",
    "unknown_status": "not one of the documented statuses",
    "invalid_phone": "not a phone number of the documented form",
    "invalid_page": "page or per_page is not a whole number within its bounds",
    "invalid_direction": "direction is not `in` or `out`",
    "bad_reference": "a reference is not 10 digits",
    "bad_check_digit": "the reference's check digit does not match: it has a typo",
    "illegal_transition": "the lifecycle does not allow this move from `current_status`",
    "conflict": "another change moved the application first; `current_status` says where it is now",
    "text_too_long": "a text needs more than the documented SMS segments, or is longer than its maxLength",
    "invalid_audience": "the audience is not one of the documented forms",
    "invalid_send_at": "send_at is not an ISO 8601 time, or is too far ahead",
    "empty_audience": "no one in the audience can receive SMS right now",
    "not_cancellable": "the broadcast has already finished",
}
# What each scope of a key allows; every route but the services and this document needs one.
SCOPES = {
    Scope.READ: "reads applications and broadcasts",
    Scope.APPLICATIONS_WRITE: "registers applications and changes their status",
    Scope.BROADCAST: "previews, creates and cancels broadcasts",
    Scope.MESSAGES_READ: "reads the SMS log (not implied by `read`)",
}
# What every route that reads a JSON body can answer with its 400.
BODY_ERRORS = ("malformed_json", "invalid_text")


def schema_ref(name: str) -> dict:
    """A reference to one of the document's schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(name: str, description: str = "OK") -> dict:
    """A response whose body is the schema `name`."""
    return {"description": description, "content": {"application/json": {"schema": schema_ref(name)}}}


def error_response(*codes: str, **extra: dict) -> dict:
    """An error response, {"error": {"code", "message"}}, that carries one of `codes` and always the `extra` fields."""
    detail = {"type": "object", "required": ["code", "message", *extra],
              "properties": {"code": {"type": "string", "enum": list(codes)}, "message": {"type": "string"},
                             **extra}}
    meanings = "; ".join(f"`{code}`: {ERROR_CODES[code]}" for code in codes)
    return {"description": f"Error. {meanings}.", "content": {"application/json": {"schema": {
        "type": "object", "required": ["error"], "properties": {"error": detail}}}}}


def request_body(name: str) -> dict:
    """A required JSON request body of the schema `name`."""
    return {"required": True, "content": {"application/json": {"schema": schema_ref(name)}}}


def query_parameter(name: str, schema: dict, description: str) -> dict:
    """An optional query parameter."""
    return {"name": name, "in": "query", "schema": schema, "description": description}


def filter_parameter(name: str, schema: dict, description: str) -> dict:
    """A query parameter that narrows a list; sent empty, it is refused like any other value outside its schema."""
    return query_parameter(name, schema, f"{description} Sent empty, it is a 400 like any other value outside the "
                                         "schema, not \"no filter\".")


UNAUTHORIZED = error_response("unauthorized")


def forbidden(scope: Scope, *codes: str) -> dict:
    """The 403 of a route that needs `scope`: `insufficient_scope` naming it, or one of the route's own `codes`."""
    response = error_response("insufficient_scope", *codes)
    detail = response["content"]["application/json"]["schema"]["properties"]["error"]
    detail["properties"]["scope"] = {"type": "string", "enum": [scope.value],
                                     "description": "The scope the key lacks (with `insufficient_scope`)"}
    if not codes:
        detail["required"].append("scope")
    response["description"] += f" This route needs a key with the scope `{scope.value}`."
    return response


NOT_FOUND = error_response("not_found")
RATE_LIMITED = error_response("too_many_requests")


def with_body_errors(responses: dict, *codes: str) -> dict:
    """`responses` plus the 400 (with `codes`), 401 and 413 that every route reading a JSON body answers."""
    return {**responses, "400": error_response(*BODY_ERRORS, *codes), "401": UNAUTHORIZED,
            "413": error_response("request_entity_too_large")}


PAGE_PARAMETERS = [
    query_parameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                    "Page number, from 1"),
    query_parameter("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
                    "Page size"),
]
# A text must hold a character that is neither NUL (dropped on arrival) nor one Python strips as a space.
NOT_BLANK = r"[^\u0000\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Lekas API", "version": "1",
             "description": "Services, applications, the SMS log and broadcasts of Kantor Camat Jekan Raya, for "
                            "kelurahan offices and agencies. Every error is `{\"error\": {\"code\", \"message\"}}` "
                            "with a 4xx status; each response below lists the codes it can carry. A method a path "
                            "does not list is answered 405 with an `Allow` header.\n\nA key holds scopes: "
                            + "; ".join(f"`{scope.value}` {meaning}" for scope, meaning in SCOPES.items())
                            + ". Any valid key reads the services. A route's 403 names the scope it needs. A key "
                              "limited to one kelurahan sees and registers only that kelurahan's applications "
                              "(another one's is a 404), sees only the messages about them, and no broadcasts "
                              "(a 404); it cannot hold `broadcast`. Keys made before scopes hold every scope."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "A key from `flask --app app create-api-key NAME [--scope S ...] "
                                                      "[--kelurahan K]` or the console's API keys page"}},
        "schemas": {
            "Status": {"type": "string", "enum": list(lifecycle.STATUSES)},
            "Phone": {"type": "string", "pattern": phones.MOBILE_PATTERN, "example": "0812-3456-7890",
                      "description": "An Indonesian mobile number: +62 8…, 62 8… or 08…; a foreign or landline "
                                     "number is a 400 `invalid_phone`"},
            "Bilingual": {"type": "object", "required": ["id", "en"],
                          "properties": {"id": {"type": "string"}, "en": {"type": "string"}}},
        },
    },
}


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    """Let the route modules add their paths (and the schemas those use) to the document; every operation can
    also answer the rate limit's 429."""
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("429", RATE_LIMITED)
    DOCUMENT["paths"].update(paths)
    DOCUMENT["components"]["schemas"].update(schemas or {})


def _catalog_schemas() -> dict:
    # The catalog lives in the database (loaded from data/), so its codes and names are read per request.
    places = catalog.kelurahan_list()
    return {
        "ServiceCode": {"type": "string", "enum": [s.code for s in catalog.services()],
                        "description": "An active service's code (case and surrounding spaces are ignored)"},
        "Kelurahan": {"type": "string", "enum": [p.name for p in places] + [p.code for p in places],
                      "description": "A kelurahan's name or Kemendagri code (case, punctuation and close "
                                     "misspellings are forgiven)"},
    }


def document() -> dict:
    """The whole document, with the catalog's current service codes and kelurahan."""
    doc = copy.deepcopy(DOCUMENT)
    doc["components"]["schemas"].update(_catalog_schemas())
    return doc


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
