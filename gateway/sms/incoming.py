"""A citizen's SMS to the office, however it arrived (AT's webhook, the office's own modem): stored once,
acted on, and answered through the outbox, in one commit.

The same message can arrive twice (AT retries a callback it thinks failed; the modem's poller can stop
between storing a message and marking it read): its `external_id` is stored with it, and the unique
column makes the second arrival change nothing and send nothing.
"""
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError

from extensions import db
from gateway.sms import commands
from office import outbox
from office.gsm import analyze
from office.models import Message

log = logging.getLogger(__name__)
T = TypeVar("T")


class Busy(Exception):
    """The database refused the write; the sender is asked to deliver the message again."""


def commit(work: Callable[[], T], what: str) -> T:
    """Run `work` and commit; when it loses a race for a unique row, roll back and run it once more.

    The race: two first-contact messages for a new phone both look for its citizen row, find none and
    both insert one; the loser's second run finds the winner's row. `what` names the caller in the log.

    :raise Busy: when the second run fails too, or the database refuses the write for another reason.
    """
    for attempt in range(2):
        try:
            result = work()
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            log.info("%s raced another write (attempt %d)", what, attempt + 1)
        except DBAPIError:
            db.session.rollback()
            log.exception("%s could not be stored", what)
            raise Busy from None
    raise Busy


def receive(phone: str, text: str, external_id: str | None, link_id: str | None) -> None:
    """Store an incoming SMS and queue its answer (current transaction); nothing if `external_id` was seen.

    The answer goes out through the provider in use; `link_id` (AT's premium replies) only where the
    message came with one.
    """
    if external_id and db.session.scalar(select(Message.id).where(Message.external_id == external_id)):
        return  # delivered twice; the first delivery already answered
    length = analyze(text)
    message = Message(direction="in", phone=phone, text=text, segments=length.segments, encoding=length.encoding,
                      status=outbox.RECEIVED, kind=outbox.Kind.INCOMING, external_id=external_id, link_id=link_id)
    db.session.add(message)
    # A copy delivered at the same moment fails here, before anything else is done, and is retried by commit.
    db.session.flush()
    reply = commands.answer(phone, text)
    if reply is not None:
        outbox.queue_sms(phone, reply.text, reply.kind, link_id=link_id, in_reply_to_id=message.id)
