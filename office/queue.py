"""The lobby queue: tickets taken at the kiosk, called at the counters, shown on the display.

Numbers restart every office day in each group (A001, A002, ...). A ticket moves issued -> called -> serving
-> done, or ends as no-show, cancelled or transferred; this module owns every move. Each move is an UPDATE
that checks the status it read, and each number is guarded by a unique index, so two counters never call
the same ticket and two kiosks never hand out the same number. Functions work in the caller's transaction;
the caller commits.

Priority (UU 25/2009 Pasal 29: the elderly, people with disabilities, pregnant women, children) goes first,
but fairly: see `choose_next`. Waits are estimated from what the counters really took (`service_minutes`).
"""
import math
import os
import statistics
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import yaml
from flask import current_app
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from extensions import db
from office import after_commit
from office import outbox
from office import spoken
from office.catalog import DATA_DIR
from office.clock import local
from office.clock import utcnow
from office.errors import DomainError
from office.gsm import to_gsm
from office.i18n import N_
from office.i18n import t
from office.models import QueueCounter
from office.models import QueueGroup
from office.models import QueueTicket

ISSUED = "issued"
CALLED = "called"
SERVING = "serving"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
TRANSFERRED = "transferred"
AT_COUNTER = (CALLED, SERVING)
LABELS = {
    ISSUED: N_("Waiting"),
    CALLED: N_("Called"),
    SERVING: N_("Being served"),
    DONE: N_("Done"),
    NO_SHOW: N_("Did not come"),
    CANCELLED: N_("Cancelled"),
    TRANSFERRED: N_("Transferred"),
}
# What after_commit hands on when a number is called (again): the display's announcement to render.
ANNOUNCE = "queue_call"
# Estimates use the median of this many of the latest services of a group, today if there are enough,
# otherwise of the last HISTORY_DAYS days, otherwise the group's assumed minutes.
SAMPLE = 15
MIN_SAMPLE = 3
HISTORY_DAYS = 14
MAX_NOTICES = 2


class CounterBusy(DomainError):
    """The counter still has a ticket called or being served: finish it first."""

    code = "counter_busy"
    http_status = 409


@dataclass(frozen=True)
class Waiting:
    """What the fair rule needs to know of a waiting ticket."""

    id: int
    priority: bool
    queued_at: datetime


@dataclass(frozen=True)
class Issued:
    """A ticket just taken, with the people ahead of it and the estimated wait in minutes."""

    ticket: QueueTicket
    ahead: int
    estimate: int


# --- Set-up ---------------------------------------------------------------------------------------------

def load_setup() -> dict:
    """Insert or update the groups and counters of data/queue.yaml; safe to rerun. Returns counts changed."""
    with open(os.path.join(DATA_DIR, "queue.yaml"), encoding="utf-8") as fh:
        setup = yaml.safe_load(fh)
    changed = {"groups": 0, "counters": 0}
    groups = {g.letter: g for g in db.session.scalars(select(QueueGroup))}
    for position, entry in enumerate(setup["groups"]):
        row = groups.pop(entry["letter"], None) or QueueGroup(letter=entry["letter"])
        wanted = {"name": entry["name"], "picture": entry["picture"], "services": entry.get("services", []),
                  "default_minutes": entry["minutes"], "position": position, "active": True}
        changed["groups"] += _update(row, wanted)
    for gone in groups.values():
        changed["groups"] += _update(gone, {"active": False})
    counters = {c.code: c for c in db.session.scalars(select(QueueCounter))}
    for entry in setup["counters"]:
        row = counters.pop(entry["code"], None) or QueueCounter(code=entry["code"])
        changed["counters"] += _update(row, {"name": entry["name"], "groups": entry["groups"], "active": True})
    for gone in counters.values():
        changed["counters"] += _update(gone, {"active": False})
    db.session.flush()
    return changed


def _update(row, wanted: dict) -> int:
    if all(getattr(row, field, None) == value for field, value in wanted.items()):
        return 0
    for field, value in wanted.items():
        setattr(row, field, value)
    db.session.add(row)
    return 1


def groups() -> list[QueueGroup]:
    """Active groups in their order."""
    return list(db.session.scalars(select(QueueGroup).where(QueueGroup.active).order_by(QueueGroup.position)))


def counters() -> list[QueueCounter]:
    """Active counters by code."""
    return list(db.session.scalars(select(QueueCounter).where(QueueCounter.active).order_by(QueueCounter.code)))


