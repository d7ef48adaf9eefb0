"""The audit log: who did what to which record, for staff and API actions."""
from extensions import db
from office.models import AuditLog


def record(actor: str, action: str, target: str | None = None, **detail) -> None:
    """Add an audit entry to the current transaction."""
    db.session.add(AuditLog(actor=actor, action=action, target=target, detail=detail or None))
