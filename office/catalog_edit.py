"""Editing the service catalog from the console: change, add, retire, restore, reorder and revert.

Every change raises the service's version number with an `UPDATE ... WHERE version = <the one the editor
read>`, so an edit made on a stale form is refused rather than overwriting a newer one, and writes a
ServiceVersion row (the editable fields whole, before and after) and an audit entry in the same transaction.

The texts travel by SMS and in 160-character USSD screens, so they obey the rules tests/office/
test_catalog_data.py holds the data file to: plain GSM-7 (ASCII, no escaped characters, no brackets) and
the length limits below.
"""
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import audit
from office.catalog import plain_words
from office.errors import Conflict
from office.errors import DomainError
from office.errors import NotFound
from office.gsm import GSM7_EXTENDED
from office.gsm import is_gsm7
from office.gsm import to_gsm
from office.i18n import N_
from office.models import Service
from office.models import ServiceVersion

LANGS = ("id", "en")
# The bilingual one-line texts and the most characters each may have in either language.
TEXT_LIMITS = {"name": 28, "summary": 70, "processing_time": 40, "fee": 60, "where": 60, "issued_by": 60}
REQUIREMENT_LIMIT = 60
MAX_REQUIREMENTS = 12
LEGAL_BASIS_LIMIT = 120
KEYWORD_LIMIT = 30
MAX_KEYWORDS = 12
MAX_PROCESSING_DAYS = 60
CATEGORIES = ("adminduk", "kecamatan")
# Everything a version records; position and active too, so a reorder or a retirement is undone alike.
EDITABLE = ("category", *TEXT_LIMITS, "requirements", "processing_days", "legal_basis", "keywords",
            "position", "active")
_FORBIDDEN = GSM7_EXTENDED | set("()")


class Refused(DomainError):
    """A value the catalog cannot hold; `field` names it and `params` fill the message."""

    def __init__(self, message: str, field: str, **params):
        super().__init__(message, field=field, params=params)


def fields_of(service: Service) -> dict:
    """The editable fields of `service` as plain JSON values."""
    return {name: getattr(service, name) for name in EDITABLE}


def problem(text: str) -> tuple[str, dict] | None:
    """Why `text` cannot go into an SMS or a USSD screen as it is, as (message, params), or None."""
    bad = [ch for ch in dict.fromkeys(text) if not (ch.isascii() and is_gsm7(ch)) or ch in _FORBIDDEN]
    if not bad:
        return None
    fixed = to_gsm(text)
    if fixed != text and problem(fixed) is None:
        return N_("SMS cannot carry %(chars)s plainly. Suggested: %(fixed)s"), {"chars": " ".join(bad), "fixed": fixed}
    return N_("SMS cannot carry %(chars)s plainly: use plain letters, digits and punctuation without brackets."), {
        "chars": " ".join(repr(ch)[1:-1] if not ch.isprintable() else ch for ch in bad)}