def get_group(letter: str) -> QueueGroup:
    """An active group by its letter. :raise DomainError: "unknown_group"."""
    group = db.session.scalar(select(QueueGroup).where(QueueGroup.letter == letter, QueueGroup.active))
    if group is None:
        raise DomainError(f"No queue group {letter!r}.", code="unknown_group")
    return group


def get_counter(code: str) -> QueueCounter:
    """An active counter by its code. :raise DomainError: "unknown_counter"."""
    counter = db.session.scalar(select(QueueCounter).where(QueueCounter.code == code, QueueCounter.active))
    if counter is None:
        raise DomainError(f"No counter {code!r}.", code="unknown_counter")
    return counter


def office_day(now: datetime | None = None) -> date:
    """The office's calendar day at `now` (naive UTC): numbers restart when it changes."""
    return local(now or utcnow()).date()


# --- Taking a ticket -------------------------------------------------------------------------------------

def issue(letter: str, *, priority: bool, phone: str | None = None, lang: str = "id",
          now: datetime | None = None) -> Issued:
    """Hand out the next number of group `letter` today, with the people ahead and the estimated wait."""
    now = now or utcnow()
    group = get_group(letter)
    day = office_day(now)
    ticket = db.session.get(QueueTicket, _next_number(group, day, priority, phone, lang, now))
    ticket.number = f"{letter}{ticket.seq:03d}"
    ahead = people_ahead(ticket)
    ticket.estimate_minutes = estimate_minutes(group, ahead, now, priority=priority)
    return Issued(ticket, ahead, ticket.estimate_minutes)


def _next_number(group: QueueGroup, day: date, priority: bool, phone: str | None, lang: str,
                 now: datetime) -> int:
    """Insert the group's next number of `day` in one statement and return the new ticket's id.

    Kiosks take numbers of a group one after the other: on PostgreSQL the group's row is locked until the
    kiosk's transaction ends; on SQLite one INSERT ... SELECT max + 1 takes the write lock before it reads.
    The unique index stays the last word: a number taken twice is refused, and the next one taken.
    """
    taken = select(func.coalesce(func.max(QueueTicket.seq), 0) + 1).where(
        QueueTicket.day == day, QueueTicket.group_id == group.id, QueueTicket.transferred_from_id.is_(None))
    values = {"day": day, "group_id": group.id, "number": group.letter, "priority": priority, "status": ISSUED,
              "phone": phone, "language": lang, "calls": 0, "notified": 0, "queued_at": now, "issued_at": now}
    columns = [*values, "seq"]
    row = select(*[literal(value, type_=QueueTicket.__table__.c[name].type) for name, value in values.items()],
                 taken.scalar_subquery())
    db.session.execute(select(QueueGroup.id).where(QueueGroup.id == group.id).with_for_update())
    for _attempt in range(10):
        try:
            with db.session.begin_nested():
                return db.session.scalar(insert(QueueTicket).from_select(columns, row).returning(QueueTicket.id))
        except IntegrityError:
            continue  # another kiosk took this number a moment ago: take the next one
    raise DomainError("The queue is too busy to hand out a number; try again.", code="queue_busy")


# --- Who comes next --------------------------------------------------------------------------------------

def choose_next(waiting: list[Waiting], streak: int, now: datetime, *, streak_limit: int,
                max_normal_wait: timedelta) -> Waiting | None:
    """The ticket a counter calls next, out of `waiting`; `streak` is how many priority tickets in a row the
    counter's groups called last.

    Priority tickets go first, oldest first. But once `streak_limit` priority tickets were called in a row,
    a normal ticket that has waited longer than `max_normal_wait` is called before the next priority one, so
    a steady flow of priority tickets cannot hold everyone else back for the whole morning.
    """
    ordered = sorted(waiting, key=lambda w: (w.queued_at, w.id))
    priority = [w for w in ordered if w.priority]
    normal = [w for w in ordered if not w.priority]
    if not priority or not normal:
        return (priority or normal or [None])[0]
    if streak >= streak_limit and now - normal[0].queued_at > max_normal_wait:
        return normal[0]
    return priority[0]


def fairness() -> dict:
    """The settings of the fair rule, as `choose_next` takes them."""
    config = current_app.config
    return {"streak_limit": config["QUEUE_PRIORITY_STREAK"],
            "max_normal_wait": timedelta(minutes=config["QUEUE_MAX_NORMAL_WAIT"])}


