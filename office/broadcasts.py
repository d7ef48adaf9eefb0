"""Staff broadcasts: what one costs, sending it now or later, cancelling it, and its progress.

Who receives one is office.audience's business. English speakers get `text_en` when there is one.

Life of a broadcast: scheduled -> sending (one outbox row per recipient written at send time, so the
audience is read when the announcement goes out) -> done; or cancelled, which cancels every row still
queued while a chunk already being sent finishes.
"""
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import after_commit
from office import audit
from office import clock
from office import outbox
from office.audience import MAX_PHONES
from office.audience import Reach
from office.audience import clean_audience
from office.audience import resolve
from office.errors import DomainError
from office.errors import NotFound
from office.fields import text_field
from office.gsm import analyze
from office.gsm import to_gsm
from office.models import Broadcast
from office.models import Message

SCHEDULED = "scheduled"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"

# What a committed transaction hands on (office.after_commit) for each broadcast it created.
STARTED = "broadcast_started"
MAX_SEGMENTS = 6
MAX_SCHEDULE_AHEAD = timedelta(days=90)
UNKNOWN_LISTED = 1000


class NotCancellable(DomainError):
    code = "not_cancellable"
    http_status = 409


@dataclass
class Preview:
    """What sending a broadcast would mean: recipients after clean-up, segments and estimated cost (IDR)."""

    recipients: int
    by_language: dict
    segments: dict
    estimated_cost: int
    removed_opted_out: int
    removed_duplicates: int
    invalid: list = field(default_factory=list)


@dataclass(frozen=True)
class UnknownOutcome:
    """A message whose send outcome nobody knows (its worker died during the provider call)."""

    id: int
    phone: str
    kind: str
    attempts: int
    error: str | None
    since: datetime


@dataclass(frozen=True)
class Progress:
    """How far a broadcast has gone: messages per state, retries, missing reports, outcomes to review."""

    counts: dict
    retried: int
    no_delivery_report: int
    unknown: list[UnknownOutcome]


def clean_text(value, field_name: str, required: bool) -> str | None:
    """A broadcast text as it will be sent (GSM-7 lookalikes folded), at most MAX_SEGMENTS segments."""
    value = text_field(value, field_name, required)
    if value is None:
        return None
    text = to_gsm(value)
    if analyze(text).segments > MAX_SEGMENTS:
        raise DomainError(f"{field_name} is longer than {MAX_SEGMENTS} SMS segments.", code="text_too_long")
    return text


def _texts(text: str, text_en: str | None) -> dict:
    return {"id": text, "en": text_en or text}


def preview(text, text_en, raw_audience, *, max_phones: int = MAX_PHONES) -> Preview:
    """What a broadcast would reach and cost, without creating anything; `max_phones` as clean_audience."""
    text = clean_text(text, "text", required=True)
    text_en = clean_text(text_en, "text_en", required=False)
    audience, invalid = clean_audience(raw_audience, max_phones)
    return _preview(text, text_en, resolve(audience, invalid))


def _preview(text: str, text_en: str | None, reach: Reach) -> Preview:
    texts = _texts(text, text_en)
    by_language = {"id": 0, "en": 0}
    for _phone, lang in reach.recipients:
        by_language["en" if lang == "en" and text_en else "id"] += 1
    segments = {lang: analyze(body).segments for lang, body in texts.items()}
    if not text_en:
        segments["en"] = None
    per_segment = current_app.config["SMS_COST_PER_SEGMENT"]
    cost = sum(count * (segments[lang] or 0) * per_segment for lang, count in by_language.items())
    return Preview(len(reach.recipients), by_language, segments, cost, reach.opted_out, reach.duplicates,
                   reach.invalid)


def parse_send_at(value) -> datetime | None:
    """A requested send time as naive UTC (None = now); a time without offset is office time.

    :raise DomainError: when it is not ISO 8601 or more than MAX_SCHEDULE_AHEAD away.
    """
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise DomainError("send_at must be an ISO 8601 time, e.g. 2026-12-01T08:00:00+07:00.", code="invalid_send_at")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.office_tz())
    try:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        # Year 1 or 9999 shifted across midnight UTC falls outside what datetime can hold.
        raise DomainError("send_at is outside any sensible date.", code="invalid_send_at") from None
    now = clock.utcnow()
    if moment - now > MAX_SCHEDULE_AHEAD:
        raise DomainError(f"send_at may be at most {MAX_SCHEDULE_AHEAD.days} days ahead.", code="invalid_send_at")
    return moment if moment > now else None


def create(text, text_en, raw_audience, *, send_at=None, urgent=False, actor: str,
           max_phones: int = MAX_PHONES) -> tuple[Broadcast, Preview]:
    """Create a broadcast and start it (now or at `send_at`); returns it with its preview.

    An urgent broadcast is sent during quiet hours too; say so only for real emergencies. A list of phones
    holds at most `max_phones` (as clean_audience).

    :raise DomainError: for bad texts, audience or time, or when no one would receive it.
    """
    text = clean_text(text, "text", required=True)
    text_en = clean_text(text_en, "text_en", required=False)
    audience, invalid = clean_audience(raw_audience, max_phones)
    if not isinstance(urgent, bool):
        raise DomainError("urgent must be true or false.", code="invalid_field")
    when = parse_send_at(send_at)
    summary = _preview(text, text_en, resolve(audience, invalid))
    if not summary.recipients:
        raise DomainError("No one in this audience can receive SMS.", code="empty_audience")
    now = clock.utcnow()
    broadcast = Broadcast(text=text, text_en=text_en, audience=audience, status=SCHEDULED, urgent=urgent,
                          send_at=when or now, recipients=summary.recipients, created_by=actor, created_at=now)
    db.session.add(broadcast)
    db.session.flush()
    audit.record(actor, "broadcast.create", str(broadcast.id), recipients=summary.recipients, urgent=urgent)
    after_commit.later(STARTED, (broadcast.id, broadcast.send_at))
    return broadcast, summary


