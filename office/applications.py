"""Applications: registering them, moving them through the lifecycle, and looking them up.

Every status change and its SMS notification are written in the caller's transaction: either both exist
or neither. The caller commits.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
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
from office.models import Kelurahan
from office.models import Service
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


def clean_name(value) -> str:
    """An applicant's name as it is stored: spaces collapsed, at most MAX_NAME characters.

    :raise DomainError: "missing_field", "invalid_field" or "field_too_long".
    """
    return _clean_text(value, "applicant_name", MAX_NAME, required=True)


def clean_note(value) -> str | None:
    """A note as it is stored, or None when empty.

    :raise DomainError: "invalid_field" or "field_too_long".
    """
    return _clean_text(value, "note", MAX_NOTE, required=False)


def create_application(service_code, applicant_name, phone, kelurahan, note=None, *, actor: str) -> Application:
    """Register an application in RECEIVED and queue the citizen's receipt SMS with the new reference."""
    service = catalog.get_service(str(service_code or ""))
    if service is None:
        raise DomainError(f"Unknown service {service_code!r}.", code="unknown_service")
    place = catalog.find_kelurahan(str(kelurahan or ""))
    if place is None:
        raise DomainError(f"Unknown kelurahan {kelurahan!r}.", code="unknown_kelurahan")
    name = clean_name(applicant_name)
    note = clean_note(note)
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
    audit.record(actor, "application.create", application.reference,
                 after=_created(service, place, name, phone, note))
    _notify(application)
    return application


def _created(service: Service, place: Kelurahan, name: str, phone: str, note: str | None) -> dict:
    # What the audit log keeps of a new application: the phone masked, as everywhere in the log.
    return {"service": service.code, "kelurahan": place.code, "applicant_name": name, "phone": mask_phone(phone),
            "status": lifecycle.RECEIVED, "note": note}


@dataclass(frozen=True)
class Draft:
    """An application whose every field is already checked (clean_name, clean_note, normalize_mobile and
    the catalog): what `create_many` registers."""

    service: Service
    kelurahan: Kelurahan
    applicant_name: str
    phone: str
    note: str | None = None


_MANY_CHUNK = 1000


def create_many(drafts: list[Draft], *, actor: str, notify: bool, **detail) -> list[tuple[int, str]]:
    """Register `drafts` in RECEIVED in the caller's transaction, as create_application does one by one,
    in a few statements per thousand; returns their (id, reference) in the order given.

    Each gets a free reference, its RECEIVED history row and its own audit entry (with `detail`, such as
    the import it came from); with `notify`, its receipt SMS. Without it the citizens are not texted: an
    import of an old register may not want to pay for thousands of receipts.
    """
    now = utcnow()
    created = []
    for start in range(0, len(drafts), _MANY_CHUNK):
        chunk = drafts[start:start + _MANY_CHUNK]
        ids = _insert_with_free_references(chunk, actor, now)
        db.session.execute(insert(StatusChange), [
            {"application_id": app_id, "from_status": None, "to_status": lifecycle.RECEIVED, "note": d.note,
             "actor": actor, "created_at": now} for (app_id, _ref), d in zip(ids, chunk, strict=True)])
        audit.record_many(actor, "application.create", [
            (reference, _created(d.service, d.kelurahan, d.applicant_name, d.phone, d.note))
            for (_id, reference), d in zip(ids, chunk, strict=True)], **detail)
        if notify:
            _notify_many(ids, chunk)
        created.extend(ids)
    return created


def _insert_with_free_references(drafts: list[Draft], actor: str, now: datetime) -> list[tuple[int, str]]:
    for _ in range(5):
        rows = [{"reference": reference, "service_id": d.service.id, "kelurahan_id": d.kelurahan.id,
                 "applicant_name": d.applicant_name, "phone": d.phone, "status": lifecycle.RECEIVED,
                 "note": d.note, "created_by": actor, "created_at": now, "status_changed_at": now}
                for reference, d in zip(_free_references(len(drafts)), drafts, strict=True)]
        try:
            # A savepoint, as in create_application: a reference taken meanwhile by another request
            # retries this chunk with new ones and keeps the rest of the caller's transaction.
            with db.session.begin_nested():
                # Matched back by reference rather than by order: asking PostgreSQL to keep the order
                # would make SQLAlchemy insert one row per statement.
                ids = dict(db.session.execute(insert(Application).returning(Application.reference, Application.id),
                                              rows).all())
            return [(ids[row["reference"]], row["reference"]) for row in rows]
        except IntegrityError:
            continue
    raise RuntimeError("Could not find free reference numbers.")


def _free_references(count: int) -> list[str]:
    """`count` distinct new references that no application has yet."""
    found: set[str] = set()
    while len(found) < count:
        wanted = {references.generate() for _ in range(count - len(found))} - found
        taken = set(db.session.scalars(select(Application.reference).where(Application.reference.in_(wanted))))
        found |= wanted - taken
    return list(found)


def _notify_many(created: list[tuple[int, str]], drafts: list[Draft]) -> None:
    languages = citizens.languages_of({d.phone for d in drafts})
    messages = []
    for (app_id, reference), d in zip(created, drafts, strict=True):
        # Not added to the session: only the receipt's text is made from it.
        receipt = Application(reference=reference, service=d.service, status=lifecycle.RECEIVED, note=d.note)
        messages.append((d.phone, notifications.status_sms(receipt, languages.get(d.phone, "id")), app_id))
    outbox.queue_many(messages, outbox.Kind.STATUS, priority=outbox.Priority.BULK)


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