def group_ids(letters: list[str]) -> list[int]:
    """The ids of the groups with these letters (a counter's groups)."""
    return list(db.session.scalars(select(QueueGroup.id).where(QueueGroup.letter.in_(letters))))


def waiting_in(ids: list[int], day: date) -> list[Waiting]:
    """The tickets of the groups `ids` waiting on `day`, as the fair rule sees them."""
    rows = db.session.execute(select(QueueTicket.id, QueueTicket.priority, QueueTicket.queued_at).where(
        QueueTicket.day == day, QueueTicket.status == ISSUED, QueueTicket.group_id.in_(ids)))
    return [Waiting(*row) for row in rows]


def priority_streak(ids: list[int], day: date) -> int:
    """How many priority tickets in a row the groups `ids` called last on `day` (up to one past the limit)."""
    # Transferred copies are called again; each call counts once, in the order the counters made them.
    latest = db.session.scalars(select(QueueTicket.priority).where(
        QueueTicket.day == day, QueueTicket.group_id.in_(ids), QueueTicket.called_at.is_not(None))
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc())
        .limit(current_app.config["QUEUE_PRIORITY_STREAK"] + 1))
    streak = 0
    for was_priority in latest:
        if not was_priority:
            break
        streak += 1
    return streak


def people_ahead(ticket: QueueTicket) -> int:
    """How many waiting tickets of its group will, as things stand, be called before `ticket`."""
    earlier = (QueueTicket.queued_at < ticket.queued_at) | (
        (QueueTicket.queued_at == ticket.queued_at) & (QueueTicket.id < ticket.id))
    # A priority ticket waits only for the priority tickets before it; everyone else for every priority one.
    before = (QueueTicket.priority.is_(True) & earlier) if ticket.priority else (
        QueueTicket.priority.is_(True) | earlier)
    return db.session.scalar(select(func.count()).select_from(QueueTicket).where(
        QueueTicket.day == ticket.day, QueueTicket.group_id == ticket.group_id, QueueTicket.status == ISSUED,
        QueueTicket.id != ticket.id, before))


# --- At the counter ----------------------------------------------------------------------------------------

def at_counter(counter: QueueCounter, day: date | None = None) -> QueueTicket | None:
    """The ticket called to or being served at `counter` today, if any."""
    return db.session.scalar(select(QueueTicket).where(
        QueueTicket.day == (day or office_day()), QueueTicket.counter_id == counter.id,
        QueueTicket.status.in_(AT_COUNTER)).order_by(QueueTicket.called_at.desc()).limit(1))


def open_counter(counter: QueueCounter, *, staff_id: int | None, now: datetime | None = None) -> None:
    """Mark `counter` open (its service time counts in the estimates) and staffed by `staff_id`."""
    counter.opened_at = counter.opened_at or now or utcnow()
    counter.staff_id = staff_id


def close_counter(counter: QueueCounter, now: datetime | None = None) -> None:
    """Mark `counter` closed. :raise CounterBusy: while it has a ticket called or being served."""
    if at_counter(counter, office_day(now)) is not None:
        raise CounterBusy("Finish the ticket at this counter before closing it.")
    counter.opened_at = None
    counter.staff_id = None


def call_next(counter: QueueCounter, *, staff_id: int | None, now: datetime | None = None) -> QueueTicket | None:
    """Call the next ticket of the counter's groups to `counter` (None when nobody waits).

    :raise CounterBusy: when the counter still has a ticket called or being served.
    """
    now = now or utcnow()
    day = office_day(now)
    # Two presses at one counter at once (a double click, a second tab) must not call two tickets to it:
    # writing the counter's row first makes the second press wait for the first one's commit, then look.
    db.session.execute(update(QueueCounter).where(QueueCounter.id == counter.id).values(staff_id=staff_id))
    if at_counter(counter, day) is not None:
        raise CounterBusy("Finish the ticket at this counter before calling the next one.")
    open_counter(counter, staff_id=staff_id, now=now)
    ids, rule = group_ids(counter.groups), fairness()
    for _attempt in range(10):
        chosen = choose_next(waiting_in(ids, day), priority_streak(ids, day), now, **rule)
        if chosen is None:
            return None
        taken = db.session.execute(update(QueueTicket).where(QueueTicket.id == chosen.id,
                                                             QueueTicket.status == ISSUED).values(
            status=CALLED, counter_id=counter.id, staff_id=staff_id, called_at=now, calls=1))
        if taken.rowcount == 1:
            ticket = db.session.get(QueueTicket, chosen.id)
            db.session.refresh(ticket)
            _announce(ticket)
            _tell_called(ticket, counter)
            notify_near(ticket.group_id, now)
            return ticket
        # Another counter called it a moment ago: choose again.
    return None


