"""The catalog as the USSD menu reads it: a snapshot per app and process, read again after a minute.

Reading the services' JSON columns costs more than the rest of a menu hop (benchmarks/ussd.py). An edit in the
console raises the catalog's generation (office.catalog_edit), which every process compares at most every
CHECK_SECONDS, one small query; a reload of the data files shows within MAX_AGE_SECONDS.
The snapshot holds detached copies, never rows of a session, so every request thread can read it. It also
holds the layouts of the screens drawn from the catalog alone, worked out once and dropped with it.
"""
import threading
import time
from dataclasses import dataclass
from dataclasses import field

from flask import current_app

from office import catalog
from office import catalog_edit
from office.models import Kelurahan
from office.models import Service

MAX_AGE_SECONDS = 60.0
CHECK_SECONDS = 5.0
_KEY = "ussd_catalog"


@dataclass(frozen=True)
class Catalog:
    """Active services in catalog order and the kelurahan, as read at one moment."""

    services: list[Service]
    places: list[Kelurahan]
    # Filled by the requests of every thread: a layout two of them build at once is built twice, both the same.
    layouts: dict = field(default_factory=dict)


class _Snapshot:
    def __init__(self):
        self.lock = threading.Lock()
        self.taken_at = 0.0
        self.checked_at = 0.0
        self.generation = -1
        self.catalog: Catalog | None = None


def _detached(row):
    model = type(row)
    return model(**{column.key: getattr(row, column.key) for column in model.__table__.columns})


def current() -> Catalog:
    """The catalog read at most MAX_AGE_SECONDS ago, and at most CHECK_SECONDS after a console edit."""
    snapshot = current_app.extensions.setdefault(_KEY, _Snapshot())
    with snapshot.lock:
        now = time.monotonic()
        stale = snapshot.catalog is None or now - snapshot.taken_at > MAX_AGE_SECONDS
        if not stale and now - snapshot.checked_at > CHECK_SECONDS:
            snapshot.checked_at = now
            stale = catalog_edit.generation() != snapshot.generation
        if stale:
            snapshot.generation = catalog_edit.generation()
            snapshot.checked_at = now
            snapshot.catalog = Catalog(services=[_detached(s) for s in catalog.services()],
                                       places=[_detached(k) for k in catalog.kelurahan_list()])
            snapshot.taken_at = time.monotonic()
        return snapshot.catalog


def forget() -> None:
    """Read the catalog again on the next request (after a reload, and in tests that change it)."""
    current_app.extensions.pop(_KEY, None)
