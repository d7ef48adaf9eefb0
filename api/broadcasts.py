"""Broadcasts over the API: preview, create (now or scheduled), progress, cancel."""
from dataclasses import asdict

from flask import g
from flask import jsonify

from api import bp
from api import check_lengths
from api import iso
from api import json_body
from api import needs
from api.openapi import NOT_BLANK
from api.openapi import NOT_FOUND
from api.openapi import UNAUTHORIZED
from api.openapi import error_response
from api.openapi import forbidden
from api.openapi import json_response
from api.openapi import register_paths
from api.openapi import request_body
from api.openapi import schema_ref
from api.openapi import with_body_errors
from extensions import db
from office import apikeys
from office import audience
from office import broadcasts
from office import outbox
from office.apikeys import Scope
from office.errors import DomainError
from office.errors import NotFound
from office.gsm import GSM7_PART_LIMIT
from office.gsm import UCS2_PART_LIMIT
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
@needs(Scope.BROADCAST)
def preview_broadcast():
    body = json_body()
    return jsonify(preview_json(broadcasts.preview(*_fields(body))))


@bp.post("/broadcasts")
@needs(Scope.BROADCAST)
def create_broadcast():
    body = json_body()
    broadcast, summary = broadcasts.create(*_fields(body), send_at=body.get("send_at"),
                                           urgent=body.get("urgent", False), actor=g.actor)
    db.session.commit()
    return jsonify({**broadcast_json(broadcast), "preview": preview_json(summary)}), 201


@bp.get(f"/broadcasts/<int(max={MAX_ID}):broadcast_id>")
@needs(Scope.READ)
def get_broadcast(broadcast_id):
    if not apikeys.sees_broadcasts(g.api_key):
        raise NotFound(f"No broadcast {broadcast_id}.")
    return jsonify(broadcast_json(broadcasts.get(broadcast_id)))


@bp.post(f"/broadcasts/<int(max={MAX_ID}):broadcast_id>/cancel")
@needs(Scope.BROADCAST)
def cancel_broadcast(broadcast_id):
    broadcast = broadcasts.cancel(broadcast_id, actor=g.actor)
    db.session.commit()
    return jsonify(broadcast_json(broadcast))


