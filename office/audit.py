"""The audit log: who did what to which record, for staff and API actions.

Entries are added to the caller's transaction, so an entry exists exactly when its change does.
Administrators browse them with `entries()`, newest first.
"""
import json
from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from extensions import db
from office import working_days
from office.clock import utcnow
from office.models import AuditLog
from office.models import Kelurahan

ACTOR_LIMIT = 80
ACTION_LIMIT = 40
TARGET_LIMIT = 80
PER_PAGE = 50
MAX_PAGE = 100_000


def record(actor: str, action: str, target: str | None = None, *, before: dict | None = None,
           after: dict | None = None, **detail) -> None:
    """Add an audit entry to the current transaction: `before` and `after` are the record's fields that
    changed (or all of them, for a creation), `detail` anything else worth knowing."""
    db.session.add(AuditLog(actor=actor[:ACTOR_LIMIT], action=action, target=target and target[:TARGET_LIMIT],
                            detail=detail or None, before=before, after=after))


def record_many(actor: str, action: str, items: list[tuple[str, dict]], **detail) -> None:
    """Add one entry per (target, after) of `items` to the current transaction, in one statement: for
    records created together, such as an import's applications."""
    if not items:
        return
    now = utcnow()
    db.session.execute(insert(AuditLog), [
        {"actor": actor[:ACTOR_LIMIT], "action": action, "target": target[:TARGET_LIMIT], "detail": detail or None,
         "before": None, "after": after, "created_at": now} for target, after in items])


def entries(*, actor: str = "", action: str = "", target: str = "", since: date | None = None,
            until: date | None = None, number: int = 1, per_page: int = PER_PAGE) -> tuple[list[AuditLog], int]:
    """One page (numbered from 1) of the entries matching every filter given, newest first, and how many
    match in all.

    `actor` and `target` match exactly, `action` as a prefix ("user." finds every account change);
    `since` and `until` are office days, both included.
    """
    conditions = []
    if actor:
        conditions.append(AuditLog.actor == actor)
    if action:
        conditions.append(AuditLog.action.startswith(action, autoescape=True))
    if target:
        conditions.append(AuditLog.target == target)
    if since:
        conditions.append(AuditLog.created_at >= working_days.start_of_day_utc(since))
    if until:
        conditions.append(AuditLog.created_at < working_days.start_of_day_utc(until + timedelta(days=1)))
    number = min(max(1, number), MAX_PAGE)
    rows = db.session.scalars(select(AuditLog).where(*conditions).order_by(AuditLog.created_at.desc(),
                                                                           AuditLog.id.desc())
                              .limit(per_page).offset((number - 1) * per_page))
    total = db.session.scalar(select(func.count()).select_from(AuditLog).where(*conditions))
    return list(rows), total


def actions() -> list[str]:
    """Every action the log holds, for the filter's suggestions."""
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def changes(entry: AuditLog) -> list[tuple[str, str | None, str | None]]:
    """(field, before, after) for each field an entry names, values as short readable text (None: absent)."""
    before, after = entry.before or {}, entry.after or {}
    return [(name, _text(before, name), _text(after, name)) for name in sorted(before.keys() | after.keys())]


def _text(values: dict, name: str) -> str | None:
    if name not in values:
        return None
    value = values[name]
    if value is None:
        return "—"
    if name == "kelurahan_id" and isinstance(value, int):
        # An id means nothing to a reader; the kelurahan's name does (it is kept, the catalog only grows).
        place = db.session.get(Kelurahan, value)
        return f"{place.name} ({value})" if place else str(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
