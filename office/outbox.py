"""The outbox: outgoing SMS are rows first, queued jobs second. Every change of a row's state is made here.

A row is written in the caller's transaction. Only after that transaction commits are the new rows handed
to the dispatcher (the job queue, through office.after_commit), so a rolled-back change never sends
anything. Rows the dispatcher could not hand over (Redis unreachable) get `enqueue_failed_at`, in the
database, so a worker enqueues them as soon as Redis answers (jobs.sweeper); a crash between commit and
enqueue leaves an unmarked `queued` row that the sweeper picks up after its grace period.

Outgoing states: queued -> sending -> sent -> delivered | failed; `unknown` when a row stayed in `sending`
past the grace period (its worker died during the provider call): listed for staff, never resent; a
provider answer that still arrives settles it. `cancelled`, with its Reason, when a broadcast is cancelled
(a recipient whose send was to be retried included), the phone opted out or a newer status notification
replaced it. States only move forward; a final state is never changed again.

The jobs decide when to send and call the provider; what the answer does to a row is decided here.
Functions here change rows in the caller's transaction and leave the commit to it, except `claim`.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from office import after_commit
from office import telemetry
from office.clock import utcnow
from office.gsm import analyze
from office.gsm import to_gsm
from office.models import Broadcast
from office.models import Message

RECEIVED = "received"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
UNKNOWN = "unknown"
CANCELLED = "cancelled"
OUT_STATES = (QUEUED, SENDING, SENT, DELIVERED, FAILED, UNKNOWN, CANCELLED)
FINAL = frozenset({DELIVERED, FAILED, CANCELLED})
_RANK = {QUEUED: 0, SENDING: 1, UNKNOWN: 1, SENT: 2}


class Kind(StrEnum):
    """What a message is; quiet hours, the status collapse and the opt-out rule go by it."""

    STATUS = "status"  # an application's status notification (the receipt included)
    REPLY = "reply"  # the answer to a citizen's own SMS or ticket, a ticket's move included
    CHECKLIST = "checklist"  # a service's requirements, asked for by USSD
    BROADCAST = "broadcast"
    REMINDER = "reminder"  # documents ready and not collected
    QUEUE = "queue"  # the lobby queue: the turn is near, the number is called
    OPTOUT = "optout"  # the one goodbye after STOP: the only message a phone that opted out still receives
    INCOMING = "incoming"  # a citizen's SMS to us


class Priority(StrEnum):
    """Which queue sends a message: a citizen's own answers never wait behind an announcement."""

    HIGH = "high"
    BULK = "bulk"


class Reason(StrEnum):
    """Why a row was cancelled or is flagged (its last_error)."""

    OPTED_OUT = "opted out"
    SUPERSEDED = "superseded by a newer status notification"
    BROADCAST_CANCELLED = "broadcast cancelled"
    OUTCOME_UNKNOWN = "outcome unknown: the worker stopped during the provider call"
    NO_REPORT = "no delivery report"


class Outcome(StrEnum):
    """What the provider's answer means for one phone."""

    ACCEPTED = "accepted"  # the telco took it; its id matches the delivery report
    FAILED = "failed"  # permanent for that number
    RETRY = "retry"  # try again later


class ProviderAnswer(Protocol):
    """What an SMS provider says about one message to one phone (gateway.providers.SendResult)."""

    outcome: str
    provider_id: str | None
    error: str | None
    opt_out: bool  # the telco says this number refuses our SMS


@dataclass(frozen=True)
class Claimed:
    """A row moved to `sending` by one job: only that job may send it."""

    id: int
    phone: str
    attempts: int


@dataclass(frozen=True)
class Recorded:
    """What recording the provider's answers did: rows back in the queue, when they are due, phones to stop."""

    retry: list[int]
    retry_at: datetime | None
    opt_out: list[str]


ERROR_SIZE = 255
_HANDOFF = "outbox"
_BATCH = 5000  # ids per IN (...) list, well under SQLite's limit on bound parameters
_INSERT_BATCH = 2000
_messages = Message.__table__

log = logging.getLogger(__name__)


