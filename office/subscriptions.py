"""Announcement subscriptions typed for a phone by someone holding it (or not): at the kiosk, on the web.

A phone that subscribes itself (USSD, SMS) is its owner speaking. A number typed into a form may be anyone's,
so a form's subscription never lifts that phone's opt-out, and the phone is told by SMS, with how to stop.
"""
from enum import StrEnum

from office import citizens
from office import outbox
from office import ratelimit
from office.gsm import to_gsm
from office.i18n import t
from office.models import Kelurahan


class Outcome(StrEnum):
    SUBSCRIBED = "subscribed"  # subscribed now; a confirmation SMS is queued
    ALREADY = "already"  # was already subscribed to the same announcements; nothing sent
    OPTED_OUT = "opted_out"  # the phone said STOP: only the phone itself can undo that
    TOO_MANY = "too_many"  # the phone was sent enough confirmations today; nothing changed


def confirmation(lang: str, shortcode: str, kelurahan: str | None = None) -> str:
    """The SMS confirming a subscription (DAFTAR / JOIN, or a form), naming the kelurahan when one was chosen."""
    if kelurahan:
        return to_gsm(t(lang, "You are subscribed to Jekan Raya office announcements for {kelurahan}. "
                              "To stop, SMS STOP to {shortcode}.", kelurahan=kelurahan, shortcode=shortcode))
    return t(lang, "You are subscribed to Jekan Raya office announcements. To stop, SMS STOP to {shortcode}.",
             shortcode=shortcode)


def subscribe_typed(phone: str, place: Kelurahan | None, *, lang: str, shortcode: str) -> Outcome:
    """Subscribe `phone` (E.164) to announcements for `place` (None: all of Jekan Raya) in the current
    transaction, queueing one confirmation SMS in the phone's language (`lang` for a phone new to the office).
    """
    known = citizens.find(phone)
    if known is not None and known.opted_out:
        return Outcome.OPTED_OUT
    wanted = place.id if place is not None else None
    if known is not None and known.subscribed and known.kelurahan_id == wanted:
        return Outcome.ALREADY
    if not ratelimit.confirmation_sms(phone).allowed:
        return Outcome.TOO_MANY
    citizen = citizens.subscribe(phone, place)
    if known is None:
        citizen.language = lang
    text = confirmation(citizen.language, shortcode, place.name if place is not None else None)
    outbox.queue_sms(phone, text, outbox.Kind.REPLY)
    return Outcome.SUBSCRIBED