def _announce(ticket: QueueTicket) -> None:
    after_commit.later(ANNOUNCE, announcement(ticket))


def announcement(ticket: QueueTicket) -> str:
    """What the display says for `ticket`'s call."""
    return spoken.queue_call(ticket.number[0], ticket.seq, ticket.counter.code)


def _move(ticket: QueueTicket, counter: QueueCounter, expected: tuple[str, ...], **values) -> QueueTicket:
    done = db.session.execute(update(QueueTicket).where(
        QueueTicket.id == ticket.id, QueueTicket.counter_id == counter.id, QueueTicket.status.in_(expected))
        .values(**values))
    if done.rowcount != 1:
        db.session.refresh(ticket)
        raise DomainError(f"Ticket {ticket.number} is {ticket.status} now.", code="ticket_moved",
                          current_status=ticket.status)
    db.session.refresh(ticket)
    return ticket


def _current(counter: QueueCounter, now: datetime | None) -> QueueTicket:
    ticket = at_counter(counter, office_day(now))
    if ticket is None:
        raise DomainError("No ticket is called to this counter.", code="no_ticket")
    return ticket


def call_again(counter: QueueCounter, now: datetime | None = None) -> QueueTicket:
    """Call the counter's called ticket once more (the display announces it again)."""
    ticket = _current(counter, now)
    ticket = _move(ticket, counter, (CALLED,), calls=QueueTicket.calls + 1)
    _announce(ticket)
    return ticket


def start(counter: QueueCounter, now: datetime | None = None) -> QueueTicket:
    """The citizen of the called ticket has come to the counter."""
    return _move(_current(counter, now), counter, (CALLED,), status=SERVING, started_at=now or utcnow())


def finish(counter: QueueCounter, now: datetime | None = None) -> QueueTicket:
    """The service is done (a ticket finished without Start counts from its call)."""
    now = now or utcnow()
    ticket = _current(counter, now)
    return _move(ticket, counter, AT_COUNTER, status=DONE, started_at=ticket.started_at or ticket.called_at,
                 finished_at=now)


def no_show(counter: QueueCounter, now: datetime | None = None) -> QueueTicket:
    """The called citizen did not come."""
    return _move(_current(counter, now), counter, (CALLED,), status=NO_SHOW, finished_at=now or utcnow())


def transfer(counter: QueueCounter, letter: str, now: datetime | None = None) -> QueueTicket:
    """Send the counter's ticket to group `letter`, keeping its number and its original place in line.

    Returns the new ticket, which waits in the new group.
    """
    now = now or utcnow()
    target = get_group(letter)
    ticket = _current(counter, now)
    if target.id == ticket.group_id:
        raise DomainError("The ticket is already in that group.", code="same_group")
    _move(ticket, counter, AT_COUNTER, status=TRANSFERRED, finished_at=now,
          started_at=ticket.started_at or ticket.called_at)
    copy = QueueTicket(day=ticket.day, group_id=target.id, seq=ticket.seq, number=ticket.number,
                       priority=ticket.priority, status=ISSUED, phone=ticket.phone, language=ticket.language,
                       calls=0, notified=ticket.notified, queued_at=ticket.queued_at, issued_at=now,
                       transferred_from_id=ticket.id)
    db.session.add(copy)
    db.session.flush()
    return copy


def cancel(ticket_id: int) -> bool:
    """Cancel a waiting ticket (the citizen left). False when it was no longer waiting."""
    done = db.session.execute(update(QueueTicket).where(QueueTicket.id == ticket_id, QueueTicket.status == ISSUED)
                              .values(status=CANCELLED, finished_at=utcnow()))
    return done.rowcount == 1


# --- Estimates -------------------------------------------------------------------------------------------

def service_minutes(group: QueueGroup, now: datetime | None = None) -> float:
    """How long one service of `group` takes: the median of its latest services today, or of the last days,
    or the group's assumed minutes when the office has too few of its own."""
    day = office_day(now)
    for since in (day, day - timedelta(days=HISTORY_DAYS)):
        rows = db.session.execute(select(QueueTicket.started_at, QueueTicket.finished_at).where(
            QueueTicket.group_id == group.id, QueueTicket.status == DONE, QueueTicket.day >= since,
            QueueTicket.day <= day).order_by(QueueTicket.finished_at.desc()).limit(SAMPLE)).all()
        if len(rows) >= MIN_SAMPLE:
            # A clock stepped back during a service would make it last less than nothing.
            return statistics.median(max(0.0, (end - begin).total_seconds() / 60) for begin, end in rows)
    return float(group.default_minutes)


