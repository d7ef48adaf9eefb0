"""The texts of SMS replies to keyword messages, in the phone's language.

Every function here returns one GSM-7 segment (160 characters) whatever values it is given; a test
checks each with the longest realistic values. Keywords shown to the citizen are those of the reply's
language (SYARAT, DAFTAR, SARAN for Bahasa Indonesia; REQ, JOIN, FEEDBACK for English).
"""
from office.applications import StatusView
from office.gsm import GSM7_BASIC
from office.gsm import GSM7_EXTENDED
from office.gsm import fits_one_segment
from office.gsm import to_gsm
from office.i18n import t
from office.notifications import shorten

ONE_SEGMENT = 160  # GSM-7 characters in a one-segment SMS
# A masked name such as "B*** S****** W******" only confirms whose application it is; two words do that.
NAME_BUDGET = 24


def help_text(lang: str, ussd_code: str) -> str:
    """The list of keywords and the USSD code, sent for HELP and for anything not understood."""
    return to_gsm(t(lang, "Jekan Raya office SMS: REQ <service>, STATUS <number>, JOIN, STOP, FEEDBACK <text>, "
                          "LANG ID. Menu: dial {ussd}", ussd=ussd_code))


def service_codes(lang: str, codes: list[str]) -> str:
    """The codes a citizen can put after SYARAT / REQ, for a missing or unknown service name."""
    return to_gsm(t(lang, "Send REQ <code>, e.g. REQ KTP. Codes: {codes}", codes=", ".join(codes)))


def _gsm_only(text: str) -> str:
    # A stray emoji in a staff note would turn the whole reply into UCS-2 and cut it to 70 characters.
    return "".join(ch for ch in to_gsm(text) if ch in GSM7_BASIC or ch in GSM7_EXTENDED)


def status_answer(view: StatusView, lang: str) -> str:
    """An application's status as the asker may see it; the note (own phone only) replaces the next step."""
    head = to_gsm(t(lang, "No. {reference} {service} ({name}): {label}.", reference=view.reference,
                    service=view.service, name=shorten(view.masked_name, NAME_BUDGET), label=view.label))
    if view.note:
        prefix = head + " " + t(lang, "Note:") + " "
        text = prefix + shorten(" ".join(_gsm_only(view.note).split()), ONE_SEGMENT - len(prefix))
    else:
        text = head + " " + to_gsm(view.next_step)
    return text if fits_one_segment(text) else head


def reference_hint(lang: str) -> str:
    """What a reference looks like, for STATUS without one or with the wrong number of digits."""
    return t(lang, "A reference number has 10 digits. Send: STATUS 1234567890 (the number on your receipt).")


def check_digit_hint(lang: str, reference: str) -> str:
    """The answer to a 10-digit reference whose check digit does not match: a typo, not a missing file."""
    return t(lang, "Number {reference} has a typo. Check the digits on your receipt and send STATUS and "
                   "the number again.", reference=reference)


def not_found(lang: str, reference: str) -> str:
    """The answer to a well-formed reference no application has."""
    return t(lang, "No application has number {reference}. Check your receipt or ask at the office.",
             reference=reference)


def rate_limited(lang: str, minutes: int) -> str:
    """The one answer a phone gets once it has sent too many status checks or messages in a short time."""
    return t(lang, "Too many requests from your number. Please try again in {minutes} minutes.", minutes=minutes)


def subscribed_unknown_kelurahan(lang: str, names: list[str]) -> str:
    """Confirmation of DAFTAR / JOIN with a kelurahan name that matched none: the names to choose from."""
    return to_gsm(t(lang, "You are subscribed to announcements. Kelurahan not found; send JOIN and one of: "
                          "{names}.", names=", ".join(names)))


def opted_out(lang: str, shortcode: str) -> str:
    """The one last SMS after STOP."""
    return t(lang, "You will get no more SMS from the Jekan Raya office. To get them again, SMS JOIN to "
                   "{shortcode}.", shortcode=shortcode)


def feedback_received(lang: str, ticket: str) -> str:
    """Confirmation of SARAN / ADUAN / FEEDBACK with the ticket staff will refer to."""
    return t(lang, "Thank you, your message is recorded with ticket {ticket}. Office staff read every message.",
             ticket=ticket)


def feedback_hint(lang: str) -> str:
    """The answer to SARAN / ADUAN / FEEDBACK with nothing after the keyword."""
    return t(lang, "Write your message after the keyword, e.g. FEEDBACK the queue is too long")


def language_set(lang: str) -> str:
    """Confirmation of BAHASA / LANG, in the new language, with the way back in the other one."""
    return t(lang, "SMS replies will now be in English. Ganti bahasa: BAHASA ID")


def language_hint(lang: str) -> str:
    """The answer to BAHASA / LANG without a language it knows."""
    return t(lang, "Send LANG EN for English or BAHASA ID for Bahasa Indonesia.")
