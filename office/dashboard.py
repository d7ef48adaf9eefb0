"""The dashboard's figures: one function per figure, each for a `Period` of office days and a scope.

A scope is a kelurahan id (a kelurahan account's figures are its kelurahan's only) or None for the whole
office. USSD sessions, complaints and the lobby queue belong to no kelurahan: their functions answer None
for a kelurahan scope rather than show the office's figures to a kelurahan account.
"""
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import cache
from functools import cached_property

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import catalog
from office import clock
from office import inbox
from office import lifecycle
from office import modem
from office import outbox
from office import queue_stats
from office import search
from office import ussd_stats
from office import working_days
from office.errors import DomainError
from office.models import Application
from office.models import Feedback
from office.models import Message
from office.models import StatusChange


@dataclass(frozen=True)
class Period:
    """The office days `first`..`last`, both included."""

    first: date
    last: date

    @classmethod
    def day(cls, day: date) -> "Period":
        return cls(day, day)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))

    @classmethod
    def parse_month(cls, text: str) -> "Period":
        """The month written YYYY-MM.

        :raise DomainError: for anything else, or a year no office record can have.
        """
        try:
            year, month = (int(part) for part in text.split("-"))
            if len(text) != 7 or not text.isascii() or not 2000 <= year <= 2999:
                raise ValueError
            return cls.month(year, month)
        except ValueError:
            raise DomainError("A month is written YYYY-MM.", code="invalid_month", field="month") from None

    @property
    def since(self) -> datetime:
        """The period's first instant, as the naive UTC the database stores."""
        return working_days.start_of_day_utc(self.first)

    @property
    def until(self) -> datetime:
        """The first instant after the period, naive UTC."""
        return working_days.start_of_day_utc(self.last + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def today() -> date:
    """The office's day now."""
    return clock.local(clock.utcnow()).date()


def _in(column, period: Period) -> list:
    return [column >= period.since, column < period.until]


def _scoped(scope: int | None) -> list:
    return [Application.kelurahan_id == scope] if scope is not None else []


def applications_by_status(period: Period, scope: int | None) -> dict[str, int]:
    """The applications submitted in `period`, by their status now; every status named, 0 included."""
    counts = dict(db.session.execute(
        select(Application.status, func.count()).where(*_in(Application.created_at, period), *_scoped(scope))
        .group_by(Application.status)).all())
    return {status: counts.get(status, 0) for status in lifecycle.STATUSES}


def applications_per_day(period: Period, scope: int | None) -> dict[date, int]:
    """How many applications were submitted on each office day of `period`, every day named."""
    per_day = Counter(clock.local(created).date() for created in db.session.scalars(
        select(Application.created_at).where(*_in(Application.created_at, period), *_scoped(scope))))
    return {day: per_day[day] for day in period.days}


def overdue(period: Period, scope: int | None) -> int:
    """Applications submitted up to the end of `period` that are still open and past their standard today:
    the console's overdue filter, so the figure and the list it links to always agree."""
    return search.count(search.Filter(overdue=True, created_to=period.last), scope)


@cache
def working_days_between(start: date, end: date) -> int:
    """The working days after `start` up to and including `end`: 0 for the same day."""
    return sum(1 for n in range(1, (end - start).days + 1) if working_days.is_working_day(start + timedelta(days=n)))


def median_days_to_ready(period: Period, scope: int | None) -> dict[str, float]:
    """Per service code (in catalog order), the median working days from submission to READY, over the
    applications that became READY in `period`; services with none are left out."""
    rows = db.session.execute(
        select(Application.service_id, Application.created_at, StatusChange.created_at)
        .join(StatusChange, StatusChange.application_id == Application.id)
        .where(StatusChange.to_status == lifecycle.READY, *_in(StatusChange.created_at, period), *_scoped(scope)))
    spans: dict[int, list[int]] = {}
    for service_id, created, ready in rows:
        spans.setdefault(service_id, []).append(
            working_days_between(clock.local(created).date(), clock.local(ready).date()))
    return {s.code: statistics.median(spans[s.id]) for s in catalog.services() if s.id in spans}


@dataclass(frozen=True)
class Messages:
    """Outgoing SMS created in a period: handed to the telco, delivered, failed, and what was paid."""

    sent: int
    delivered: int
    failed: int
    segments: int
    cost: int  # rupiah: SMS_COST_PER_SEGMENT for every segment handed to the telco


def messages(period: Period, scope: int | None) -> Messages:
    """The outgoing messages created in `period`; for a kelurahan, those about its applications only."""
    stmt = select(
        func.count(Message.sent_at), func.count().filter(Message.status == outbox.DELIVERED),
        func.count().filter(Message.status == outbox.FAILED),
        func.coalesce(func.sum(Message.segments).filter(Message.sent_at.is_not(None)), 0),
    # Outgoing rows are those in an outgoing state: said so, the (status, created_at) index finds the period's
    # rows, where `direction` would scan every message ever sent.
    ).where(Message.status.in_(outbox.OUT_STATES), *_in(Message.created_at, period))
    if scope is not None:
        stmt = stmt.join(Application, Message.application_id == Application.id).where(*_scoped(scope))
    sent, delivered, failed, segments = db.session.execute(stmt).one()
    return Messages(sent, delivered, failed, segments, segments * current_app.config["SMS_COST_PER_SEGMENT"])


def ussd(period: Period, scope: int | None) -> ussd_stats.UssdSummary | None:
    """USSD sessions of `period`: completion and drop-off screens (office-wide only)."""
    if scope is not None:
        return None
    return ussd_stats.summary(period.since, until=period.until)


@dataclass(frozen=True)
class Complaints:
    open: int
    overdue: int  # open past the inbox's working-day deadline


def complaints(period: Period, scope: int | None) -> Complaints | None:
    """Complaints and suggestions received up to the end of `period` still open in the inbox, and how many of
    them are past the inbox's working-day deadline today."""
    if scope is not None:
        return None
    received = Feedback.status.in_(inbox.OPEN) & (Feedback.created_at < period.until)

    def count(condition) -> int:
        return db.session.scalar(select(func.count()).select_from(Feedback).where(condition))

    return Complaints(open=count(received), overdue=count(received & inbox.overdue_condition()))


def queue(period: Period, scope: int | None) -> queue_stats.Stats | None:
    """The lobby queue's waits and service times in `period`, per group and counter (office-wide only)."""
    if scope is not None:
        return None
    return queue_stats.range_stats(period.first, period.last)


def _figure(function) -> cached_property:
    """A figure of `Figures`: `function` of its period and scope, run the first time it is read."""
    return cached_property(lambda self: function(self.period, self.scope))


class Figures:
    """Every figure of the dashboard for one period and scope, each computed the first time it is read, so a
    page that shows a few of them (today's cards) runs only their queries."""

    def __init__(self, period: Period, scope: int | None):
        self.period = period
        self.scope = scope

    by_status = _figure(applications_by_status)
    per_day = _figure(applications_per_day)
    overdue = _figure(overdue)
    days_to_ready = _figure(median_days_to_ready)
    messages = _figure(messages)
    ussd = _figure(ussd)
    complaints = _figure(complaints)
    queue = _figure(queue)

    @property
    def submitted(self) -> int:
        return sum(self.by_status.values())


def figures(period: Period, scope: int | None) -> Figures:
    """All the dashboard's figures for `period` within `scope`."""
    return Figures(period, scope)


@dataclass(frozen=True)
class ModemPanel:
    """The dashboard's Modem panel: each modem as its daemon reported it, or that none could be read."""

    modems: list
    unreachable: bool


def modem_panel() -> ModemPanel | None:
    """The office's modems (SMS_PROVIDER=gammu); None when the office sends through no modem."""
    try:
        states = modem.states()
    except modem.Unreachable:
        return ModemPanel([], True)
    return None if states is None else ModemPanel(states, False)
