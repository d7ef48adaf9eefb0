"""Applications over the API: register, list, read with history, change status."""
from flask import g
from flask import jsonify
from flask import request
from sqlalchemy import func
from sqlalchemy import select

from api import bp
from api import check_lengths
from api import iso
from api import json_body
from api import needs
from api import page_args
from api import phones
from api.openapi import NOT_BLANK
from api.openapi import NOT_FOUND
from api.openapi import PAGE_PARAMETERS
from api.openapi import UNAUTHORIZED
from api.openapi import error_response
from api.openapi import filter_parameter
from api.openapi import forbidden
from api.openapi import json_response
from api.openapi import register_paths
from api.openapi import request_body
from api.openapi import schema_ref
from api.openapi import with_body_errors
from extensions import db
from office import apikeys
from office import applications
from office import catalog
from office import lifecycle
from office import references
from office.apikeys import Scope
from office.errors import DomainError
from office.errors import NotFound
from office.models import Application

NOTE_LIMIT = {"note": applications.MAX_NOTE}
NEW_LIMITS = {"applicant_name": applications.MAX_NAME, **NOTE_LIMIT}


def application_json(app: Application, with_history: bool = False) -> dict:
    data = {
        "reference": app.reference,
        "service": app.service.code,
        "applicant_name": app.applicant_name,
        "phone": app.phone,
        "kelurahan": app.kelurahan.name,
        "status": app.status,
        "note": app.note,
        "created_at": iso(app.created_at),
        "status_changed_at": iso(app.status_changed_at),
    }
    if with_history:
        data["history"] = [
            {"from": h.from_status, "to": h.to_status, "note": h.note, "by": h.actor,
             "at": iso(h.created_at)}
            for h in app.history
        ]
    return data


def _name(body: dict, field: str) -> str | None:
    # Codes and names are looked up leniently, so a list or a number must not reach the lookup as its spelling.
    value = body.get(field)
    return value if isinstance(value, str) else None


def _visible(reference) -> Application:
    """The application with `reference` when the key may see it; a 404 otherwise, the same whether it does not
    exist or belongs to another kelurahan (as the console answers a kelurahan account)."""
    application = applications.get_by_reference(reference)
    if not apikeys.sees(g.api_key, application):
        raise NotFound("No application with that reference.")
    return application


def _check_kelurahan(body: dict) -> None:
    place = apikeys.kelurahan_of(g.api_key)
    wanted = _name(body, "kelurahan")
    found = catalog.find_kelurahan(wanted) if place is not None and wanted else None
    # An unknown name is left to the domain, which answers unknown_kelurahan as it does for every key.
    if found is not None and found.id != place:
        raise apikeys.OtherKelurahan("This API key registers applications of its own kelurahan only.")


@bp.post("/applications")
@needs(Scope.APPLICATIONS_WRITE)
def create_application():
    body = json_body()
    check_lengths(body, NEW_LIMITS)
    _check_kelurahan(body)
    application = applications.create_application(
        _name(body, "service"), body.get("applicant_name"), phones.mobile(body.get("phone")),
        _name(body, "kelurahan"), body.get("note"), actor=g.actor,
    )
    db.session.commit()
    return jsonify(application_json(application, with_history=True)), 201


