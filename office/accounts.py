"""Staff accounts: creating them, passwords (argon2), signing in with lockout, and deactivation.

Every change and every sign-in attempt writes an audit entry in the caller's transaction; a refused
sign-in raises after adding its entry and counting the failure, so the caller commits before answering.
"""
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import audit
from office import catalog
from office.clock import utcnow
from office.errors import DomainError
from office.errors import NotFound
from office.i18n import LANGUAGES
from office.i18n import N_
from office.models import StaffUser
from office.roles import KELURAHAN_SCOPED
from office.roles import Role

MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=15)
# Written out in the messages below (msgids cannot hold values): change both together.
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_NAME = 120
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")

# OWASP's argon2id minimum (19 MiB, 2 passes): a cheap office laptop checks one in tens of milliseconds.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Checked when the username is unknown, so a refusal takes as long whether or not the account exists.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginRefused(DomainError):
    """A sign-in that did not succeed. `reason` is for the audit log only; people see one message."""

    code = "login_refused"
    http_status = 401

    def __init__(self, reason: str, locked_until=None):
        super().__init__("Wrong username or password.", reason=reason)
        self.reason = reason
        self.locked_until = locked_until


def _field_error(field: str, message: str, code: str) -> DomainError:
    # The message is a msgid (marked N_): the console shows it translated beside the field.
    return DomainError(message, code=code, field=field)


def check_password(password, username: str) -> str:
    """`password` when it is acceptable as a new password.

    :raise DomainError: with `field="password"` saying what is wrong.
    """
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise _field_error("password", N_("A password is 10 to 200 characters."), "weak_password")
    if password.lower() == username.lower():
        raise _field_error("password", N_("The password must not be the username."), "weak_password")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise _field_error("password", N_("The password contains a character that cannot be stored."),
                           "invalid_text") from None
    return password


def _clean_username(username) -> str:
    username = (username or "").strip().lower() if isinstance(username, str) else ""
    if not USERNAME.fullmatch(username):
        raise _field_error("username", N_("A username is 3 to 60 lowercase letters, digits, dots, dashes or "
                                          "underscores."), "invalid_username")
    return username


def _clean_name(name) -> str:
    name = " ".join(name.replace("\x00", "").split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= MAX_NAME:
        raise _field_error("name", N_("A name is 1 to 120 characters."), "invalid_name")
    return name


def _role_and_place(role, kelurahan) -> tuple[Role, int | None]:
    if role not in set(Role):
        raise _field_error("role", N_("Unknown role."), "invalid_role")
    role = Role(role)
    if role not in KELURAHAN_SCOPED:
        return role, None
    place = catalog.find_kelurahan(str(kelurahan or "")) if kelurahan else None
    if place is None:
        raise _field_error("kelurahan", N_("A kelurahan account needs its kelurahan."), "unknown_kelurahan")
    return role, place.id


def _snapshot(user: StaffUser) -> dict:
    # What the audit log keeps of an account: never the password hash.
    return {"username": user.username, "name": user.name, "role": user.role, "kelurahan_id": user.kelurahan_id,
            "language": user.language, "active": user.active}


def get_user(username: str) -> StaffUser:
    """The account called `username`. :raise NotFound: when there is none."""
    name = str(username or "").replace("\x00", "").strip().lower()
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == name))
    if user is None:
        raise NotFound(f"No staff account {username!r}.")
    return user


def display_name(actor: str) -> str:
    """The name of the account `actor` (a username, as history and audit rows keep it), or `actor` itself
    when it is no account (an API key, the command line)."""
    name = db.session.scalar(select(StaffUser.name).where(StaffUser.username == actor))
    return name or actor


def create_user(username, name, role, password, *, kelurahan=None, actor: str,
                must_change_password: bool = True) -> StaffUser:
    """Create an account; unless `must_change_password` is False it must choose its own password first.

    :raise DomainError: with `field` naming the bad value (username taken, weak password, ...).
    """
    username = _clean_username(username)
    name = _clean_name(name)
    role, kelurahan_id = _role_and_place(role, kelurahan)
    check_password(password, username)
    if db.session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.username == username)):
        raise _field_error("username", N_("That username is taken."), "username_taken")
    user = StaffUser(username=username, name=name, role=role.value, kelurahan_id=kelurahan_id,
                     password_hash=_hasher.hash(password), must_change_password=must_change_password,
                     session_token=secrets.token_hex(16))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", username, after=_snapshot(user))
    return user


def update_user(user: StaffUser, *, name, role, kelurahan, language, active: bool, actor: str) -> StaffUser:
    """Change an account's name, role, kelurahan, language or activity; a change of role, kelurahan or
    activity ends its sessions.

    :raise DomainError: with `field` naming the bad value; field "role" or "active" when the change would
        take away the actor's own administration or the office's last active administrator.
    """
    name = _clean_name(name)
    role, kelurahan_id = _role_and_place(role, kelurahan)
    if language not in LANGUAGES:
        raise _field_error("language", N_("Unknown language."), "invalid_language")
    active = bool(active)
    before = _snapshot(user)
    if user.role == Role.ADMIN and user.active:
        if not active:
            _leave_administration(user, actor, "active", active=False)
        elif role != Role.ADMIN:
            _leave_administration(user, actor, "role", role=role.value)
    user.name, user.role, user.kelurahan_id = name, role.value, kelurahan_id
    user.language, user.active = language, active
    after = _snapshot(user)
    if any(before[k] != after[k] for k in ("role", "kelurahan_id", "active")):
        user.session_token = secrets.token_hex(16)
    changed = {k for k in after if before[k] != after[k]}
    if changed:
        audit.record(actor, "user.update", user.username, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed})
    return user


