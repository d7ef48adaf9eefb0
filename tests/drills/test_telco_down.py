"""Drill: the telco (the simulator, as its own process) down while messages are queued, then back.

The outage in the default suite lasts seconds, with the retry backoff scaled down to match; the `drill`
run keeps it down 5 real minutes with a backoff of 10 s doubling to 60 s. Production's backoff (60 s doubling
to 30 min, 6 attempts) rides out an outage of at least 15 minutes (the sum of the five waits at their
shortest), about 23 minutes on average; a longer one leaves rows `failed` for staff to see, never resent.
"""
import time
from collections import Counter

import pytest

from extensions import db
from office import broadcasts
from office import outbox
from simulator.testing import start_simulator
from tests.drills.helpers import nothing_waiting
from tests.drills.helpers import owed
from tests.drills.helpers import received
from tests.drills.helpers import states
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import new_application
from tests.helpers import phone
from tests.helpers import wait_until
from tests.jobs.test_faults import FAST
from tests.redis_server import free_port

SUBSCRIBERS = 50
APPLICANTS = 3
OUTAGES = [
    pytest.param(8, {"SEND_RETRY_BASE_SECONDS": "0.5", "SEND_RETRY_MAX_SECONDS": "2", "SEND_MAX_ATTEMPTS": "30"},
                 id="8s"),
    pytest.param(300, {"SEND_RETRY_BASE_SECONDS": "10", "SEND_RETRY_MAX_SECONDS": "60", "SEND_MAX_ATTEMPTS": "12"},
                 id="5min", marks=pytest.mark.drill),
]


@pytest.mark.parametrize(("outage", "backoff"), OUTAGES)
def test_telco_down_sends_retry_with_backoff_and_go_out_once_each_with_their_reports_when_it_is_back(
        app, live_server, worker, outage, backoff, figures):
    port = free_port()
    telco = {"AT_API_URL": f"http://127.0.0.1:{port}", "SIMULATOR_PORT": str(port)}
    # Nothing listens on the port: each attempt is refused at once, and only the backoff spaces them.
    worker(**{**FAST, **backoff, **telco})
    phones = add_subscribers(SUBSCRIBERS)
    applicants = [new_application("KTP", "Budi", phone(5000 + n), "Menteng") for n in range(APPLICANTS)]
    broadcast, _ = broadcasts.create("Pengumuman: pelayanan KTP-el dibuka Sabtu.", None, {"all": True}, actor="test")
    db.session.commit()
    down = time.monotonic()
    wait_until(lambda: min((m.attempts for m in fresh_messages()), default=0) >= 1 and states()[outbox.QUEUED]
               == SUBSCRIBERS + APPLICANTS, timeout=30, message="every row tried once and waiting to retry")
    time.sleep(max(0.0, outage - (time.monotonic() - down)))
    during = states()
    errors = {m.last_error for m in fresh_messages()}  # read now: a later rollback expires the rows

    with start_simulator(live_server.url, port=port, env={"SIMULATOR_DLR_DELAY": "0.2"}) as simulator:
        outage_seconds = time.monotonic() - down
        wait_until(nothing_waiting, timeout=outage / 2 + 60, message="every row sent once the telco is back")
        sent = time.monotonic() - down - outage_seconds
        wait_until(lambda: states()[outbox.SENT] == 0, timeout=30, message="every delivery report applied")

        assert during[outbox.FAILED] == during[outbox.SENDING] == 0  # all waiting, none given up
        assert errors == {"connection error: ConnectionError"}
        assert states() == Counter({outbox.DELIVERED: SUBSCRIBERS + APPLICANTS})
        assert received(simulator) == owed() == Counter(phones + [a.phone for a in applicants])
        assert broadcasts.get(broadcast.id).status == broadcasts.DONE
        attempts = Counter(m.attempts for m in fresh_messages())
    assert max(attempts) >= 3  # retried more than once, spaced by the backoff
    figures.update(outage_s=round(outage_seconds, 1), all_sent_after_s=round(sent, 1),
                   messages=SUBSCRIBERS + APPLICANTS, attempts=dict(sorted(attempts.items())))
