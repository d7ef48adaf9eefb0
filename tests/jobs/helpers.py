"""Helpers for the job tests: bulk subscribers, rows other processes wrote, clock offsets, killing workers."""
import os
import signal
from datetime import UTC
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy import select

from extensions import db
from office.models import Citizen
from office.models import Message
from office.clock import utcnow


def phone(n: int) -> str:
    """The n-th test phone number, valid for Indonesia and the simulator."""
    return f"+62812{n:08d}"


def add_subscribers(count: int, *, start: int = 0, language: str = "id", kelurahan_id: int | None = None,
                    opted_out: bool = False) -> list[str]:
    """Insert `count` subscribed citizens in one statement; returns their phones."""
    now = utcnow()
    phones = [phone(start + n) for n in range(count)]
    db.session.execute(insert(Citizen), [
        {"phone": p, "language": language, "subscribed": not opted_out, "subscribed_at": now,
         "kelurahan_id": kelurahan_id, "opted_out_at": now if opted_out else None, "created_at": now}
        for p in phones])
    db.session.commit()
    return phones


def fresh_messages(**where) -> list[Message]:
    """Outgoing rows as they are now in the database (written by any process), oldest first."""
    db.session.rollback()
    query = select(Message).where(Message.direction == "out").order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(db.session.scalars(query))


def office_time(text: str) -> datetime:
    """An office-time ISO string as naive UTC, the form the database holds."""
    from office import clock

    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.office_tz())
    return moment.astimezone(UTC).replace(tzinfo=None)


def clock_offset_to(target: datetime) -> str:
    """A LEKAS_CLOCK offset that makes every process's clock read naive-UTC `target` now."""
    return f"{(target.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds():+.3f}"


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    found = [pid]
    for current in found:
        for task in os.listdir(f"/proc/{current}/task") if os.path.isdir(f"/proc/{current}/task") else ():
            try:
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    found.extend(int(child) for child in fh.read().split())
            except OSError:
                continue
    return found


def kill_tree(worker) -> None:
    """SIGKILL a worker with its job process and scheduler at once, as a crash or OOM kill of a container does."""
    pids = process_tree(worker.process.pid)
    for pid in reversed(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.process.wait(timeout=10)
