"""Answering keyword SMS: what each command changes in the office's records and the reply it earns.

Everything happens in the caller's transaction, so the webhook can store the incoming message, the
change and the reply together, once, even when the telco delivers the same message twice.

Reply language: the phone's own language when the office knows the phone; for a phone seen for the
first time, the language of the keyword it used (JOIN, HELP, REQ are English), and that choice is
kept if the command creates the phone's record.
"""
import math
from dataclasses import dataclass

from flask import current_app

from gateway.sms import keywords
from gateway.sms import replies
from office import applications
from office import catalog
from office import citizens
from office import feedback
from office import inbox
from office import optout
from office import outbox
from office import ratelimit
from office import references
from office import subscriptions
from office.checklist import checklist_sms
from office.errors import NotFound
from office.i18n import language


@dataclass(frozen=True)
class Reply:
    text: str
    kind: outbox.Kind = outbox.Kind.REPLY


def answer(phone: str, text: str) -> Reply | None:
    """Carry out what the SMS from `phone` asks; return the reply to queue, or None when none is due.

    A phone that has opted out gets no reply (except the STOP confirmation, and DAFTAR, which lifts
    the opt-out), though what it asked is still done: its suggestion is still filed.
    """
    command = keywords.parse(text)
    known = citizens.find(phone)
    lang = language(known.language if known else command.lang or current_app.config["DEFAULT_LANGUAGE"])
    reply = _HANDLERS[command.action](phone, command, lang)
    if known is None and command.action != keywords.BAHASA:
        created = citizens.find(phone)
        if created is not None:
            created.language = lang
    if reply is None or (reply.kind != outbox.Kind.OPTOUT and citizens.is_opted_out(phone)):
        return None
    return reply


def _syarat(phone: str, command: keywords.Command, lang: str) -> Reply:
    service = catalog.find_service(command.argument) if command.argument else None
    if service is None:
        return Reply(replies.service_codes(lang, [s.code for s in catalog.services()]))
    return Reply(checklist_sms(service, lang))


def _status(phone: str, command: keywords.Command, lang: str) -> Reply | None:
    attempt = ratelimit.status_attempt(phone)
    if not attempt.allowed:
        return _too_many(attempt, lang)
    typed = keywords.reference_in(command.argument)
    problem = references.classify(typed) if typed else "format"
    if problem == "format":
        return Reply(replies.reference_hint(lang))
    if problem == "check_digit":
        return Reply(replies.check_digit_hint(lang, references.clean(typed)))
    lookup = ratelimit.status_lookup(phone)
    if not lookup.allowed:
        return _too_many(lookup, lang)
    try:
        application = applications.get_by_reference(typed)
    except NotFound:
        return Reply(replies.not_found(lang, references.clean(typed)))
    view = applications.status_view(application, lang, asker_phone=phone)
    return Reply(replies.status_answer(view, lang))


def _too_many(verdict: ratelimit.Verdict, lang: str) -> Reply | None:
    """The answer to a refused request: "too many" once per window, then none, since every SMS costs."""
    if verdict.first_refusal:
        return Reply(replies.rate_limited(lang, math.ceil(verdict.retry_after / 60)))
    return None


def _daftar(phone: str, command: keywords.Command, lang: str) -> Reply:
    place = catalog.find_kelurahan(command.argument) if command.argument else None
    citizens.subscribe(phone, place)
    if command.argument and place is None:
        return Reply(replies.subscribed_unknown_kelurahan(lang, [k.name for k in catalog.kelurahan_list()]))
    return Reply(subscriptions.confirmation(lang, current_app.config["SMS_SHORTCODE"], place.name if place else None))


def _stop(phone: str, command: keywords.Command, lang: str) -> Reply | None:
    if citizens.is_opted_out(phone):
        return None  # the one last SMS was already sent
    optout.stop_all(phone)
    return Reply(replies.opted_out(lang, current_app.config["SMS_SHORTCODE"]), outbox.Kind.OPTOUT)


def _feedback(phone: str, command: keywords.Command, lang: str) -> Reply | None:
    if not command.argument.strip():
        return Reply(replies.feedback_hint(lang))
    verdict = ratelimit.feedback(phone)
    if not verdict.allowed:
        return _too_many(verdict, lang)
    entry = inbox.thread_reply(phone, command.argument) or feedback.submit(
        command.category, command.argument, phone=phone, channel="sms")
    return Reply(replies.feedback_received(lang, entry.ticket))


def _bahasa(phone: str, command: keywords.Command, lang: str) -> Reply:
    chosen = keywords.language_in(command.argument)
    if chosen is None:
        return Reply(replies.language_hint(lang))
    citizens.set_language(phone, chosen)
    return Reply(replies.language_set(chosen))


def _help(phone: str, command: keywords.Command, lang: str) -> Reply | None:
    """The keyword list; but a plain message answering the office's recent SMS about an open ticket joins
    that ticket, acknowledged as SARAN <ticket> is. A keyword, even a mistyped one, never gets here."""
    if command.plain and inbox.answered_ticket(phone) is not None:
        verdict = ratelimit.feedback(phone)
        if not verdict.allowed:
            return _too_many(verdict, lang)
        entry = inbox.thread_plain_reply(phone, command.argument)
        return Reply(replies.feedback_received(lang, entry.ticket))
    return Reply(replies.help_text(lang, current_app.config["USSD_CODE"]))


_HANDLERS = {
    keywords.SYARAT: _syarat,
    keywords.STATUS: _status,
    keywords.DAFTAR: _daftar,
    keywords.STOP: _stop,
    keywords.FEEDBACK: _feedback,
    keywords.BAHASA: _bahasa,
    keywords.HELP: _help,
}
