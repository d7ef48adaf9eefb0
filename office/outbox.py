"""The outbox: outgoing SMS are rows first, queued jobs second.

A row is written in the caller's transaction. Only after that transaction commits are the new rows handed
to the dispatcher (the job queue), so a rolled-back change never sends anything. Rows the dispatcher could
not hand over (Redis unreachable) get `enqueue_failed_at`, in the database, so a worker enqueues them as
soon as Redis answers (jobs.sweeper); a crash between commit and enqueue leaves an unmarked `queued` row
that the sweeper picks up after its grace period.

Outgoing states: queued -> sending -> sent -> delivered | failed; `unknown` when a row stayed in `sending`
past the grace period (its worker died during the provider call): listed for staff, never resent; a
provider answer that still arrives settles it. `cancelled` when a broadcast is cancelled (a recipient
whose send was to be retried included), the phone opted out or a newer status notification replaced it.
"""
import logging
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from office import after_commit
from office.gsm import analyze
from office.gsm import to_gsm
from office.models import Message
from office.clock import utcnow

RECEIVED = "received"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
UNKNOWN = "unknown"
CANCELLED = "cancelled"

# The kind of the one goodbye after STOP: the only message a phone that has opted out still receives.
OPTOUT_KIND = "optout"
OUT_STATES = (QUEUED, SENDING, SENT, DELIVERED, FAILED, UNKNOWN, CANCELLED)

_HANDOFF = "outbox"

log = logging.getLogger(__name__)


def set_dispatcher(dispatch: Callable[[list[tuple[int, str]]], bool] | None) -> None:
    """Install the function that hands committed (message id, priority) pairs to the job queue.

    It returns False when the queue did not take them; the rows are then marked for a worker to enqueue.
    """
    after_commit.set_handler(_HANDOFF, None if dispatch is None else lambda pending: _dispatch(dispatch, pending))


def queue_sms(phone: str, text: str, kind: str, *, priority: str = "high", **fields) -> Message:
    """Add an outgoing SMS to the current transaction; it is dispatched once the transaction commits.

    `fields` may set application_id, broadcast_id, link_id, in_reply_to_id or send_after.
    """
    text = to_gsm(text)
    length = analyze(text)
    message = Message(
        direction="out",
        phone=phone,
        text=text,
        segments=length.segments,
        encoding=length.encoding,
        status=QUEUED,
        kind=kind,
        priority=priority,
        created_at=utcnow(),
        **fields,
    )
    db.session.add(message)
    db.session.flush()
    after_commit.later(_HANDOFF, (message.id, priority))
    return message


def _dispatch(dispatch, pending: list[tuple[int, str]]) -> None:
    # One entry per id, the last one queued: a row id freed by a rolled-back savepoint can be given
    # to a later row of the same transaction (SQLite reuses the highest rowid).
    unique = dict(pending)
    if not dispatch(list(unique.items())):
        _mark_enqueue_failed(list(unique))


def _mark_enqueue_failed(message_ids: list[int]) -> None:
    # In a transaction of its own: the session's has just committed and cannot run SQL here.
    try:
        with db.engine.begin() as connection:
            connection.execute(update(Message).where(Message.id.in_(message_ids), Message.status == QUEUED)
                               .values(enqueue_failed_at=utcnow()))
    except SQLAlchemyError:
        log.exception("could not mark %d messages whose enqueue failed; the sweeper finds them later",
                      len(message_ids))