def _leave_administration(user: StaffUser, actor: str, field: str, **change) -> None:
    """Write `change` (a new role, or active=False) to `user`, an active administrator, unless that is the
    actor themself or the office's last active administrator: the office can never lock itself out.

    The check is part of the UPDATE, so on SQLite (one writer at a time) it sees every committed change;
    on PostgreSQL the administrators' rows are locked first, in id order, so two admins taking each other
    out queue up instead of both passing (or deadlocking), and the second is refused.
    """
    if actor == user.username:
        message = (N_("You cannot remove your own administrator role.") if field == "role"
                   else N_("You cannot deactivate your own account."))
        raise _field_error(field, message, "own_admin")
    table = StaffUser.__table__
    admin = (table.c.role == Role.ADMIN.value) & table.c.active.is_(True)
    db.session.execute(select(table.c.id).where(admin).order_by(table.c.id).with_for_update())
    other = table.alias("other")
    another_admin = select(other.c.id).where(other.c.role == Role.ADMIN.value, other.c.active.is_(True),
                                             other.c.id != user.id).exists()
    if not db.session.execute(update(table).where(table.c.id == user.id, admin, another_admin)
                              .values(**change)).rowcount:
        raise _field_error(field, N_("The office needs at least one active administrator."), "last_admin")


def set_language(user: StaffUser, language: str) -> None:
    """The console language a user chose for themself."""
    if language in LANGUAGES and language != user.language:
        audit.record(user.username, "user.language", user.username, before={"language": user.language},
                     after={"language": language})
        user.language = language


def reset_password(user: StaffUser, password, *, actor: str) -> None:
    """Set a password for someone else: they must change it at their next sign-in; their sessions end and
    a lockout is lifted."""
    user.password_hash = _hasher.hash(check_password(password, user.username))
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.session_token = secrets.token_hex(16)
    audit.record(actor, "user.reset_password", user.username)


def change_own_password(user: StaffUser, current, new) -> None:
    """A user's own change of password: the current one proves it is them. Other sessions end.

    :raise DomainError: field "current_password" when it is wrong, "password" when the new one is weak.
    """
    if not _verify(user.password_hash, current):
        raise _field_error("current_password", N_("The current password is wrong."), "wrong_password")
    if isinstance(new, str) and new == current:
        raise _field_error("password", N_("Choose a password different from the current one."), "weak_password")
    user.password_hash = _hasher.hash(check_password(new, user.username))
    user.must_change_password = False
    user.session_token = secrets.token_hex(16)
    audit.record(user.username, "user.change_password", user.username)


def deactivate(user: StaffUser, *, actor: str) -> None:
    """Close an account: it can no longer sign in, and its open sessions end.

    :raise DomainError: field "active" when it is the actor's own account or the last active administrator.
    """
    if user.active:
        if user.role == Role.ADMIN:
            _leave_administration(user, actor, "active", active=False)
        user.active = False
        user.session_token = secrets.token_hex(16)
        audit.record(actor, "user.deactivate", user.username, before={"active": True}, after={"active": False})


def temporary_password() -> str:
    """A password an administrator hands over once: four groups of letters and digits easy to read out
    (no 0/O or 1/l/I), about 80 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _verify(password_hash: str, password) -> bool:
    if not isinstance(password, str):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    except UnicodeEncodeError:
        return False


def authenticate(username, password, *, address: str | None) -> StaffUser:
    """The account when `username` and `password` match an active, unlocked account.

    The failure count moves by an UPDATE on the row, so parallel wrong guesses all count; the tenth locks
    the account for LOCKOUT, and exactly one request records the lockout.

    :raise LoginRefused: reason unknown_user, inactive, locked or wrong_password (audited, not yet committed).
    """
    # A NUL cannot reach PostgreSQL's text and is never part of a username.
    name = username.replace("\x00", "").strip().lower()[:60] if isinstance(username, str) else ""
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == name)) if name else None
    now = utcnow()
    if user is None:
        _verify(_UNKNOWN_USER_HASH, password)
        audit.record(name or "?", "login.failure", name or None, reason="unknown_user", address=address)
        raise LoginRefused("unknown_user")
    if user.locked_until is not None and user.locked_until > now:
        audit.record(name, "login.failure", name, reason="locked", address=address)
        raise LoginRefused("locked", user.locked_until)
    if not _verify(user.password_hash, password):
        _count_failure(user, now, address)
    if not user.active:
        audit.record(name, "login.failure", name, reason="inactive", address=address)
        raise LoginRefused("inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(name, "login.success", name, address=address)
    return user


def _count_failure(user: StaffUser, now, address: str | None):
    table = StaffUser.__table__
    count = db.session.execute(
        update(table).where(table.c.id == user.id).values(failed_logins=table.c.failed_logins + 1)
        .returning(table.c.failed_logins)
    ).scalar_one()
    audit.record(user.username, "login.failure", user.username, reason="wrong_password", address=address)
    if count >= MAX_FAILED_LOGINS:
        until = now + LOCKOUT
        locked = db.session.execute(
            update(table).where(table.c.id == user.id, table.c.failed_logins >= MAX_FAILED_LOGINS)
            .values(failed_logins=0, locked_until=until)
        ).rowcount
        if locked:
            audit.record(user.username, "login.lockout", user.username, until=until.isoformat() + "Z",
                         address=address)
    db.session.expire(user)
    raise LoginRefused("wrong_password")
