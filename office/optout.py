"""Opting a phone out of every SMS at once: STOP, AT's opt-out callback and blacklist reports."""
from sqlalchemy import update

from extensions import db
from office import citizens
from office import outbox
from office.clock import utcnow
from office.models import Message


def stop_all(phone: str) -> int:
    """Opt `phone` out and cancel what is still queued for it, in the current transaction.

    Cancelling here, not only at send time, means an announcement queued a minute before STOP is
    never sent even if the send job's own check were skipped. Returns how many messages were cancelled.
    """
    citizens.opt_out(phone)
    result = db.session.execute(
        update(Message)
        .where(Message.phone == phone, Message.direction == "out", Message.status == outbox.QUEUED)
        .values(status=outbox.CANCELLED, last_error="opted out", updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
