"""The SMS a citizen receives when their application changes status: one GSM-7 segment, always."""
from office import lifecycle
from office.gsm import fits_one_segment
from office.gsm import is_gsm7
from office.gsm import to_gsm
from office.i18n import pick
from office.i18n import t
from office.models import Application


def shorten(text: str, budget: int) -> str:
    """Cut `text` at a word boundary so it fits `budget` characters, marking the cut with "..."."""
    if len(text) <= budget:
        return text
    cut = text[: max(budget - 3, 0)].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "..."


def status_sms(application: Application, lang: str) -> str:
    """Notification text for the application's current status, in `lang`, fitting one segment."""
    return compose(application, application.status, application.note, lang)


def compose(application: Application, status: str, note: str | None, lang: str) -> str:
    """The status SMS `application` gets once it is in `status` with `note`; nothing is changed.

    `status_sms` sends exactly this text, so a preview made with it is the message the citizen receives.
    """
    values = {
        "service": pick(application.service.name, lang),
        "reference": application.reference,
        "label": t(lang, lifecycle.LABELS[status]),
        "next": t(lang, lifecycle.NEXT_STEPS[status]),
    }
    if status == lifecycle.RECEIVED:
        text = t(lang, "{service} no. {reference}: {label}. Check status: SMS STATUS {reference}", **values)
    else:
        text = t(lang, "{service} no. {reference}: {label}. {next}", **values)
    note = note if status in lifecycle.NOTE_REQUIRED else None
    if note:
        prefix = to_gsm(text + " " + t(lang, "Note:") + " ")
        text = (prefix + fit_note(note, prefix)).rstrip()
    return to_gsm(text)


def fit_note(note: str, prefix: str) -> str:
    """`note` as it can follow `prefix` within one GSM-7 segment: characters GSM-7 cannot carry (emoji,
    other scripts) dropped, since one would turn the SMS into UCS-2 and halve it, then cut at a word.

    The extension characters ([ ] { } ~ ^ | and the euro sign) take two of the 160 places, so the cut is
    measured in septets, not characters. The whole note stays on the application and in its history.
    """
    kept = " ".join("".join(ch for ch in to_gsm(note) if is_gsm7(ch)).split())
    budget = 160 - len(prefix)
    while budget > 0 and not fits_one_segment(prefix + shorten(kept, budget)):
        budget -= 1
    return shorten(kept, budget) if budget > 3 else ""