def _text(value, field: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Refused(N_("Fill in this field."), field)
    if len(text) > limit:
        raise Refused(N_("At most %(limit)d characters: this has %(length)d."), field, limit=limit,
                      length=len(text))
    if found := problem(text):
        raise Refused(found[0], field, **found[1])
    return text


def _requirements(value) -> list[dict]:
    lines = {lang: [line.strip() for line in (value or {}).get(lang, []) if line.strip()] for lang in LANGS}
    if not lines["id"]:
        raise Refused(N_("A service needs at least one requirement."), "requirements_id")
    if len(lines["id"]) != len(lines["en"]):
        raise Refused(N_("Give the same number of requirements in both languages, one per line: "
                         "%(id)d in Bahasa Indonesia, %(en)d in English."), "requirements_en",
                      id=len(lines["id"]), en=len(lines["en"]))
    if len(lines["id"]) > MAX_REQUIREMENTS:
        raise Refused(N_("At most %(limit)d requirements."), "requirements_id", limit=MAX_REQUIREMENTS)
    items = []
    for number, pair in enumerate(zip(lines["id"], lines["en"]), start=1):
        for lang, line in zip(LANGS, pair):
            if len(line) > REQUIREMENT_LIMIT:
                raise Refused(N_("Requirement %(number)d has %(length)d characters; a USSD screen and the SMS "
                                 "checklist allow %(limit)d."), f"requirements_{lang}", number=number,
                              length=len(line), limit=REQUIREMENT_LIMIT)
            if found := problem(line):
                raise Refused(found[0], f"requirements_{lang}", **found[1])
        items.append(dict(zip(LANGS, pair)))
    return items


def _keywords(value) -> list[str]:
    words = list(dict.fromkeys(w.strip().lower() for w in value or [] if w.strip()))
    if not words:
        raise Refused(N_("Give at least one keyword citizens may type."), "keywords")
    if len(words) > MAX_KEYWORDS:
        raise Refused(N_("At most %(limit)d keywords."), "keywords", limit=MAX_KEYWORDS)
    return [_text(word, "keywords", KEYWORD_LIMIT) for word in words]


def clean(values: dict) -> dict:
    """The editable texts of `values` checked and tidied; raises Refused naming the first bad field.

    Text fields are {"id": ..., "en": ...}; requirements {"id": [lines], "en": [lines]}; the form field a
    refusal names is "<field>_<lang>" for a text.
    """
    cleaned = {}
    for field, limit in TEXT_LIMITS.items():
        cleaned[field] = {lang: _text((values.get(field) or {}).get(lang), f"{field}_{lang}", limit)
                          for lang in LANGS}
    cleaned["requirements"] = _requirements(values.get("requirements"))
    days = values.get("processing_days")
    if not isinstance(days, int) or not 0 <= days <= MAX_PROCESSING_DAYS:
        raise Refused(N_("Give a whole number of working days from 0 to %(limit)d."), "processing_days",
                      limit=MAX_PROCESSING_DAYS)
    cleaned["processing_days"] = days
    basis = (values.get("legal_basis") or "").strip()
    cleaned["legal_basis"] = _text(basis, "legal_basis", LEGAL_BASIS_LIMIT) if basis else ""
    cleaned["keywords"] = _keywords(values.get("keywords"))
    if values.get("category") not in CATEGORIES:
        raise Refused(N_("Choose a category."), "category")
    cleaned["category"] = values["category"]
    return cleaned


def _check_aliases(code: str, fields: dict) -> None:
    """Refuse a name or keyword another active service already answers to: a citizen typing it would be
    sent to one of them at random."""
    others = {}
    for other in db.session.scalars(select(Service).where(Service.active, Service.code != code)):
        for alias in [other.code, other.name["id"], other.name["en"], *other.keywords]:
            others.setdefault(plain_words(alias), other.code)
    for field, aliases in (("name_id", [fields["name"]["id"]]), ("name_en", [fields["name"]["en"]]),
                           ("keywords", fields["keywords"])):
        for alias in aliases:
            if (taken := others.get(plain_words(alias))) is not None:
                raise Refused(N_("%(alias)s already leads to the service %(code)s."), field, alias=alias,
                              code=taken)


def _get(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound(N_("No such service."))
    return service


def _commit_change(service: Service, based_on: int, changes: dict, actor: str, action: str) -> ServiceVersion:
    """Write `changes` to `service` if it is still at version `based_on`, with its version row and audit."""
    before = fields_of(service)
    after = {**before, **changes}
    done = db.session.execute(update(Service).where(Service.id == service.id, Service.version == based_on)
                              .values(**changes, version=based_on + 1))
    if done.rowcount != 1:
        db.session.refresh(service)
        raise Conflict(N_("Someone else changed this service meanwhile: look at the new text and edit again."),
                       current_version=service.version)
    db.session.refresh(service)
    version = ServiceVersion(service_id=service.id, number=based_on + 1, actor=actor, action=action,
                             before=before, after=after)
    db.session.add(version)
    changed = [name for name in EDITABLE if before[name] != after[name]]
    audit.record(actor, f"service.{action}", service.code, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed}, version=version.number)
    db.session.flush()
    return version


def edit(service_id: int, based_on: int, values: dict, actor: str) -> ServiceVersion | None:
    """Change a service's texts, requirements, days, legal basis and keywords, if nobody did since `based_on`.

    Saving the form unchanged writes nothing and returns None, so the history lists only real changes.
    """
    service = _get(service_id)
    fields = clean(values)
    _check_aliases(service.code, fields)
    current = fields_of(service)
    if service.version == based_on and all(current[name] == value for name, value in fields.items()):
        return None
    return _commit_change(service, based_on, fields, actor, "edit")


def create(code: str, values: dict, actor: str) -> Service:
    """Add a service at the end of the catalog; its first version has no `before`."""
    code = (code or "").strip().upper()
    if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 7):
        raise Refused(N_("A code is 2 to 7 letters, such as KTP."), "code")
    if db.session.scalar(select(Service.id).where(Service.code == code)) is not None:
        raise Refused(N_("The code %(code)s is taken."), "code", code=code)
    fields = clean(values)
    _check_aliases(code, fields)
    last = db.session.scalar(select(func.max(Service.position))) or 0
    service = Service(code=code, **fields, position=last + 1, active=True, version=1)
    db.session.add(service)
    db.session.flush()
    db.session.add(ServiceVersion(service_id=service.id, number=1, actor=actor, action="create", before=None,
                                  after=fields_of(service)))
    audit.record(actor, "service.create", code, after=fields_of(service), version=1)
    db.session.flush()
    return service


