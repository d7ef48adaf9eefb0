"""USSD callback (POST /ussd) and AT's end-of-session notifications (POST /ussd/events).

AT drops a session on any HTTP error or a body that does not start with CON/END, which on the
citizen's phone reads as a broken service; so /ussd answers 400 only when the request cannot belong to a
session at all, and turns any other failure into a polite END.
"""
import logging

from flask import current_app
from flask import request
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from gateway import bp
from gateway import per_address
from gateway import plain
from gateway.ussd import hop
from gateway.ussd.engine import Display
from gateway.ussd.text import clean
from office import telemetry
from office import ussd_stats
from office.i18n import t

log = logging.getLogger(__name__)


@bp.post("/ussd")
def ussd_callback():
    """One hop of a USSD session: the screen to show, as `CON ...` (wait for input) or `END ...`."""
    session_id = request.form.get("sessionId", "").strip()
    raw_phone = request.form.get("phoneNumber", "").strip()
    if not session_id or not raw_phone:
        return plain("sessionId and phoneNumber are required.\n", 400)
    with telemetry.USSD_HOP_SECONDS.time():
        return plain(_answer(session_id, raw_phone))


def _answer(session_id: str, raw_phone: str) -> str:
    """The body of the screen for this hop; any failure becomes the polite END screen."""
    try:
        answered = hop.answer(session_id, raw_phone, request.form.get("text", ""))
        # One commit for whatever the hop's screens changed, before the hop is saved for a retry.
        db.session.commit()
        answered.save()
        body = answered.body
    except Exception:  # noqa: BLE001  (any failure must still reach the phone as a proper END screen)
        log.exception("USSD hop failed (session %.40s)", session_id)
        db.session.rollback()
        body = Display(True, clean(t(current_app.config["DEFAULT_LANGUAGE"],
                                     "Sorry, something went wrong. Please try again."))).body
    return body


def _count(raw: str | None) -> int | None:
    try:
        value = int((raw or "").strip())
    except ValueError:
        return None
    return value if 0 <= value < 2**31 else None


@bp.post("/ussd/events")
@per_address
def ussd_events():
    """Store AT's end-of-session notification (Success, Incomplete or Failed) for the dashboard."""
    form = request.form
    session_id = form.get("sessionId", "").strip()
    if not session_id:
        return plain("sessionId is required.\n", 400)
    try:
        ussd_stats.record_event(
            session_id,
            status=form.get("status", "").strip(),
            phone=form.get("phoneNumber", "").strip(),
            duration_ms=_count(form.get("durationInMillis")),
            hops=_count(form.get("hopsCount")),
            input=form.get("input"),
            last_response=form.get("lastAppResponse"),
            error_message=form.get("errorMessage"),
        )
        db.session.commit()
    except SQLAlchemyError:
        log.exception("could not store a USSD session event")
        db.session.rollback()
        return plain("Could not store the event, please retry.\n", 503)
    return plain("OK\n")
