"""Drill: Redis restarted (stopped, started empty) while status SMS and a broadcast are in flight.

The broadcast half alone (the sweeper re-sending a broadcast whose queue was lost) is
tests/jobs/test_faults.py::test_redis_restart_mid_broadcast_loses_the_queue_and_the_sweeper_still_sends_everyone_once;
this drill adds status SMS queued before and during the outage, and what USSD and the console answer meanwhile.
"""
import time

import pytest

from extensions import db
from jobs.worker import RESTART_PAUSE
from office import broadcasts
from office import outbox
from tests.drills.helpers import broadcast_progress
from tests.drills.helpers import nothing_waiting
from tests.drills.helpers import owed
from tests.drills.helpers import received
from tests.drills.helpers import states
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import phone
from tests.helpers import wait_until
from tests.jobs.test_faults import SLOW_TELCO

pytestmark = pytest.mark.drill  # about 40 s
SUBSCRIBERS = 600
APPLICANTS = 5
# A sweep a second would crowd the bulk queue out on a loaded machine; every 3 s the drill still takes seconds.
SETTINGS = {**SLOW_TELCO, "SWEEP_INTERVAL_SECONDS": "3"}
STAFF_PAGES = ["/staff/", "/staff/applications", "/staff/broadcasts", "/staff/inbox"]


def ussd(client, session, number, text):
    form = {"sessionId": session, "phoneNumber": number, "serviceCode": "*384*5758#", "text": text}
    return client.post("/ussd", data=form)


def test_redis_restarted_mid_send_every_message_goes_once_and_ussd_and_console_answer_meanwhile(
        app, client, staff_client, simulator, worker, redis_server, figures):
    add_subscribers(SUBSCRIBERS)
    staff_client("admin")
    simulator.faults(slow_ms=600)  # each bulk request takes a while, so chunks are in flight when Redis goes
    first = worker(SMS_CHUNK_SIZE="100", **SETTINGS)
    applicants = [new_application("KTP", "Budi", phone(5000 + n), "Menteng") for n in range(APPLICANTS)]
    broadcast, _ = broadcasts.create("Pengumuman: pelayanan KTP-el dibuka Sabtu.", None, {"all": True}, actor="test")
    db.session.commit()
    healthy = {text: ussd(client, "healthy", phone(6000), text).text for text in ("", "1")}
    wait_until(lambda: (progress := broadcast_progress(broadcast.id))[0] >= 100 and progress[1] > 0,
               timeout=60, message="a chunk in flight after the first 100 sent")

    in_flight = states()
    redis_server.stop()  # no persistence: every queued job, the schedule and the USSD sessions are gone
    down = time.monotonic()
    for application in applicants:  # status SMS committed while their enqueue fails
        move(application.reference, "VERIFYING")
    during = [ussd(client, "outage", phone(6001), text) for text in ("", "1", "1*1", "1*1*1")]
    pages = {path: client.get(path).status_code for path in STAFF_PAGES}
    wait_until(lambda: "starting a new one" in first.output(), timeout=15, message="the worker noticed")
    time.sleep(RESTART_PAUSE + 1)  # Redis still down when the worker tries again: it must keep trying
    redis_server.start()
    outage = time.monotonic() - down
    simulator.faults(slow_ms=0)
    wait_until(nothing_waiting, timeout=60, message="the sweeper to re-queue and send the rest")
    recovery = time.monotonic() - down - outage

    assert [answer.status_code for answer in during] == [200] * 4
    assert [during[0].text, during[1].text] == [healthy[""], healthy["1"]]  # the same screens as before
    assert during[3].text.startswith("END SMS daftar syarat akan dikirim")  # the checklist is queued, and sent
    assert pages == dict.fromkeys(STAFF_PAGES, 200)
    final = states()
    assert final[outbox.UNKNOWN] == final[outbox.FAILED] == 0
    assert received(simulator) == owed()  # every accepted row reached the telco once, and nothing else did
    assert owed()[phone(6001)] == 1
    for application in applicants:  # the newest status is what each applicant got
        newest = fresh_messages(application_id=application.id)[-1]
        assert newest.status in (outbox.SENT, outbox.DELIVERED) and "diperiksa" in newest.text.lower()
    assert broadcast_progress(broadcast.id) == (SUBSCRIBERS, 0)
    assert first.process.poll() is None
    figures.update(outage_s=round(outage, 1), recovery_s=round(recovery, 1), sending_at_stop=in_flight[outbox.SENDING],
                   queued_at_stop=in_flight[outbox.QUEUED], messages=sum(final.values()))
