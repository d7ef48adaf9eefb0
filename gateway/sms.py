"""SMS webhooks: incoming messages (POST /sms/incoming), delivery reports (POST /sms/delivery) and
AT's bulk-SMS opt-out notification (POST /sms/optout).

Each answers quickly and never calls the telco itself: replies are outbox rows, sent by a job after
the transaction commits. AT retries a callback it thinks failed, so the same incoming message can
arrive twice; its `id` is stored with the message, and the unique column makes the second delivery
change nothing and send nothing.
"""
import hashlib
import logging

from flask import current_app
from flask import request
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from gateway import bp
from office import delivery
from office import optout
from office import outbox
from office import sms_commands
from office.gsm import analyze
from office.models import Message
from office.phones import InvalidPhone
from office.phones import normalize

log = logging.getLogger(__name__)

# Longer ids are not AT's; storing a digest keeps them unique without overflowing the column.
EXTERNAL_ID_SIZE = 80
LINK_ID_SIZE = 120
# Without an id, the same text from the same phone within this many seconds is taken as a redelivery.
FINGERPRINT_TTL = 300


def _plain(status: int, text: str = ""):
    return text, status, {"Content-Type": "text/plain; charset=utf-8"}


def _missing(*names: str):
    missing = [name for name in names if name not in request.form]
    return _plain(400, f"Missing field(s): {', '.join(missing)}") if missing else None


def _phone(raw: str) -> str | None:
    try:
        return normalize(raw)
    except InvalidPhone:
        return None


@bp.post("/sms/incoming")
def incoming_sms():
    """A citizen's SMS to the short code: store it, act on it and queue the reply, all in one commit."""
    refused = _missing("from", "text")
    if refused:
        return refused
    phone = _phone(request.form["from"])
    if phone is None:
        return _plain(200)  # no one to answer
    text = request.form["text"].replace("\x00", "")
    external_id = _external_id(request.form.get("id", "").strip())
    if external_id is None and _seen_recently(phone, text):
        return _plain(200)
    link_id = request.form.get("linkId", "").strip()
    link_id = link_id if 0 < len(link_id) <= LINK_ID_SIZE else None
    for attempt in range(2):
        try:
            _handle(phone, text, external_id, link_id)
            return _plain(200)
        except IntegrityError:
            db.session.rollback()
            if external_id and db.session.scalar(select(Message.id).where(Message.external_id == external_id)):
                return _plain(200)  # delivered twice; the first delivery already answered
            # Another message from a new phone created its citizen row at the same moment: try again.
            log.info("incoming SMS raced another write (attempt %d)", attempt + 1)
    return _plain(503, "Busy, please retry.")


def _external_id(raw: str) -> str | None:
    if not raw:
        return None
    if len(raw) <= EXTERNAL_ID_SIZE:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _seen_recently(phone: str, text: str) -> bool:
    key = "sms:incoming:" + hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()
    try:
        return not current_app.extensions["redis"].set(key, 1, nx=True, ex=FINGERPRINT_TTL)
    except RedisError:
        return False  # answering twice is better than never


def _handle(phone: str, text: str, external_id: str | None, link_id: str | None) -> None:
    length = analyze(text)
    message = Message(direction="in", phone=phone, text=text, segments=length.segments, encoding=length.encoding,
                      status=outbox.RECEIVED, kind="incoming", external_id=external_id, link_id=link_id)
    db.session.add(message)
    # Flushing first makes a redelivery fail here, before anything else is done.
    db.session.flush()
    reply = sms_commands.answer(phone, text)
    if reply is not None:
        outbox.queue_sms(phone, reply.text, reply.kind, link_id=link_id, in_reply_to_id=message.id)
    db.session.commit()


@bp.post("/sms/delivery")
def delivery_report():
    """AT's delivery report for a message we sent (form: id, status, phoneNumber, networkCode, failureReason)."""
    refused = _missing("id", "status")
    if refused:
        return refused
    provider_id = request.form["id"].strip()
    status = request.form["status"].strip()
    if not provider_id or not status:
        return _plain(400, "id and status must not be empty")
    if len(provider_id) > delivery.PROVIDER_ID_SIZE:
        return _plain(400, "id is too long to be a message id")
    report = delivery.record_report(
        provider_id, status, phone=request.form.get("phoneNumber"),
        network_code=request.form.get("networkCode"), failure_reason=request.form.get("failureReason"),
    )
    db.session.commit()
    if not report.matched:
        # The send job may have stored this id while the report was being written; look once more.
        message = delivery.message_for(provider_id)
        if message is not None:
            delivery.apply_pending(message)
            db.session.commit()
    return _plain(200)


@bp.post("/sms/optout")
def bulk_optout():
    """AT's bulk-SMS opt-out notification (form: senderId, phoneNumber): nothing more is sent to the phone."""
    refused = _missing("phoneNumber")
    if refused:
        return refused
    phone = _phone(request.form["phoneNumber"])
    if phone is not None:
        optout.stop_all(phone)
        db.session.commit()
    return _plain(200)
