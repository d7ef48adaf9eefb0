"""Staff broadcasts: who receives one, what it costs, sending it later, cancelling it, and its progress.

A broadcast's audience is one of
    {"all": true}                            every subscriber
    {"kelurahan": ["Menteng", ...]}          subscribers of those kelurahan
    {"service": "KTP", "status": "READY"}    applicants of a service and/or in a status
    {"phones": ["0812...", ...]}             a pasted list (numbers that are not valid are reported)
Opted-out phones and duplicates are always removed. English speakers get `text_en` when there is one.

Life of a broadcast: scheduled -> sending (one outbox row per recipient written at send time, so the
audience is read when the announcement goes out) -> done; or cancelled, which cancels every row still
queued while a chunk already being sent finishes.
"""
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import UTC

from flask import current_app
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import audit
from office import catalog
from office import clock
from office import lifecycle
from office import outbox
from office.errors import DomainError
from office.errors import NotFound
from office.fields import text_field
from office.gsm import analyze
from office.gsm import to_gsm
from office.i18n import language
from office.models import Application
from office.models import Broadcast
from office.models import Citizen
from office.models import Message
from office.phones import InvalidPhone
from office.phones import normalize

SCHEDULED = "scheduled"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"

KIND = "broadcast"
MAX_SEGMENTS = 6
MAX_PHONES = 20_000
# Why a message of a cancelled broadcast was not sent (also written by the send jobs).
CANCELLED_REASON = "broadcast cancelled"
MAX_KELURAHAN = 20
MAX_SCHEDULE_AHEAD = timedelta(days=90)
UNKNOWN_LISTED = 1000
NO_REPORT = "no delivery report"
_LOOKUP_BATCH = 500
_INSERT_BATCH = 2000
_AUDIENCE_FORMS = ({"all"}, {"kelurahan"}, {"phones"}, {"service"}, {"status"}, {"service", "status"})


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

    def to_dict(self) -> dict:
        data = asdict(self)
        data["currency"] = "IDR"
        return data


@dataclass
class _Audience:
    recipients: list  # [(phone, language)], each phone once, none opted out
    opted_out: int
    duplicates: int
    invalid: list


def clean_text(value, field_name: str, required: bool) -> str | None:
    """A broadcast text as it will be sent (GSM-7 lookalikes folded), at most MAX_SEGMENTS segments."""
    value = text_field(value, field_name, required)
    if value is None:
        return None
    text = to_gsm(value)
    if analyze(text).segments > MAX_SEGMENTS:
        raise DomainError(f"{field_name} is longer than {MAX_SEGMENTS} SMS segments.", code="text_too_long")
    return text


def clean_audience(raw) -> tuple[dict, list[str]]:
    """The audience in its stored form, and the pasted numbers that are not phone numbers.

    :raise DomainError: when it is not one of the documented forms or names an unknown kelurahan,
        service or status.
    """
    if not isinstance(raw, dict) or set(raw) not in _AUDIENCE_FORMS:
        raise DomainError('audience must be {"all": true}, {"kelurahan": [...]}, {"service": code, "status": S} '
                          '(either or both) or {"phones": [...]}.', code="invalid_audience")
    if "all" in raw:
        if raw["all"] is not True:
            raise DomainError('audience "all" must be true.', code="invalid_audience")
        return {"all": True}, []
    if "kelurahan" in raw:
        return {"kelurahan": _kelurahan_names(raw["kelurahan"])}, []
    if "phones" in raw:
        return _phone_list(raw["phones"])
    audience = {}
    if "service" in raw:
        service = catalog.get_service(raw["service"]) if isinstance(raw["service"], str) else None
        if service is None:
            raise DomainError(f"Unknown service {raw['service']!r}.", code="unknown_service")
        audience["service"] = service.code
    if "status" in raw:
        if not isinstance(raw["status"], str) or not lifecycle.is_status(raw["status"]):
            raise DomainError(f"Unknown status {raw['status']!r}.", code="unknown_status")
        audience["status"] = raw["status"]
    return audience, []


def _kelurahan_names(values) -> list[str]:
    if not isinstance(values, list) or not values or len(values) > MAX_KELURAHAN:
        raise DomainError(f"kelurahan must be a list of 1 to {MAX_KELURAHAN} names.", code="invalid_audience")
    names = []
    for value in values:
        place = catalog.find_kelurahan(value) if isinstance(value, str) else None
        if place is None:
            raise DomainError(f"Unknown kelurahan {value!r}.", code="unknown_kelurahan")
        if place.name not in names:
            names.append(place.name)
    return names


