"""What one USSD hop costs in I/O: the SQL statements on the app's real engine and the round trips to a
redis-server of the test's own, read from that server's statistics.

A hop that only navigates reads no database row and makes one round trip to load and one to save, whether
it continues its saved state or replays its inputs because the state was lost or is another phone's.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

import pytest
from redis import Redis
from sqlalchemy import event

from extensions import db

PHONE = "+6281234567001"
OTHER = "+6281234567002"
WARM_UP = "+6281234567009"
# What a hop that only navigates costs: no statement, the session and language loaded, the session saved.
NAVIGATING = ([], 2, {"mget": 1, "set": 1})


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)
    round_trips: int = 0
    commands: dict[str, int] = field(default_factory=dict)

    @property
    def all(self) -> tuple:
        return self.statements, self.round_trips, self.commands


class Counted:
    """An app on its own redis-server, with what its hops send to the database and to Redis counted."""

    def __init__(self, app, redis_url):
        self.client = app.test_client()
        self.redis = Redis.from_url(redis_url)
        with app.app_context():
            self.engine = db.engine
        self._seen = None
        event.listen(self.engine, "before_cursor_execute", self._statement)
        # The catalog snapshot and the connections to Redis and the database are made by a first hop.
        self.hop("warm-up", WARM_UP, "")

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if self._seen is not None:
            self._seen.statements.append(statement)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._statement)

    def hop(self, session, phone, text):
        form = {"sessionId": session, "phoneNumber": phone, "text": text, "serviceCode": "*384*5758#"}
        return self.client.post("/ussd", data=form).text

    @contextmanager
    def measure(self):
        """Count what the block sends: statements, and Redis's requests (a command or a pipeline) and commands."""
        self._seen = seen = Seen()
        self.redis.config_resetstat()
        try:
            yield seen
        finally:
            self._seen = None
        # Every request the server reads counts, this INFO's too.
        seen.round_trips = self.redis.info("stats")["total_reads_processed"] - 1
        commands = {name.removeprefix("cmdstat_"): stats["calls"]
                    for name, stats in self.redis.info("commandstats").items()}
        seen.commands = {name: calls for name, calls in commands.items() if name not in ("config|resetstat", "info")}


@pytest.fixture
def counted(app, make_app, own_redis):
    """The database as every test finds it (`app`), and an app of its own on `own_redis`."""
    counted = Counted(make_app({"REDIS_URL": own_redis.url}), own_redis.url)
    yield counted
    counted.close()


def test_a_hop_from_its_saved_state_reads_no_row_and_loads_and_saves_in_one_round_trip_each(counted):
    counted.hop("S1", PHONE, "")
    with counted.measure() as seen:
        screen = counted.hop("S1", PHONE, "1")
    assert screen.startswith("CON Pilih layanan:")
    assert seen.all == NAVIGATING


def test_a_hop_whose_state_was_lost_replays_its_inputs_without_the_database(counted):
    counted.hop("S1", PHONE, "")
    with counted.measure() as seen:
        screen = counted.hop("never-saved", PHONE, "1*98*2")
    assert screen.startswith("CON ") and "Kirim via SMS" in screen
    assert seen.all == NAVIGATING


def test_a_hop_that_finds_another_phones_state_starts_its_own_without_the_database(counted):
    counted.hop("S1", PHONE, "")
    counted.hop("S2", OTHER, "")
    with counted.measure() as seen:
        screen = counted.hop("S1", OTHER, "1")
    assert screen.startswith("CON Pilih layanan:")
    assert seen.all == NAVIGATING


def test_a_phones_first_hop_reads_its_language_once_and_caches_it_in_the_same_round_trips(counted):
    with counted.measure() as first:
        counted.hop("S1", PHONE, "")
    assert len(first.statements) == 1 and "citizens" in first.statements[0]
    assert (first.round_trips, first.commands) == (2, {"mget": 1, "set": 2})
    with counted.measure() as later:
        counted.hop("S2", PHONE, "1")
    assert (later.statements, later.round_trips) == ([], 2)


def test_a_language_chosen_by_sms_opens_the_next_session_in_it_without_the_database(counted):
    counted.hop("S1", PHONE, "")
    answer = counted.client.post("/sms/incoming", data={"from": PHONE, "to": "5758", "text": "BAHASA EN", "id": "L1"})
    assert answer.status_code == 200
    with counted.measure() as seen:
        screen = counted.hop("S2", PHONE, "")
    assert screen.startswith("CON Jekan Raya Office")
    assert (seen.statements, seen.round_trips) == ([], 2)


def test_a_language_chosen_by_ussd_is_cached_for_the_phones_next_sessions(counted):
    assert counted.hop("S1", PHONE, "6*2").startswith("CON Language changed.")
    with counted.measure() as seen:
        screen = counted.hop("S2", PHONE, "")
    assert screen.startswith("CON Jekan Raya Office")
    assert (seen.statements, seen.round_trips) == ([], 2)
