"""The inbox of suggestions and complaints: states, the moves between them, and the working-day clock.

office.feedback takes tickets in; this module is the one place an item's state changes. The deadlines
are SP4N-LAPOR!'s: a new item is verified within 3 working days of arrival, an assigned one followed up
within 5 working days of its assignment, and a followed-up one closes by itself 10 working days after the
office's last word (the follow-up, or a later SMS) when the citizen has not answered. A citizen answers by
SMS, starting with the ticket number or, within those 10 working days of an SMS from the office, without.
Every move is an `UPDATE ... WHERE status = <what was read>`, so of two staff acting on the same item at
once exactly one wins; a move may tell the citizen by SMS (office.ticket_notices holds the texts).
"""
import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import aliased

from extensions import db
from office import audit
from office import citizens
from office import clock
from office import outbox
from office import quiet_hours
from office import ticket_notices
from office import working_days
from office.errors import Conflict
from office.errors import DomainError
from office.errors import InvalidTransition
from office.errors import NotFound
from office.i18n import N_
from office.models import Feedback
from office.models import FeedbackEvent
from office.models import Kelurahan
from office.models import ReplyTemplate
from office.models import StaffUser
from office.roles import Role

BARU = "baru"
DIVERIFIKASI = "diverifikasi"
DIDISPOSISIKAN = "didisposisikan"
DITINDAKLANJUTI = "ditindaklanjuti"
SELESAI = "selesai"
BUKAN_WEWENANG = "bukan_wewenang"
DUPLIKAT = "duplikat"
DITUNDA = "ditunda"

MOVES = {
    BARU: (DIVERIFIKASI, DUPLIKAT, BUKAN_WEWENANG),
    DIVERIFIKASI: (DIDISPOSISIKAN, DITUNDA, DUPLIKAT, BUKAN_WEWENANG),
    DIDISPOSISIKAN: (DITINDAKLANJUTI, DITUNDA, BUKAN_WEWENANG),
    DITINDAKLANJUTI: (SELESAI, DITUNDA),
    # Waiting for the citizen's information: once it comes, the item is checked again.
    DITUNDA: (DIVERIFIKASI,),
    SELESAI: (),
    BUKAN_WEWENANG: (),
    DUPLIKAT: (),
}
STATES = tuple(MOVES)
FINAL = frozenset(s for s, nxt in MOVES.items() if not nxt)
OPEN = frozenset(STATES) - FINAL
# What the staff member must say for each move: what was done, why it waits.
NOTE_REQUIRED = frozenset({DITINDAKLANJUTI, DITUNDA, BUKAN_WEWENANG})

LABELS = {
    BARU: N_("New"),
    DIVERIFIKASI: N_("Verified"),
    DIDISPOSISIKAN: N_("Assigned"),
    DITINDAKLANJUTI: N_("Followed up"),
    SELESAI: N_("Done"),
    BUKAN_WEWENANG: N_("Not our authority"),
    DUPLIKAT: N_("Duplicate"),
    DITUNDA: N_("On hold"),
}
# The intake's "lainnya" is what citizens choose when they ask rather than suggest or complain.
CATEGORY_LABELS = {
    "saran": N_("Suggestion"),
    "aduan": N_("Complaint"),
    "lainnya": N_("Request for information"),
}
CHANNELS = ("ussd", "sms", "kiosk", "web")

VERIFY_DAYS = 3
FOLLOW_UP_DAYS = 5
AUTO_CLOSE_DAYS = 10
# A plain SMS (no keyword, no ticket number) answers the office's last SMS about an open ticket for this
# long: as long as an unanswered follow-up waits before it closes by itself.
REPLY_WINDOW_DAYS = AUTO_CLOSE_DAYS
# The moves a citizen expects word of, so the move form offers to tell them; an assignment is the office's
# own business, and a duplicate's citizen hears about the original.
NOTIFIED = frozenset({DIVERIFIKASI, DITINDAKLANJUTI, SELESAI, BUKAN_WEWENANG, DITUNDA})
# The state whose clock runs, and how many working days it has.
_CLOCKS = {BARU: VERIFY_DAYS, DIDISPOSISIKAN: FOLLOW_UP_DAYS}
MAX_NOTE = 1000
MAX_REFERRED = 120
MAX_REPLY = 480
MAX_TITLE = 80
SYSTEM = "system"
CITIZEN = "citizen"
# "SARAN T123456 lampu masih mati": a citizen adds to a ticket by starting with its number.
_TICKET_FIRST = re.compile(r"\s*(T\d{6})(?![0-9])[\s:,.\-]*(.*)", re.IGNORECASE | re.DOTALL)


