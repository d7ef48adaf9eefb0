"""When an outgoing message may go: retry backoff, the status-change collapse window and quiet hours."""
import random
import time
from datetime import datetime
from datetime import timedelta

from flask import current_app

from office import quiet_hours
from office.outbox import Kind

# RQ's scheduler wakes once a second; a wait shorter than that is slept in the job instead.
RESOLUTION = timedelta(seconds=1)


def backoff(attempt: int) -> timedelta:
    """Wait before retry number `attempt` (1 = after the first failure): exponential, capped, with jitter.

    Half the delay is fixed and half random ("equal jitter"), so messages that failed together during an
    outage do not all come back in the same second, yet none retries almost at once.
    """
    base = current_app.config["SEND_RETRY_BASE_SECONDS"]
    cap = current_app.config["SEND_RETRY_MAX_SECONDS"]
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


def due_time(kind: str, send_after: datetime | None, now: datetime, *, urgent: bool = False) -> datetime:
    """The earliest naive-UTC moment a message may be sent, given `now` on the office clock.

    A status notification that has not waited yet (no send_after) first waits STATUS_COLLAPSE_SECONDS, so
    quick successive changes of one application collapse into the latest. Held kinds then wait out
    quiet hours.
    """
    due = max(now, send_after or now)
    if kind == Kind.STATUS and send_after is None:
        due = now + timedelta(seconds=current_app.config["STATUS_COLLAPSE_SECONDS"])
    if quiet_hours.is_held(kind, urgent):
        end = quiet_hours.window_end(due, current_app.config.get("QUIET_HOURS"))
        if end is not None:
            due = end
    return due


def worth_scheduling(due: datetime, now: datetime) -> bool:
    """True when `due` is far enough ahead to hand the wait to RQ's scheduler."""
    return due - now > RESOLUTION


def sleep_until(due: datetime, now: datetime) -> None:
    """Wait out a short remaining delay (under RESOLUTION) in the job itself."""
    if due > now:
        time.sleep((due - now).total_seconds())
