"""Sending one outbox row through the SMS provider."""
import logging

from flask import current_app
from sqlalchemy import update

from extensions import db
from gateway.providers import provider_from_config
from office import citizens
from office import outbox
from office.models import Message
from office.models import utcnow

log = logging.getLogger(__name__)

# The goodbye after STOP must still reach a phone that just opted out.
OPT_OUT_EXEMPT = frozenset({"optout"})


def provider():
    """The configured SMS provider, built once per process."""
    ext = current_app.extensions
    if "sms_provider" not in ext:
        ext["sms_provider"] = provider_from_config(current_app.config)
    return ext["sms_provider"]


def claim(message_id: int) -> Message | None:
    """Atomically move a queued message to `sending`; None if another job already has it."""
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == outbox.QUEUED)
        .values(status=outbox.SENDING, attempts=Message.attempts + 1, updated_at=utcnow())
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(Message, message_id)


def send_message(message_id: int) -> str:
    """Send one queued outgoing message once; returns the state it ends in."""
    message = claim(message_id)
    if message is None:
        return "skipped"
    if message.kind not in OPT_OUT_EXEMPT and citizens.is_opted_out(message.phone):
        message.status = outbox.CANCELLED
        message.last_error = "opted out"
        db.session.commit()
        return message.status
    if message.link_id:
        result = provider().send_premium(message.text, message.phone, message.link_id)
    else:
        (result,) = provider().send(message.text, [message.phone])
    record_result(message, result)
    db.session.commit()
    return message.status


def record_result(message: Message, result) -> None:
    """Apply a provider's answer for one message."""
    now = utcnow()
    message.last_error = result.error
    if result.outcome == "accepted":
        message.status = outbox.SENT
        message.provider_id = result.provider_id
        message.sent_at = now
    elif result.outcome == "failed":
        message.status = outbox.FAILED
        message.failed_at = now
    else:
        message.status = outbox.QUEUED