_ID = {"name": "broadcast_id", "in": "path", "required": True,
       "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}
_TEXT_ERRORS = ("missing_field", "invalid_field", "text_too_long", "invalid_audience",
                "unknown_kelurahan", "unknown_service", "unknown_status")
_SMS = {"type": "string", "maxLength": MAX_TEXT,
        "description": f"At most {broadcasts.MAX_SEGMENTS} SMS segments once typographic quotes, "
                       f"dashes and spaces are folded to GSM-7: {MAX_TEXT} GSM-7 characters, those of the "
                       f"extension table counting twice, or {broadcasts.MAX_SEGMENTS * UCS2_PART_LIMIT} UTF-16 "
                       f"units when any character needs UCS-2. More, or more than maxLength as sent, is a 400 "
                       f"`text_too_long`."}
_TEXTS = {
    "text": {**_SMS, "minLength": 1, "pattern": NOT_BLANK, "description": "Bahasa Indonesia text. " + _SMS[
        "description"]},
    "text_en": {**_SMS, "nullable": True,
                "description": "English text for English-speaking recipients; empty or null: none. "
                               + _SMS["description"]},
    "audience": schema_ref("Audience"),
}
_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {**_TIME, "nullable": True}
_STATES = list(outbox.OUT_STATES)


def _audience(name: str, description: str, **properties) -> dict:
    return {"type": "object", "title": name, "description": description, "required": list(properties),
            "additionalProperties": False, "properties": properties}


register_paths(
    {
        "/broadcasts/preview": {"post": {
            "summary": "Who a broadcast would reach and what it would cost; creates nothing",
            "requestBody": request_body("BroadcastText"),
            "responses": with_body_errors({"200": json_response("BroadcastPreview"),
                                           "403": forbidden(Scope.BROADCAST)}, *_TEXT_ERRORS)}},
        "/broadcasts": {"post": {
            "summary": "Create a broadcast, sent now or at send_at",
            "requestBody": request_body("NewBroadcast"),
            "responses": with_body_errors({"201": json_response("Broadcast", "Created, with its preview"),
                                           "403": forbidden(Scope.BROADCAST)},
                                          *_TEXT_ERRORS, "invalid_send_at", "empty_audience")}},
        "/broadcasts/{broadcast_id}": {"get": {
            "summary": "A broadcast's progress: counts per message state and outcomes to review",
            "parameters": [_ID],
            "responses": {"200": json_response("Broadcast"), "401": UNAUTHORIZED, "403": forbidden(Scope.READ),
                          "404": NOT_FOUND}}},
        "/broadcasts/{broadcast_id}/cancel": {"post": {
            "summary": "Cancel a broadcast: recipients still queued are not sent to; cancelling twice changes "
                       "nothing",
            "parameters": [_ID],
            "responses": {"200": json_response("Broadcast"), "401": UNAUTHORIZED,
                          "403": forbidden(Scope.BROADCAST), "404": NOT_FOUND,
                          "409": error_response("not_cancellable")}}},
    },
    {
        "Audience": {
            "description": "Who receives a broadcast. Opted-out and duplicate numbers are always removed.",
            "oneOf": [
                _audience("All", "Every subscriber", all={"type": "boolean", "enum": [True]}),
                _audience("Kelurahan", "Subscribers of these kelurahan", kelurahan={
                    "type": "array", "minItems": 1, "maxItems": audience.MAX_KELURAHAN,
                    "items": schema_ref("Kelurahan")}),
                _audience("Phones", "A pasted list: texts that are not phone numbers are reported in the "
                                    "preview's `invalid` and skipped", phones={
                    "type": "array", "minItems": 1, "maxItems": audience.MAX_PHONES,
                    "items": {"type": "string", "example": "0812-3456-7890"}}),
                {**_audience("Applicants", "Applicants of a service, in a status, or both",
                             service=schema_ref("ServiceCode"), status=schema_ref("Status")),
                 "required": [], "minProperties": 1},
            ]},
        "BroadcastText": {"type": "object", "required": ["text", "audience"], "properties": _TEXTS},
        "NewBroadcast": {
            "type": "object", "required": ["text", "audience"],
            "description": "A broadcast whose audience reaches no one right now is a 400 `empty_audience`.",
            "properties": {
                **_TEXTS,
                "send_at": {"type": "string", "nullable": True, "example": "2026-12-01T08:00:00+07:00",
                            "description": f"When to send: an ISO 8601 time, in office time "
                                           f"(WIB) when it has no offset, at most "
                                           f"{broadcasts.MAX_SCHEDULE_AHEAD.days} days ahead. Empty, null or past: "
                                           f"now."},
                "urgent": {"type": "boolean", "default": False,
                           "description": "Send during quiet hours too (emergencies only)"}}},
        "BroadcastPreview": {
            "type": "object",
            "required": ["recipients", "by_language", "segments", "estimated_cost", "currency",
                         "removed_opted_out", "removed_duplicates", "invalid"],
            "properties": {
                "recipients": {"type": "integer"},
                "by_language": {"type": "object", "required": ["id", "en"],
                                "properties": {"id": {"type": "integer"}, "en": {"type": "integer"}}},
                "segments": {"type": "object", "required": ["id", "en"],
                             "properties": {"id": {"type": "integer"},
                                            "en": {"type": "integer", "nullable": True}}},
                "estimated_cost": {"type": "integer", "description": "segments x SMS_COST_PER_SEGMENT x recipients"},
                "currency": {"type": "string", "enum": ["IDR"]},
                "removed_opted_out": {"type": "integer"},
                "removed_duplicates": {"type": "integer"},
                "invalid": {"type": "array", "items": {"type": "string"},
                            "description": "Pasted values that are not phone numbers (each cut to 40 characters)"}}},
        "Broadcast": {
            "type": "object",
            "required": ["id", "status", "text", "text_en", "audience", "urgent", "recipients", "send_at",
                         "created_at", "created_by", "cancelled_at", "finished_at", "counts", "retried",
                         "no_delivery_report", "unknown"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": [broadcasts.SCHEDULED, broadcasts.SENDING, broadcasts.DONE,
                                                      broadcasts.CANCELLED]},
                "text": {"type": "string"}, "text_en": {"type": "string", "nullable": True},
                "audience": schema_ref("Audience"), "urgent": {"type": "boolean"},
                "recipients": {"type": "integer"},
                "send_at": _TIME, "created_at": _TIME, "created_by": {"type": "string"},
                "cancelled_at": _OPTIONAL_TIME, "finished_at": _OPTIONAL_TIME,
                "counts": {"type": "object", "required": _STATES,
                           "properties": {state: {"type": "integer"} for state in _STATES}},
                "retried": {"type": "integer", "description": "Messages that needed more than one attempt"},
                "no_delivery_report": {"type": "integer",
                                       "description": "Sent, but no delivery report came within DLR_TIMEOUT_HOURS"},
                "unknown": {"type": "array", "description": "Outcome unknown (worker died during the send); "
                                                            "not resent, for staff to review",
                            "items": {"type": "object", "properties": {
                                "id": {"type": "integer"}, "phone": {"type": "string"},
                                "kind": schema_ref("MessageKind"),
                                "attempts": {"type": "integer"},
                                "error": {"type": "string", "nullable": True},
                                "since": {"type": "string", "format": "date-time"}}}},
                "preview": schema_ref("BroadcastPreview")}},
    },
)
