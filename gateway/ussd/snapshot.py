"""The catalog as the USSD menu reads it: a snapshot per app and process, read again after a minute.

Reading the services' JSON columns costs more than the rest of a menu hop (benchmarks/ussd.py). The catalog
only changes when staff reload the data files, so a minute's delay before the menu shows a change is harmless.
The snapshot holds detached copies, never rows of a session, so every request thread can read it.
"""
import threading
import time

from flask import current_app

from office import catalog
from office.models import Kelurahan
from office.models import Service

MAX_AGE_SECONDS = 60.0
_KEY = "ussd_catalog"


class _Snapshot:
    def __init__(self):
        self.lock = threading.Lock()
        self.taken_at: float | None = None
        self.services: list[Service] = []
        self.places: list[Kelurahan] = []


def _detached(row):
    model = type(row)
    return model(**{column.key: getattr(row, column.key) for column in model.__table__.columns})


def current() -> tuple[list[Service], list[Kelurahan]]:
    """Active services in catalog order and the kelurahan, read at most MAX_AGE_SECONDS ago."""
    snapshot = current_app.extensions.setdefault(_KEY, _Snapshot())
    with snapshot.lock:
        if snapshot.taken_at is None or time.monotonic() - snapshot.taken_at > MAX_AGE_SECONDS:
            snapshot.services = [_detached(s) for s in catalog.services()]
            snapshot.places = [_detached(k) for k in catalog.kelurahan_list()]
            snapshot.taken_at = time.monotonic()
        return snapshot.services, snapshot.places


def forget() -> None:
    """Read the catalog again on the next request (after a reload, and in tests that change it)."""
    current_app.extensions.pop(_KEY, None)
