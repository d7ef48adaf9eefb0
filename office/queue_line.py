"""The line a counter sees: the tickets waiting for its groups, in the order it would call them as things
stand, each with how long it has waited and its estimated wait."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from extensions import db
from office import queue
from office.clock import utcnow
from office.models import QueueCounter
from office.models import QueueTicket


@dataclass(frozen=True)
class InLine:
    """A waiting ticket as the counter panel lists it."""

    ticket: QueueTicket
    waited_minutes: int
    estimate_minutes: int


@dataclass(frozen=True)
class Line:
    """The first tickets of a counter's line, and how many wait in all."""

    first: list[InLine]
    total: int


# Each estimate asks the database a few questions; the panel has room for this many rows anyway.
SHOWN = 40


def calling_order(counter: QueueCounter, now: datetime | None = None, shown: int = SHOWN) -> Line:
    """The first `shown` tickets waiting for `counter`'s groups today, in the order `queue.choose_next` would
    call them if this counter called them all now, one after the other."""
    now = now or utcnow()
    day = queue.office_day(now)
    ids = queue.group_ids(counter.groups)
    left = queue.waiting_in(ids, day)
    streak = queue.priority_streak(ids, day)
    rule = queue.fairness()
    order = []
    while left:
        chosen = queue.choose_next(left, streak, now, **rule)
        order.append(chosen.id)
        left.remove(chosen)
        streak = streak + 1 if chosen.priority else 0
    tickets = {t.id: t for t in db.session.scalars(select(QueueTicket).where(QueueTicket.id.in_(order[:shown])))}
    first = [InLine(tickets[id], int((now - tickets[id].queued_at).total_seconds() // 60),
                    queue.estimate_minutes(tickets[id].group, queue.people_ahead(tickets[id]), now))
             for id in order[:shown]]
    return Line(first, len(order))
