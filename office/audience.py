"""Who a broadcast reaches: the audience forms staff may choose, checked, and the recipients they mean now.

An audience is one of
    {"all": true}                            every subscriber
    {"kelurahan": ["Menteng", ...]}          subscribers of those kelurahan
    {"service": "KTP", "status": "READY"}    applicants of a service and/or in a status
    {"phones": ["0812...", ...]}             a pasted or uploaded list (numbers not valid are reported)
Opted-out phones and duplicates are always removed; each recipient keeps their language.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from extensions import db
from office import catalog
from office import lifecycle
from office.errors import DomainError
from office.i18n import language
from office.models import Application
from office.models import Citizen
from office.phones import InvalidPhone
from office.phones import normalize

MAX_PHONES = 20_000
MAX_KELURAHAN = 20
_LOOKUP_BATCH = 500
_FORMS = ({"all"}, {"kelurahan"}, {"phones"}, {"service"}, {"status"}, {"service", "status"})


@dataclass
class Reach:
    """The recipients an audience reaches now, and what was removed on the way."""

    recipients: list  # [(phone, language)], each phone once, none opted out
    opted_out: int
    duplicates: int
    invalid: list


def clean_audience(raw, max_phones: int = MAX_PHONES) -> tuple[dict, list[str]]:
    """The audience in its stored form, and the pasted numbers that are not phone numbers.

    A list of phones holds at most `max_phones`: the API's pasted lists keep MAX_PHONES, the console's
    uploaded lists (office.phone_lists) go further.

    :raise DomainError: when it is not one of the documented forms or names an unknown kelurahan,
        service or status.
    """
    if not isinstance(raw, dict) or set(raw) not in _FORMS:
        raise DomainError('audience must be {"all": true}, {"kelurahan": [...]}, {"service": code, "status": S} '
                          '(either or both) or {"phones": [...]}.', code="invalid_audience")
    if "all" in raw:
        if raw["all"] is not True:
            raise DomainError('audience "all" must be true.', code="invalid_audience")
        return {"all": True}, []
    if "kelurahan" in raw:
        return {"kelurahan": _kelurahan_names(raw["kelurahan"])}, []
    if "phones" in raw:
        return _phone_list(raw["phones"], max_phones)
    audience = {}
    if "service" in raw:
        service = catalog.get_service(raw["service"]) if isinstance(raw["service"], str) else None
        if service is None:
            raise DomainError(f"Unknown service {raw['service']!r}.", code="unknown_service")
        audience["service"] = service.code
    if "status" in raw:
        if not isinstance(raw["status"], str) or not lifecycle.is_status(raw["status"]):
            raise DomainError(f"Unknown status {raw['status']!r}.", code="unknown_status")
        audience["status"] = raw["status"]
    return audience, []


def _kelurahan_names(values) -> list[str]:
    if not isinstance(values, list) or not values or len(values) > MAX_KELURAHAN:
        raise DomainError(f"kelurahan must be a list of 1 to {MAX_KELURAHAN} names.", code="invalid_audience")
    names = []
    for value in values:
        place = catalog.find_kelurahan(value) if isinstance(value, str) else None
        if place is None:
            raise DomainError(f"Unknown kelurahan {value!r}.", code="unknown_kelurahan")
        if place.name not in names:
            names.append(place.name)
    return names


def _phone_list(values, max_phones: int) -> tuple[dict, list[str]]:
    if not isinstance(values, list) or not values or len(values) > max_phones:
        raise DomainError(f"phones must be a list of 1 to {max_phones} numbers.", code="invalid_audience")
    phones, invalid = [], []
    for value in values:
        try:
            phones.append(normalize(value if isinstance(value, str) else None))
        except InvalidPhone:
            invalid.append(str(value)[:40])
    # Duplicates stay in the stored list so the preview can say how many were removed.
    return {"phones": phones}, invalid


def _candidates(audience: dict):
    """Rows (phone, language, opted_out_at) for the audience, duplicates included."""
    if "phones" in audience:
        return _phone_rows(audience["phones"])
    if "all" in audience or "kelurahan" in audience:
        query = select(Citizen.phone, Citizen.language, Citizen.opted_out_at).where(Citizen.subscribed.is_(True))
        if "kelurahan" in audience:
            ids = [place.id for place in catalog.kelurahan_list() if place.name in audience["kelurahan"]]
            query = query.where(Citizen.kelurahan_id.in_(ids))
        return db.session.execute(query.order_by(Citizen.id)).all()
    query = (select(Application.phone, Citizen.language, Citizen.opted_out_at)
             .outerjoin(Citizen, Citizen.phone == Application.phone))
    if "service" in audience:
        query = query.where(Application.service_id == catalog.get_service(audience["service"]).id)
    if "status" in audience:
        query = query.where(Application.status == audience["status"])
    return db.session.execute(query.order_by(Application.id)).all()


def _phone_rows(phones: list[str]) -> list[tuple]:
    known = {}
    unique = list(dict.fromkeys(phones))
    for start in range(0, len(unique), _LOOKUP_BATCH):
        batch = unique[start:start + _LOOKUP_BATCH]
        for phone, lang, opted_out_at in db.session.execute(
                select(Citizen.phone, Citizen.language, Citizen.opted_out_at).where(Citizen.phone.in_(batch))):
            known[phone] = (lang, opted_out_at)
    return [(phone, *known.get(phone, (None, None))) for phone in phones]


def resolve(audience: dict, invalid: list[str] | None = None) -> Reach:
    """Everyone the stored `audience` reaches right now, each phone once, opted-out phones left out."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    seen, recipients, opted_out, duplicates = set(), [], 0, 0
    for phone, lang, opted_out_at in _candidates(audience):
        if phone in seen:
            duplicates += 1
            continue
        seen.add(phone)
        if opted_out_at is not None:
            opted_out += 1
            continue
        recipients.append((phone, language(lang or default)))
    return Reach(recipients, opted_out, duplicates, list(invalid or []))
