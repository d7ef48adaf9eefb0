"""API keys for partner agencies: shown once, stored as a SHA-256 hash.

Keys are long random tokens, so a fast hash is safe (nothing to brute-force); the short prefix lets a
request find its row without comparing against every key.
"""
import hashlib
import hmac
import secrets

from sqlalchemy import select

from extensions import db
from office.clock import utcnow
from office.errors import DomainError
from office.models import ApiKey

# "api:" + name must fit the 80-character actor columns of history and audit.
MAX_NAME = 60


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(name: str) -> tuple[ApiKey, str]:
    """Create a key called `name` in the current transaction; return the row and the plaintext key (never
    stored).

    :raise DomainError: when the name is empty or longer than MAX_NAME (it becomes "api:<name>" in history).
    """
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise DomainError(f"An API key name is 1 to {MAX_NAME} characters.", code="invalid_name")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f"lk_{prefix}_{secret}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_hash(token))
    db.session.add(key)
    db.session.flush()
    return key, token


def verify(token: str) -> ApiKey | None:
    """The active key matching `token`, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "lk":
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1], ApiKey.revoked_at.is_(None)))
    if key is None or not hmac.compare_digest(key.key_hash, _hash(token)):
        return None
    key.last_used_at = utcnow()
    return key