def set_active(service_id: int, based_on: int, active: bool, actor: str) -> ServiceVersion:
    """Retire a service (citizens no longer see it; its applications keep it) or offer it again."""
    service = _get(service_id)
    if active:
        _check_aliases(service.code, fields_of(service))
    return _commit_change(service, based_on, {"active": active}, actor, "restore" if active else "retire")


def move(service_id: int, based_on: int, step: int, actor: str) -> None:
    """Swap a service with its neighbour above (step -1) or below (step +1) in the catalog order."""
    service = _get(service_id)
    ordered = list(db.session.scalars(select(Service).order_by(Service.position, Service.id)))
    at = ordered.index(service)
    if not 0 <= at + step < len(ordered):
        return
    neighbour = ordered[at + step]
    # Positions may repeat in an old catalog; the swap writes distinct ones.
    mine, theirs = (at + step, at) if service.position == neighbour.position else (
        neighbour.position, service.position)
    _commit_change(service, based_on, {"position": mine}, actor, "move")
    _commit_change(neighbour, neighbour.version, {"position": theirs}, actor, "move")


def revert(version_id: int, based_on: int, actor: str) -> ServiceVersion:
    """Put a service back as it was before version `version_id`; the revert is itself a new version."""
    version = db.session.get(ServiceVersion, version_id)
    if version is None:
        raise NotFound(N_("No such version."))
    if version.before is None:
        raise DomainError(N_("This version created the service: retire the service instead."))
    service = _get(version.service_id)
    restored = {name: version.before[name] for name in EDITABLE if name in version.before}
    if restored.get("active"):
        _check_aliases(service.code, {**fields_of(service), **restored})
    return _commit_change(service, based_on, restored, actor, "revert")


def history(service_id: int) -> list[ServiceVersion]:
    """The versions of a service, newest first."""
    return list(db.session.scalars(select(ServiceVersion).where(ServiceVersion.service_id == service_id)
                                   .order_by(ServiceVersion.number.desc())))


def generation() -> int:
    """A number every catalog edit raises: caches of the catalog compare it to know they are stale."""
    return db.session.scalar(select(func.coalesce(func.sum(Service.version), 0)))
