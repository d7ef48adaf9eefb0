"""Work the domain hands on once the transaction that asked for it has committed.

The domain never imports the job layer. It names what must happen after commit, `later(kind, item)`,
and create_app installs one handler per kind with `set_handler` (the outbox's rows go to the send
queue, a new broadcast to its fan-out job). A transaction that rolls back hands on nothing, so a job
never starts for a change that was not stored; a crash between commit and hand-off leaves the stored
rows for the sweeper.
"""
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

_PENDING = "after_commit_pending"
_handlers: dict[str, Callable[[list], None]] = {}


def set_handler(kind: str, handler: Callable[[list], None] | None) -> None:
    """Install `handler(items)` for the items of `kind` that each committed transaction asked for."""
    if handler is None:
        _handlers.pop(kind, None)
    else:
        _handlers[kind] = handler


def later(kind: str, item) -> None:
    """Hand `item` to the handler of `kind` once the current transaction has committed."""
    db.session.info.setdefault(_PENDING, {}).setdefault(kind, []).append(item)


@event.listens_for(Session, "after_commit")
def _hand_on(session):
    for kind, items in session.info.pop(_PENDING, {}).items():
        handler = _handlers.get(kind)
        if handler is not None:
            handler(items)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
    # Only the outermost transaction's rollback undoes everything asked for in it. A savepoint's rollback
    # leaves earlier items to be handed on; the ones it asked for itself stay too, and their jobs find
    # nothing to do, which costs nothing.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
