"""What a printed receipt says about an application: the reference and its QR code, the checklist, when to
come back and how to check the status from any phone."""
from dataclasses import dataclass
from datetime import date
from datetime import datetime

import segno

from office import accounts
from office import clock
from office import working_days
from office.i18n import pick
from office.models import Application
from office.privacy import mask_phone

# The USSD main menu's "Check status" is option 2; a telco passes "*2*<reference>" typed after the code as
# the session's first inputs, so the citizen lands on the status at once.
USSD_STATUS_OPTION = "2"
# Papers the clerk can print on, the first being the counter's thermal printer.
PAPERS = ("80mm", "a6")


@dataclass(frozen=True)
class ChecklistLine:
    text: str
    missing: bool


@dataclass(frozen=True)
class Receipt:
    reference: str
    digit_groups: tuple[str, ...]
    qr_svg: str
    service: str
    applicant_name: str
    phone: str
    kelurahan: str
    received_at: datetime
    checklist: tuple[ChecklistLine, ...]
    come_back: date
    while_you_wait: bool
    ussd: str
    sms_text: str
    shortcode: str
    clerk: str

    @property
    def missing_count(self) -> int:
        return sum(line.missing for line in self.checklist)


def digit_groups(reference: str) -> tuple[str, ...]:
    """The reference in groups of 3, 3 and 4 digits, the way it is read aloud and copied by hand."""
    return reference[:3], reference[3:6], reference[6:]


def ussd_status_code(ussd_code: str, reference: str) -> str:
    """The code a citizen dials to read the status of `reference` at once: *384*5758# -> *384*5758*2*<ref>#."""
    return f"{ussd_code.rstrip('#')}*{USSD_STATUS_OPTION}*{reference}#"


def qr_svg(reference: str) -> str:
    """A QR code of just the reference's digits, as inline SVG that scales with its box."""
    return segno.make(reference, micro=False).svg_inline(omitsize=True, svgclass="qr-code", title=reference)


def checklist(application: Application, lang: str) -> tuple[ChecklistLine, ...]:
    """The service's requirements, those ticked at intake marked missing; a ticked one the catalog has since
    dropped still shows, since the applicant was told to bring it."""
    missing = list(application.missing_requirements or [])
    lines = [ChecklistLine(pick(item, lang), item in missing) for item in application.service.requirements]
    lines += [ChecklistLine(pick(item, lang), True) for item in missing
              if item not in application.service.requirements]
    return tuple(lines)


def build(application: Application, lang: str, *, ussd_code: str, shortcode: str) -> Receipt:
    """The receipt of `application` in the citizen's language `lang`."""
    days = application.service.processing_days
    return Receipt(
        reference=application.reference,
        digit_groups=digit_groups(application.reference),
        qr_svg=qr_svg(application.reference),
        service=pick(application.service.name, lang),
        applicant_name=application.applicant_name,
        phone=mask_phone(application.phone),
        kelurahan=application.kelurahan.name,
        received_at=clock.local(application.created_at),
        checklist=checklist(application, lang),
        come_back=working_days.due_date(application.created_at, days),
        while_you_wait=days == 0,
        ussd=ussd_status_code(ussd_code, application.reference),
        sms_text=f"STATUS {application.reference}",
        shortcode=shortcode,
        clerk=accounts.display_name(application.created_by),
    )
