"""Delivery reports: what the telco says became of a message we sent, applied to the outbox row.

The telco reports by the id it gave at send time. Reports can arrive twice, out of order, or before
the send job has stored that id, so every report is kept: one that matches no message yet is
applied by `apply_pending` when the send is recorded, and old unmatched ones are purged.

The gateway reads the telco's words (its status and failure reason) into an outcome (sent, delivered,
failed, or none) and whether the number refuses our SMS; the outbox moves the row, never backwards.
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

# Column sizes of DeliveryReport; longer values are cut rather than refused, the report still counts.
_STATUS_SIZE, _NETWORK_SIZE, _REASON_SIZE, _PHONE_SIZE = 20, 10, 60, 20
PROVIDER_ID_SIZE = 80


def message_for(provider_id: str) -> Message | None:
    """The outgoing message the telco knows by `provider_id`, if its send has been recorded."""
    return db.session.scalar(select(Message).where(Message.provider_id == provider_id))


def record_report(provider_id: str, status: str, outcome: str | None, *, opt_out: bool = False,
                  phone: str | None = None, network_code: str | None = None,
                  failure_reason: str | None = None) -> DeliveryReport:
    """Store one report and apply it to its message if the send is already recorded (current transaction).

    `status` is the telco's own word, kept as it came; `outcome` what it means (outbox.SENT, DELIVERED,
    FAILED, or None for a word that changes nothing). With `opt_out` the phone is opted out, matched or not.
    """
    valid_phone = phone_or_none(phone)
    report = DeliveryReport(
        provider_id=provider_id,
        status=status[:_STATUS_SIZE],
        outcome=outcome,
        opt_out=opt_out,
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
    elif opt_out and valid_phone:
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


def apply_early_reports(provider_ids: list[str]) -> int:
    """Apply reports that arrived before these sends were recorded (the telco can be that quick); returns
    how many messages had one."""
    if not provider_ids:
        return 0
    early = set(db.session.scalars(select(DeliveryReport.provider_id).where(
        DeliveryReport.provider_id.in_(provider_ids), DeliveryReport.matched.is_(False))))
    if not early:
        return 0
    messages = list(db.session.scalars(select(Message).where(Message.provider_id.in_(early))))
    for message in messages:
        apply_pending(message)
    return len(messages)


def _apply(message: Message, report: DeliveryReport) -> None:
    report.matched = True
    if report.opt_out:
        optout.stop_all(message.phone)
    # A word that means nothing to us (AT has others) is kept on the report but changes nothing.
    if report.outcome is not None:
        outbox.apply_report(message, report.outcome, report.failure_reason or report.status)
