"""Working days of the office: Monday to Friday, except Indonesia's public holidays and cuti bersama.

Service standards (a receipt's "come back on", the overdue flag) and complaint deadlines count in these.
The holidays come from the `holidays` package: its "public" days and its "government" ones, the cuti
bersama on which government offices close.
"""
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import cache

import holidays

from office import clock

_CATEGORIES = ("public", "government")


@cache
def _closed_days(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year, categories=_CATEGORIES))


def is_working_day(day: date) -> bool:
    """True when the office is open on `day`."""
    return day.weekday() < 5 and day not in _closed_days(day.year)


def add_working_days(start: date, days: int) -> date:
    """The working day `days` working days after `start` (start itself not counted).

    With 0 days: `start` when it is a working day, else the next working day.
    """
    day = start
    while not is_working_day(day):
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return day


def due_date(created_at: datetime, days: int) -> date:
    """The office day by which something created at `created_at` (naive UTC) is due, `days` working days on."""
    return add_working_days(clock.local(created_at).date(), days)


def latest_start_overdue(days: int, today: date) -> date:
    """The latest office day on which something due `days` working days later is already overdue `today`.

    `add_working_days` never moves backwards as its start moves forward, so everything created on or
    before this day is overdue and everything after is not; lists filter with one comparison per service.
    """
    day = today - timedelta(days=1)
    while add_working_days(day, days) >= today:
        day -= timedelta(days=1)
    return day


def start_of_day_utc(day: date) -> datetime:
    """The first instant of the office day `day`, as the naive UTC the database stores."""
    local = datetime.combine(day, time(), tzinfo=clock.office_tz())
    return local.astimezone(UTC).replace(tzinfo=None)
