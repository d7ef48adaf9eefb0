"""How an edited service will read on a USSD phone and in the SMS checklist, before it is saved.

The SMS side is the real thing (office.checklist.checklist_sms on an unsaved copy of the service). The
USSD side follows the service screen of gateway/ussd/screens/requirements.py: the same lines, laid into
160-character screens whole, with room kept for the hint, the "Send by SMS" action and the navigation.
"""
from dataclasses import dataclass

from office import checklist
from office.catalog_edit import EDITABLE
from office.catalog_edit import REQUIREMENT_LIMIT
from office.gsm import analyze
from office.i18n import pick
from office.i18n import t
from office.models import Service

SCREEN_BODY = 156  # 160 less "CON "
# The hint the screen keeps room for above every page (gateway.ussd.engine.INVALID).
HINT = "Invalid choice."


@dataclass(frozen=True)
class Preview:
    """One language's view of a service: USSD screens, the checklist SMS, and whether they fit."""

    lang: str
    screens: list[str]
    too_long: list[str]  # requirement lines over REQUIREMENT_LIMIT
    sms: str
    sms_segments: int
    sms_encoding: str
    sms_cut: bool  # items were dropped to keep the checklist within checklist.MAX_SEGMENTS


def unsaved(code: str, fields: dict) -> Service:
    """A Service carrying `fields` that is never added to the session."""
    return Service(code=code, **{name: fields[name] for name in EDITABLE if name in fields})


def _screens(service: Service, lang: str) -> list[str]:
    action = f"1. {t(lang, 'Send by SMS')}"
    nav = ", ".join([t(lang, "98 More"), t(lang, "0 Back"), t(lang, "00 Menu")])
    room = SCREEN_BODY - (len(t(lang, HINT)) + 1) - (len(action) + 1) - (len(nav) + 1)
    lines = [pick(service.name, lang), t(lang, "Requirements:"),
             *(f"- {line}" for line in service.requirement_lines(lang)),
             t(lang, "Time: {time}", time=pick(service.processing_time, lang)),
             t(lang, "Fee: {fee}", fee=pick(service.fee, lang)),
             t(lang, "Where: {where}", where=pick(service.where, lang))]
    screens, current = [], []
    for line in lines:
        if current and len("\n".join([*current, line])) > room:
            screens.append("\n".join(current))
            current = []
        current.append(line)
    return [*screens, "\n".join(current)]


def preview(service: Service, lang: str) -> Preview:
    """What `service` (saved or not) looks like in `lang` on USSD and in the checklist SMS."""
    sms = checklist.checklist_sms(service, lang)
    length = analyze(sms)
    shown = sms.count("\n") - 1  # the lines between the heading and the time, fee and place
    return Preview(lang=lang, screens=_screens(service, lang),
                   too_long=[line for line in service.requirement_lines(lang) if len(line) > REQUIREMENT_LIMIT],
                   sms=sms, sms_segments=length.segments, sms_encoding=length.encoding,
                   sms_cut=shown < len(service.requirements))