def _phone_list(values) -> tuple[dict, list[str]]:
    if not isinstance(values, list) or not values or len(values) > MAX_PHONES:
        raise DomainError(f"phones must be a list of 1 to {MAX_PHONES} numbers.", code="invalid_audience")
    phones, invalid = [], []
    for value in values:
        try:
            phones.append(normalize(value if isinstance(value, str) else None))
        except InvalidPhone:
            invalid.append(str(value)[:40])
    # Duplicates stay in the stored list so the preview can say how many were removed.
    return {"phones": phones}, invalid


def _candidates(audience: dict):
    """Rows (phone, language, opted_out_at) for the audience, duplicates included."""
    if "phones" in audience:
        return _phone_rows(audience["phones"])
    if "all" in audience or "kelurahan" in audience:
        query = select(Citizen.phone, Citizen.language, Citizen.opted_out_at).where(Citizen.subscribed.is_(True))
        if "kelurahan" in audience:
            ids = [place.id for place in catalog.kelurahan_list() if place.name in audience["kelurahan"]]
            query = query.where(Citizen.kelurahan_id.in_(ids))
        return db.session.execute(query.order_by(Citizen.id)).all()
    query = (select(Application.phone, Citizen.language, Citizen.opted_out_at)
             .outerjoin(Citizen, Citizen.phone == Application.phone))
    if "service" in audience:
        query = query.where(Application.service_id == catalog.get_service(audience["service"]).id)
    if "status" in audience:
        query = query.where(Application.status == audience["status"])
    return db.session.execute(query.order_by(Application.id)).all()


def _phone_rows(phones: list[str]) -> list[tuple]:
    known = {}
    unique = list(dict.fromkeys(phones))
    for start in range(0, len(unique), _LOOKUP_BATCH):
        batch = unique[start:start + _LOOKUP_BATCH]
        for phone, lang, opted_out_at in db.session.execute(
                select(Citizen.phone, Citizen.language, Citizen.opted_out_at).where(Citizen.phone.in_(batch))):
            known[phone] = (lang, opted_out_at)
    return [(phone, *known.get(phone, (None, None))) for phone in phones]


