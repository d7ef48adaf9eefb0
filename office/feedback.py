"""Suggestions and complaints from citizens, for the staff inbox."""
import secrets

from extensions import db
from office.errors import DomainError
from office.models import Feedback

CATEGORIES = ("saran", "aduan", "lainnya")
MAX_TEXT = 1000


def submit(category: str, text: str, *, phone: str | None, channel: str) -> Feedback:
    """Store a suggestion or complaint in the current transaction and return it with its ticket number."""
    if category not in CATEGORIES:
        raise DomainError(f"Unknown feedback category {category!r}.", code="unknown_category")
    text = " ".join((text or "").split())
    if not text:
        raise DomainError("Feedback text is empty.", code="missing_field")
    entry = Feedback(ticket=_new_ticket(), category=category, text=text[:MAX_TEXT], phone=phone, channel=channel)
    db.session.add(entry)
    db.session.flush()
    return entry


def _new_ticket() -> str:
    # Random rather than sequential: ticket numbers say nothing about how many complaints exist.
    return "T" + str(secrets.randbelow(900000) + 100000)
