"""The service catalog and the office's own details, loaded from the data files in data/."""
import difflib
import os
import re
from functools import cache

import yaml
from sqlalchemy import select

from extensions import db
from office.models import Kelurahan
from office.models import Service

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
_MISSING = {"legal_basis": "", "processing_days": 0}
_FIELDS = ("category", "name", "summary", "requirements", "processing_time", "fee", "where", "issued_by",
           "legal_basis", "keywords", "processing_days")


def _read(name: str):
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def office_info() -> dict:
    """The office's name, address, hours and contacts (data/office.yaml)."""
    return _read("office.yaml")


def load_catalog() -> dict:
    """Insert or update services and kelurahan from the data files; return counts of what changed.

    Safe to rerun: rows that already match the files are left alone. Services no longer in the file are
    deactivated rather than deleted, because applications refer to them. The file only seeds: a service
    changed in the console (version above 0, office.catalog_edit) is the office's own word and is never
    overwritten or deactivated by it.
    """
    changed = {"services": 0, "kelurahan": 0}
    entries = _read("services.yaml")
    existing = {s.code: s for s in db.session.scalars(select(Service))}
    for position, entry in enumerate(entries):
        service = existing.pop(entry["code"], None) or Service(code=entry["code"], version=0)
        if service.version:
            continue
        wanted = {f: entry.get(f, _MISSING.get(f, [])) for f in _FIELDS}
        wanted.update(position=position, active=True)
        if any(getattr(service, f, None) != v for f, v in wanted.items()):
            for field, value in wanted.items():
                setattr(service, field, value)
            db.session.add(service)
            changed["services"] += 1
    for gone in existing.values():
        if gone.active and not gone.version:
            gone.active = False
            changed["services"] += 1
    known = {k.code: k for k in db.session.scalars(select(Kelurahan))}
    for entry in office_info()["kelurahan"]:
        row = known.get(entry["code"]) or Kelurahan(code=entry["code"])
        wanted = {"name": entry["name"], "aliases": entry.get("aliases", [])}
        if any(getattr(row, f, None) != v for f, v in wanted.items()):
            row.name, row.aliases = wanted["name"], wanted["aliases"]
            db.session.add(row)
            changed["kelurahan"] += 1
    db.session.flush()
    return changed


def services() -> list[Service]:
    """Active services in catalog order."""
    return list(db.session.scalars(select(Service).where(Service.active).order_by(Service.position)))


def get_service(code: str) -> Service | None:
    """An active service by its code, case-insensitively."""
    code = code.strip().upper()
    # Codes are short words; anything else cannot match, so it never reaches the database.
    if not (code.isascii() and code.isalnum()):
        return None
    return db.session.scalar(select(Service).where(Service.code == code, Service.active))


def plain_words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _best_match(text: str, rows, aliases, cutoff: float):
    """The row one of whose aliases equals `text` (ignoring case and punctuation) or is spelled close to it."""
    wanted = plain_words(text)
    if not wanted:
        return None
    names = {}
    for row in rows:
        for alias in aliases(row):
            names.setdefault(plain_words(alias), row)
    if wanted in names:
        return names[wanted]
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=cutoff)
    return names[close[0]] if close else None


def find_service(text: str) -> Service | None:
    """The service a citizen most likely means by `text`: its code, a keyword, or a close spelling of either."""
    return _best_match(text, services(), lambda s: [s.code, s.name["id"], s.name["en"], *s.keywords], 0.8)


def kelurahan_list() -> list[Kelurahan]:
    """The four kelurahan in code order."""
    return list(db.session.scalars(select(Kelurahan).order_by(Kelurahan.code)))


def find_kelurahan(text: str) -> Kelurahan | None:
    """A kelurahan by name, alias, code or a close spelling."""
    return _best_match(text, kelurahan_list(), lambda k: [k.name, k.code, *k.aliases], 0.75)
