"""The SMS log over the API: every message in and out, newest first, for the staff console and agencies."""
from flask import g
from flask import jsonify
from flask import request
from sqlalchemy import func
from sqlalchemy import select

from api import bp
from api import iso
from api import needs
from api import page_args
from api import phones
from api.openapi import PAGE_PARAMETERS
from api.openapi import UNAUTHORIZED
from api.openapi import error_response
from api.openapi import filter_parameter
from api.openapi import forbidden
from api.openapi import json_response
from api.openapi import register_paths
from api.openapi import schema_ref
from extensions import db
from office import apikeys
from office import outbox
from office.apikeys import Scope
from office.errors import DomainError
from office.models import Application
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
@needs(Scope.MESSAGES_READ)
def list_messages():
    page, per_page = page_args()
    query = select(Message)
    place = apikeys.kelurahan_of(g.api_key)
    if place is not None:
        # Only messages about this kelurahan's applications; one about no application belongs to no kelurahan.
        query = query.join(Application, Message.application_id == Application.id).where(
            Application.kelurahan_id == place)
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


_TIME = {"type": "string", "format": "date-time", "nullable": True}
_OPTIONAL_TEXT = {"type": "string", "nullable": True}
_OPTIONAL_ID = {"type": "integer", "nullable": True}
_FIELDS = {
    "id": {"type": "integer"},
    "direction": {"type": "string", "enum": list(DIRECTIONS)},
    "phone": {"type": "string", "example": "+6281234567890"},
    "text": {"type": "string"},
    "status": {"type": "string", "enum": list(STATUSES)},
    "kind": schema_ref("MessageKind"),
    "priority": {"type": "string", "enum": [priority.value for priority in outbox.Priority]},
    "segments": {"type": "integer"},
    "encoding": {"type": "string", "enum": ["GSM-7", "UCS-2"]},
    "provider_id": _OPTIONAL_TEXT, "link_id": _OPTIONAL_TEXT,
    "in_reply_to_id": _OPTIONAL_ID, "application_id": _OPTIONAL_ID, "broadcast_id": _OPTIONAL_ID,
    "attempts": {"type": "integer"},
    "last_error": _OPTIONAL_TEXT,
    "created_at": {"type": "string", "format": "date-time"},
    "sent_at": _TIME, "delivered_at": _TIME, "failed_at": _TIME,
}

register_paths(
    {"/messages": {"get": {
        "summary": "The SMS log, newest first",
        "parameters": [
            filter_parameter("phone", {"anyOf": [schema_ref("Phone"),
                                                 {"type": "string", "pattern": phones.E164_PATTERN}]},
                             "This number's messages: an Indonesian mobile number in any documented form, or any "
                             "number in international form (+<country code><number>)."),
            filter_parameter("direction", {"type": "string", "enum": list(DIRECTIONS)},
                             "in: from citizens; out: from us."),
            filter_parameter("status", {"type": "string", "enum": list(STATUSES)},
                             "received for incoming messages."),
            *PAGE_PARAMETERS,
        ],
        "responses": {
            "200": json_response("MessageList"),
            "400": error_response("invalid_phone", "invalid_direction", "unknown_status", "invalid_page"),
            "401": UNAUTHORIZED, "403": forbidden(Scope.MESSAGES_READ)},
    }}},
    {
        "MessageKind": {"type": "string", "enum": [kind.value for kind in outbox.Kind]},
        "Message": {"type": "object", "required": list(_FIELDS), "properties": _FIELDS},
        "MessageList": {"type": "object", "required": ["messages", "page", "per_page", "total"], "properties": {
            "messages": {"type": "array", "items": schema_ref("Message")},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
    },
)