def label(state: str) -> str:
    """The untranslated label of a state (templates translate it)."""
    return LABELS.get(state, state)


def can_move(current: str, new: str) -> bool:
    """True when an item in `current` may move to `new`."""
    return new in MOVES.get(current, ())


def _today(now: datetime | None) -> date:
    return clock.local(now or clock.utcnow()).date()


def _started(item: Feedback) -> datetime:
    return item.state_changed_at or item.created_at


def due(item: Feedback) -> date | None:
    """The office day by which the item's current state must end, or None when no deadline runs."""
    days = _CLOCKS.get(item.status)
    return None if days is None else working_days.due_date(_started(item), days)


def closes_on(item: Feedback) -> date | None:
    """The office day a followed-up item closes by itself, or None for any other state.

    The citizen's 10 working days run from the office's last word: the follow-up, or an SMS sent about the
    item after it. An answer from the citizen stops the clock (staff close the item); the office's next SMS
    starts it again.
    """
    if item.status != DITINDAKLANJUTI:
        return None
    started = _started(item)
    events = [e for e in history(item) if e.created_at >= started]
    since = max([started, *(e.created_at for e in events if e.message_id)])
    if any(e.actor == CITIZEN and e.created_at >= since for e in events):
        return None
    return working_days.due_date(since, AUTO_CLOSE_DAYS)


def is_overdue(item: Feedback, now: datetime | None = None) -> bool:
    """True when the item's deadline day has passed."""
    deadline = due(item)
    return deadline is not None and _today(now) > deadline


def _started_on_or_before(state: str, day: date):
    started = func.coalesce(Feedback.state_changed_at, Feedback.created_at)
    return and_(Feedback.status == state, started < working_days.start_of_day_utc(day + timedelta(days=1)))


def overdue_condition(now: datetime | None = None):
    """A WHERE clause true for overdue items, one comparison per running clock."""
    today = _today(now)
    return or_(*(_started_on_or_before(state, working_days.latest_start_overdue(days, today))
                 for state, days in _CLOCKS.items()))


@dataclass(frozen=True)
class Filter:
    """The list's filters; empty strings mean "any"."""

    state: str = ""
    category: str = ""
    channel: str = ""
    overdue: bool = False

    @classmethod
    def from_args(cls, args) -> "Filter":
        """The filter in a query string; unknown values are refused rather than ignored.

        :raise DomainError: with `field` naming the bad value.
        """
        values = {}
        for name, allowed in (("state", (*STATES, "open")), ("category", tuple(CATEGORY_LABELS)),
                              ("channel", CHANNELS)):
            value = args.get(name, "") or ""
            if value and value not in allowed:
                raise DomainError(f"Unknown {name} {value!r}.", code="bad_filter", field=name)
            values[name] = value
        # "y" is what the form's checkbox sends; "1" what the counts' link does.
        return cls(overdue=args.get("overdue", "") in ("1", "y", "on", "true"), **values)


def _scoped(statement, place: int | None):
    return statement if place is None else statement.where(Feedback.kelurahan_id == place)


def query(flt: Filter, place: int | None, now: datetime | None = None):
    """The items matching `flt` that a user of scope `place` sees, oldest deadline first."""
    statement = _scoped(select(Feedback), place)
    if flt.state == "open":
        statement = statement.where(Feedback.status.in_(OPEN))
    elif flt.state:
        statement = statement.where(Feedback.status == flt.state)
    if flt.category:
        statement = statement.where(Feedback.category == flt.category)
    if flt.channel:
        statement = statement.where(Feedback.channel == flt.channel)
    if flt.overdue:
        statement = statement.where(overdue_condition(now))
    return statement.order_by(Feedback.created_at.desc(), Feedback.id.desc())


def counts(place: int | None, now: datetime | None = None) -> dict[str, int]:
    """How many items are open and how many of them overdue, for a user of scope `place`."""
    def count(*conditions) -> int:
        return db.session.scalar(_scoped(select(func.count()).select_from(Feedback), place).where(*conditions))

    return {"open": count(Feedback.status.in_(OPEN)), "overdue": count(overdue_condition(now))}


def get(ticket: str, place: int | None = None) -> Feedback:
    """The item with `ticket`, if a user of scope `place` may see it.

    :raise NotFound: the same whether it does not exist or belongs to another kelurahan.
    """
    item = db.session.scalar(select(Feedback).where(Feedback.ticket == str(ticket).strip().upper()))
    if item is None or (place is not None and item.kelurahan_id != place):
        raise NotFound(f"No ticket {ticket!r}.")
    return item