def _waiting_counts(day: date, priority_only: bool) -> dict[int, int]:
    condition = [QueueTicket.day == day, QueueTicket.status == ISSUED]
    if priority_only:
        condition.append(QueueTicket.priority.is_(True))
    return dict(db.session.execute(select(QueueTicket.group_id, func.count()).where(*condition)
                                   .group_by(QueueTicket.group_id)).all())


def estimate_minutes(group: QueueGroup, ahead: int, now: datetime | None = None, *, priority: bool = False) -> int:
    """The wait, in whole minutes, of a ticket with `ahead` people before it in `group`.

    The counters serving the group (the open ones; before they open, all of them) also serve other groups,
    so the work waiting there counts too, in the share of those groups' counters that are in this pool. The
    work is divided among the pool's counters, plus half a service when every one of them is busy. A
    priority ticket only waits for the other groups' priority tickets.
    """
    day = office_day(now)
    everyone = counters()
    opened = [c for c in everyone if c.is_open] or everyone
    pool = [c for c in opened if group.letter in c.groups] or [c for c in everyone if group.letter in c.groups]
    minutes = service_minutes(group, now)
    if not pool:
        return math.ceil(minutes * (ahead + 0.5))
    work = ahead * minutes
    waiting = _waiting_counts(day, priority_only=priority)
    shared = {letter for c in pool for letter in c.groups} - {group.letter}
    for other in groups():
        if other.letter in shared and waiting.get(other.id):
            serving = [c for c in opened if other.letter in c.groups]
            share = sum(1 for c in pool if other.letter in c.groups) / max(len(serving), 1)
            work += waiting[other.id] * service_minutes(other, now) * share
    busy = sum(1 for c in pool if at_counter(c, day) is not None)
    residual = minutes / 2 if busy == len(pool) else 0
    return math.ceil(work / len(pool) + residual)


# --- The turn is near ------------------------------------------------------------------------------------

def _in_calling_order(group_id: int, day: date) -> list[QueueTicket]:
    return list(db.session.scalars(select(QueueTicket).where(
        QueueTicket.day == day, QueueTicket.group_id == group_id, QueueTicket.status == ISSUED)
        .order_by(QueueTicket.priority.desc(), QueueTicket.queued_at, QueueTicket.id)))


def notify_near(group_id: int, now: datetime | None = None) -> int:
    """Text the waiting tickets of the group with `QUEUE_NOTIFY_AHEAD` or fewer people ahead, once each;
    returns how many SMS were queued."""
    near = current_app.config["QUEUE_NOTIFY_AHEAD"]
    sent = 0
    for ahead, ticket in enumerate(_in_calling_order(group_id, office_day(now))[:near + 1]):
        if ticket.phone and ticket.notified == 0 and _claim_notice(ticket):
            text = t(ticket.language, "Lobby queue {number}: {ahead} ahead of you, about {minutes} min. Please "
                                      "come back to the waiting room.", number=ticket.number, ahead=ahead,
                     minutes=estimate_minutes(ticket.group, ahead, now))
            outbox.queue_sms(ticket.phone, to_gsm(text), outbox.Kind.QUEUE)
            sent += 1
    return sent


def _tell_called(ticket: QueueTicket, counter: QueueCounter) -> None:
    if ticket.phone and ticket.notified < MAX_NOTICES and _claim_notice(ticket):
        text = t(ticket.language, "Lobby queue {number}: your number is called. Please go to {counter} now.",
                 number=ticket.number, counter=counter.name)
        outbox.queue_sms(ticket.phone, to_gsm(text), outbox.Kind.QUEUE)


def _claim_notice(ticket: QueueTicket) -> bool:
    # Two counters calling at once both look at the same waiting ticket: only one may text it.
    # The session brings `ticket.notified` up to date itself when the row was updated.
    done = db.session.execute(update(QueueTicket).where(QueueTicket.id == ticket.id,
                                                        QueueTicket.notified == ticket.notified)
                              .values(notified=ticket.notified + 1))
    return done.rowcount == 1
