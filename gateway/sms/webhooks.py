"""SMS webhooks: incoming messages (POST /sms/incoming), delivery reports (POST /sms/delivery) and
AT's bulk-SMS opt-out notification (POST /sms/optout).

Each answers quickly and never calls the telco itself: replies are outbox rows, sent by a job after
the transaction commits. AT retries a callback it thinks failed, so the same incoming message can
arrive twice; its `id` is stored with the message (gateway.sms.incoming). A write the database
refuses (a race for a new phone's citizen row lost twice, or the database unavailable) is answered
503, never 500, so AT delivers the callback again.
"""
import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from flask import request
from redis.exceptions import RedisError

import redis_guard
from gateway import bp
from gateway import per_address
from gateway import plain
from gateway.providers import read_delivery_report
from gateway.sms import incoming
from gateway.sms.incoming import Busy
from office import delivery
from office import optout
from office.phones import phone_or_none

log = logging.getLogger(__name__)
T = TypeVar("T")

# Longer ids are not AT's; storing a digest keeps them unique without overflowing the column.
EXTERNAL_ID_SIZE = 80
LINK_ID_SIZE = 120
# Without an id, the same text from the same phone within this many seconds is taken as a redelivery.
FINGERPRINT_TTL = 300


@bp.errorhandler(Busy)
def _busy(_error: Busy):
    return plain("Busy, please retry.", 503)


def _missing(*names: str):
    missing = [name for name in names if name not in request.form]
    return plain(f"Missing field(s): {', '.join(missing)}", 400) if missing else None


def _commit(work: Callable[[], T]) -> T:
    return incoming.commit(work, request.path)


@bp.post("/sms/incoming")
@per_address
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
        _commit(lambda: incoming.receive(phone, text, external_id, link_id))
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


@bp.post("/sms/delivery")
@per_address
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
@per_address
def bulk_optout():
    """AT's bulk-SMS opt-out notification (form: senderId, phoneNumber): nothing more is sent to the phone."""
    refused = _missing("phoneNumber")
    if refused:
        return refused
    phone = phone_or_none(request.form["phoneNumber"])
    if phone is not None:
        _commit(lambda: optout.stop_all(phone))
    return plain()
