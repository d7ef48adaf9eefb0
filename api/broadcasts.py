"""Broadcasts over the API: preview, create (now or scheduled), progress, cancel."""
from dataclasses import asdict

from flask import g
from flask import jsonify

from api import bp
from api import check_lengths
from api import iso
from api import json_body
from api.openapi import error_response
from api.openapi import json_response
from api.openapi import register_paths
from api.openapi import schema_ref
from extensions import db
from office import audience
from office import broadcasts
from office import outbox
from office.errors import DomainError
from office.gsm import GSM7_PART_LIMIT
from office.models import Broadcast

# The most characters MAX_SEGMENTS segments can carry (all GSM-7); longer, as sent, is refused before folding.
MAX_TEXT = broadcasts.MAX_SEGMENTS * GSM7_PART_LIMIT
TEXT_LIMITS = {"text": MAX_TEXT, "text_en": MAX_TEXT}
# Ids are whole numbers up to PostgreSQL's integer; anything else (even "preview") names no broadcast route.
MAX_ID = 2**31 - 1


def preview_json(preview: broadcasts.Preview) -> dict:
    return {**asdict(preview), "currency": "IDR"}


def broadcast_json(broadcast: Broadcast) -> dict:
    """A broadcast with its progress, as the API and its OpenAPI schema give it."""
    progress = broadcasts.progress(broadcast)
    return {
        "id": broadcast.id,
        "status": broadcast.status,
        "text": broadcast.text,
        "text_en": broadcast.text_en,
        "audience": broadcast.audience,
        "urgent": broadcast.urgent,
        "recipients": broadcast.recipients,
        "send_at": iso(broadcast.send_at),
        "created_at": iso(broadcast.created_at),
        "created_by": broadcast.created_by,
        "cancelled_at": iso(broadcast.cancelled_at),
        "finished_at": iso(broadcast.finished_at),
        "counts": progress.counts,
        "retried": progress.retried,
        "no_delivery_report": progress.no_delivery_report,
        "unknown": [{"id": u.id, "phone": u.phone, "kind": u.kind, "attempts": u.attempts, "error": u.error,
                     "since": iso(u.since)} for u in progress.unknown],
    }


def _fields(body: dict) -> tuple:
    """text, text_en and audience of a broadcast body, after the checks the document states and the domain leaves."""
    check_lengths(body, TEXT_LIMITS, code="text_too_long")
    wanted = body.get("audience")
    phones = wanted.get("phones") if isinstance(wanted, dict) else None
    # A number sent as a JSON number has lost any leading 0 or +, so it is refused rather than reported invalid.
    if isinstance(phones, list) and not all(isinstance(phone, str) for phone in phones):
        raise DomainError("phones must be a list of text.", code="invalid_audience")
    return body.get("text"), body.get("text_en"), wanted


@bp.post("/broadcasts/preview")
def preview_broadcast():
    body = json_body()
    return jsonify(preview_json(broadcasts.preview(*_fields(body))))


@bp.post("/broadcasts")
def create_broadcast():
    body = json_body()
    broadcast, summary = broadcasts.create(*_fields(body), send_at=body.get("send_at"),
                                           urgent=body.get("urgent", False), actor=g.actor)
    db.session.commit()
    return jsonify({**broadcast_json(broadcast), "preview": preview_json(summary)}), 201


@bp.get(f"/broadcasts/<int(max={MAX_ID}):broadcast_id>")
def get_broadcast(broadcast_id):
    return jsonify(broadcast_json(broadcasts.get(broadcast_id)))


@bp.post(f"/broadcasts/<int(max={MAX_ID}):broadcast_id>/cancel")
def cancel_broadcast(broadcast_id):
    broadcast = broadcasts.cancel(broadcast_id, actor=g.actor)
    db.session.commit()
    return jsonify(broadcast_json(broadcast))


