"""The full requirements checklist of a service as one SMS (at most 3 segments), for USSD and SMS alike."""
from office.gsm import analyze
from office.gsm import to_gsm
from office.i18n import pick
from office.i18n import t
from office.models import Service

MAX_SEGMENTS = 3


def checklist_sms(service: Service, lang: str) -> str:
    """Requirements, time, fee and place of `service` in `lang`, cut at a whole item to fit 3 segments."""
    head = t(lang, "Requirements {name}:", name=pick(service.name, lang))
    items = [f"{n}. {line}" for n, line in enumerate(service.requirement_lines(lang), start=1)]
    tail = t(lang, "Time: {time}. Fee: {fee}. Where: {where}.", time=pick(service.processing_time, lang),
             fee=pick(service.fee, lang), where=pick(service.where, lang))
    while True:
        text = to_gsm("\n".join([head, *items, tail]))
        if analyze(text).segments <= MAX_SEGMENTS or not items:
            return text
        # Drop the last item rather than cut one mid-sentence; the office list is the full reference.
        items = items[:-1]
        if items and not items[-1].endswith("..."):
            items[-1] += " ..."
