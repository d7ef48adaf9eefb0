"""Citizens known by phone number: language, announcement subscriptions and opt-out."""
from flask import current_app
from sqlalchemy import select

from extensions import db
from office.clock import utcnow
from office.i18n import language
from office.models import Citizen
from office.models import Kelurahan


def find(phone: str) -> Citizen | None:
    return db.session.scalar(select(Citizen).where(Citizen.phone == phone))


def get_or_create(phone: str) -> Citizen:
    """The citizen row for an E.164 phone, created on first contact (not yet subscribed)."""
    citizen = find(phone)
    if citizen is None:
        citizen = Citizen(phone=phone, language=current_app.config["DEFAULT_LANGUAGE"])
        db.session.add(citizen)
        db.session.flush()
    return citizen


def language_of(phone: str, default: str = "id") -> str:
    """The language this phone chose, or `default`."""
    citizen = find(phone)
    return language(citizen.language if citizen else default)


def languages_of(phones: set[str]) -> dict[str, str]:
    """The language each of `phones` chose, for those the office knows (one query per thousand phones)."""
    found = {}
    ordered = sorted(phones)
    for start in range(0, len(ordered), 1000):
        found.update(db.session.execute(
            select(Citizen.phone, Citizen.language).where(Citizen.phone.in_(ordered[start:start + 1000]))).all())
    return {phone: language(lang) for phone, lang in found.items()}


def set_language(phone: str, lang: str) -> Citizen:
    citizen = get_or_create(phone)
    citizen.language = language(lang)
    return citizen


def subscribe(phone: str, kelurahan: Kelurahan | None = None) -> Citizen:
    """Subscribe to announcements of one kelurahan, or of all Jekan Raya when `kelurahan` is None.

    This also lifts an earlier opt-out, since the citizen asked again.
    """
    citizen = get_or_create(phone)
    citizen.subscribed = True
    citizen.subscribed_at = utcnow()
    citizen.opted_out_at = None
    citizen.kelurahan_id = kelurahan.id if kelurahan is not None else None
    return citizen


def unsubscribe(phone: str) -> Citizen:
    """Stop announcements only; status notifications about the citizen's own applications still come."""
    citizen = get_or_create(phone)
    citizen.subscribed = False
    return citizen


def opt_out(phone: str) -> Citizen:
    """Stop every SMS to this phone until it subscribes again (STOP, AT's opt-out, a blacklist report)."""
    citizen = get_or_create(phone)
    citizen.subscribed = False
    if citizen.opted_out_at is None:
        citizen.opted_out_at = utcnow()
    return citizen


def is_opted_out(phone: str) -> bool:
    citizen = find(phone)
    return citizen is not None and citizen.opted_out


def opted_out_among(phones: set[str]) -> set[str]:
    """The phones among `phones` that have opted out (one query for a whole chunk of a broadcast)."""
    if not phones:
        return set()
    return set(db.session.scalars(
        select(Citizen.phone).where(Citizen.phone.in_(phones), Citizen.opted_out_at.is_not(None))))
