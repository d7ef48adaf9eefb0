"""The OpenAPI document against the running API: schemathesis, every check, over real HTTP with a real key.

schemathesis reads /api/v1/openapi.json from the live server and sends what the document calls valid (which must
be answered 2xx, or 404/409 for a reference or move that does not exist or apply) and what it calls invalid
(which must be refused with a documented 4xx), checks every status, body and header against the document, that a
method a path does not list is a 405 with an Allow header, and follows the document's links between operations.
Settings beyond these arguments are in schemathesis.toml beside this file.
"""
import itertools
import os
import subprocess
import sys

from sqlalchemy import func
from sqlalchemy import select

from commands import DEMO_PATHS
from extensions import db
from office import catalog
from office.models import Application
from office.models import Broadcast
from office.models import StatusChange
from tests.helpers import ROOT
from tests.helpers import add_subscribers
from tests.helpers import new_application

# Bounded so the run takes a minute or two on a small shared machine; the seed keeps CI reproducible.
MAX_EXAMPLES = 250
SEED = 20261201
TIMEOUT = 600
CONFIG = os.path.join(os.path.dirname(__file__), "schemathesis.toml")


def seed_audiences() -> None:
    """Subscribers in every kelurahan and an application of every service in every status, so that every
    audience the document allows reaches someone."""
    places = catalog.kelurahan_list()
    for n, place in enumerate(places):
        add_subscribers(1, start=n, kelurahan_id=place.id)
    combos = itertools.product(catalog.services(), DEMO_PATHS.values())
    for n, (service, moves) in enumerate(combos):
        new_application(service.code, "Pemohon Contoh", f"+62813{n:08d}", places[n % len(places)].name,
                        moves=moves, actor="seed")


def written_by(actor: str) -> dict:
    """How many applications, status changes and broadcasts `actor` wrote, as the database has them now."""
    db.session.rollback()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model).where(column == actor))
            for model, column in [(Application, Application.created_by), (StatusChange, StatusChange.actor),
                                  (Broadcast, Broadcast.created_by)]}


def test_schemathesis_finds_nothing_against_the_live_api(live_server, api_key, tmp_path, settings):
    # Thousands of requests a minute with one key: far beyond any partner's, and the point is the answers.
    settings(API_RATE_LIMIT="1000000 per minute")
    seed_audiences()
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", CONFIG, "run",
        f"{live_server.url}/api/v1/openapi.json", "--checks", "all", "--header", f"Authorization: Bearer {api_key}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1", "--generation-database", "none",
        "--no-color",
    ]
    # Run elsewhere so its replay cache stays out of the work tree; the hooks module is found through PYTHONPATH.
    result = subprocess.run(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT}, capture_output=True,
                            text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
    # The key was accepted: the run registered applications, moved them and created broadcasts.
    assert all(written_by("api:test-agency").values()), written_by("api:test-agency")
