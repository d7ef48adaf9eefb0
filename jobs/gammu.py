"""The office's modem, read periodically (jobs.schedule, every GAMMU_POLL_SECONDS when SMS_PROVIDER=gammu):
what gammu-smsd received, and what became of what it was given to send.

Received: `inbox` rows not yet processed, oldest first, each handled as an SMS to /sms/incoming is
(gateway.sms.incoming: keywords, STOP, the answer through the outbox), with "gammu:<ID>" as its external
id. Lekas commits the message first and only then marks the daemon's row processed: a pass that stops in
between reads the row again next time, and the external id makes that second reading change nothing.

Sent: for each Lekas message the daemon took (`sent`, provider id "gammu:<ID>"), the daemon's
`sentitems` rows (one per part) say what the modem did. SendingOK / SendingOKNoReport: sent;
DeliveryOK / DeliveryFailed: the delivery report's outcome, applied as AT's reports are (office.delivery,
never backwards); DeliveryPending / DeliveryUnknown change nothing; SendingError / Error: the modem could
not send it, so the row is queued again with the usual backoff, or failed after SEND_MAX_ATTEMPTS.
"""
import logging
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from gateway.gammu import tables
from gateway.gammu.provider import PROVIDER_PREFIX
from gateway.gammu.provider import SEND_FAILED
from gateway.gammu.provider import daemon_id
from gateway.sms import incoming
from jobs import queues
from jobs import timing
from jobs.send import queue_name
from jobs.send import send_message
from office import clock
from office import delivery
from office import outbox
from office.models import DeliveryReport
from office.models import Message
from office.phones import phone_or_none

log = logging.getLogger(__name__)

BATCH = 500
NO_REPORT = "SendingOKNoReport"
# The daemon's word for a message (all its parts) and what it means for the Lekas row; None: no change.
OUTCOMES = {
    "SendingOK": outbox.SENT,
    NO_REPORT: outbox.SENT,
    "DeliveryOK": outbox.DELIVERED,
    "DeliveryFailed": outbox.FAILED,
    "DeliveryPending": None,
    "DeliveryUnknown": None,
}
# For a message of several parts, the first of these that any part has stands for the whole; all parts
# DeliveryOK make it DeliveryOK.
_PRECEDENCE = ("DeliveryFailed", "SendingOK", NO_REPORT, "DeliveryPending", "DeliveryUnknown")


def poll() -> dict:
    """One pass: take in what the modem received, then follow what it sent; returns how many of each."""
    return {"received": receive(), **follow_sent(clock.utcnow())}


def receive(limit: int = BATCH) -> int:
    """Handle up to `limit` unprocessed inbox rows, oldest first; returns how many were taken in."""
    daemon = tables.engine()
    inbox = tables.inbox
    with daemon.connect() as connection:
        rows = connection.execute(
            select(inbox.c.ID, inbox.c.SenderNumber, inbox.c.TextDecoded)
            .where(inbox.c.Processed == False)  # noqa: E712  (bound, so written as the daemon's schema has it)
            .order_by(inbox.c.ID).limit(limit)).all()
    for row in rows:
        phone = phone_or_none(row.SenderNumber)
        if phone is None:
            # The operator's own messages (balance, promotions) come from names and short numbers.
            log.info("inbox message %d from a number Lekas does not answer; marked processed", row.ID)
        else:
            external_id = f"{PROVIDER_PREFIX}{row.ID}"
            incoming.commit(lambda: incoming.receive(phone, row.TextDecoded or "", external_id, None),
                            f"gammu inbox {row.ID}")
        with daemon.begin() as connection:
            connection.execute(update(inbox).where(inbox.c.ID == row.ID).values(Processed=True))
    return len(rows)


def overall(statuses: list[str], parts: int) -> str | None:
    """The daemon's word for a whole message from its parts' words; None while parts are still unsent."""
    failed = [status for status in statuses if status in SEND_FAILED]
    if failed:
        return failed[0]
    if len(statuses) < parts:
        return None
    return next((word for word in _PRECEDENCE if word in statuses), "DeliveryOK")


def follow_sent(now: datetime) -> dict:
    """Apply what `sentitems` says to the Lekas messages the daemon took within DLR_TIMEOUT_HOURS."""
    since = now - timedelta(hours=current_app.config["DLR_TIMEOUT_HOURS"])
    # Nothing more will come for a message sent without a report once that is recorded.
    settled = exists().where(DeliveryReport.provider_id == Message.provider_id, DeliveryReport.status == NO_REPORT)
    rows = db.session.execute(
        select(Message.id, Message.provider_id, Message.phone, Message.segments)
        .where(Message.direction == "out", Message.status == outbox.SENT,
               Message.provider_id.like(f"{PROVIDER_PREFIX}%"), Message.sent_at >= since, ~settled)
        .order_by(Message.id)).all()
    report = {"reports": 0, "send_failures": 0}
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        words = _words({daemon_id(row.provider_id): row.segments for row in batch})
        known = _recorded([row.provider_id for row in batch])
        for row in batch:
            word = words.get(daemon_id(row.provider_id))
            if word is None or (row.provider_id, word) in known:
                continue
            if word in SEND_FAILED:
                report["send_failures"] += _send_failed(row, word)
            else:
                delivery.record_report(row.provider_id, word, OUTCOMES.get(word), phone=row.phone)
                report["reports"] += 1
        db.session.commit()
    return report


def _words(parts_by_id: dict[int, int]) -> dict[int, str]:
    """The daemon's word for each of its messages among `parts_by_id` (id -> number of parts)."""
    sentitems = tables.sentitems
    statuses: dict[int, list[str]] = {}
    with tables.engine().connect() as connection:
        for number, status in connection.execute(
                select(sentitems.c.ID, sentitems.c.Status).where(sentitems.c.ID.in_(list(parts_by_id)))
                .order_by(sentitems.c.ID, sentitems.c.SequencePosition)):
            statuses.setdefault(number, []).append(status)
    words = {number: overall(found, parts_by_id[number]) for number, found in statuses.items()}
    return {number: word for number, word in words.items() if word is not None}


def _recorded(provider_ids: list[str]) -> set[tuple[str, str]]:
    return set(db.session.execute(select(DeliveryReport.provider_id, DeliveryReport.status)
                                  .where(DeliveryReport.provider_id.in_(provider_ids))).all())


def _send_failed(row, word: str) -> int:
    due = outbox.send_failed_later(row.id, row.provider_id, f"modem: {word}",
                                   max_attempts=current_app.config["SEND_MAX_ATTEMPTS"], retry_delay=timing.backoff)
    db.session.commit()
    if due is not None:
        message = db.session.get(Message, row.id)
        queues.enqueue(queue_name(message), send_message, row.id, at=due,
                       job_id=queues.send_job_id(row.id, f"m{message.attempts}"))
    return 1
