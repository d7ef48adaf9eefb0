"""API keys for partner agencies: shown once, stored as a SHA-256 hash, each limited to its scopes and,
optionally, to one kelurahan.

Keys are long random tokens, so a fast hash is safe (nothing to brute-force); the short prefix lets a
request find its row without comparing against every key.

This module owns the rule of what a key may do: `may(key, scope)` and `kelurahan_of(key)`; the API asks
them and filters every query by the kelurahan, as the console does for a kelurahan account.
"""
import hashlib
import hmac
import secrets
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import audit
from office import catalog
from office.clock import utcnow
from office.errors import DomainError
from office.errors import NotFound
from office.i18n import N_
from office.models import ApiKey
from office.models import Application


class Scope(StrEnum):
    READ = "read"  # GET applications and broadcasts
    APPLICATIONS_WRITE = "applications:write"  # register applications, change their status
    BROADCAST = "broadcast"  # preview, create and cancel broadcasts
    MESSAGES_READ = "messages:read"  # the SMS log: phone numbers and texts, so never implied by READ


SCOPE_LABELS = {
    Scope.READ: N_("Read applications and broadcasts"),
    Scope.APPLICATIONS_WRITE: N_("Register applications and change their status"),
    Scope.BROADCAST: N_("Send and cancel broadcasts"),
    Scope.MESSAGES_READ: N_("Read the SMS log"),
}
# A broadcast reaches subscribers of every kelurahan, so a key limited to one cannot send or read them.
NOT_FOR_KELURAHAN = frozenset({Scope.BROADCAST})


class InsufficientScope(DomainError):
    """The key is valid but lacks the scope the request needs; `scope` in the details names it."""

    code = "insufficient_scope"
    http_status = 403


class OtherKelurahan(DomainError):
    """A kelurahan key asked to register an application of another kelurahan."""

    code = "other_kelurahan"
    http_status = 403


# "api:" + name must fit the 80-character actor columns of history and audit; written out in the message below.
MAX_NAME = 60


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(name, *, scopes=None, kelurahan=None, actor: str) -> tuple[ApiKey, str]:
    """Create a key called `name` in the current transaction, audited as `actor`; return the row and the
    plaintext key (never stored).

    `scopes` are Scope values (None: every scope there is now); `kelurahan` a name or code limiting the key to
    that kelurahan (None or empty: the whole office).

    :raise DomainError: field "name" when the name is empty or longer than MAX_NAME (it becomes "api:<name>"
        in history); field "scopes" when a scope is unknown, none is given, or one is refused with a kelurahan;
        field "kelurahan" when no kelurahan has that name or code.
    """
    name = " ".join(name.replace("\x00", "").split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= MAX_NAME:
        raise DomainError(N_("An API key name is 1 to 60 characters."), code="invalid_name", field="name")
    granted = _clean_scopes(list(Scope) if scopes is None else scopes)
    place = _clean_kelurahan(kelurahan)
    if place is not None and NOT_FOR_KELURAHAN & set(granted):
        raise DomainError(N_("A key limited to one kelurahan cannot send broadcasts: they reach every "
                             "kelurahan."), code="invalid_scopes", field="scopes")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f"lk_{prefix}_{secret}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_hash(token), scopes=granted, kelurahan=place, use_count=0)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "apikey.create", name, after={"name": name, "prefix": prefix, "scopes": granted,
                                                       "kelurahan": place.code if place else None})
    return key, token


def _clean_scopes(values) -> list[str]:
    wanted = set(values) if isinstance(values, (list, tuple, set, frozenset)) else {None}
    if not wanted or not wanted <= set(Scope):
        raise DomainError(N_("Choose at least one of the listed permissions."), code="invalid_scopes",
                          field="scopes")
    return [scope.value for scope in Scope if scope in wanted]


def _clean_kelurahan(value):
    if value is None or value == "":
        return None
    place = catalog.find_kelurahan(value) if isinstance(value, str) else None
    if place is None:
        raise DomainError(N_("No kelurahan has that name or code."), code="unknown_kelurahan", field="kelurahan")
    return place


def scopes_of(key: ApiKey) -> list[Scope]:
    """The scopes `key` holds, in Scope order; a key from before scopes holds every one."""
    if key.scopes is None:
        return list(Scope)
    return [scope for scope in Scope if scope.value in key.scopes]


def may(key: ApiKey, scope: Scope) -> bool:
    """True when `key` may do what `scope` covers."""
    return scope in scopes_of(key) and not (key.kelurahan_id is not None and scope in NOT_FOR_KELURAHAN)


def require(key: ApiKey, scope: Scope) -> None:
    """:raise InsufficientScope: naming `scope`, unless `key` may do it."""
    if not may(key, scope):
        raise InsufficientScope(f"This API key lacks the scope {scope.value!r}.", scope=scope.value)


def kelurahan_of(key: ApiKey) -> int | None:
    """The kelurahan id every application and message query of `key` is limited to, or None for all."""
    return key.kelurahan_id


def sees(key: ApiKey, application: Application) -> bool:
    """True when `application` is within `key`'s kelurahan (every application, for an office-wide key)."""
    place = kelurahan_of(key)
    return place is None or application.kelurahan_id == place


def sees_broadcasts(key: ApiKey) -> bool:
    """False for a kelurahan key: a broadcast's recipients and outcomes span every kelurahan."""
    return kelurahan_of(key) is None


def keys() -> list[ApiKey]:
    """Every key, the ones still in use first, newest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def get_key(key_id) -> ApiKey:
    """The key with id `key_id`. :raise NotFound: when there is none."""
    key = db.session.get(ApiKey, key_id) if isinstance(key_id, int) else None
    if key is None:
        raise NotFound(f"No API key {key_id!r}.")
    return key


def find_key(text: str) -> ApiKey:
    """The key whose id or prefix (with or without "lk_") is `text`, as an operator types it.

    :raise NotFound: when none is.
    """
    text = text.strip()
    prefix = text.removeprefix("lk_").split("_", 1)[0]
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if key is None and text.isdigit() and len(text) < 10:
        key = db.session.get(ApiKey, int(text))
    if key is None:
        raise NotFound(f"No API key has the id or prefix {text!r}.")
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
    """The active key matching `token`, or None; a match counts as one use of the key (the caller commits)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "lk":
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1], ApiKey.revoked_at.is_(None)))
    if key is None or not hmac.compare_digest(key.key_hash, _hash(token)):
        return None
    _count_use(key)
    return key


def _count_use(key: ApiKey) -> None:
    # One atomic UPDATE: concurrent requests with one key each add theirs, none overwrites another's count.
    # Measured by benchmarks/api_keys.py; the row was already written per request for last_used_at.
    table = ApiKey.__table__
    now = utcnow()
    db.session.execute(update(table).where(table.c.id == key.id)
                       .values(use_count=table.c.use_count + 1, last_used_at=now))
    db.session.expire(key, ["use_count", "last_used_at"])