def set_dispatcher(dispatch: Callable[[list[tuple[int, str]]], bool] | None) -> None:
    """Install the function that hands committed (message id, priority) pairs to the job queue.

    It returns False when the queue did not take them; the rows are then marked for a worker to enqueue.
    """
    after_commit.set_handler(_HANDOFF, None if dispatch is None else lambda pending: _dispatch(dispatch, pending))


def queue_sms(phone: str, text: str, kind: Kind, *, priority: Priority = Priority.HIGH, **fields) -> Message:
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


def queue_many(messages: list[tuple[str, str, int | None]], kind: Kind, *,
               priority: Priority = Priority.HIGH) -> int:
    """Add many outgoing SMS, each (phone, text, application_id), to the current transaction in a few
    statements; like `queue_sms`, they are dispatched once it commits. Returns how many."""
    now = utcnow()
    for start in range(0, len(messages), _INSERT_BATCH):
        rows = []
        for phone, text, application_id in messages[start:start + _INSERT_BATCH]:
            text = to_gsm(text)
            length = analyze(text)
            rows.append({"direction": "out", "phone": phone, "text": text, "segments": length.segments,
                         "encoding": length.encoding, "status": QUEUED, "kind": kind, "priority": priority,
                         "application_id": application_id, "attempts": 0, "created_at": now, "updated_at": now})
        ids = db.session.scalars(insert(Message).returning(Message.id), rows).all()
        for message_id in ids:
            after_commit.later(_HANDOFF, (message_id, priority))
    return len(messages)


def queue_broadcast(broadcast_id: int, recipients: list[tuple[str, str]], texts: dict[str, str]) -> int:
    """Queue one row per (phone, language) recipient of a broadcast, in `texts[language]`; returns how many.

    Not handed to the dispatcher: the broadcast's chunk jobs send these rows, many per provider request.
    Written in slices, so a 100,000-recipient audience never holds 100,000 row dicts in memory at once.
    """
    length = {lang: analyze(body) for lang, body in texts.items()}
    now = utcnow()
    for start in range(0, len(recipients), _INSERT_BATCH):
        db.session.execute(insert(Message), [
            {"direction": "out", "phone": phone, "text": texts[lang], "segments": length[lang].segments,
             "encoding": length[lang].encoding, "status": QUEUED, "kind": Kind.BROADCAST,
             "priority": Priority.BULK, "broadcast_id": broadcast_id, "attempts": 0, "created_at": now,
             "updated_at": now}
            for phone, lang in recipients[start:start + _INSERT_BATCH]])
    return len(recipients)


