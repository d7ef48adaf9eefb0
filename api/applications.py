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
from api import page_args
from api import phones
from extensions import db
from office import applications
from office import catalog
from office import lifecycle
from office.errors import DomainError
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


@bp.post("/applications")
def create_application():
    body = json_body()
    check_lengths(body, NEW_LIMITS)
    application = applications.create_application(
        _name(body, "service"), body.get("applicant_name"), phones.mobile(body.get("phone")),
        _name(body, "kelurahan"), body.get("note"), actor=g.actor,
    )
    db.session.commit()
    return jsonify(application_json(application, with_history=True)), 201


@bp.get("/applications")
def list_applications():
    page, per_page = page_args()
    query = select(Application)
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
def get_application(reference):
    return jsonify(application_json(applications.get_by_reference(reference), with_history=True))


@bp.post("/applications/<reference>/status")
def change_status(reference):
    body = json_body()
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise DomainError("status is required.", code="missing_field")
    check_lengths(body, NOTE_LIMIT)
    application = applications.change_status(reference, status, body.get("note"), actor=g.actor)
    db.session.commit()
    return jsonify(application_json(application, with_history=True))
