"""One phone's conversation with the office: every SMS in and out, its USSD sessions, its tickets' steps,
and its applications and tickets beside them, as a given staff user may see them.

What is kept of a citizen's side: incoming SMS are `Message` rows (direction "in"); of USSD only AT's
end-of-session notification (`UssdSessionEvent`: status, hops, the typed input, the last screen); kiosk and
web tickets are their `Feedback` text. Messages carry no ticket id, so a message belongs to a ticket when
the ticket's events name it, when its text holds the ticket number (the acknowledgement "... T123456",
a citizen's "SARAN T123456 ..."), or when it is the incoming SMS such a message answers.

Two rules narrow what a user sees:
- a kelurahan account sees only what is tied to its kelurahan: its applications' messages, and its tickets
  with their messages. A broadcast, a checklist or an SMS tied to nothing stays hidden from it;
- a confidential ticket whose phone the user may not see (office.inbox.may_see_phone) is left out whole:
  the ticket, its steps, every message and USSD session belonging to it, so nothing shows that this phone
  sent it.
"""
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from extensions import db
from office import inbox
from office.models import Application
from office.models import Citizen
from office.models import Feedback
from office.models import FeedbackEvent
from office.models import Message
from office.models import UssdSessionEvent
from office.phones import normalize_mobile

LIMIT = 200
# How many rows of each source are read at most: a phone with more (a test number) shows its newest.
SCAN = 5000
SMS_IN, SMS_OUT, USSD, TICKET, TICKET_STEP = "sms_in", "sms_out", "ussd", "ticket", "ticket_step"
SUBSCRIBED, NOT_SUBSCRIBED, OPTED_OUT, UNKNOWN_PHONE = "subscribed", "not_subscribed", "opted_out", "unknown"


@dataclass(frozen=True)
class Entry:
    """One thing in the thread. `side` is "in" (the citizen), "out" (the office) or "note" (a ticket's step)."""

    kind: str
    side: str
    at: datetime
    text: str
    state: str | None = None  # an outgoing SMS's outbox state, a USSD session's status, a step's new state
    message_kind: str | None = None  # outbox.Kind of an SMS
    segments: int = 0
    hops: int | None = None  # of a USSD session: how many screens it went through
    cost: int | None = None  # rupiah, for an SMS handed to the telco
    application: str | None = None  # the reference an SMS is about
    ticket: str | None = None
    actor: str | None = None
    order: int = 0  # breaks ties of `at` so the order is stable


@dataclass(frozen=True)
class Conversation:
    """A phone's thread (newest first, at most LIMIT entries) of `total`, with its applications and tickets."""

    phone: str
    subscription: str
    language: str | None
    subscribed_at: datetime | None
    opted_out_at: datetime | None
    entries: list[Entry]
    total: int
    applications: list[Application] = field(default_factory=list)
    tickets: list[Feedback] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.total > len(self.entries)


def for_phone(phone: str, scope: int | None, viewer, *, limit: int = LIMIT) -> Conversation:
    """The conversation of `phone` as `viewer` (a staff user, of kelurahan `scope` or None) may see it.

    :raise office.phones.InvalidPhone: when `phone` is not an Indonesian mobile number.
    """
    phone = normalize_mobile(phone)
    applications = _applications(phone, scope)
    tickets = list(db.session.scalars(select(Feedback).where(Feedback.phone == phone)
                                      .order_by(Feedback.created_at.desc(), Feedback.id.desc())))
    hidden = [t for t in tickets if not inbox.may_see_phone(t, viewer)]
    shown = [t for t in tickets if t not in hidden and (scope is None or t.kelurahan_id == scope)]
    events = _events(tickets)
    messages = list(db.session.scalars(select(Message).where(Message.phone == phone)
                                       .order_by(Message.created_at.desc(), Message.id.desc()).limit(SCAN)))
    hidden_ids = _belonging(messages, hidden, events)
    if scope is None:
        visible = [m for m in messages if m.id not in hidden_ids]
    else:
        tied = _belonging(messages, shown, events) | _tied_to(messages, applications)
        visible = [m for m in messages if m.id in tied and m.id not in hidden_ids]
    # Sorted by (time, tie-break) first, so only the entries shown are built.
    found = [(m.created_at, m.id, lambda m=m: _sms(m, applications, events, shown)) for m in visible]
    found += [(t.created_at, -1, lambda t=t: _ticket(t)) for t in shown]
    found += [(e.created_at, e.id, lambda e=e, t=t: _step(e, t))
              for t in shown for e in events.get(t.id, ()) if _is_step(e)]
    if scope is None:
        found += [(s.created_at, s.id, lambda s=s: _ussd(s)) for s in _sessions(phone) if not _about(s, hidden)]
    found.sort(key=lambda item: item[:2], reverse=True)
    entries = [build() for _at, _order, build in found[:limit]]
    citizen = db.session.scalar(select(Citizen).where(Citizen.phone == phone))
    return Conversation(phone=phone, subscription=_subscription(citizen), language=citizen and citizen.language,
                        subscribed_at=citizen and citizen.subscribed_at, opted_out_at=citizen and citizen.opted_out_at,
                        entries=entries, total=len(found), applications=applications, tickets=shown)