def resolve(audience: dict, invalid: list[str] | None = None) -> _Audience:
    """Everyone the stored `audience` reaches right now, each phone once, opted-out phones left out."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    seen, recipients, opted_out, duplicates = set(), [], 0, 0
    for phone, lang, opted_out_at in _candidates(audience):
        if phone in seen:
            duplicates += 1
            continue
        seen.add(phone)
        if opted_out_at is not None:
            opted_out += 1
            continue
        recipients.append((phone, language(lang or default)))
    return _Audience(recipients, opted_out, duplicates, list(invalid or []))


def _texts(text: str, text_en: str | None) -> dict:
    return {"id": text, "en": text_en or text}


def preview(text, text_en, raw_audience) -> Preview:
    """What a broadcast would reach and cost, without creating anything."""
    text = clean_text(text, "text", required=True)
    text_en = clean_text(text_en, "text_en", required=False)
    audience, invalid = clean_audience(raw_audience)
    return _preview(text, text_en, resolve(audience, invalid))


def _preview(text: str, text_en: str | None, reach: _Audience) -> Preview:
    texts = _texts(text, text_en)
    by_language = {"id": 0, "en": 0}
    for _phone, lang in reach.recipients:
        by_language["en" if lang == "en" and text_en else "id"] += 1
    segments = {lang: analyze(body).segments for lang, body in texts.items()}
    if not text_en:
        segments["en"] = None
    per_segment = int(current_app.config["SMS_COST_PER_SEGMENT"])
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


def create(text, text_en, raw_audience, *, send_at=None, urgent=False, actor: str) -> tuple[Broadcast, Preview]:
    """Create a broadcast and start it (now or at `send_at`); returns it with its preview.

    An urgent broadcast is sent during quiet hours too; say so only for real emergencies.

    :raise DomainError: for bad texts, audience or time, or when no one would receive it.
    """
    text = clean_text(text, "text", required=True)
    text_en = clean_text(text_en, "text_en", required=False)
    audience, invalid = clean_audience(raw_audience)
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
    db.session.commit()
    # Imported here: the domain core does not depend on the job layer, only hands work to it.
    from jobs.broadcasts import start

    start(broadcast)
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
        db.session.rollback()
        broadcast = get(broadcast.id)
        if broadcast.status == CANCELLED:
            return broadcast
        raise NotCancellable("This broadcast has already finished.")
    cancelled = db.session.execute(
        update(Message).where(Message.broadcast_id == broadcast.id, Message.status == outbox.QUEUED)
        .values(status=outbox.CANCELLED, last_error=CANCELLED_REASON, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(actor, "broadcast.cancel", str(broadcast.id), cancelled=cancelled)
    db.session.commit()
    return get(broadcast.id)


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
        db.session.rollback()
        return 0
    broadcast = db.session.get(Broadcast, broadcast_id)
    texts = _texts(broadcast.text, broadcast.text_en)
    length = {lang: analyze(body) for lang, body in texts.items()}
    now = clock.utcnow()
    recipients = resolve(broadcast.audience).recipients
    # In slices, so a 100,000-recipient audience never holds 100,000 row dicts in memory at once.
    for start in range(0, len(recipients), _INSERT_BATCH):
        db.session.execute(insert(Message), [
            {"direction": "out", "phone": phone, "text": texts[lang], "segments": length[lang].segments,
             "encoding": length[lang].encoding, "status": outbox.QUEUED, "kind": KIND, "priority": "bulk",
             "broadcast_id": broadcast_id, "attempts": 0, "created_at": now, "updated_at": now}
            for phone, lang in recipients[start:start + _INSERT_BATCH]])
    broadcast.recipients = len(recipients)
    if not recipients:
        broadcast.status = DONE
        broadcast.finished_at = now
    db.session.commit()
    return len(recipients)


def finish_if_done(broadcast_id: int) -> bool:
    """Mark a sending broadcast `done` once no recipient is queued or being sent; True if it changed now."""
    busy = select(Message.id).where(Message.broadcast_id == broadcast_id,
                                    Message.status.in_((outbox.QUEUED, outbox.SENDING))).exists()
    # A read first: most chunks end with work still left, and then no write transaction is needed.
    if db.session.scalar(select(busy)):
        db.session.rollback()
        return False
    changed = db.session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == SENDING, ~busy)
        .values(status=DONE, finished_at=clock.utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def status_counts(broadcast_id: int | None = None) -> dict:
    """How many outgoing messages are in each state (of one broadcast, or all)."""
    query = select(Message.status, func.count()).where(Message.direction == "out").group_by(Message.status)
    if broadcast_id is not None:
        query = query.where(Message.broadcast_id == broadcast_id)
    counts = dict.fromkeys(outbox.OUT_STATES, 0)
    counts.update(dict(db.session.execute(query).all()))
    return counts


def unknown_outcomes(broadcast_id: int | None = None, limit: int = UNKNOWN_LISTED) -> list[dict]:
    """Messages whose send outcome is unknown (worker died during the provider call), for staff to review."""
    query = (select(Message).where(Message.direction == "out", Message.status == outbox.UNKNOWN)
             .order_by(Message.id).limit(limit))
    if broadcast_id is not None:
        query = query.where(Message.broadcast_id == broadcast_id)
    return [{"id": m.id, "phone": m.phone, "kind": m.kind, "attempts": m.attempts, "error": m.last_error,
             "since": _iso(m.updated_at)} for m in db.session.scalars(query)]


def progress(broadcast: Broadcast) -> dict:
    """Everything staff need to follow a broadcast: state, counts per message state, unknown outcomes."""
    counts = status_counts(broadcast.id)
    no_report = db.session.scalar(select(func.count()).where(
        Message.broadcast_id == broadcast.id, Message.status == outbox.SENT, Message.last_error == NO_REPORT))
    retried = db.session.scalar(select(func.count()).where(
        Message.broadcast_id == broadcast.id, Message.attempts > 1))
    return {
        "id": broadcast.id,
        "status": broadcast.status,
        "text": broadcast.text,
        "text_en": broadcast.text_en,
        "audience": broadcast.audience,
        "urgent": broadcast.urgent,
        "recipients": broadcast.recipients,
        "send_at": _iso(broadcast.send_at),
        "created_at": _iso(broadcast.created_at),
        "created_by": broadcast.created_by,
        "cancelled_at": _iso(broadcast.cancelled_at),
        "finished_at": _iso(broadcast.finished_at),
        "counts": counts,
        "retried": retried,
        "no_delivery_report": no_report,
        "unknown": unknown_outcomes(broadcast.id),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None
