"""What the lobby's TV display shows right now: the number at each counter, the last calls, the waiting.

`board()` reads it all in one go and gives it a `version`, a hash of the content, so the display can poll
often and be told "nothing new" without a body. Each call carries the key of its announcement audio (the
sha256 of the sentence, which is also the cached WAV's name) and a call id that changes with every call and
call-again of a ticket, so the display knows when to chime and speak.
"""
import hashlib
import json
import os
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import queue
from office.clock import utcnow
from office.models import QueueTicket

RECENT = 5


@dataclass(frozen=True)
class Call:
    """A ticket called to a counter: its number, where, when, how often, and what the display says."""

    number: str
    counter: str
    status: str
    calls: int
    called_at: datetime
    call_id: str
    audio_key: str


@dataclass(frozen=True)
class CounterNow:
    """A counter, whether it is open, and the ticket called to it or served there (None when free)."""

    code: str
    name: str
    open: bool
    call: Call | None


@dataclass(frozen=True)
class GroupNow:
    """A group, how many of its tickets wait, and the estimated wait in minutes of a ticket taken now."""

    letter: str
    name: dict
    waiting: int
    estimate: int


@dataclass(frozen=True)
class Board:
    """Everything the display shows; `version` changes whenever any of it does."""

    counters: list[CounterNow]
    recent: list[Call]
    groups: list[GroupNow]
    version: str

    def as_dict(self) -> dict:
        """The board as plain values (datetimes stay datetimes)."""
        return asdict(self)


def audio_key(text: str) -> str:
    """The name of an announcement's audio: the sha256 of its text, so the same sentence is rendered once."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def audio_directory() -> str:
    """Where the rendered announcements are kept: `<instance>/announcements`."""
    return os.path.join(current_app.instance_path, "announcements")


def audio_path(key: str) -> str:
    """The WAV file of the announcement whose key is `key` (it may not exist yet)."""
    return os.path.join(audio_directory(), f"{key}.wav")


def _call(ticket: QueueTicket) -> Call:
    return Call(number=ticket.number, counter=ticket.counter.name, status=ticket.status, calls=ticket.calls,
                called_at=ticket.called_at, call_id=f"{ticket.id}.{ticket.calls}",
                audio_key=audio_key(queue.announcement(ticket)))


def board(now: datetime | None = None) -> Board:
    """The display's board at `now` (naive UTC, default the office clock)."""
    now = now or utcnow()
    day = queue.office_day(now)
    today = QueueTicket.day == day
    current = {t.counter_id: t for t in db.session.scalars(
        select(QueueTicket).where(today, QueueTicket.status.in_(queue.AT_COUNTER))
        .order_by(QueueTicket.called_at, QueueTicket.id))}
    counters = [CounterNow(code=c.code, name=c.name, open=c.is_open,
                           call=_call(current[c.id]) if c.id in current else None) for c in queue.counters()]
    recent = [_call(t) for t in db.session.scalars(
        select(QueueTicket).where(today, QueueTicket.called_at.is_not(None))
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()).limit(RECENT))]
    waiting = dict(db.session.execute(
        select(QueueTicket.group_id, func.count()).where(today, QueueTicket.status == queue.ISSUED)
        .group_by(QueueTicket.group_id)).all())
    groups = [GroupNow(letter=g.letter, name=dict(g.name), waiting=waiting.get(g.id, 0),
                       estimate=queue.estimate_minutes(g, waiting.get(g.id, 0), now)) for g in queue.groups()]
    content = {"counters": counters, "recent": recent, "groups": groups}
    digest = json.dumps({k: [asdict(v) for v in vs] for k, vs in content.items()}, default=str, sort_keys=True)
    return Board(**content, version=hashlib.sha256(digest.encode()).hexdigest()[:16])