@bp.get("/applications")
@needs(Scope.READ)
def list_applications():
    page, per_page = page_args()
    query = select(Application)
    place = apikeys.kelurahan_of(g.api_key)
    if place is not None:
        # A ?kelurahan= naming another one narrows this to nothing, never widens it.
        query = query.where(Application.kelurahan_id == place)
    # A filter sent empty is refused like any other unknown value, never read as "no filter".
    if "status" in request.args:
        status = request.args["status"]
        if not lifecycle.is_status(status):
            raise DomainError(f"Unknown status {status!r}.", code="unknown_status")
        query = query.where(Application.status == status)
    if "service" in request.args:
        service = catalog.get_service(request.args["service"])
        if service is None:
            raise DomainError("Unknown service.", code="unknown_service")
        query = query.where(Application.service_id == service.id)
    if "kelurahan" in request.args:
        place = catalog.find_kelurahan(request.args["kelurahan"])
        if place is None:
            raise DomainError("Unknown kelurahan.", code="unknown_kelurahan")
        query = query.where(Application.kelurahan_id == place.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Application.created_at.desc(), Application.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify(applications=[application_json(a) for a in rows], page=page, per_page=per_page, total=total)


@bp.get("/applications/<reference>")
@needs(Scope.READ)
def get_application(reference):
    return jsonify(application_json(_visible(reference), with_history=True))


@bp.post("/applications/<reference>/status")
@needs(Scope.APPLICATIONS_WRITE)
def change_status(reference):
    body = json_body()
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise DomainError("status is required.", code="missing_field")
    check_lengths(body, NOTE_LIMIT)
    _visible(reference)
    application = applications.change_status(reference, status, body.get("note"), actor=g.actor)
    db.session.commit()
    return jsonify(application_json(application, with_history=True))


_EXAMPLE_BODY = "123456789"
REFERENCE = {
    "name": "reference", "in": "path", "required": True,
    "schema": {"type": "string", "format": "reference", "pattern": r"^[ .-]*([0-9][ .-]*){10}$",
               "example": _EXAMPLE_BODY + references.check_digit(_EXAMPLE_BODY)},
    "description": "10 digits, the last a Damm check digit (format `reference`); spaces, dashes and dots between "
                   "digits are ignored. A wrong check digit is a 400 `bad_check_digit`, an unknown reference a 404."}
_REFERENCE_ERRORS = ("bad_reference", "bad_check_digit")
_NOTE = {"type": "string", "maxLength": applications.MAX_NOTE}
_NOTE_REQUIRED = sorted(lifecycle.NOTE_REQUIRED)
_TIME = {"type": "string", "format": "date-time"}
_STATUS_OR_NONE = {"type": "string", "nullable": True, "enum": [*lifecycle.STATUSES, None]}

register_paths(
    {
        "/applications": {
            "post": {
                "summary": "Register an application in RECEIVED; the applicant gets an SMS with the reference",
                "requestBody": request_body("NewApplication"),
                "responses": with_body_errors(
                    {"201": json_response("Application", "Created, with its history")},
                    "unknown_service", "unknown_kelurahan", "missing_field", "invalid_field", "field_too_long",
                    "invalid_phone") | {"403": forbidden(Scope.APPLICATIONS_WRITE, "other_kelurahan")}},
            "get": {
                "summary": "List applications, newest first",
                "parameters": [
                    filter_parameter("status", schema_ref("Status"), "Only applications in this status."),
                    filter_parameter("service", schema_ref("ServiceCode"), "Only this service's applications."),
                    filter_parameter("kelurahan", schema_ref("Kelurahan"), "Only this kelurahan's applications."),
                    *PAGE_PARAMETERS],
                "responses": {
                    "200": json_response("ApplicationList"),
                    "400": error_response("unknown_status", "unknown_service", "unknown_kelurahan", "invalid_page"),
                    "401": UNAUTHORIZED, "403": forbidden(Scope.READ)}},
        },
        "/applications/{reference}": {"get": {
            "summary": "One application with its history", "parameters": [REFERENCE],
            "responses": {"200": json_response("Application"), "400": error_response(*_REFERENCE_ERRORS),
                          "401": UNAUTHORIZED, "403": forbidden(Scope.READ), "404": NOT_FOUND}}},
        "/applications/{reference}/status": {"post": {
            "summary": "Move an application to a new status; the applicant gets an SMS",
            "parameters": [REFERENCE], "requestBody": request_body("StatusChange"),
            "responses": {
                **with_body_errors({"200": json_response("Application", "Moved, with its history")},
                                   "missing_field", "invalid_field", "field_too_long", "unknown_status",
                                   *_REFERENCE_ERRORS),
                "403": forbidden(Scope.APPLICATIONS_WRITE),
                "404": NOT_FOUND,
                "409": error_response("illegal_transition", "conflict", current_status={
                    "type": "string", "enum": list(lifecycle.STATUSES),
                    "description": "Where the application is now"})}}},
    },
    {
        "NewApplication": {"type": "object", "required": ["service", "applicant_name", "phone", "kelurahan"],
                           "properties": {
                               "service": schema_ref("ServiceCode"),
                               "applicant_name": {"type": "string", "minLength": 1, "pattern": NOT_BLANK,
                                                  "maxLength": applications.MAX_NAME, "example": "Siti Rahmawati",
                                                  "description": "Not blank; runs of spaces are kept as one"},
                               "phone": schema_ref("Phone"),
                               "kelurahan": schema_ref("Kelurahan"),
                               "note": {**_NOTE, "nullable": True}}},
        "StatusChange": {
            "description": f"A note is required for {' and '.join(_NOTE_REQUIRED)}: the reason, or what is "
                           "missing. The lifecycle's moves are in the README; an illegal move is a 409.",
            "oneOf": [
                {"type": "object", "required": ["status", "note"], "properties": {
                    "status": {"type": "string", "enum": _NOTE_REQUIRED},
                    "note": {**_NOTE, "minLength": 1, "pattern": NOT_BLANK}}},
                {"type": "object", "required": ["status"], "properties": {
                    "status": {"type": "string",
                               "enum": [s for s in lifecycle.STATUSES if s not in lifecycle.NOTE_REQUIRED]},
                    "note": {**_NOTE, "nullable": True}}},
            ]},
        "HistoryEntry": {"type": "object", "required": ["from", "to", "note", "by", "at"], "properties": {
            "from": {**_STATUS_OR_NONE, "description": "None for the first entry"}, "to": schema_ref("Status"),
            "note": {"type": "string", "nullable": True}, "by": {"type": "string", "example": "api:agency"},
            "at": _TIME}},
        "Application": {"type": "object", "required": [
            "reference", "service", "applicant_name", "phone", "kelurahan", "status", "note", "created_at",
            "status_changed_at"], "properties": {
            "reference": {"type": "string", "pattern": "^[0-9]{10}$"}, "service": {"type": "string"},
            "applicant_name": {"type": "string"}, "phone": {"type": "string", "example": "+6281234567890"},
            "kelurahan": {"type": "string"}, "status": schema_ref("Status"),
            "note": {"type": "string", "nullable": True}, "created_at": _TIME, "status_changed_at": _TIME,
            "history": {"type": "array", "items": schema_ref("HistoryEntry"),
                        "description": "Oldest first; not in lists"}}},
        "ApplicationList": {"type": "object", "required": ["applications", "page", "per_page", "total"],
                            "properties": {
                                "applications": {"type": "array", "items": schema_ref("Application")},
                                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                "total": {"type": "integer"}}},
    },
)
