"""The lobby queue's figures: how long people waited and how long the counters took, per group, counter and
staff member, for an office day or a run of days.

A wait runs from the moment a ticket joined its group's line to its call: for an original ticket that is its
issue, for a transferred copy the transfer (before it, the citizen was at another counter, not waiting).
A service runs from start to finish of a ticket that was done; a ticket finished without Start counts from
its call, as office.queue records it. Times are in minutes.
"""
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from extensions import db
from office import queue
from office.models import QueueCounter
from office.models import QueueGroup
from office.models import QueueTicket
from office.models import StaffUser


@dataclass(frozen=True)
class Figures:
    """One row of the statistics: counts, and the median and 90th percentile of waits and services."""

    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    transferred: int = 0
    wait_median: float | None = None
    wait_p90: float | None = None
    service_median: float | None = None
    service_p90: float | None = None


@dataclass(frozen=True)
class Stats:
    """The figures of the days `since`..`until` (both included): overall and by group letter, counter code
    and staff username, each dict in a stable order (groups and counters as set up, staff by username)."""

    since: date
    until: date
    overall: Figures
    groups: dict[str, Figures]
    counters: dict[str, Figures]
    staff: dict[str, Figures]


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` quantile of `values`, interpolated between the two nearest (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def figures(tickets: list[QueueTicket]) -> Figures:
    """The figures of `tickets`, whatever their state."""
    waits = [_minutes(t.issued_at, t.called_at) for t in tickets if t.called_at is not None]
    services = [_minutes(t.started_at, t.finished_at) for t in tickets
                if t.status == queue.DONE and t.started_at and t.finished_at]
    counts = defaultdict(int)
    for ticket in tickets:
        counts[ticket.status] += 1
    return Figures(served=counts[queue.DONE], no_shows=counts[queue.NO_SHOW], cancelled=counts[queue.CANCELLED],
                   transferred=counts[queue.TRANSFERRED],
                   wait_median=statistics.median(waits) if waits else None, wait_p90=percentile(waits, 0.9),
                   service_median=statistics.median(services) if services else None,
                   service_p90=percentile(services, 0.9))


def _minutes(begin, end) -> float:
    return (end - begin).total_seconds() / 60


def range_stats(since: date, until: date) -> Stats:
    """The figures of the office days `since` to `until`, both included."""
    tickets = list(db.session.scalars(select(QueueTicket).where(QueueTicket.day >= since, QueueTicket.day <= until)
                                      .order_by(QueueTicket.id)))
    letters = dict(db.session.execute(select(QueueGroup.id, QueueGroup.letter).order_by(QueueGroup.position)).all())
    codes = dict(db.session.execute(select(QueueCounter.id, QueueCounter.code).order_by(QueueCounter.code)).all())
    staff_ids = {t.staff_id for t in tickets if t.staff_id is not None}
    usernames = dict(db.session.execute(select(StaffUser.id, StaffUser.username)
                                        .where(StaffUser.id.in_(staff_ids)).order_by(StaffUser.username)).all())
    return Stats(since, until, figures(tickets), _by(tickets, "group_id", letters),
                 _by(tickets, "counter_id", codes), _by(tickets, "staff_id", usernames))


def _by(tickets: list[QueueTicket], column: str, names: dict[int, str]) -> dict[str, Figures]:
    """Figures per value of `column`, named by `names` in its order; values without tickets are left out."""
    bunches = defaultdict(list)
    for ticket in tickets:
        bunches[getattr(ticket, column)].append(ticket)
    return {name: figures(bunches[key]) for key, name in names.items() if key in bunches}


def day_stats(day: date) -> Stats:
    """The figures of one office day."""
    return range_stats(day, day)