def get(broadcast_id) -> Broadcast:
    """The broadcast with this id (an int, or its digits as text).

    :raise NotFound: when there is none.
    """
    if isinstance(broadcast_id, str) and broadcast_id.isdigit() and len(broadcast_id) < 12:
        broadcast_id = int(broadcast_id)
    broadcast = db.session.get(Broadcast, broadcast_id) if isinstance(broadcast_id, int) else None
    if broadcast is None:
        raise NotFound("No broadcast with that id.")
    return broadcast


def cancel(broadcast_id, *, actor: str) -> Broadcast:
    """Cancel a broadcast: every recipient still queued is cancelled; a chunk being sent finishes.

    Cancelling a cancelled broadcast changes nothing.

    :raise NotCancellable: when it has already finished.
    """
    broadcast = get(broadcast_id)
    if broadcast.status == CANCELLED:
        return broadcast
    now = clock.utcnow()
    changed = db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast.id, Broadcast.status.in_((SCHEDULED, SENDING)))
        .values(status=CANCELLED, cancelled_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        # Another cancel may have won the race: cancelling twice still answers with the cancelled broadcast.
        # The refused UPDATE waited for the winner's commit, so this read sees what it wrote.
        db.session.refresh(broadcast)
        if broadcast.status == CANCELLED:
            return broadcast
        raise NotCancellable("This broadcast has already finished.")
    cancelled = outbox.cancel_broadcast(broadcast.id)
    audit.record(actor, "broadcast.cancel", str(broadcast.id), cancelled=cancelled)
    db.session.refresh(broadcast)
    return broadcast


def materialize(broadcast_id: int) -> int:
    """Write one queued outbox row per recipient and mark the broadcast `sending`, in one transaction.

    Returns how many rows were written; 0 when the broadcast is not `scheduled` any more (already
    written, or cancelled), so running this twice never writes twice.
    """
    taken = db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == SCHEDULED)
        .values(status=SENDING).execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        return 0
    broadcast = db.session.get(Broadcast, broadcast_id)
    recipients = resolve(broadcast.audience).recipients
    outbox.queue_broadcast(broadcast_id, recipients, _texts(broadcast.text, broadcast.text_en))
    broadcast.recipients = len(recipients)
    if not recipients:
        broadcast.status = DONE
        broadcast.finished_at = clock.utcnow()
    db.session.flush()
    return len(recipients)


def finish_if_done(broadcast_id: int) -> bool:
    """Mark a sending broadcast `done` once no recipient is queued or being sent; True if it changed now."""
    busy = select(Message.id).where(Message.broadcast_id == broadcast_id,
                                    Message.status.in_((outbox.QUEUED, outbox.SENDING))).exists()
    # A read first: most chunks end with work still left, and then no write is needed.
    if db.session.scalar(select(busy)):
        return False
    changed = db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == SENDING, ~busy)
        .values(status=DONE, finished_at=clock.utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    return bool(changed)


def status_counts(broadcast_id: int | None = None) -> dict:
    """How many outgoing messages are in each state (of one broadcast, or all)."""
    query = select(Message.status, func.count()).where(Message.direction == "out").group_by(Message.status)
    if broadcast_id is not None:
        query = query.where(Message.broadcast_id == broadcast_id)
    counts = dict.fromkeys(outbox.OUT_STATES, 0)
    counts.update(dict(db.session.execute(query).all()))
    return counts


def unknown_outcomes(broadcast_id: int | None = None, limit: int = UNKNOWN_LISTED) -> list[UnknownOutcome]:
    """Messages whose send outcome is unknown (worker died during the provider call), for staff to review."""
    query = (select(Message).where(Message.direction == "out", Message.status == outbox.UNKNOWN)
             .order_by(Message.id).limit(limit))
    if broadcast_id is not None:
        query = query.where(Message.broadcast_id == broadcast_id)
    return [UnknownOutcome(m.id, m.phone, m.kind, m.attempts, m.last_error, m.updated_at)
            for m in db.session.scalars(query)]


def progress(broadcast: Broadcast) -> Progress:
    """Everything staff need to follow a broadcast beside its own fields."""
    no_report = db.session.scalar(select(func.count()).where(
        Message.broadcast_id == broadcast.id, Message.status == outbox.SENT,
        Message.last_error == outbox.Reason.NO_REPORT))
    retried = db.session.scalar(select(func.count()).where(
        Message.broadcast_id == broadcast.id, Message.attempts > 1))
    return Progress(status_counts(broadcast.id), retried, no_report, unknown_outcomes(broadcast.id))