def _applications(phone: str, scope: int | None) -> list[Application]:
    statement = select(Application).where(Application.phone == phone)
    if scope is not None:
        statement = statement.where(Application.kelurahan_id == scope)
    return list(db.session.scalars(statement.order_by(Application.created_at.desc(), Application.id.desc())))


def _events(tickets: list[Feedback]) -> dict[int, list[FeedbackEvent]]:
    found: dict[int, list[FeedbackEvent]] = {t.id: [] for t in tickets}
    if tickets:
        for event in db.session.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(found))
                                        .order_by(FeedbackEvent.id)):
            found[event.feedback_id].append(event)
    return found


def _belonging(messages: list[Message], tickets: list[Feedback], events: dict[int, list[FeedbackEvent]]) -> set[int]:
    """The ids of `messages` that belong to one of `tickets` (see the module's docstring)."""
    numbers = [t.ticket for t in tickets]
    ids = {e.message_id for t in tickets for e in events.get(t.id, ()) if e.message_id}
    ids |= {m.id for m in messages if any(number in m.text.upper() for number in numbers)}
    # The incoming SMS an acknowledgement answers is the ticket's own text.
    ids |= {m.in_reply_to_id for m in messages if m.id in ids and m.in_reply_to_id}
    return ids


def _tied_to(messages: list[Message], applications: list[Application]) -> set[int]:
    own = {a.id for a in applications}
    return {m.id for m in messages if m.application_id in own}


def _ticket_of(message: Message, events: dict[int, list[FeedbackEvent]], tickets: list[Feedback]) -> str | None:
    for ticket in tickets:
        if ticket.ticket in message.text.upper() or any(e.message_id == message.id for e in events.get(ticket.id, ())):
            return ticket.ticket
    return None


def _sms(message: Message, applications: list[Application], events, tickets: list[Feedback]) -> Entry:
    references = {a.id: a.reference for a in applications}
    incoming = message.direction == "in"
    handed_over = not incoming and message.sent_at is not None
    return Entry(kind=SMS_IN if incoming else SMS_OUT, side="in" if incoming else "out", at=message.created_at,
                 text=message.text, state=None if incoming else message.status, message_kind=message.kind,
                 segments=message.segments,
                 cost=message.segments * current_app.config["SMS_COST_PER_SEGMENT"] if handed_over else None,
                 application=references.get(message.application_id), ticket=_ticket_of(message, events, tickets),
                 order=message.id)


def _ticket(ticket: Feedback) -> Entry:
    # Filed by SMS, the ticket's text is also its incoming SMS; by kiosk, web or USSD this is all there is.
    return Entry(kind=TICKET, side="in", at=ticket.created_at, text=ticket.text, state=ticket.category,
                 ticket=ticket.ticket, actor=ticket.channel, order=-1)


def _is_step(event: FeedbackEvent) -> bool:
    # A reply is shown as its SMS, a citizen's addition as the SMS that brought it.
    return event.message_id is None and event.to_state is not None


def _step(event: FeedbackEvent, ticket: Feedback) -> Entry:
    return Entry(kind=TICKET_STEP, side="note", at=event.created_at, text=event.note or "", state=event.to_state,
                 ticket=ticket.ticket, actor=event.actor, order=event.id)


def _sessions(phone: str) -> list[UssdSessionEvent]:
    return list(db.session.scalars(select(UssdSessionEvent).where(UssdSessionEvent.phone == phone)
                                   .order_by(UssdSessionEvent.created_at.desc(), UssdSessionEvent.id.desc())
                                   .limit(SCAN)))


def _about(session: UssdSessionEvent, tickets: list[Feedback]) -> bool:
    """True when a USSD session filed or named one of `tickets`: its last screen gave the number, or its
    input holds the ticket's text."""
    typed = " ".join((session.input or "").replace("*", " ").split()).casefold()
    shown = (session.last_response or "").upper()
    return any(t.ticket in shown or (t.text and " ".join(t.text.split()).casefold() in typed) for t in tickets)


def _ussd(session: UssdSessionEvent) -> Entry:
    return Entry(kind=USSD, side="in", at=session.created_at, text=session.input or "", state=session.status,
                 hops=session.hops, order=session.id)


def _subscription(citizen: Citizen | None) -> str:
    if citizen is None:
        return UNKNOWN_PHONE
    if citizen.opted_out:
        return OPTED_OUT
    return SUBSCRIBED if citizen.subscribed else NOT_SUBSCRIBED