def history(item: Feedback) -> list[FeedbackEvent]:
    """The item's moves and replies in the order they were made."""
    return list(db.session.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id == item.id)
                                   .order_by(FeedbackEvent.id)))


def may_see_phone(item: Feedback, user) -> bool:
    """A confidential item's phone is for admins and its assignee (a person, or the kelurahan's accounts)."""
    if not item.confidential or user.role == Role.ADMIN:
        return True
    if item.assignee_id is not None and item.assignee_id == user.id:
        return True
    return user.role == Role.KELURAHAN and item.kelurahan_id is not None and item.kelurahan_id == user.kelurahan_id


def _clean(value, field: str, limit: int, *, required: bool) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        if required:
            raise DomainError(f"The {field} is required.", code="missing_field", field=field)
        return None
    if len(text) > limit:
        raise DomainError(f"The {field} is longer than {limit} characters.", code="field_too_long", field=field)
    if any(ch in "\x00\ufffd" or 0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise DomainError(f"The {field} holds characters that cannot be read.", code="unreadable_text", field=field)
    return text


def _assignment(assignee_id, kelurahan_id) -> dict:
    if bool(assignee_id) == bool(kelurahan_id):
        raise DomainError("Assign the item to one staff member or one kelurahan.", code="missing_field",
                          field="assignee")
    if assignee_id:
        user = db.session.get(StaffUser, int(assignee_id))
        if user is None or not user.active:
            raise DomainError("No such active staff member.", code="unknown_assignee", field="assignee")
        # A kelurahan account's assignment is its kelurahan's too, so the item shows in its inbox.
        return {"assignee_id": user.id, "kelurahan_id": user.kelurahan_id}
    if db.session.get(Kelurahan, int(kelurahan_id)) is None:
        raise DomainError("No such kelurahan.", code="unknown_kelurahan", field="assignee")
    return {"assignee_id": None, "kelurahan_id": int(kelurahan_id)}


def _original(item: Feedback, ticket) -> int:
    text = _clean(ticket, "original", 16, required=True)
    original = db.session.scalar(select(Feedback).where(Feedback.ticket == text.upper()))
    if original is None or original.id == item.id:
        raise DomainError("No other ticket with that number.", code="unknown_ticket", field="original")
    return original.id


def move(item: Feedback, new_state: str, *, actor: str, note=None, assignee_id=None, kelurahan_id=None,
         referred_to=None, original=None, expected_state: str | None = None, notify: bool = False,
         now: datetime | None = None) -> Feedback:
    """Move `item` to `new_state` with what that move needs, record the event and an audit entry.

    didisposisikan needs an `assignee_id` or a `kelurahan_id`; bukan_wewenang `referred_to` (where the
    citizen was sent); duplikat the `original` ticket number. A form passes the state it showed as
    `expected_state`, so a decision taken on a stale page is refused. With `notify`, the citizen is told
    by SMS in the same transaction (nothing when the item has no phone or the phone opted out).

    :raise InvalidTransition: the move table does not allow it (`current_status` in details).
    :raise Conflict: someone moved the item first (`current_status` in details).
    :raise DomainError: a missing or bad field, with `field` naming it.
    """
    found = item.status
    if expected_state is not None and found != expected_state:
        raise Conflict(f"The item is now {found}, not {expected_state}.", current_status=found)
    if new_state not in MOVES:
        raise DomainError(f"Unknown state {new_state!r}.", code="unknown_status")
    if not can_move(found, new_state):
        raise InvalidTransition(f"An item {found} cannot move to {new_state}.", current_status=found)
    note = _clean(note, "note", MAX_NOTE, required=new_state in NOTE_REQUIRED)
    values = {}
    if new_state == DIDISPOSISIKAN:
        values = _assignment(assignee_id, kelurahan_id)
    elif new_state == BUKAN_WEWENANG:
        values = {"referred_to": _clean(referred_to, "referred_to", MAX_REFERRED, required=True)}
    elif new_state == DUPLIKAT:
        values = {"duplicate_of_id": _original(item, original)}
    at = now or clock.utcnow()
    _write(item, found, new_state, note, actor, values, at)
    if notify:
        _notify(item, new_state, actor, at)
    return item


def _write(item: Feedback, found: str, new_state: str, note: str | None, actor: str, values: dict,
           at: datetime) -> None:
    values = {**values, "status": new_state, "state_changed_at": at,
              "closed_at": at if new_state in FINAL else None}
    moved = db.session.execute(update(Feedback).where(Feedback.id == item.id, Feedback.status == found)
                               .values(**values).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        current = db.session.scalar(select(Feedback.status).where(Feedback.id == item.id))
        raise Conflict(f"The item moved to {current} while this change was being made.", current_status=current)
    db.session.refresh(item)
    db.session.add(FeedbackEvent(feedback_id=item.id, from_state=found, to_state=new_state, actor=actor,
                                 note=note, created_at=at))
    audit.record(actor, "feedback.state", item.ticket, before={"status": found},
                 after={k: v for k, v in values.items() if k not in ("state_changed_at", "closed_at")} | {"note": note})
    db.session.flush()


def _waiting_since():
    """The moment a followed-up item's citizen was last told something: the follow-up or a later SMS."""
    started = func.coalesce(Feedback.state_changed_at, Feedback.created_at)
    sms = aliased(FeedbackEvent)
    last_sms = (select(func.max(sms.created_at))
                .where(sms.feedback_id == Feedback.id, sms.message_id.is_not(None), sms.created_at >= started)
                .correlate(Feedback).scalar_subquery())
    # max() of one value and NULL differs between SQLite and PostgreSQL; CASE reads the same in both.
    return case((last_sms > started, last_sms), else_=started)


def close_unanswered(now: datetime | None = None) -> int:
    """Close every followed-up item whose citizen left the office's last word unanswered for 10 working days,
    and tell the citizen by SMS; the worker's sweep calls this.

    Each close is its own guarded move, so an item a staff member moves meanwhile is left as they left it.
    The SMS waits out the quiet hours, since the sweep may close an item at night.
    """
    at = now or clock.utcnow()
    # Due on day D means closed on D: "overdue tomorrow" is "due today or earlier".
    last = working_days.latest_start_overdue(AUTO_CLOSE_DAYS, _today(at) + timedelta(days=1))
    since = _waiting_since()
    answered = select(FeedbackEvent.id).where(
        FeedbackEvent.feedback_id == Feedback.id, FeedbackEvent.actor == CITIZEN,
        FeedbackEvent.created_at >= since).exists()
    due = and_(Feedback.status == DITINDAKLANJUTI, since < working_days.start_of_day_utc(last + timedelta(days=1)))
    closed = 0
    for item in db.session.scalars(select(Feedback).where(due, ~answered).order_by(Feedback.id)):
        try:
            _write(item, DITINDAKLANJUTI, SELESAI, N_("Closed: no answer from the citizen in 10 working days."),
                   SYSTEM, {}, at)
        except Conflict:
            continue
        if may_notify(item):
            _send(item, ticket_notices.auto_closed(_language(item), item.ticket), SYSTEM, at, "feedback.notice",
                  send_after=quiet_hours.window_end(at, current_app.config.get("QUIET_HOURS")))
        closed += 1
    return closed


def thread_reply(phone: str, text: str, now: datetime | None = None) -> Feedback | None:
    """Add the citizen's `text` to their ticket when it starts with the number of one filed from `phone`.

    Returns that ticket, or None when the text names none of this phone's tickets (it is then a new one).
    """
    match = _TICKET_FIRST.match(text or "")
    if not match or not match.group(2).strip():
        return None
    item = db.session.scalar(select(Feedback).where(Feedback.ticket == match.group(1).upper(), Feedback.phone == phone))
    if item is None:
        return None
    _citizen_message(item, match.group(2), now or clock.utcnow())
    return item


def answered_ticket(phone: str, now: datetime | None = None) -> Feedback | None:
    """The open ticket from `phone` that the office last sent an SMS about, within REPLY_WINDOW_DAYS
    working days; None when there is none (a plain SMS from the phone is then not about a ticket)."""
    today = _today(now)
    since = working_days.start_of_day_utc(working_days.latest_start_overdue(REPLY_WINDOW_DAYS, today)
                                          + timedelta(days=1))
    return db.session.scalar(
        select(Feedback).join(FeedbackEvent, FeedbackEvent.feedback_id == Feedback.id)
        .where(Feedback.phone == phone, Feedback.status.in_(OPEN), FeedbackEvent.message_id.is_not(None),
               FeedbackEvent.created_at >= since)
        .order_by(FeedbackEvent.created_at.desc(), FeedbackEvent.id.desc()).limit(1))


def thread_plain_reply(phone: str, text: str, now: datetime | None = None) -> Feedback | None:
    """Add a plain SMS from `phone` to the ticket it answers (`answered_ticket`); None when it answers none."""
    if not (text or "").strip():
        return None
    at = now or clock.utcnow()
    item = answered_ticket(phone, at)
    if item is not None:
        _citizen_message(item, text, at)
    return item


def _citizen_message(item: Feedback, text: str, at: datetime) -> None:
    """Record what the citizen wrote. An item on hold was waiting for this: it goes back to be checked.
    A followed-up item the citizen answered no longer closes by itself (see `closes_on`)."""
    db.session.add(FeedbackEvent(feedback_id=item.id, actor=CITIZEN, note=" ".join(text.split())[:MAX_NOTE],
                                 created_at=at))
    if item.status == DITUNDA:
        _write(item, DITUNDA, DIVERIFIKASI, None, CITIZEN, {}, at)
    db.session.flush()


def set_confidential(item: Feedback, confidential: bool, *, actor: str) -> None:
    """Mark or unmark the item confidential (its phone then shows only to admins and the assignee)."""
    if item.confidential == bool(confidential):
        return
    audit.record(actor, "feedback.confidential", item.ticket, before={"confidential": item.confidential},
                 after={"confidential": bool(confidential)})
    item.confidential = bool(confidential)
    db.session.flush()


def reply(item: Feedback, text, *, actor: str) -> FeedbackEvent:
    """Queue an SMS answer to the item's citizen and record it in the item's history.

    :raise DomainError: no phone to answer, or a missing or too long text (`field` "text").
    """
    if not item.phone:
        raise DomainError("This ticket came without a phone number.", code="no_phone", field="text")
    text = _clean(text, "text", MAX_REPLY, required=True)
    return _send(item, text, actor, clock.utcnow(), "feedback.reply")


def may_notify(item: Feedback) -> bool:
    """True when the item's citizen can be told of a move by SMS: it has a phone that did not opt out.

    A confidential item's citizen is told too: confidentiality hides the phone from staff, not the
    citizen from their own answer.
    """
    return bool(item.phone) and not citizens.is_opted_out(item.phone)


def _language(item: Feedback) -> str:
    return citizens.language_of(item.phone, current_app.config["DEFAULT_LANGUAGE"])


def notice_text(item: Feedback, state: str, lang: str | None = None, *, referred_to=None, original=None) -> str:
    """What the SMS telling the citizen of a move to `state` says: the office's first template for that
    state (as the reply form lists them), else the built-in notice in the citizen's language."""
    values = {"ticket": item.ticket, "referred_to": referred_to or item.referred_to or "", "original": original or ""}
    chosen = templates(state)
    if chosen:
        return ticket_notices.from_template(chosen[0].text, values)
    return ticket_notices.built_in(state, lang or _language(item), values)


def _notify(item: Feedback, state: str, actor: str, at: datetime) -> FeedbackEvent | None:
    if not may_notify(item):
        return None
    original = item.duplicate_of_id and db.session.get(Feedback, item.duplicate_of_id).ticket
    return _send(item, notice_text(item, state, original=original), actor, at, "feedback.notice")


def _send(item: Feedback, text: str, actor: str, at: datetime, action: str, **fields) -> FeedbackEvent:
    """Queue `text` to the item's phone and record it in the item's history and the audit log."""
    message = outbox.queue_sms(item.phone, text, outbox.Kind.REPLY, **fields)
    event = FeedbackEvent(feedback_id=item.id, actor=actor, note=message.text, message_id=message.id, created_at=at)
    db.session.add(event)
    audit.record(actor, action, item.ticket, after={"message_id": message.id})
    db.session.flush()
    return event


def templates(state: str | None = None) -> list[ReplyTemplate]:
    """The reply templates, or those offered for `state`, by state then title."""
    statement = select(ReplyTemplate).order_by(ReplyTemplate.state, ReplyTemplate.title, ReplyTemplate.id)
    if state is not None:
        statement = statement.where(ReplyTemplate.state == state)
    return list(db.session.scalars(statement))


def save_template(template: ReplyTemplate | None, *, state, title, text, actor: str) -> ReplyTemplate:
    """Create (template None) or change a reply template.

    :raise DomainError: a bad state, title or text, with `field` naming it.
    """
    if state not in MOVES:
        raise DomainError(f"Unknown state {state!r}.", code="unknown_status", field="state")
    title = _clean(title, "title", MAX_TITLE, required=True)
    text = _clean(text, "text", MAX_REPLY, required=True)
    before = None if template is None else {"state": template.state, "title": template.title, "text": template.text}
    if template is None:
        template = ReplyTemplate(state=state, title=title, text=text)
        db.session.add(template)
    else:
        template.state, template.title, template.text = state, title, text
    db.session.flush()
    audit.record(actor, "feedback.template", str(template.id), before=before,
                 after={"state": state, "title": title, "text": text})
    return template
