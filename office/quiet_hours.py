"""Quiet hours: no notifications at night, office time (QUIET_HOURS, e.g. "21:00-07:00"; empty = off).

Only messages the citizen did not just ask for are held: status notifications, reminders and
broadcasts. A reply to the citizen's own SMS or USSD request goes out at once, whatever the hour, and
an urgent broadcast overrides the window on purpose.
"""
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import lru_cache

from office import clock
from office.outbox import Kind

HELD_KINDS = frozenset({Kind.STATUS, Kind.REMINDER, Kind.BROADCAST})


@dataclass(frozen=True)
class Window:
    """A daily window of office-local time; `start > end` means it crosses midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def _clock_time(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError
    return time(int(hours), int(minutes))


@lru_cache(maxsize=16)
def parse(spec: str | None) -> Window | None:
    """The window QUIET_HOURS describes, or None when it is empty (quiet hours off).

    :raise ValueError: when it is not "HH:MM-HH:MM" with two different times.
    """
    text = (spec or "").strip()
    if not text:
        return None
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError
        window = Window(_clock_time(start), _clock_time(end))
    except ValueError:
        raise ValueError(f"QUIET_HOURS must look like 21:00-07:00 (or be empty), got {spec!r}") from None
    if window.start == window.end:
        raise ValueError(f"QUIET_HOURS start and end must differ, got {spec!r}")
    return window


def window_end(instant: datetime, spec: str | None) -> datetime | None:
    """If naive-UTC `instant` falls in the quiet window, the naive-UTC moment the window ends; else None."""
    window = parse(spec)
    if window is None:
        return None
    here = clock.local(instant)
    if not window.contains(here.time()):
        return None
    day = here.date() if here.time() < window.end else here.date() + timedelta(days=1)
    end = datetime.combine(day, window.end, tzinfo=here.tzinfo)
    return end.astimezone(UTC).replace(tzinfo=None)


def is_held(kind: str, urgent: bool = False) -> bool:
    """True when a message of `kind` must wait out the quiet window."""
    return kind in HELD_KINDS and not urgent
