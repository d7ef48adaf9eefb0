"""Finding applications for staff: search, filters, sorting and pages, always within the user's scope.

One `Filter` describes what a list shows; the console's list, its bulk "all matching" choice and its
exports all build their query from it with `query()`, so they can never disagree about which rows match.
"""
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from datetime import date
from datetime import timedelta

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from office import catalog
from office import clock
from office import lifecycle
from office import references
from office import working_days
from office.errors import DomainError
from office.models import Application
from office.models import Service
from office.phones import normalize_mobile

# ?sort= values: a column, descending with a leading "-". The id breaks ties, so pages never overlap.
SORTS = {
    "created": Application.created_at,
    "changed": Application.status_changed_at,
    "reference": Application.reference,
    "name": Application.applicant_name,
    "status": Application.status,
}
DEFAULT_SORT = "-created"
MAX_QUERY = 120
PER_PAGE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Filter:
    """What a list of applications shows. Empty values filter nothing."""

    q: str = ""  # a reference, a name or part of it, or a phone in any format
    status: str = ""
    service: str = ""  # a service code
    kelurahan: str = ""  # a kelurahan code
    overdue: bool = False
    created_from: date | None = None
    created_to: date | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args) -> "Filter":
        """A filter from a query string (a werkzeug MultiDict or a dict); values that cannot mean anything
        are refused, so a list never silently shows something other than what was asked.

        :raise DomainError: with `field` naming the bad value.
        """
        def text(name: str) -> str:
            value = args.get(name) or ""
            if not isinstance(value, str):
                return ""
            # A lone surrogate cannot be sent to the database; it can only be a broken paste anyway.
            return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "").strip()

        q = text("q")
        if len(q) > MAX_QUERY:
            raise DomainError(f"A search is at most {MAX_QUERY} characters.", code="invalid_filter", field="q")
        status = text("status").upper()
        if status and not lifecycle.is_status(status):
            raise DomainError("Unknown status.", code="invalid_filter", field="status")
        sort = text("sort") or DEFAULT_SORT
        if sort.lstrip("-") not in SORTS:
            raise DomainError("Unknown sort order.", code="invalid_filter", field="sort")
        service = text("service").upper()
        if service and catalog.get_service(service) is None:
            raise DomainError("Unknown service.", code="invalid_filter", field="service")
        kelurahan = text("kelurahan")
        if kelurahan and (len(kelurahan) > 60 or catalog.find_kelurahan(kelurahan) is None):
            raise DomainError("Unknown kelurahan.", code="invalid_filter", field="kelurahan")
        created_from = _day(text("created_from"), "created_from")
        created_to = _day(text("created_to"), "created_to")
        if created_from and created_to and created_to < created_from:
            raise DomainError("The end date is before the start date.", code="invalid_filter", field="created_to")
        return cls(q=q, status=status, service=service, kelurahan=kelurahan,
                   overdue=text("overdue") in ("1", "on", "true", "yes", "y"), created_from=created_from,
                   created_to=created_to, sort=sort)

    def args(self, **changes) -> dict:
        """This filter (with `changes`) as query-string arguments, leaving out the empty ones."""
        values = {}
        changed = replace(self, **changes)
        for field in fields(changed):
            value = getattr(changed, field.name)
            if value in ("", None, False) or (field.name == "sort" and value == DEFAULT_SORT):
                continue
            values[field.name] = "1" if value is True else str(value)
        return values

    @property
    def active(self) -> bool:
        """True when anything other than the sort order narrows the list."""
        return bool(self.args(sort=DEFAULT_SORT))


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise DomainError("A date is written YYYY-MM-DD.", code="invalid_filter", field=field) from None
    # Python reads years 1-9999, but the database and the office clock cannot: refuse what no application has.
    if not date(2000, 1, 1) <= day <= date(2999, 12, 31):
        raise DomainError("A date is written YYYY-MM-DD.", code="invalid_filter", field=field)
    return day


def query(flt: Filter, scope: int | None) -> Select:
    """SELECT of the applications matching `flt` within `scope` (a kelurahan id, or None for all), sorted."""
    # Loaded by a second query for the page's rows: joined into the main one, a deep OFFSET would join
    # every row it skips.
    stmt = select(Application).options(selectinload(Application.service), selectinload(Application.kelurahan))
    stmt = stmt.where(*_conditions(flt, scope))
    column = SORTS[flt.sort.lstrip("-")]
    if flt.sort.startswith("-"):
        return stmt.order_by(column.desc(), Application.id.desc())
    return stmt.order_by(column.asc(), Application.id.asc())


def count(flt: Filter, scope: int | None) -> int:
    """How many applications match `flt` within `scope`."""
    return db.session.scalar(select(func.count()).select_from(Application).where(*_conditions(flt, scope)))


