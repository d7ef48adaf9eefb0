"""What a citizen can do for themself, whoever's device they use: look up a status, read the staff's note
after proving the phone, leave a suggestion, subscribe a phone to announcements, take a number of the lobby queue.

The web and the kiosk have no caller's phone, so limits go by the client's address; a kiosk's address is
shared by many citizens and gets KIOSK_SHARED_BY times the budget. Each function works in the caller's
transaction; the view commits.
"""
import math
from dataclasses import dataclass

from flask import current_app
from flask import request

from office import applications
from office import catalog
from office import feedback
from office import queue
from office import ratelimit
from office import subscriptions
from office.applications import StatusView
from office.errors import NotFound
from office.models import Feedback

KIOSK = "kiosk"
WEB = "web"


@dataclass(frozen=True)
class Refused:
    """A request turned away by a limit: try again after `minutes`."""

    minutes: int


@dataclass(frozen=True)
class Lookup:
    """The answer to a status lookup: the status, or why there is none."""

    view: StatusView | None = None
    not_found: bool = False
    refused: Refused | None = None
    wrong_tail: bool = False  # phone digits were typed and do not match


def _address() -> str:
    return "addr:" + (request.remote_addr or "unknown")


def _shared_by(channel: str) -> int:
    return current_app.config["KIOSK_SHARED_BY"] if channel == KIOSK else 1


def _refused(verdict: ratelimit.Verdict) -> Refused | None:
    return None if verdict.allowed else Refused(max(1, math.ceil(verdict.retry_after / 60)))


def look_up(reference: str, lang: str, *, channel: str, phone_tail: str | None = None) -> Lookup:
    """The status of the application `reference` (already checked for its check digit) as its applicant may
    see it here; with `phone_tail`, the staff's note too when those digits end the applicant's phone.
    """
    refused = _refused(ratelimit.status_lookup(_address(), _shared_by(channel)))
    if refused:
        return Lookup(refused=refused)
    try:
        application = applications.get_by_reference(reference)
    except NotFound:
        return Lookup(not_found=True)
    if phone_tail:
        refused = _refused(ratelimit.phone_tail(application.reference))
        if refused:
            return Lookup(view=applications.status_view(application, lang), refused=refused)
    view = applications.status_view(application, lang, phone_tail=phone_tail)
    wrong = bool(phone_tail) and not applications.phone_tail_matches(application, phone_tail)
    return Lookup(view=view, wrong_tail=wrong)


def leave_feedback(category: str, text: str, phone: str | None, *, channel: str) -> Feedback | Refused:
    """File a suggestion or complaint (text already checked) and return it with its ticket, or the refusal."""
    refused = _refused(ratelimit.feedback(_address(), _shared_by(channel)))
    if refused:
        return refused
    return feedback.submit(category, text, phone=phone, channel=channel)


def subscribe(phone: str, kelurahan_code: str | None, lang: str, *, channel: str) -> subscriptions.Outcome | Refused:
    """Subscribe `phone` (E.164) to announcements for one kelurahan (None: all of Jekan Raya)."""
    refused = _refused(ratelimit.subscription(_address(), _shared_by(channel)))
    if refused:
        return refused
    place = next((k for k in catalog.kelurahan_list() if k.code == kelurahan_code), None)
    return subscriptions.subscribe_typed(phone, place, lang=lang, shortcode=current_app.config["SMS_SHORTCODE"])


def take_ticket(letter: str, *, priority: bool, phone: str | None, lang: str) -> queue.Issued | Refused:
    """Hand out the next number of the lobby queue's group `letter`, or the refusal of the kiosk's limit."""
    refused = _refused(ratelimit.queue_ticket(_address()))
    if refused:
        return refused
    return queue.issue(letter, priority=priority, phone=phone, lang=lang)
