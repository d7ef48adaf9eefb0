"""AT's USSD end-of-session notifications: storing them, and how many sessions finish and where people drop off."""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office.fields import clip
from office.models import UssdSessionEvent

SUCCESS, INCOMPLETE, FAILED = "Success", "Incomplete", "Failed"


def record_event(session_id: str, *, status: str | None, phone: str | None = None, duration_ms: int | None = None,
                 hops: int | None = None, input: str | None = None, last_response: str | None = None,
                 error_message: str | None = None) -> UssdSessionEvent:
    """Store how a session ended, in the current transaction; a repeated notification updates the first one."""
    session_id = session_id[:120]
    event = db.session.scalar(select(UssdSessionEvent).where(UssdSessionEvent.session_id == session_id))
    if event is None:
        event = UssdSessionEvent(session_id=session_id)
        db.session.add(event)
    event.phone = clip(phone, 20)
    event.status = clip(status, 20) or "Unknown"
    event.duration_ms = duration_ms
    event.hops = hops
    event.input = input
    event.last_response = last_response
    event.error_message = error_message
    db.session.flush()
    return event


@dataclass(frozen=True)
class UssdSummary:
    """Completion and drop-off of USSD sessions, for the dashboard."""

    sessions: int
    by_status: dict[str, int]
    completion_rate: float  # share of sessions that reached an END screen (AT's "Success")
    average_hops: float | None
    # The screens Incomplete sessions were left on, most common first (ties by name): (first line, count).
    drop_off: list[tuple[str, int]]


def screen_name(last_response: str | None) -> str:
    """The first line of a screen without its CON/END prefix: the screen's title, or the hint shown instead."""
    text = (last_response or "").strip()
    for prefix in ("CON ", "END "):
        text = text.removeprefix(prefix)
    return text.split("\n", 1)[0].strip() or "-"


def summary(since: datetime | None = None, top: int = 5, until: datetime | None = None) -> UssdSummary:
    """Sessions by status, the completion rate and the `top` drop-off screens, since `since` and before
    `until` (naive UTC)."""
    where = [UssdSessionEvent.created_at >= since] if since is not None else []
    if until is not None:
        where.append(UssdSessionEvent.created_at < until)
    by_status = dict(db.session.execute(
        select(UssdSessionEvent.status, func.count()).where(*where).group_by(UssdSessionEvent.status)).all())
    total = sum(by_status.values())
    average_hops = db.session.scalar(select(func.avg(UssdSessionEvent.hops)).where(*where))
    left = Counter()
    for response, count in db.session.execute(
            select(UssdSessionEvent.last_response, func.count())
            .where(UssdSessionEvent.status == INCOMPLETE, *where).group_by(UssdSessionEvent.last_response)):
        left[screen_name(response)] += count
    return UssdSummary(
        sessions=total,
        by_status=by_status,
        completion_rate=by_status.get(SUCCESS, 0) / total if total else 0.0,
        average_hops=float(average_hops) if average_hops is not None else None,
        drop_off=sorted(left.items(), key=lambda item: (-item[1], item[0]))[:top],
    )
