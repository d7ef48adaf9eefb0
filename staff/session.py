"""The console's session rules: who is signed in, and when a session ends.

A session is Flask's signed cookie holding the account's id and its session token (Flask-Login's
alternative id), so a password change, reset or deactivation (each draws a new token) ends every other
session at its next request. The cookie also holds when the session began and its last request, on the
office clock: past STAFF_IDLE_MINUTES of quiet, or STAFF_SESSION_HOURS in all, the next request signs out.
"""
from flask import current_app
from flask import session
from flask_login import login_user
from flask_login import logout_user
from sqlalchemy import select

from extensions import db
from extensions import login_manager
from office import clock
from office.models import StaffUser

login_manager.login_view = "staff.login"
login_manager.session_protection = None  # the token and the two time limits do this job


@login_manager.user_loader
def _load(alternative: str) -> StaffUser | None:
    user_id, _, token = alternative.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.scalar(select(StaffUser).where(StaffUser.id == int(user_id)))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def begin(user: StaffUser) -> None:
    """Start a fresh session for `user` (whatever the cookie held before is dropped)."""
    session.clear()
    login_user(user)
    now = clock.now().timestamp()
    session["signed_in_at"] = now
    session["seen_at"] = now


def renew(user: StaffUser) -> None:
    """Keep the current session after the user's own token changed (their own password change)."""
    login_user(user)


def end() -> None:
    logout_user()
    session.clear()


def expired() -> bool:
    """True when this session has been idle or open too long; otherwise notes this request as activity."""
    now = clock.now().timestamp()
    config = current_app.config
    signed_in_at = session.get("signed_in_at")
    seen_at = session.get("seen_at")
    if not isinstance(signed_in_at, int | float) or not isinstance(seen_at, int | float):
        return True
    if now - seen_at > config["STAFF_IDLE_MINUTES"] * 60 or now - signed_in_at > config["STAFF_SESSION_HOURS"] * 3600:
        return True
    session["seen_at"] = now
    return False
