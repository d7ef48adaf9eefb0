"""Applications: registering them, moving them through the lifecycle, and looking them up.

Every status change and its SMS notification are written in the caller's transaction: either both exist
or neither. The caller commits.
"""
import hashlib
import secrets
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
from office import search
from office.clock import utcnow
from office.errors import Conflict
from office.errors import DomainError
from office.errors import InvalidTransition
from office.errors import NotFound
from office.fields import text_field
from office.gsm import SmsLength
from office.gsm import analyze
from office.i18n import pick
from office.i18n import t
from office.models import Application
from office.models import Kelurahan
from office.models import Service
from office.models import StatusChange
from office.phones import normalize_mobile
from office.privacy import mask_name
from office.privacy import mask_phone
from office.references import clean as clean_reference

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
    audit.record(actor, "application.create", application.reference,
                 after={**_created(service, place, name, phone, note), "missing_requirements": missing})
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


def change_status(reference: str, new_status: str, note=None, *, actor: str,
                  expected_status: str | None = None) -> Application:
    """Move an application to `new_status`, record it in the history and queue the citizen's SMS.

    The move is made against the status that was read: of two changes racing from the same status,
    exactly one is written and the other is refused, so the history never shows two moves out of one
    status and the citizen is never told two stories. A form passes the status it showed as
    `expected_status`, so a change decided on a stale page is refused rather than applied to a newer state.

    :raise InvalidTransition: when the lifecycle does not allow the move (`current_status` in details).
    :raise Conflict: when another change moved the application first, or it is no longer in
        `expected_status` (`current_status` in details).
    """
    application = get_by_reference(reference)
    if expected_status is not None and application.status != expected_status:
        raise Conflict(f"The application is now in {application.status}, not {expected_status}.",
                       current_status=application.status)
    if not lifecycle.is_status(str(new_status)):
        raise DomainError(f"Unknown status {new_status!r}.", code="unknown_status")
    found = application.status
    if not lifecycle.can_move(found, new_status):
        raise InvalidTransition(f"An application in {found} cannot move to {new_status}.", current_status=found)
    note = _clean_text(note, "note", MAX_NOTE, required=new_status in lifecycle.NOTE_REQUIRED)
    _move(application, found, new_status, note, actor)
    return application


def _move(application: Application, found: str, new_status: str, note: str | None, actor: str, **detail) -> None:
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
                 after={"status": new_status, "note": note}, **detail)
    _notify(application)


@dataclass(frozen=True)
class Preview:
    """The SMS a status change would send: its text, its length as the telco bills it, its language."""

    text: str
    length: SmsLength
    language: str


def preview_sms(application: Application, new_status: str, note=None) -> Preview:
    """The SMS the citizen would receive if `application` moved to `new_status` with `note`; changes nothing.

    The note is cleaned as `change_status` cleans it and the text is composed by the function the real
    notification uses, so the preview is the message that will be queued.

    :raise DomainError: an unknown status, or a note longer than MAX_NOTE (`field` "note").
    """
    if not lifecycle.is_status(str(new_status)):
        raise DomainError(f"Unknown status {new_status!r}.", code="unknown_status", field="status")
    note = _clean_text(note, "note", MAX_NOTE, required=False)
    lang = citizens.language_of(application.phone)
    text = notifications.compose(application, new_status, note, lang)
    return Preview(text=text, length=analyze(text), language=lang)


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


# How many of the applicant's last phone digits someone without that phone (at the kiosk, on the web) types
# to see the staff's note.
PHONE_TAIL_DIGITS = 4


def phone_tail_matches(application: Application, phone_tail: str) -> bool:
    """True when `phone_tail` is the last PHONE_TAIL_DIGITS digits of the applicant's phone."""
    if len(phone_tail) != PHONE_TAIL_DIGITS or not (phone_tail.isascii() and phone_tail.isdigit()):
        return False
    return secrets.compare_digest(application.phone[-PHONE_TAIL_DIGITS:], phone_tail)


def status_view(application: Application, lang: str, asker_phone: str | None = None, *,
                phone_tail: str | None = None) -> StatusView:
    """The status of `application` as shown to whoever asked: from `asker_phone` (USSD, SMS), or after
    typing `phone_tail`, the last PHONE_TAIL_DIGITS digits of the applicant's phone (kiosk, web). Either
    one that matches the applicant's phone shows the staff's note; the name is always masked.
    """
    own = asker_phone is not None and asker_phone == application.phone
    own = own or (phone_tail is not None and phone_tail_matches(application, phone_tail))
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