def claim(message_ids: list[int], now: datetime) -> list[Claimed]:
    """Atomically move the queued, due rows among `message_ids` to `sending`; returns only the rows moved here.

    Commits: the claim must be stored before the provider is called, so no other job can send the rows.
    """
    rows = db.session.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == QUEUED,
               or_(Message.send_after.is_(None), Message.send_after <= now))
        .values(status=SENDING, attempts=Message.attempts + 1, updated_at=now)
        .returning(Message.id, Message.phone, Message.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return [Claimed(*row) for row in rows]


def record(claimed: list[Claimed], answers: list[ProviderAnswer], *, max_attempts: int,
           retry_delay: Callable[[int], timedelta]) -> Recorded:
    """Store the provider's answer for each claimed row (current transaction).

    Accepted -> sent with the provider's id; failed, or a retry after `max_attempts` -> failed; retry ->
    queued again, due after `retry_delay(attempts)`. A row the sweeper already called `unknown` still
    takes a late answer: the answer is better knowledge. A row to retry whose broadcast was cancelled
    during the call is cancelled instead. The phones the telco refuses are returned for the caller to
    opt out (office.optout).
    """
    now = utcnow()
    sent, failed, retry, refused = [], [], [], []
    for row, answer in zip(claimed, answers, strict=True):
        if answer.outcome == Outcome.ACCEPTED:
            sent.append({"mid": row.id, "pid": answer.provider_id})
        elif answer.outcome == Outcome.FAILED or row.attempts >= max_attempts:
            error = answer.error or "failed"
            if answer.outcome != Outcome.FAILED:
                error = f"gave up after {row.attempts} attempts: {error}"
            failed.append({"mid": row.id, "err": error[:ERROR_SIZE]})
            if answer.opt_out:
                refused.append(row.phone)
        else:
            retry.append({"mid": row.id, "err": (answer.error or "retry")[:ERROR_SIZE], "attempts": row.attempts})
    stopped = _of_cancelled_broadcasts([r["mid"] for r in retry])
    retry = [r for r in retry if r["mid"] not in stopped]
    retry_at = now + retry_delay(max(r["attempts"] for r in retry)) if retry else None
    # Two comparisons rather than IN (...): an expanding IN cannot be used in an executemany.
    pending = _messages.c.id == bindparam("mid"), or_(_messages.c.status == SENDING, _messages.c.status == UNKNOWN)
    connection = db.session.connection()
    if sent:
        connection.execute(_messages.update().where(*pending).values(
            status=SENT, provider_id=bindparam("pid"), sent_at=now, last_error=None, updated_at=now), sent)
    if failed:
        connection.execute(_messages.update().where(*pending).values(
            status=FAILED, failed_at=now, last_error=bindparam("err"), updated_at=now), failed)
    if stopped:
        connection.execute(_messages.update().where(*pending).values(
            status=CANCELLED, last_error=Reason.BROADCAST_CANCELLED, updated_at=now),
            [{"mid": mid} for mid in stopped])
    if retry:
        connection.execute(_messages.update().where(*pending).values(
            status=QUEUED, send_after=retry_at, last_error=bindparam("err"), updated_at=now),
            [{"mid": r["mid"], "err": r["err"]} for r in retry])
    return Recorded([r["mid"] for r in retry], retry_at, refused)


def _of_cancelled_broadcasts(message_ids: list[int]) -> set[int]:
    if not message_ids:
        return set()
    # cancelled_at is set by the cancel and only by it (office.broadcasts.cancel).
    return set(db.session.scalars(
        select(Message.id).join(Broadcast, Broadcast.id == Message.broadcast_id)
        .where(Message.id.in_(message_ids), Broadcast.cancelled_at.is_not(None))))


def apply_report(message: Message, state: str, reason: str | None) -> bool:
    """Move `message` to the `state` a delivery report says (sent, delivered or failed), never backwards.

    Returns True when it changed. A final state is never changed again, so a late "sent" never undoes
    "delivered".
    """
    if message.status in FINAL or (state not in FINAL and _RANK[state] <= _RANK.get(message.status, 0)):
        return False
    now = utcnow()
    message.status = state
    if state == SENT:
        message.sent_at = message.sent_at or now
    elif state == DELIVERED:
        message.delivered_at = now
    else:
        message.failed_at = now
        message.last_error = reason
    if state in FINAL and message.sent_at is not None:
        telemetry.DELIVERY_REPORT_LAG_SECONDS.labels(state).observe(max(0.0, (now - message.sent_at).total_seconds()))
    return True


def cancel(message_ids: list[int], reason: Reason) -> int:
    """Cancel the rows among `message_ids` that are still queued; returns how many."""
    if not message_ids:
        return 0
    return db.session.execute(
        update(Message).where(Message.id.in_(message_ids), Message.status == QUEUED)
        .values(status=CANCELLED, last_error=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def cancel_for_phone(phone: str, reason: Reason = Reason.OPTED_OUT) -> int:
    """Cancel everything still queued for `phone`; returns how many."""
    return db.session.execute(
        update(Message).where(Message.phone == phone, Message.direction == "out", Message.status == QUEUED)
        .values(status=CANCELLED, last_error=reason, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount


def cancel_broadcast(broadcast_id: int) -> int:
    """Cancel every recipient of a broadcast still queued; returns how many."""
    return db.session.execute(
        update(Message).where(Message.broadcast_id == broadcast_id, Message.status == QUEUED)
        .values(status=CANCELLED, last_error=Reason.BROADCAST_CANCELLED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def is_superseded(message: Message) -> bool:
    """True when a newer status notification exists for the same application: only the newest is sent."""
    return bool(db.session.scalar(select(exists().where(
        Message.application_id == message.application_id, Message.kind == Kind.STATUS,
        Message.direction == "out", Message.id > message.id))))


def cancel_older_status(message: Message) -> int:
    """Cancel the queued status notifications of `message`'s application older than it; returns how many."""
    return db.session.execute(
        update(Message)
        .where(Message.application_id == message.application_id, Message.kind == Kind.STATUS,
               Message.direction == "out", Message.id < message.id, Message.status == QUEUED)
        .values(status=CANCELLED, last_error=Reason.SUPERSEDED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def hold_until(message_ids: list[int], due: datetime) -> None:
    """Record that queued rows wait until `due` (send_after)."""
    db.session.execute(
        update(Message)
        .where(Message.id.in_(message_ids), Message.status == QUEUED)
        .values(send_after=due, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def settle_unknown(older_than: datetime, now: datetime) -> int:
    """Rows in `sending` since before `older_than` become `unknown`: never sent again; returns how many."""
    # No provider id to look at: the send job stores it in the same UPDATE that leaves `sending`.
    return db.session.execute(
        update(Message).where(Message.status == SENDING, Message.updated_at < older_than)
        .values(status=UNKNOWN, last_error=Reason.OUTCOME_UNKNOWN, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount


def send_again_stale_sending(older_than: datetime, now: datetime) -> list[int]:
    """For a provider that recognises a message it already has (jobs.sweeper asks it): rows in `sending`
    since before `older_than` go back to `queued`, to be sent again; returns their ids.

    Their worker died during the provider call. Sent again, the provider finds the message it took, if
    it took one, and the row is recorded with it instead of going out twice.
    """
    ids = list(db.session.scalars(select(Message.id).where(Message.status == SENDING,
                                                           Message.updated_at < older_than)))
    for start in range(0, len(ids), _BATCH):
        db.session.execute(
            update(Message).where(Message.id.in_(ids[start:start + _BATCH]), Message.status == SENDING)
            .values(status=QUEUED, last_error=Reason.OUTCOME_UNKNOWN, updated_at=now)
            .execution_options(synchronize_session=False))
    return ids


def send_failed_later(message_id: int, provider_id: str, error: str, *, max_attempts: int,
                      retry_delay: Callable[[int], timedelta]) -> datetime | None:
    """A provider that queues messages (the office's modem) reports after the fact that it could not send
    one it had taken (`sent` under `provider_id`): queued again after `retry_delay(attempts)`, or failed
    after `max_attempts`, as if the provider had answered so at once (current transaction).

    Returns when the row is due again, or None when it failed (or was no longer that send).
    """
    message = db.session.get(Message, message_id)
    if message is None or message.status != SENT or message.provider_id != provider_id:
        return None
    now = utcnow()
    error = error[:ERROR_SIZE]
    if message.attempts >= max_attempts:
        values = {"status": FAILED, "failed_at": now, "last_error": f"gave up after {message.attempts} attempts: "
                                                                     f"{error}"[:ERROR_SIZE]}
        due = None
    else:
        due = now + retry_delay(message.attempts)
        values = {"status": QUEUED, "send_after": due, "provider_id": None, "sent_at": None, "last_error": error}
    changed = db.session.execute(
        update(Message).where(Message.id == message_id, Message.status == SENT, Message.provider_id == provider_id)
        .values(updated_at=now, **values).execution_options(synchronize_session="fetch")).rowcount
    return due if changed else None


def flag_missing_reports(sent_before: datetime) -> int:
    """Flag `sent` rows sent before `sent_before` that never had a delivery report; they stay `sent`."""
    return db.session.execute(
        update(Message).where(Message.status == SENT, Message.sent_at < sent_before, Message.last_error.is_(None))
        .values(last_error=Reason.NO_REPORT).execution_options(synchronize_session=False)).rowcount


def mark_requeued(message_ids: list[int], now: datetime | None = None) -> None:
    """Note that queued rows were given new jobs: their enqueue mark is cleared and, with `now`, they count
    as stale again only after another grace period."""
    values = {"enqueue_failed_at": None, **({"updated_at": now} if now else {})}
    for start in range(0, len(message_ids), _BATCH):
        db.session.execute(update(Message).where(Message.id.in_(message_ids[start:start + _BATCH]))
                           .values(**values).execution_options(synchronize_session=False))


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
