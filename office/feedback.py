"""Suggestions and complaints from citizens, for the staff inbox."""
import secrets
import unicodedata

from sqlalchemy.exc import IntegrityError

from extensions import db
from office.errors import DomainError
from office.models import Feedback

CATEGORIES = ("saran", "aduan", "lainnya")
MAX_TEXT = 1000
# 900,000 numbers: even with thousands of tickets a fifth collision in a row is not going to happen.
TICKET_ATTEMPTS = 5


def check_text(text) -> str:
    """A suggestion typed in a form (kiosk, web) as it is stored: spaces collapsed, at most MAX_TEXT
    characters, every character readable. Telco channels do not call this: their texts are already short
    and a citizen cannot retype an SMS.

    :raise DomainError: "missing_field", "field_too_long" or "unreadable_text".
    """
    text = " ".join(text.split()) if isinstance(text, str) else ""
    if not text:
        raise DomainError("Feedback text is empty.", code="missing_field")
    if len(text) > MAX_TEXT:
        raise DomainError(f"Feedback text is longer than {MAX_TEXT} characters.", code="field_too_long")
    # Broken bytes arrive as U+FFFD, lone surrogates and control characters cannot be shown to staff.
    if any(ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in text):
        raise DomainError("Feedback text holds characters that cannot be read.", code="unreadable_text")
    return text


def submit(category: str, text: str, *, phone: str | None, channel: str) -> Feedback:
    """Store a suggestion or complaint in the current transaction and return it with its ticket number."""
    if category not in CATEGORIES:
        raise DomainError(f"Unknown feedback category {category!r}.", code="unknown_category")
    text = " ".join((text or "").split())
    if not text:
        raise DomainError("Feedback text is empty.", code="missing_field")
    for attempt in range(TICKET_ATTEMPTS):
        entry = Feedback(ticket=_new_ticket(), category=category, text=text[:MAX_TEXT], phone=phone,
                         channel=channel)
        try:
            # A savepoint, so a ticket number drawn twice costs one retry rather than the caller's transaction.
            with db.session.begin_nested():
                db.session.add(entry)
        except IntegrityError:
            if attempt == TICKET_ATTEMPTS - 1:
                raise
            continue
        return entry


def _new_ticket() -> str:
    # Random rather than sequential: ticket numbers say nothing about how many complaints exist.
    return "T" + str(secrets.randbelow(900000) + 100000)