# A bulk change is one transaction and one SMS per application: a batch of KTP-el that arrived, not the
# whole register. Larger moves are split by narrowing the filter.
MAX_BULK = 1000


# Why one application of a bulk change cannot move.
NOT_FOUND = "not_found"
CANNOT_MOVE = "cannot_move"


@dataclass(frozen=True)
class Refused:
    """One application a bulk change cannot move, with the status it was found in (None when not found)."""

    reference: str
    status: str | None
    reason: str  # NOT_FOUND or CANNOT_MOVE


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk change would do now: the applications that can move, those that cannot and why, and a
    fingerprint of the state it was planned on, so a confirmation page that went stale is noticed."""

    movable: list[Application]
    refused: list[Refused]
    fingerprint: str

    @property
    def total(self) -> int:
        return len(self.movable) + len(self.refused)


class BulkRefused(DomainError):
    """Some applications of a bulk change cannot move, so none moved; `refused` lists each with its reason."""

    code = "bulk_refused"
    http_status = 409


def plan_many(new_status: str, *, references=None, flt=None, scope: int | None) -> BulkPlan:
    """Which of the chosen applications can move to `new_status`: either `references` (as typed or
    ticked) or every application matching the search filter `flt`, always within `scope`. Changes nothing.

    :raise DomainError: an unknown status, nothing chosen, or more than MAX_BULK applications.
    """
    if not lifecycle.is_status(str(new_status)):
        raise DomainError(f"Unknown status {new_status!r}.", code="unknown_status", field="status")
    if flt is not None:
        found = list(db.session.scalars(search.query(flt, scope).limit(MAX_BULK + 1)).unique())
        missing = []
    else:
        wanted = list(dict.fromkeys(clean_reference(str(r)) for r in references or () if str(r).strip()))
        if len(wanted) > MAX_BULK:
            raise DomainError(f"At most {MAX_BULK} applications at once.", code="too_many", limit=MAX_BULK)
        stmt = select(Application).where(Application.reference.in_(wanted)).order_by(Application.id)
        if scope is not None:
            stmt = stmt.where(Application.kelurahan_id == scope)
        found = list(db.session.scalars(stmt))
        seen = {application.reference for application in found}
        # Another kelurahan's application is "not found", exactly like one that does not exist.
        missing = [Refused(reference, None, NOT_FOUND) for reference in wanted if reference not in seen]
    if not found and not missing:
        raise DomainError("No application is chosen.", code="nothing_chosen")
    if len(found) > MAX_BULK:
        raise DomainError(f"At most {MAX_BULK} applications at once.", code="too_many", limit=MAX_BULK)
    movable = [a for a in found if lifecycle.can_move(a.status, new_status)]
    refused = [Refused(a.reference, a.status, CANNOT_MOVE) for a in found
               if not lifecycle.can_move(a.status, new_status)]
    state = "\n".join(sorted(f"{a.id}:{a.status}" for a in found) + sorted(r.reference for r in missing))
    return BulkPlan(movable=movable, refused=missing + refused,
                    fingerprint=hashlib.sha256(f"{new_status}\n{state}".encode()).hexdigest()[:32])


def change_many(new_status: str, note=None, *, references=None, flt=None, actor: str, scope: int | None,
                fingerprint: str | None = None) -> list[Application]:
    """Move every chosen application (see `plan_many`) to `new_status` in the caller's transaction: each
    gets its history row, its audit entry and its status SMS. All or nothing: when any cannot move, nothing
    is written and BulkRefused lists each one with its reason; the caller rolls back.

    :raise Conflict: when `fingerprint` (from the confirmed plan) no longer matches: something changed
        since the plan was shown (`plan` in details holds the new one).
    :raise BulkRefused: with `refused`, a list of Refused.
    :raise DomainError: as `plan_many`, or a note missing where the lifecycle requires one (`field` "note").
    """
    plan = plan_many(new_status, references=references, flt=flt, scope=scope)
    note = _clean_text(note, "note", MAX_NOTE, required=new_status in lifecycle.NOTE_REQUIRED)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise Conflict("The chosen applications changed since the change was confirmed.", plan=plan)
    if plan.refused:
        raise BulkRefused(f"{len(plan.refused)} of {plan.total} applications cannot move to {new_status}.",
                          refused=plan.refused)
    raced = []
    for application in plan.movable:
        try:
            _move(application, application.status, new_status, note, actor, bulk=len(plan.movable))
        except Conflict as conflict:
            raced.append(Refused(application.reference, conflict.details["current_status"], CANNOT_MOVE))
    if raced:
        raise BulkRefused(f"{len(raced)} applications were changed by someone else meanwhile.", refused=raced)
    return plan.movable
