"""The SMS log over the API: every message in and out, newest first, for the staff console and agencies."""
from flask import jsonify
from flask import request
from sqlalchemy import func
from sqlalchemy import select

from api import bp
from api import iso
from api import page_args
from api import phones
from api.openapi import error_response
from api.openapi import register_paths
from extensions import db
from office import outbox
from office.errors import DomainError
from office.models import Message

DIRECTIONS = ("in", "out")
STATUSES = (outbox.RECEIVED, *outbox.OUT_STATES)


def message_json(message: Message) -> dict:
    return {
        "id": message.id,
        "direction": message.direction,
        "phone": message.phone,
        "text": message.text,
        "status": message.status,
        "kind": message.kind,
        "priority": message.priority,
        "segments": message.segments,
        "encoding": message.encoding,
        "provider_id": message.provider_id,
        "link_id": message.link_id,
        "in_reply_to_id": message.in_reply_to_id,
        "application_id": message.application_id,
        "broadcast_id": message.broadcast_id,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": iso(message.created_at),
        "sent_at": iso(message.sent_at),
        "delivered_at": iso(message.delivered_at),
        "failed_at": iso(message.failed_at),
    }


@bp.get("/messages")
def list_messages():
    page, per_page = page_args()
    query = select(Message)
    # A filter sent empty is refused like any other unknown value, never read as "no filter".
    if "phone" in request.args:
        query = query.where(Message.phone == phones.stored_form(request.args["phone"]))
    if "direction" in request.args:
        direction = request.args["direction"]
        if direction not in DIRECTIONS:
            raise DomainError("direction is in or out.", code="invalid_direction")
        query = query.where(Message.direction == direction)
    if "status" in request.args:
        status = request.args["status"]
        if status not in STATUSES:
            raise DomainError(f"status is one of {', '.join(STATUSES)}.", code="unknown_status")
        query = query.where(Message.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Message.created_at.desc(), Message.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify(messages=[message_json(m) for m in rows], page=page, per_page=per_page, total=total)


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


_ERROR = error_response()
_TIME = {"type": "string", "format": "date-time", "nullable": True}

register_paths(
    {"/messages": {"get": {
        "summary": "The SMS log, newest first",
        "parameters": [
            _query("phone", {"type": "string", "example": "0812-3456-7890"}, "Any Indonesian form of the number"),
            _query("direction", {"type": "string", "enum": list(DIRECTIONS)}, "in: from citizens; out: from us"),
            _query("status", {"type": "string", "enum": list(STATUSES)}, "received for incoming messages"),
            _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1"),
            _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size, default 50"),
        ],
        "responses": {"200": {"description": "OK", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/MessageList"}}}},
            "400": _ERROR, "401": _ERROR},
    }}},
    {
        "Message": {"type": "object", "properties": {
            "id": {"type": "integer"},
            "direction": {"type": "string", "enum": list(DIRECTIONS)},
            "phone": {"type": "string", "example": "+6281234567890"},
            "text": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "kind": {"type": "string", "example": "reply"},
            "priority": {"type": "string", "enum": ["high", "bulk"]},
            "segments": {"type": "integer"},
            "encoding": {"type": "string", "enum": ["GSM-7", "UCS-2"]},
            "provider_id": {"type": "string", "nullable": True},
            "link_id": {"type": "string", "nullable": True},
            "in_reply_to_id": {"type": "integer", "nullable": True},
            "application_id": {"type": "integer", "nullable": True},
            "broadcast_id": {"type": "integer", "nullable": True},
            "attempts": {"type": "integer"},
            "last_error": {"type": "string", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "sent_at": _TIME, "delivered_at": _TIME, "failed_at": _TIME}},
        "MessageList": {"type": "object", "properties": {
            "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
    },
)
