"""Delivery reports: what the telco says became of a message we sent, applied to the outbox row.

AT reports by the messageId it gave at send time. Reports can arrive twice, out of order, or before
the send job has stored that id, so every report is kept: one that matches no message yet is
applied by `apply_pending` when the send is recorded, and old unmatched ones are purged.

States only move forward: queued < sending (or unknown) < sent < delivered | failed. A final state
is never changed again, so a late "Sent" never undoes "Success".
"""
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import select

from extensions import db
from office import optout
from office import outbox
from office.clock import utcnow
from office.fields import clip
from office.models import DeliveryReport
from office.models import Message
from office.phones import phone_or_none

# AT's status words (compared case-insensitively) and the outbox state each means.
STATES = {
    "sent": outbox.SENT,
    "submitted": outbox.SENT,
    "buffered": outbox.SENT,
    "success": outbox.DELIVERED,
    "failed": outbox.FAILED,
    "rejected": outbox.FAILED,
}
_RANK = {outbox.QUEUED: 0, outbox.SENDING: 1, outbox.UNKNOWN: 1, outbox.SENT: 2}
FINAL = frozenset({outbox.DELIVERED, outbox.FAILED, outbox.CANCELLED})
BLACKLISTED = "userinblacklist"

# Column sizes of DeliveryReport; longer values are cut rather than refused, the report still counts.
_STATUS_SIZE, _NETWORK_SIZE, _REASON_SIZE, _PHONE_SIZE = 20, 10, 60, 20
PROVIDER_ID_SIZE = 80


def message_for(provider_id: str) -> Message | None:
    """The outgoing message AT knows by `provider_id`, if its send has been recorded."""
    return db.session.scalar(select(Message).where(Message.provider_id == provider_id))


def record_report(provider_id: str, status: str, *, phone: str | None = None, network_code: str | None = None,
                  failure_reason: str | None = None) -> DeliveryReport:
    """Store one report and apply it to its message if the send is already recorded (current transaction).

    A `UserInBlackList` failure opts the phone out, matched or not.
    """
    valid_phone = phone_or_none(phone)
    report = DeliveryReport(
        provider_id=provider_id,
        status=status[:_STATUS_SIZE],
        phone=valid_phone or clip(phone, _PHONE_SIZE),
        network_code=clip(network_code, _NETWORK_SIZE),
        failure_reason=clip(failure_reason, _REASON_SIZE),
        matched=False,
        received_at=utcnow(),
    )
    db.session.add(report)
    message = message_for(provider_id)
    if message is not None:
        _apply(message, report)
    elif _blacklisted(report) and valid_phone:
        optout.stop_all(valid_phone)
    db.session.flush()
    return report


def apply_pending(message: Message) -> int:
    """Apply reports that arrived before `message`'s provider id was stored; returns how many.

    The send job calls this after committing the provider id (and commits afterwards): the webhook
    looks for the message once more after committing a report, so between the two no report is lost.
    """
    if not message.provider_id:
        return 0
    pending = list(db.session.scalars(
        select(DeliveryReport)
        .where(DeliveryReport.provider_id == message.provider_id, DeliveryReport.matched.is_(False))
        .order_by(DeliveryReport.id)
    ))
    for report in pending:
        _apply(message, report)
    return len(pending)


def purge_unmatched(older_than: timedelta) -> int:
    """Delete reports that matched no message within `older_than` (current transaction); returns how many."""
    result = db.session.execute(
        delete(DeliveryReport)
        .where(DeliveryReport.matched.is_(False), DeliveryReport.received_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _blacklisted(report: DeliveryReport) -> bool:
    return (report.failure_reason or "").casefold() == BLACKLISTED


def _apply(message: Message, report: DeliveryReport) -> None:
    report.matched = True
    if _blacklisted(report):
        optout.stop_all(message.phone)
    new = STATES.get(report.status.casefold())
    # Unknown words (AT has others, e.g. "Expired") are kept on the report but change nothing.
    if new is None or message.status in FINAL:
        return
    if new not in FINAL and _RANK[new] <= _RANK.get(message.status, 0):
        return
    now = utcnow()
    message.status = new
    if new == outbox.SENT:
        message.sent_at = message.sent_at or now
    elif new == outbox.DELIVERED:
        message.delivered_at = now
    else:
        message.failed_at = now
        message.last_error = report.failure_reason or report.status