@dataclass(frozen=True)
class Page:
    items: list[Application]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page(flt: Filter, scope: int | None, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the matching applications, numbered from 1; a number past the end gives the last page."""
    total = count(flt, scope)
    number = min(max(1, number), MAX_PAGE, max(1, -(-total // per_page)))
    items = list(db.session.scalars(query(flt, scope).limit(per_page).offset((number - 1) * per_page)).unique())
    return Page(items=items, total=total, number=number, per_page=per_page)


REPEAT_WINDOW = timedelta(minutes=2)


def just_registered(service_code: str, applicant_name, phone, *, actor: str) -> Application | None:
    """The application `actor` registered in the last REPEAT_WINDOW for the same service, name and phone:
    the same form sent again (a second press, the browser's Back and Send), not a new application."""
    service = catalog.get_service(str(service_code or ""))
    try:
        phone = normalize_mobile(phone)
    except DomainError:
        return None
    if service is None or not isinstance(applicant_name, str):
        return None
    name = " ".join(applicant_name.replace("\x00", "").split())
    return db.session.scalar(
        select(Application).where(Application.service_id == service.id, Application.phone == phone,
                                  Application.applicant_name == name, Application.created_by == actor,
                                  Application.created_at >= clock.utcnow() - REPEAT_WINDOW)
        .order_by(Application.id.desc()).limit(1))


def count_by_status(scope: int | None) -> dict[str, int]:
    """How many applications are in each status (every status named, 0 included), within `scope`."""
    stmt = select(Application.status, func.count()).group_by(Application.status)
    if scope is not None:
        stmt = stmt.where(Application.kelurahan_id == scope)
    counts = dict(db.session.execute(stmt).all())
    return {status: counts.get(status, 0) for status in lifecycle.STATUSES}


def is_overdue(application: Application, today: date | None = None) -> bool:
    """True when the office still owes the citizen this application past its service's standard."""
    if application.status not in lifecycle.OPEN:
        return False
    today = today or clock.local(clock.utcnow()).date()
    return working_days.due_date(application.created_at, application.service.processing_days) < today


def _conditions(flt: Filter, scope: int | None) -> list:
    conditions = []
    if scope is not None:
        conditions.append(Application.kelurahan_id == scope)
    if flt.q:
        conditions.append(_matching(flt.q))
    if flt.status:
        conditions.append(Application.status == flt.status)
    if flt.service:
        service = catalog.get_service(flt.service)
        conditions.append(Application.service_id == service.id if service else false())
    if flt.kelurahan:
        place = catalog.find_kelurahan(flt.kelurahan)
        conditions.append(Application.kelurahan_id == place.id if place else false())
    if flt.created_from:
        conditions.append(Application.created_at >= working_days.start_of_day_utc(flt.created_from))
    if flt.created_to:
        conditions.append(Application.created_at < working_days.start_of_day_utc(flt.created_to + timedelta(days=1)))
    if flt.overdue:
        conditions.append(_overdue())
    return conditions


def _matching(q: str):
    """A reference, a phone in any local or international format, or part of the applicant's name.

    Digits are a reference or a phone, never a name, so their search stays on the indexed columns.
    """
    # People write phones as "+62 812-...", "(0812) ..." and references in groups; what counts is the digits.
    digits = "".join(ch for ch in q if ch not in " -.()+")
    by_name = func.lower(Application.applicant_name).contains(q.lower(), autoescape=True)
    if not (digits.isascii() and digits.isdigit()):
        return by_name
    options = []
    if len(digits) == references.LENGTH:
        options.append(Application.reference == digits)
    try:
        options.append(Application.phone == normalize_mobile(q))
    except DomainError:
        if len(digits) >= 4:
            # Part of a number as the console shows it (0812-3456...) is stored after the country code.
            national = "62" + digits[1:] if digits.startswith("0") else digits
            options.append(Application.phone.contains(national, autoescape=True))
    return or_(*options) if options else by_name


def _overdue():
    """Open applications created on or before the last day that is already overdue for their service."""
    today = clock.local(clock.utcnow()).date()
    by_days: dict[int, list[int]] = {}
    for service_id, days in db.session.execute(select(Service.id, Service.processing_days)):
        by_days.setdefault(days, []).append(service_id)
    cutoffs = [
        and_(Application.service_id.in_(ids),
             Application.created_at < working_days.start_of_day_utc(
                 working_days.latest_start_overdue(days, today) + timedelta(days=1)))
        for days, ids in by_days.items()
    ]
    return and_(Application.status.in_(sorted(lifecycle.OPEN)), or_(*cutoffs) if cutoffs else false())
