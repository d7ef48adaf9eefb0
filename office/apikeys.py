"""API keys for partner agencies: shown once, stored as a SHA-256 hash.

Keys are long random tokens, so a fast hash is safe (nothing to brute-force); the short prefix lets a
request find its row without comparing against every key.
"""
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import audit
from office.clock import utcnow
from office.errors import DomainError
from office.errors import NotFound
from office.i18n import N_
from office.models import ApiKey

# "api:" + name must fit the 80-character actor columns of history and audit; written out in the message below.
MAX_NAME = 60


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(name, *, actor: str) -> tuple[ApiKey, str]:
    """Create a key called `name` in the current transaction, audited as `actor`; return the row and the
    plaintext key (never stored).

    :raise DomainError: field "name" when the name is empty or longer than MAX_NAME (it becomes "api:<name>"
        in history).
    """
    name = " ".join(name.replace("\x00", "").split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= MAX_NAME:
        raise DomainError(N_("An API key name is 1 to 60 characters."), code="invalid_name", field="name")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f"lk_{prefix}_{secret}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_hash(token))
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "apikey.create", name, after={"name": name, "prefix": prefix})
    return key, token


def keys() -> list[ApiKey]:
    """Every key, the ones still in use first, newest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def get_key(key_id) -> ApiKey:
    """The key with id `key_id`. :raise NotFound: when there is none."""
    key = db.session.get(ApiKey, key_id) if isinstance(key_id, int) else None
    if key is None:
        raise NotFound(f"No API key {key_id!r}.")
    return key


def revoke(key: ApiKey, *, actor: str) -> bool:
    """Stop `key` from working, audited as `actor`. False, and nothing written, when it was already revoked
    (two admins revoking at once: exactly one of them does it)."""
    now = utcnow()
    table = ApiKey.__table__
    done = db.session.execute(
        update(table).where(table.c.id == key.id, table.c.revoked_at.is_(None)).values(revoked_at=now)
    ).rowcount
    db.session.expire(key)
    if done:
        audit.record(actor, "apikey.revoke", key.name, before={"revoked_at": None},
                     after={"revoked_at": now.isoformat() + "Z"}, prefix=key.prefix)
    return bool(done)


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