_ERROR = error_response()
_ERRORS = {"400": _ERROR, "401": _ERROR}
_ID = {"name": "broadcast_id", "in": "path", "required": True,
       "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}
_BODY = {"required": True, "content": {"application/json": {"schema": schema_ref("NewBroadcast")}}}
_STATES = list(outbox.OUT_STATES)

register_paths(
    {
        "/broadcasts/preview": {"post": {
            "summary": "Who a broadcast would reach and what it would cost; creates nothing",
            "requestBody": _BODY, "responses": {"200": json_response("BroadcastPreview"), **_ERRORS}}},
        "/broadcasts": {"post": {
            "summary": "Create a broadcast, sent now or at send_at",
            "requestBody": _BODY,
            "responses": {"201": json_response("Broadcast", "Created"), **_ERRORS}}},
        "/broadcasts/{broadcast_id}": {"get": {
            "summary": "A broadcast's progress: counts per message state and outcomes to review",
            "parameters": [_ID], "responses": {"200": json_response("Broadcast"), "404": _ERROR, **_ERRORS}}},
        "/broadcasts/{broadcast_id}/cancel": {"post": {
            "summary": "Cancel a broadcast: recipients still queued are not sent to",
            "parameters": [_ID],
            "responses": {"200": json_response("Broadcast"), "404": _ERROR, "409": _ERROR, **_ERRORS}}},
    },
    {
        "Audience": {
            "type": "object",
            "description": 'One of {"all": true}, {"kelurahan": [names]}, {"service": code, "status": S} '
                           '(either or both), {"phones": [numbers]}. Opted-out and duplicate numbers are removed.',
            "properties": {
                "all": {"type": "boolean", "enum": [True]},
                "kelurahan": {"type": "array", "items": {"type": "string"}, "example": ["Menteng"]},
                "service": {"type": "string", "example": "KTP"},
                "status": {"type": "string", "example": "READY"},
                "phones": {"type": "array", "items": {"type": "string"}, "maxItems": audience.MAX_PHONES}}},
        "NewBroadcast": {
            "type": "object", "required": ["text", "audience"],
            "properties": {
                "text": {"type": "string", "description": "Bahasa Indonesia text"},
                "text_en": {"type": "string", "description": "English text for English-speaking recipients"},
                "audience": schema_ref("Audience"),
                "send_at": {"type": "string", "format": "date-time",
                            "description": "Later sending; without an offset it is office time. Default now."},
                "urgent": {"type": "boolean", "default": False,
                           "description": "Send during quiet hours too (emergencies only)"}}},
        "BroadcastPreview": {
            "type": "object",
            "properties": {
                "recipients": {"type": "integer"},
                "by_language": {"type": "object", "properties": {"id": {"type": "integer"},
                                                                 "en": {"type": "integer"}}},
                "segments": {"type": "object", "properties": {"id": {"type": "integer"},
                                                              "en": {"type": "integer", "nullable": True}}},
                "estimated_cost": {"type": "integer", "description": "segments x SMS_COST_PER_SEGMENT x recipients"},
                "currency": {"type": "string", "example": "IDR"},
                "removed_opted_out": {"type": "integer"},
                "removed_duplicates": {"type": "integer"},
                "invalid": {"type": "array", "items": {"type": "string"},
                            "description": "Pasted numbers that are not phone numbers"}}},
        "Broadcast": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": [broadcasts.SCHEDULED, broadcasts.SENDING, broadcasts.DONE,
                                                      broadcasts.CANCELLED]},
                "text": {"type": "string"}, "text_en": {"type": "string", "nullable": True},
                "audience": schema_ref("Audience"), "urgent": {"type": "boolean"},
                "recipients": {"type": "integer"},
                "send_at": {"type": "string", "format": "date-time"},
                "created_at": {"type": "string", "format": "date-time"},
                "created_by": {"type": "string"},
                "cancelled_at": {"type": "string", "format": "date-time", "nullable": True},
                "finished_at": {"type": "string", "format": "date-time", "nullable": True},
                "counts": {"type": "object", "properties": {state: {"type": "integer"} for state in _STATES}},
                "retried": {"type": "integer", "description": "Messages that needed more than one attempt"},
                "no_delivery_report": {"type": "integer",
                                       "description": "Sent, but no delivery report came within DLR_TIMEOUT_HOURS"},
                "unknown": {"type": "array", "description": "Outcome unknown (worker died during the send); "
                                                            "not resent, for staff to review",
                            "items": {"type": "object", "properties": {
                                "id": {"type": "integer"}, "phone": {"type": "string"},
                                "attempts": {"type": "integer"}, "error": {"type": "string"},
                                "since": {"type": "string", "format": "date-time"}}}},
                "preview": schema_ref("BroadcastPreview")}},
    },
)
