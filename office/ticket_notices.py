"""The SMS that tells a citizen their ticket moved: the office's own template for the new state when it has
one, else the built-in text below, in the citizen's language, with the ticket number filled in.

Templates are the administrators' wording, in one language, so only the built-in texts are translated.
A template may hold {ticket}, {referred_to} and {original}; they are filled in as plain text, so a brace
an administrator types by mistake is sent as it is rather than breaking the message.

Every built-in text fits one GSM-7 segment with the longest ticket number; a referral is shortened to
what is left (a test checks both languages).
"""
from office.gsm import fits_one_segment
from office.gsm import to_gsm
from office.i18n import N_
from office.i18n import t
from office.notifications import shorten

ONE_SEGMENT = 160
PLACEHOLDERS = ("ticket", "referred_to", "original")
# Keyed by office.inbox's state names (this module sits below office.inbox, which imports it).
NOTICES = {
    "diverifikasi": N_("Your report {ticket} has been checked and is being handled by the Jekan Raya office."),
    "didisposisikan": N_("Your report {ticket} has been passed to the officer who will handle it."),
    "ditindaklanjuti": N_("Your report {ticket} has been followed up. Not solved yet? Reply to this SMS within "
                          "10 working days."),
    "selesai": N_("Your report {ticket} is finished. Thank you for helping the Jekan Raya office."),
    "bukan_wewenang": N_("Your report {ticket} is not a matter for the sub-district office. Please contact: "
                         "{referred_to}"),
    "duplikat": N_("Your report {ticket} repeats report {original} and is handled together with it."),
    "ditunda": N_("Your report {ticket} needs more information. Please reply to this SMS with the details."),
}
AUTO_CLOSED = N_("Your report {ticket} is closed: no answer came in 10 working days. For a new report, send "
                 "FEEDBACK <your message>.")


def from_template(template_text: str, values: dict[str, str]) -> str:
    """An administrator's template with its placeholders filled in."""
    text = template_text
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values.get(name) or "")
    return to_gsm(text)


def built_in(state: str, lang: str, values: dict[str, str]) -> str:
    """The built-in notice of a move to `state` in `lang`, a long referral shortened to keep one segment."""
    return _filled(NOTICES[state], lang, values)


def auto_closed(lang: str, ticket: str) -> str:
    """The notice of a ticket the sweep closed because the citizen did not answer the follow-up."""
    return _filled(AUTO_CLOSED, lang, {"ticket": ticket})


def _filled(msgid: str, lang: str, values: dict[str, str]) -> str:
    filled = {name: values.get(name) or "" for name in PLACEHOLDERS}
    text = to_gsm(t(lang, msgid, **filled))
    if filled["referred_to"] and not fits_one_segment(text):
        bare = len(to_gsm(t(lang, msgid, **{**filled, "referred_to": ""})))
        text = to_gsm(t(lang, msgid, **{**filled, "referred_to": shorten(filled["referred_to"], ONE_SEGMENT - bare)}))
    return text
