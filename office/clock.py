"""The office's clock: every "what time is it" decision of the outbox goes through `now()`.

`LEKAS_CLOCK` (config or environment) moves the clock for drills and tests, in every process that
reads it the same way (web, workers, the scheduler):

* a signed number of seconds, e.g. ``+32400`` or ``-90.5``: the clock runs normally, shifted by that
  much. Give the same value to every process and they agree; this is how a drill runs "at 22:00".
* an ISO 8601 instant, e.g. ``2026-11-30T22:00:00+07:00``: the clock stands still at that instant
  (a naive instant is read in OFFICE_TZ). Useful for one process deciding something "at" a time.

Empty or unset: the real clock (a production deployment refuses to start with it set). RQ itself and
the rate limiter keep real time; `real_time()` converts an instant on this clock into the real moment
it will be reached, for scheduling jobs.
"""
import os
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask import has_app_context

DEFAULT_TZ = "Asia/Pontianak"
# A drill moves the clock by hours or days; more than this is a typo.
MAX_OFFSET_YEARS = 100


def _setting(name: str, default: str | None = None) -> str | None:
    if has_app_context() and name in current_app.config:
        return current_app.config[name]
    return os.environ.get(name, default)


def office_tz() -> ZoneInfo:
    """The office's time zone (OFFICE_TZ)."""
    return _zone(_setting("OFFICE_TZ") or DEFAULT_TZ)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=32)
def parse_override(value: str, tz_name: str = DEFAULT_TZ) -> tuple[str, float | datetime] | None:
    """Read a LEKAS_CLOCK value: ("offset", seconds), ("frozen", aware UTC datetime) or None when empty.

    :raise ValueError: when the value is neither a number of seconds (within MAX_OFFSET_YEARS) nor an ISO 8601
        instant.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        offset = float(text)
    except ValueError:
        pass
    else:
        # nan, inf or a shift of centuries would only fail later, in the middle of now()'s arithmetic.
        if not abs(offset) <= MAX_OFFSET_YEARS * 365 * 86400:
            raise ValueError(f"LEKAS_CLOCK moves the clock by at most {MAX_OFFSET_YEARS} years, got {value!r}")
        return "offset", offset
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"LEKAS_CLOCK must be seconds (+3600) or an ISO 8601 instant, got {value!r}") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=_zone(tz_name))
    return "frozen", instant.astimezone(UTC)


def _override():
    value = _setting("LEKAS_CLOCK")
    if not value:
        return None
    return parse_override(str(value), _setting("OFFICE_TZ") or DEFAULT_TZ)


def now() -> datetime:
    """The current instant, timezone-aware UTC, honouring LEKAS_CLOCK."""
    override = _override()
    real = datetime.now(UTC)
    if override is None:
        return real
    kind, value = override
    return real + timedelta(seconds=value) if kind == "offset" else value


def utcnow() -> datetime:
    """`now()` as naive UTC, the form the database columns hold."""
    return now().replace(tzinfo=None)


def local(instant: datetime) -> datetime:
    """A naive-UTC (or aware) instant as office-local time."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(office_tz())


def real_time(instant: datetime) -> datetime:
    """The real (aware UTC) moment at which this clock will read `instant` (naive UTC or aware)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return datetime.now(UTC) + (instant - now())
