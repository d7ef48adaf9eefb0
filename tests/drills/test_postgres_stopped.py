"""Drill: PostgreSQL stopped for 30 s while messages are being sent, USSD sessions run and SMS arrive.

Needs the cluster `scripts/with-postgres` makes (it exports TEST_PG_CTL, TEST_PG_DATA and TEST_PG_USER);
skipped on SQLite. Run it with `make drills`, or:
    scripts/with-postgres .venv/bin/pytest -q -p no:cacheprovider -m drill tests/drills/test_postgres_stopped.py -rP
"""
import os
import subprocess
import time

import pytest
import requests

from extensions import db
from office import broadcasts
from office import outbox
from office.models import Message
from tests.conftest import STAFF_PASSWORD
from tests.drills.helpers import broadcast_progress
from tests.drills.helpers import nothing_waiting
from tests.drills.helpers import owed
from tests.drills.helpers import received
from tests.drills.helpers import states
from tests.helpers import add_subscribers
from tests.helpers import new_application
from tests.helpers import phone
from tests.helpers import wait_until
from tests.jobs.test_faults import SLOW_TELCO

pytestmark = pytest.mark.drill
OUTAGE_SECONDS = 30
# Africa's Talking waits about 10 s for a USSD answer before it drops the session.
AT_PATIENCE = 10
SUBSCRIBERS = 400


def pg_ctl(*args):
    """Run the throwaway cluster's pg_ctl as its owner, from its folder (the postgres user may not enter ours)."""
    user = os.environ.get("TEST_PG_USER")
    command = [os.environ["TEST_PG_CTL"], "-D", os.environ["TEST_PG_DATA"], "-w", *args]
    folder = os.path.dirname(os.environ["TEST_PG_DATA"])
    subprocess.run((["runuser", "-u", user, "--"] if user else []) + command, cwd=folder, check=True,
                   stdout=subprocess.DEVNULL)


@pytest.fixture
def stoppable_postgres(app):
    if db.engine.dialect.name != "postgresql" or not os.environ.get("TEST_PG_CTL"):
        pytest.skip("needs TEST_DATABASE_URL on the PostgreSQL cluster of scripts/with-postgres (TEST_PG_CTL)")
    log = os.path.join(os.path.dirname(os.environ["TEST_PG_DATA"]), "log")

    class Server:
        def stop(self):
            db.session.rollback()
            pg_ctl("-m", "fast", "stop")

        def start(self):
            pg_ctl("-l", log, "start")

    server = Server()
    yield server
    try:
        server.start()  # a failed drill must not leave the rest of the session without its database
    except subprocess.CalledProcessError:
        pass  # already running


def timed_post(url, **kwargs):
    started = time.monotonic()
    answer = requests.post(url, timeout=30, **kwargs)
    return time.monotonic() - started, answer


def ussd_form(session, number, text):
    return {"sessionId": session, "phoneNumber": number, "serviceCode": "*384*5758#", "text": text}


def test_postgres_stopped_for_30_s_ussd_ends_politely_webhooks_ask_again_and_nothing_is_lost_or_sent_twice(
        app, live_server, simulator, worker, stoppable_postgres, make_staff, figures):
    add_subscribers(SUBSCRIBERS)
    staff = requests.Session()
    user = make_staff("operator")
    staff.post(live_server.url + "/staff/login", data={"username": user.username, "password": STAFF_PASSWORD})
    simulator.faults(slow_ms=500)
    first = worker(SMS_CHUNK_SIZE="50", **{**SLOW_TELCO, "SWEEP_INTERVAL_SECONDS": "3"})
    new_application("KTP", "Budi", phone(5000), "Menteng")
    broadcast, _ = broadcasts.create("Pengumuman: pelayanan KTP-el dibuka Sabtu.", None, {"all": True}, actor="test")
    db.session.commit()
    broadcast_id = broadcast.id
    wait_until(lambda: broadcast_progress(broadcast_id)[0] >= 50, timeout=60, message="the broadcast under way")

    at_stop = states()
    stoppable_postgres.stop()
    down = time.monotonic()
    hops, sms, pages = [], [], []
    n = 0
    while time.monotonic() - down < OUTAGE_SECONDS:
        number = phone(7000 + n)
        for text in ("", "1", "1*1*1"):
            hops.append(timed_post(live_server.url + "/ussd", data=ussd_form(f"pg-{n}", number, text)))
        sms.append(timed_post(live_server.url + "/sms/incoming",
                              data={"from": number, "to": "5758", "text": "STATUS", "id": f"ATXid_pg_{n}"}))
        pages.append(staff.get(live_server.url + "/staff/", timeout=30))
        n += 1
        time.sleep(1)
    stoppable_postgres.start()
    outage = time.monotonic() - down
    simulator.faults(slow_ms=0)
    # AT delivers again every SMS callback that was refused.
    redelivered = [requests.post(live_server.url + "/sms/incoming", timeout=30,
                                 data={"from": phone(7000 + k), "to": "5758", "text": "STATUS", "id": f"ATXid_pg_{k}"})
                   for k in range(n)]
    wait_until(nothing_waiting, timeout=60, message="the workers to resume and settle everything")
    recovery = time.monotonic() - down - outage

    assert max(seconds for seconds, _ in hops) < AT_PATIENCE
    assert {answer.status_code for _, answer in hops} == {200}
    assert all(answer.text.startswith(("CON ", "END ")) for _, answer in hops)
    ended = [answer.text for _, answer in hops if answer.text.startswith("END ")]
    assert "END Maaf, terjadi gangguan. Silakan coba lagi." in ended
    assert {answer.status_code for _, answer in sms} == {503}  # so that AT delivers them again
    assert {answer.status_code for answer in pages} == {503}
    assert "basis data" in pages[0].text.lower()
    assert [answer.status_code for answer in redelivered] == [200] * n
    db.session.rollback()
    incoming = db.session.query(Message).filter(Message.direction == "in").count()
    assert incoming == n  # each SMS stored once, after its redelivery
    final = states()
    assert final[outbox.FAILED] == final[outbox.QUEUED] == final[outbox.SENDING] == 0
    assert set(received(simulator) - owed()) <= unknown_phones()  # the telco may or may not have taken those
    assert not owed() - received(simulator)
    assert all(count == 1 for count in received(simulator).values())  # nobody got anything twice
    assert first.process.poll() is None  # the worker survived
    figures.update(outage_s=round(outage, 1), recovery_s=round(recovery, 1), sending_at_stop=at_stop[outbox.SENDING],
                   queued_at_stop=at_stop[outbox.QUEUED], hops=len(hops),
                   slowest_hop_s=round(max(s for s, _ in hops), 2), sms_refused=len(sms),
                   unknown=final[outbox.UNKNOWN], messages=sum(final.values()))


def unknown_phones():
    db.session.rollback()
    return {m.phone for m in db.session.query(Message).filter(Message.status == outbox.UNKNOWN)}
