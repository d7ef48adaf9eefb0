"""What every drill checks afterwards: each row the outbox says went out reached the telco exactly once,
and nothing is left waiting."""
from collections import Counter

from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import outbox
from office.models import Broadcast
from office.models import Message
from tests.helpers import fresh_messages

DONE = (outbox.SENT, outbox.DELIVERED)
WAITING = (outbox.QUEUED, outbox.SENDING)


def states() -> Counter:
    """Outgoing rows per state, as the database has them now."""
    db.session.rollback()
    return Counter(dict(db.session.execute(
        select(Message.status, func.count()).where(Message.direction == "out").group_by(Message.status)).all()))


def nothing_waiting() -> bool:
    """True once no row is queued or being sent and no broadcast still waits to fan out or finish."""
    now = states()
    unfinished = db.session.scalar(select(func.count()).select_from(Broadcast).where(
        Broadcast.status.in_(("scheduled", "sending"))))
    return unfinished == 0 and not any(now[state] for state in WAITING)


def owed() -> Counter:
    """Per phone, how many rows the outbox records as accepted by the telco."""
    return Counter(m.phone for m in fresh_messages() if m.status in DONE)


def received(simulator) -> Counter:
    """Per phone, how many messages the telco carried."""
    return Counter(m["phone"] for m in simulator.messages())


def broadcast_progress(broadcast_id: int) -> tuple[int, int]:
    """(rows the telco took, rows in a provider call right now) of one broadcast, read fresh."""
    from office import broadcasts

    db.session.rollback()
    now = broadcasts.status_counts(broadcast_id)
    return now["sent"] + now["delivered"], now["sending"]
