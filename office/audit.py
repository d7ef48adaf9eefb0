"""The audit log: who did what to which record, for staff and API actions.

Entries are added to the caller's transaction, so an entry exists exactly when its change does.
"""
from sqlalchemy import insert

from extensions import db
from office.clock import utcnow
from office.models import AuditLog

ACTOR_LIMIT = 80
TARGET_LIMIT = 80


def record(actor: str, action: str, target: str | None = None, *, before: dict | None = None,
           after: dict | None = None, **detail) -> None:
    """Add an audit entry to the current transaction: `before` and `after` are the record's fields that
    changed (or all of them, for a creation), `detail` anything else worth knowing."""
    db.session.add(AuditLog(actor=actor[:ACTOR_LIMIT], action=action, target=target and target[:TARGET_LIMIT],
                            detail=detail or None, before=before, after=after))


def record_many(actor: str, action: str, entries: list[tuple[str, dict]], **detail) -> None:
    """Add one entry per (target, after) of `entries` to the current transaction, in one statement: for
    records created together, such as an import's applications."""
    if not entries:
        return
    now = utcnow()
    db.session.execute(insert(AuditLog), [
        {"actor": actor[:ACTOR_LIMIT], "action": action, "target": target[:TARGET_LIMIT], "detail": detail or None,
         "before": None, "after": after, "created_at": now} for target, after in entries])
