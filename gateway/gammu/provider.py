"""SmsProvider on the daemon's outbox: each Lekas outbox row becomes one daemon message, once.

"Accepted" here means the daemon holds the message in its outbox, a queue the modem drains at its own
pace (GAMMU_SEND_RATE says how fast); what the modem and the network then did is read from `sentitems`
(jobs.gammu). The daemon's message id, as "gammu:<ID>", is the provider id.

Exactly once: every daemon message carries CreatorID "lekas:<Lekas message id>", and a send first
looks for that CreatorID among the messages still waiting and those sent without error. A worker that
dies after the daemon took a message but before Lekas recorded it leaves the row in `sending`; when
the sweeper hands the row back to a send job, that job finds the daemon's message and records it instead
of inserting it again. A message the modem failed to send is inserted anew only after jobs.gammu read the
failure and queued the row again.
"""
import logging

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from gateway.gammu import tables
from gateway.gammu.parts import MULTIPART_CLASS
from gateway.gammu.parts import split
from gateway.providers import FAILED
from gateway.providers import RETRY
from gateway.providers import SendResult
from office.outbox import Outcome

log = logging.getLogger(__name__)

PROVIDER_PREFIX = "gammu:"
CREATOR_PREFIX = "lekas:"
# The daemon's words for a send that did not happen; any other status means the daemon has it.
SEND_FAILED = ("SendingError", "Error")


def provider_id(daemon_id: int) -> str:
    """The Lekas provider id of the daemon's message `daemon_id`."""
    return f"{PROVIDER_PREFIX}{daemon_id}"


def daemon_id(provider_id: str) -> int | None:
    """The daemon's message id in a Lekas provider id; None when it is not one of the daemon's."""
    if not provider_id or not provider_id.startswith(PROVIDER_PREFIX):
        return None
    number = provider_id[len(PROVIDER_PREFIX):]
    return int(number) if number.isdigit() else None


def creator_id(message_id: int) -> str:
    return f"{CREATOR_PREFIX}{message_id}"


def _sendable(phone) -> bool:
    # The daemon takes any text as a number; Lekas only ever queues +62 mobiles, but a stray value must
    # fail alone rather than reach the modem.
    return isinstance(phone, str) and phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16


class GammuProvider:
    """Sends through gammu-smsd's SQL tables in the database at `url`.

    `phone_id` pins every message to that daemon (its PhoneID); unset, whichever modem sees a message
    first sends it, so several modems share the load. `rate_per_minute` is what the modems send, declared
    for the broadcast previews' estimate.
    """

    resends_safely = True  # a send job may run again for a row whose outcome is not known

    def __init__(self, url: str, *, phone_id: str | None = None, rate_per_minute: float = 6.0,
                 delivery_reports: bool = True):
        self.url = url
        self.phone_id = phone_id
        self.rate_per_minute = rate_per_minute
        self.delivery_reports = delivery_reports

    def engine(self) -> Engine:
        return tables.engine_for(self.url)

    def send(self, text: str, phones: list[str], *, message_ids: list[int] | None = None) -> list[SendResult]:
        """Queue `text` for each phone in the daemon's outbox, one daemon message per Lekas message.

        All in one transaction of the daemon's database: when it fails, none was queued and all are retried.

        :raise ValueError: without one Lekas message id per phone (the key that makes a send happen once).
        """
        if message_ids is None or len(message_ids) != len(phones):
            raise ValueError("the Gammu provider needs the Lekas message id of every phone")
        try:
            with self.engine().begin() as connection:
                known = _known(connection, [creator_id(mid) for mid in message_ids])
                return [self._send_one(connection, text, phone, mid, known) for phone, mid in zip(phones, message_ids)]
        except SQLAlchemyError as exc:
            log.warning("the Gammu database refused %d messages", len(phones), exc_info=True)
            return [SendResult(phone, RETRY, None, f"gammu database: {type(exc).__name__}") for phone in phones]

    def send_premium(self, text: str, phone: str, link_id: str, keyword: str | None = None, *,
                     message_id: int | None = None) -> SendResult:
        """A modem has no premium short code: the answer goes out as an ordinary SMS."""
        return self.send(text, [phone], message_ids=[message_id])[0]

    def _send_one(self, connection, text: str, phone: str, message_id: int, known: dict[str, int]) -> SendResult:
        if not _sendable(phone):
            return SendResult(str(phone), FAILED, None, "invalid phone number")
        existing = known.get(creator_id(message_id))
        if existing is not None:
            log.info("message %d is already the daemon's message %d; recorded, not queued again", message_id,
                     existing)
            return SendResult(phone, Outcome.ACCEPTED, provider_id(existing), None)
        return SendResult(phone, Outcome.ACCEPTED, provider_id(self._insert(connection, text, phone, message_id)),
                          None)

    def _insert(self, connection, text: str, phone: str, message_id: int) -> int:
        message = split(text, reference=message_id)
        first, rest = message.parts[0], message.parts[1:]
        daemon_message = connection.execute(insert(tables.outbox).returning(tables.outbox.c.ID).values(
            DestinationNumber=phone, TextDecoded=first.text, Coding=message.coding, UDH=first.udh,
            Class=MULTIPART_CLASS if rest else -1, MultiPart=bool(rest),
            SenderID=self.phone_id, CreatorID=creator_id(message_id),
            DeliveryReport="yes" if self.delivery_reports else "no",
        )).scalar_one()
        if rest:
            connection.execute(insert(tables.outbox_multipart), [
                {"ID": daemon_message, "SequencePosition": number, "TextDecoded": part.text,
                 "Coding": message.coding, "UDH": part.udh, "Class": MULTIPART_CLASS}
                for number, part in enumerate(rest, start=2)])
        return daemon_message


def _known(connection, creators: list[str]) -> dict[str, int]:
    """The daemon's newest message id for each CreatorID among `creators` that it still holds or sent."""
    waiting = select(tables.outbox.c.CreatorID, tables.outbox.c.ID).where(tables.outbox.c.CreatorID.in_(creators))
    sent = select(tables.sentitems.c.CreatorID, tables.sentitems.c.ID).where(
        tables.sentitems.c.CreatorID.in_(creators), tables.sentitems.c.Status.not_in(SEND_FAILED))
    known: dict[str, int] = {}
    for creator, number in [*connection.execute(waiting), *connection.execute(sent)]:
        known[creator] = max(number, known.get(creator, number))
    return known
