"""GET /api/v1/services and /api/v1/services/<code>."""
from flask import jsonify

from api import bp
from office import catalog
from office.errors import NotFound


def service_json(service) -> dict:
    return {
        "code": service.code,
        "category": service.category,
        "name": service.name,
        "summary": service.summary,
        "requirements": service.requirements,
        "processing_time": service.processing_time,
        "fee": service.fee,
        "where": service.where,
        "issued_by": service.issued_by,
        "legal_basis": service.legal_basis,
    }


@bp.get("/services")
def list_services():
    return jsonify(services=[service_json(s) for s in catalog.services()])


@bp.get("/services/<code>")
def get_service(code):
    service = catalog.get_service(code)
    if service is None:
        raise NotFound(f"No service with code {code!r}.")
    return jsonify(service_json(service))
