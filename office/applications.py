"""Applications: registering them, moving them through the lifecycle, and looking them up.

Every status change and its SMS notification are written in the caller's transaction: either both exist
or neither. The caller commits.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from extensions import db
from office import audit
from office import catalog
from office import citizens
from office import lifecycle
from office import notifications
from office import outbox
from office import references
from office.clock import utcnow
from office.errors import Conflict
from office.errors import DomainError
from office.errors import InvalidTransition
from office.errors import NotFound
from office.fields import text_field
from office.i18n import pick
from office.i18n import t
from office.models import Application
from office.models import StatusChange
from office.phones import normalize_mobile
from office.privacy import mask_name
from office.privacy import mask_phone

MAX_NAME = 120
MAX_NOTE = 500


def _clean_text(value, field: str, limit: int, required: bool) -> str | None:
    value = text_field(value, field, required)
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > limit:
        raise DomainError(f"{field} is longer than {limit} characters.", code="field_too_long")
    return value


def _missing(service, positions) -> list[dict] | None:
    """The requirements of `service` at `positions` (0-based, in the service's order), or None when not asked."""
    if positions is None:
        return None
    items = service.requirements
    chosen = set()
    for position in positions:
        # bool is an int too, and True would otherwise name the second requirement.
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < len(items):
            raise DomainError(f"{service.code} has no requirement {position!r}.", code="unknown_requirement")
        chosen.add(position)
    return [items[n] for n in sorted(chosen)]


def create_application(service_code, applicant_name, phone, kelurahan, note=None, *, actor: str,
                       missing_requirements=None) -> Application:
    """Register an application in RECEIVED and queue the citizen's receipt SMS with the new reference.

    :param missing_requirements: positions in the service's requirements of those the applicant has not
        brought yet (the counter's checklist); kept with the application for its receipt.
    """
    service = catalog.get_service(str(service_code or ""))
    if service is None:
        raise DomainError(f"Unknown service {service_code!r}.", code="unknown_service")
    missing = _missing(service, missing_requirements)
    place = catalog.find_kelurahan(str(kelurahan or ""))
    if place is None:
        raise DomainError(f"Unknown kelurahan {kelurahan!r}.", code="unknown_kelurahan")
    name = _clean_text(applicant_name, "applicant_name", MAX_NAME, required=True)
    note = _clean_text(note, "note", MAX_NOTE, required=False)
    phone = normalize_mobile(phone)
    for _ in range(5):
        application = Application(
            reference=references.generate(),
            service=service,
            kelurahan=place,
            applicant_name=name,
            phone=phone,
            status=lifecycle.RECEIVED,
            note=note,
            created_by=actor,
            missing_requirements=missing,
        )
        db.session.add(application)
        try:
            # A savepoint, so a rare reference collision retries without losing the caller's transaction.
            with db.session.begin_nested():
                db.session.flush()
            break
        except IntegrityError:
            db.session.expunge(application)
    else:
        raise RuntimeError("Could not find a free reference number.")
    db.session.add(StatusChange(application=application, from_status=None, to_status=lifecycle.RECEIVED,
                                note=note, actor=actor))
    audit.record(actor, "application.create", application.reference, after={
        "service": service.code, "kelurahan": place.code, "applicant_name": name, "phone": mask_phone(phone),
        "status": lifecycle.RECEIVED, "note": note, "missing_requirements": missing})
    _notify(application)
    return application


def change_status(reference: str, new_status: str, note=None, *, actor: str) -> Application:
    """Move an application to `new_status`, record it in the history and queue the citizen's SMS.

    The move is made against the status that was read: of two changes racing from the same status,
    exactly one is written and the other is refused, so the history never shows two moves out of one
    status and the citizen is never told two stories.

    :raise InvalidTransition: when the lifecycle does not allow the move (`current_status` in details).
    :raise Conflict: when another change moved the application first (`current_status` in details).
    """
    application = get_by_reference(reference)
    if not lifecycle.is_status(str(new_status)):
        raise DomainError(f"Unknown status {new_status!r}.", code="unknown_status")
    found = application.status
    if not lifecycle.can_move(found, new_status):
        raise InvalidTransition(f"An application in {found} cannot move to {new_status}.", current_status=found)
    note = _clean_text(note, "note", MAX_NOTE, required=new_status in lifecycle.NOTE_REQUIRED)
    moved = db.session.execute(
        update(Application).where(Application.id == application.id, Application.status == found)
        .values(status=new_status, note=note, status_changed_at=utcnow())
    ).rowcount
    if moved != 1:
        # The losing UPDATE waited for the winner's commit, so this read sees what it wrote.
        current = db.session.scalar(select(Application.status).where(Application.id == application.id))
        raise Conflict(f"The application moved to {current} while this change was being made.",
                       current_status=current)
    db.session.add(StatusChange(application=application, from_status=found, to_status=new_status,
                                note=note, actor=actor))
    audit.record(actor, "application.status", application.reference, before={"status": found},
                 after={"status": new_status, "note": note})
    _notify(application)
    return application


def _notify(application: Application) -> None:
    lang = citizens.language_of(application.phone)
    text = notifications.status_sms(application, lang)
    outbox.queue_sms(application.phone, text, outbox.Kind.STATUS, application_id=application.id)


def get_by_reference(reference) -> Application:
    """The application with this reference.

    :raise DomainError: code "bad_reference" or "bad_check_digit" when the reference is mistyped.
    :raise NotFound: when no application has it.
    """
    text = references.clean(str(reference or ""))
    problem = references.classify(text)
    if problem == "format":
        raise DomainError("A reference is 10 digits.", code="bad_reference")
    if problem == "check_digit":
        raise DomainError("The reference has a typo (check digit does not match).", code="bad_check_digit")
    application = db.session.scalar(select(Application).where(Application.reference == text))
    if application is None:
        raise NotFound("No application with that reference.")
    return application


@dataclass(frozen=True)
class StatusView:
    """What a citizen may see of an application: masked name, and notes only for the applicant's own phone."""

    reference: str
    service: str
    status: str
    label: str
    next_step: str
    changed_at: datetime
    masked_name: str
    note: str | None


def status_view(application: Application, lang: str, asker_phone: str | None) -> StatusView:
    """The status of `application` as shown to whoever asked from `asker_phone`."""
    own = asker_phone is not None and asker_phone == application.phone
    return StatusView(
        reference=application.reference,
        service=pick(application.service.name, lang),
        status=application.status,
        label=t(lang, lifecycle.LABELS[application.status]),
        next_step=t(lang, lifecycle.NEXT_STEPS[application.status]),
        changed_at=application.status_changed_at,
        masked_name=mask_name(application.applicant_name),
        note=application.note if own else None,
    )
