"""Sending outbox rows through the SMS provider, each row at most once.

A row is sent only by the job that moves it from `queued` to `sending` in one conditional UPDATE, so
two workers, or a retry racing a re-enqueue, can never both send it. Before that, the job checks that
the row is due (retry backoff, the status collapse window, quiet hours) and that the phone has not
opted out since the row was queued.

Each provider answer is recorded right after the call: accepted -> `sent` with AT's id; permanent
failure -> `failed` (a blacklisted number is also opted out); retryable -> back to `queued` with a
backoff, re-scheduled through RQ's scheduler, until SEND_MAX_ATTEMPTS, then `failed`. A worker that dies
during the call leaves the row in `sending`; the sweeper settles it (never by sending again).

Cancelling a broadcast cancels only its queued rows; rows in a provider call at that moment are not
touched. If that call asks for a retry, the row is cancelled instead, and a job that still finds queued
rows of a cancelled broadcast cancels them rather than sending: nothing goes out after the cancel.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from gateway.providers import ACCEPTED
from gateway.providers import FAILED
from gateway.providers import SendResult
from gateway.providers import provider_from_config
from jobs import queues
from jobs import throttle
from jobs import timing
from office import broadcasts
from office import citizens
from office import clock
from office import delivery
from office import optout
from office import outbox
from office.models import Broadcast
from office.models import DeliveryReport
from office.models import Message

BLACKLIST_CODE = 406
BLACKLIST_REASON = "userinblacklist"
OPTED_OUT = "opted out"
SUPERSEDED = "superseded by a newer status notification"
ERROR_SIZE = 255
_PROVIDER_SETTINGS = ("SMS_PROVIDER", "AT_USERNAME", "AT_API_KEY", "AT_SENDER_ID", "AT_API_URL", "SIMULATOR_PORT",
                      "SMS_SHORTCODE", "SMS_CHUNK_SIZE", "SMS_TIMEOUT")

_messages = Message.__table__


@dataclass(frozen=True)
class Claimed:
    """A row this job moved to `sending`: only this job may send it."""

    id: int
    phone: str
    attempts: int


def provider():
    """The configured SMS provider, built once per process and again only if its settings change.

    The provider splits sends into requests of SMS_CHUNK_SIZE itself, so it must follow that setting:
    a chunk job then makes exactly one request.
    """
    settings = tuple(current_app.config.get(name) for name in _PROVIDER_SETTINGS)
    cached = current_app.extensions.get("sms_provider")
    if cached is None or cached[0] != settings:
        cached = current_app.extensions["sms_provider"] = (settings, provider_from_config(current_app.config))
    return cached[1]


def claim(message_ids: list[int], now: datetime) -> list[Claimed]:
    """Atomically move the queued, due rows among `message_ids` to `sending`; returns only the rows moved here."""
    rows = db.session.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == outbox.QUEUED,
               or_(Message.send_after.is_(None), Message.send_after <= now))
        .values(status=outbox.SENDING, attempts=Message.attempts + 1, updated_at=now)
        .returning(Message.id, Message.phone, Message.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return [Claimed(*row) for row in rows]


def cancel_queued(message_ids: list[int], reason: str) -> int:
    """Cancel the rows among `message_ids` that are still queued (current transaction); returns how many."""
    if not message_ids:
        return 0
    result = db.session.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == outbox.QUEUED)
        .values(status=outbox.CANCELLED, last_error=reason, updated_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def hold_until(message_ids: list[int], due: datetime) -> None:
    """Record that queued rows wait until `due` (send_after), and commit."""
    db.session.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == outbox.QUEUED)
        .values(send_after=due, updated_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def of_cancelled_broadcasts(message_ids: list[int]) -> set[int]:
    """The ids among `message_ids` whose broadcast has been cancelled."""
    if not message_ids:
        return set()
    return set(db.session.scalars(
        select(Message.id).join(Broadcast, Broadcast.id == Message.broadcast_id)
        .where(Message.id.in_(message_ids), Broadcast.status == broadcasts.CANCELLED)))


def _blacklisted(result: SendResult) -> bool:
    return result.status_code == BLACKLIST_CODE or (result.error or "").casefold() == BLACKLIST_REASON


def record(claimed: list[Claimed], results: list[SendResult]) -> tuple[list[int], datetime | None]:
    """Store the provider's answer for each claimed row and commit.

    Returns the ids put back in the queue for another try and when that try is due. A row the sweeper
    already called `unknown` still takes a late answer: the answer is better knowledge. A row to retry
    whose broadcast was cancelled during the call is cancelled instead.
    """
    now = clock.utcnow()
    max_attempts = current_app.config["SEND_MAX_ATTEMPTS"]
    sent, failed, retry, blacklisted = [], [], [], []
    for row, result in zip(claimed, results, strict=True):
        if result.outcome == ACCEPTED:
            sent.append({"mid": row.id, "pid": result.provider_id})
        elif result.outcome == FAILED or row.attempts >= max_attempts:
            error = result.error or "failed"
            if result.outcome != FAILED:
                error = f"gave up after {row.attempts} attempts: {error}"
            failed.append({"mid": row.id, "err": error[:ERROR_SIZE]})
            if _blacklisted(result):
                blacklisted.append(row.phone)
        else:
            retry.append({"mid": row.id, "err": (result.error or "retry")[:ERROR_SIZE], "attempts": row.attempts})
    stopped = of_cancelled_broadcasts([r["mid"] for r in retry])
    retry = [r for r in retry if r["mid"] not in stopped]
    retry_at = now + timing.backoff(max(r["attempts"] for r in retry)) if retry else None
    # Two comparisons rather than IN (...): an expanding IN cannot be used in an executemany.
    pending = _messages.c.id == bindparam("mid"), or_(_messages.c.status == outbox.SENDING,
                                                      _messages.c.status == outbox.UNKNOWN)
    connection = db.session.connection()
    if sent:
        connection.execute(_messages.update().where(*pending).values(
            status=outbox.SENT, provider_id=bindparam("pid"), sent_at=now, last_error=None, updated_at=now), sent)
    if failed:
        connection.execute(_messages.update().where(*pending).values(
            status=outbox.FAILED, failed_at=now, last_error=bindparam("err"), updated_at=now), failed)
    if stopped:
        connection.execute(_messages.update().where(*pending).values(
            status=outbox.CANCELLED, last_error=broadcasts.CANCELLED_REASON, updated_at=now),
            [{"mid": mid} for mid in stopped])
    if retry:
        connection.execute(_messages.update().where(*pending).values(
            status=outbox.QUEUED, send_after=retry_at, last_error=bindparam("err"), updated_at=now),
            [{"mid": r["mid"], "err": r["err"]} for r in retry])
    for phone in blacklisted:
        optout.stop_all(phone)
    db.session.commit()
    _apply_early_reports([row["pid"] for row in sent if row["pid"]])
    return [r["mid"] for r in retry], retry_at


def _apply_early_reports(provider_ids: list[str]) -> None:
    """Apply delivery reports that arrived before the send was recorded (AT can be that quick)."""
    if not provider_ids:
        return
    early = set(db.session.scalars(select(DeliveryReport.provider_id).where(
        DeliveryReport.provider_id.in_(provider_ids), DeliveryReport.matched.is_(False))))
    if not early:
        return
    for message in db.session.scalars(select(Message).where(Message.provider_id.in_(early))):
        delivery.apply_pending(message)
    db.session.commit()


def _superseded(message: Message) -> bool:
    """True when a newer status notification exists for the same application: only the newest is sent."""
    return bool(db.session.scalar(select(exists().where(
        Message.application_id == message.application_id, Message.kind == timing.STATUS,
        Message.direction == "out", Message.id > message.id))))


def _cancel_older_status(message: Message) -> None:
    db.session.execute(
        update(Message)
        .where(Message.application_id == message.application_id, Message.kind == timing.STATUS,
               Message.direction == "out", Message.id < message.id, Message.status == outbox.QUEUED)
        .values(status=outbox.CANCELLED, last_error=SUPERSEDED, updated_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _queue_name(message: Message) -> str:
    return queues.HIGH if message.priority == "high" else queues.BULK


def send_message(message_id: int) -> str:
    """Send one queued outgoing message if it is due; returns what became of it.

    "skipped" (not queued any more: another job has it or it is settled), "deferred" (re-scheduled for
    later), "cancelled", or the state after the provider call.
    """
    message = db.session.get(Message, message_id)
    if message is None or message.direction != "out" or message.status != outbox.QUEUED:
        return "skipped"
    if message.kind == timing.STATUS and message.application_id and _superseded(message):
        cancel_queued([message.id], SUPERSEDED)
        db.session.commit()
        return outbox.CANCELLED
    broadcast = db.session.get(Broadcast, message.broadcast_id) if message.broadcast_id else None
    if broadcast is not None and broadcast.status == broadcasts.CANCELLED:
        cancel_queued([message.id], broadcasts.CANCELLED_REASON)
        db.session.commit()
        return outbox.CANCELLED
    now = clock.utcnow()
    urgent = broadcast is not None and broadcast.urgent
    due = timing.due_time(message.kind, message.send_after, now, urgent=urgent)
    if timing.worth_scheduling(due, now):
        hold_until([message.id], due)
        queues.enqueue(_queue_name(message), send_message, message.id, at=due,
                       job_id=queues.send_job_id(message.id, queues.at_tag(due)))
        return "deferred"
    timing.sleep_until(due, now)
    if message.kind != outbox.OPTOUT_KIND and citizens.is_opted_out(message.phone):
        cancel_queued([message.id], OPTED_OUT)
        db.session.commit()
        return outbox.CANCELLED
    if message.kind == timing.STATUS and message.application_id:
        _cancel_older_status(message)
    text, phone, link_id, queue_name = message.text, message.phone, message.link_id, _queue_name(message)
    throttle.wait_for(message.segments)
    claimed = claim([message_id], clock.utcnow())
    if not claimed:
        return "skipped"
    if link_id:
        results = [provider().send_premium(text, phone, link_id)]
    else:
        results = provider().send(text, [phone])
    retry, retry_at = record(claimed, results)
    if retry:
        queues.enqueue(queue_name, send_message, message_id, at=retry_at,
                       job_id=queues.send_job_id(message_id, f"a{claimed[0].attempts}"))
    return db.session.get(Message, message_id).status
