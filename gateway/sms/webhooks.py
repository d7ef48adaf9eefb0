"""SMS webhooks: incoming messages (POST /sms/incoming), delivery reports (POST /sms/delivery) and
AT's bulk-SMS opt-out notification (POST /sms/optout).

Each answers quickly and never calls the telco itself: replies are outbox rows, sent by a job after
the transaction commits. AT retries a callback it thinks failed, so the same incoming message can
arrive twice; its `id` is stored with the message, and the unique column makes the second delivery
change nothing and send nothing. A write the database refuses (a race for a new phone's citizen row
lost twice, or the database unavailable) is answered 503, never 500, so AT delivers the callback again.
"""
import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from flask import request
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError

import redis_guard
from extensions import db
from gateway import bp
from gateway import plain
from gateway.providers import read_delivery_report
from gateway.sms import commands
from office import delivery
from office import optout
from office import outbox
from office.gsm import analyze
from office.models import Message
from office.phones import phone_or_none

log = logging.getLogger(__name__)
T = TypeVar("T")

# Longer ids are not AT's; storing a digest keeps them unique without overflowing the column.
EXTERNAL_ID_SIZE = 80
LINK_ID_SIZE = 120
# Without an id, the same text from the same phone within this many seconds is taken as a redelivery.
FINGERPRINT_TTL = 300


class Busy(Exception):
    """The database refused a callback's write; the callback is answered 503 so that AT delivers it again."""


@bp.errorhandler(Busy)
def _busy(_error: Busy):
    return plain("Busy, please retry.", 503)


def _missing(*names: str):
    missing = [name for name in names if name not in request.form]
    return plain(f"Missing field(s): {', '.join(missing)}", 400) if missing else None


def _commit(work: Callable[[], T]) -> T:
    """Run `work` and commit; when it loses a race for a unique row, roll back and run it once more.

    The race: two first-contact callbacks for a new phone both look for its citizen row, find none and
    both insert one; the loser's second run finds the winner's row.

    :raise Busy: when the second run fails too, or the database refuses the write for another reason.
    """
    for attempt in range(2):
        try:
            result = work()
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            log.info("%s raced another write (attempt %d)", request.path, attempt + 1)
        except DBAPIError:
            db.session.rollback()
            log.exception("%s could not be stored", request.path)
            raise Busy from None
    raise Busy


@bp.post("/sms/incoming")
def incoming_sms():
    """A citizen's SMS to the short code: store it, act on it and queue the reply, all in one commit."""
    refused = _missing("from", "text")
    if refused:
        return refused
    phone = phone_or_none(request.form["from"])
    if phone is None:
        return plain()  # no one to answer
    text = request.form["text"]
    external_id = _external_id(request.form.get("id", "").strip())
    fingerprint = None if external_id else _fingerprint(phone, text)
    if fingerprint and not _claim(fingerprint):
        return plain()
    link_id = request.form.get("linkId", "").strip()
    link_id = link_id if 0 < len(link_id) <= LINK_ID_SIZE else None
    try:
        _commit(lambda: _handle(phone, text, external_id, link_id))
    except BaseException:
        # Not (known to be) stored: AT's redelivery of this message must be handled, not dropped as a duplicate.
        if fingerprint:
            _release(fingerprint)
        raise
    return plain()


def _external_id(raw: str) -> str | None:
    if not raw:
        return None
    if len(raw) <= EXTERNAL_ID_SIZE:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _fingerprint(phone: str, text: str) -> str:
    return "sms:incoming:" + hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()


def _claim(fingerprint: str) -> bool:
    """True unless the same text from the same phone is being handled or was stored in the last minutes."""
    try:
        with redis_guard.guarded() as redis:
            return bool(redis.set(fingerprint, 1, nx=True, ex=FINGERPRINT_TTL))
    except RedisError:
        return True  # answering twice is better than never


def _release(fingerprint: str) -> None:
    try:
        with redis_guard.guarded() as redis:
            redis.delete(fingerprint)
    except RedisError:
        log.warning("could not release an incoming SMS fingerprint; a redelivery within %d s is dropped",
                    FINGERPRINT_TTL, exc_info=True)


def _handle(phone: str, text: str, external_id: str | None, link_id: str | None) -> None:
    if external_id and db.session.scalar(select(Message.id).where(Message.external_id == external_id)):
        return  # delivered twice; the first delivery already answered
    length = analyze(text)
    message = Message(direction="in", phone=phone, text=text, segments=length.segments, encoding=length.encoding,
                      status=outbox.RECEIVED, kind=outbox.Kind.INCOMING, external_id=external_id, link_id=link_id)
    db.session.add(message)
    # A copy delivered at the same moment fails here, before anything else is done, and is retried by _commit.
    db.session.flush()
    reply = commands.answer(phone, text)
    if reply is not None:
        outbox.queue_sms(phone, reply.text, reply.kind, link_id=link_id, in_reply_to_id=message.id)


@bp.post("/sms/delivery")
def delivery_report():
    """AT's delivery report for a message we sent (form: id, status, phoneNumber, networkCode, failureReason)."""
    refused = _missing("id", "status")
    if refused:
        return refused
    provider_id = request.form["id"].strip()
    status = request.form["status"].strip()
    if not provider_id or not status:
        return plain("id and status must not be empty", 400)
    if len(provider_id) > delivery.PROVIDER_ID_SIZE:
        return plain("id is too long to be a message id", 400)
    reading = read_delivery_report(status, request.form.get("failureReason"))
    report = _commit(lambda: delivery.record_report(
        provider_id, status, reading.outcome, opt_out=reading.opt_out, phone=request.form.get("phoneNumber"),
        network_code=request.form.get("networkCode"), failure_reason=request.form.get("failureReason"),
    ))
    if not report.matched:
        # The send job may have stored this id while the report was being written; look once more.
        _commit(lambda: _apply_if_sent(provider_id))
    return plain()


def _apply_if_sent(provider_id: str) -> None:
    message = delivery.message_for(provider_id)
    if message is not None:
        delivery.apply_pending(message)


@bp.post("/sms/optout")
def bulk_optout():
    """AT's bulk-SMS opt-out notification (form: senderId, phoneNumber): nothing more is sent to the phone."""
    refused = _missing("phoneNumber")
    if refused:
        return refused
    phone = phone_or_none(request.form["phoneNumber"])
    if phone is not None:
        _commit(lambda: optout.stop_all(phone))
    return plain()
