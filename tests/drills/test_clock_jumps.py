"""Drill: the office clock (LEKAS_CLOCK, the same in every process) jumping a day forward and back again.

Each jump stops the worker and starts one with the new clock, as a host whose clock was stepped does
after its processes restart. Quiet hours, a scheduled broadcast and the retry backoff are read from the
clock; the inbox's deadlines and the lobby queue's estimates are worked out from it when asked.
"""
from datetime import timedelta

from extensions import db
from jobs import broadcasts as broadcast_jobs
from office import broadcasts
from office import outbox
from office import queue
from tests.drills.helpers import nothing_waiting
from tests.drills.helpers import owed
from tests.drills.helpers import received
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import office_time
from tests.helpers import wait_until
from tests.jobs.helpers import clock_offset_to
from tests.jobs.test_faults import FAST

QUIET = "21:00-07:00"
APPLICANT = "+6281234567890"


def at(worker, settings, moment):
    """Set every process's clock to read office time `moment` now; returns a worker running on it."""
    offset = clock_offset_to(office_time(moment))
    settings(QUIET_HOURS=QUIET, LEKAS_CLOCK=offset)
    return worker(**{**FAST, "QUIET_HOURS": QUIET, "LEKAS_CLOCK": offset})


def test_a_day_forward_and_back_sends_held_and_scheduled_messages_once_and_leaves_none_waiting_forever(
        app, settings, simulator, worker, figures):
    phones = add_subscribers(20)
    night = at(worker, settings, "2026-12-01T22:00:00")
    application = new_application("KTP", "Budi", APPLICANT, "Menteng")  # its receipt is held until 07:00
    broadcast, _ = broadcasts.create("Pengumuman: pelayanan KTP-el dibuka pukul 09.00.", None, {"all": True},
                                     send_at="2026-12-02T09:00:00", actor="test")
    db.session.commit()
    seven = office_time("2026-12-02T07:00:00")
    wait_until(lambda: [m.send_after for m in fresh_messages()] == [seven], timeout=20, message="held until 07:00")
    night.stop()

    # Forward past 09:00 the next day: the held receipt and the broadcast go out, each once.
    morning = at(worker, settings, "2026-12-02T09:00:05")
    wait_until(nothing_waiting, timeout=30, message="the receipt and the broadcast sent")
    assert received(simulator) == owed() and set(owed()) == {*phones, APPLICANT}
    morning.stop()

    # Back to the evening before: nothing already sent goes again, and a new status change waits for 07:00.
    evening = at(worker, settings, "2026-12-01T22:00:30")
    move(application.reference, "VERIFYING")
    wait_until(lambda: fresh_messages(status=outbox.QUEUED) and fresh_messages(status=outbox.QUEUED)[0].send_after
               == seven, timeout=20, message="the new change held until 07:00")
    # The stale RQ job for 09:00 (scheduled by the real clock of the first jump) may still run: it writes nothing.
    assert broadcast_jobs.fan_out(broadcast.id) == 0
    evening.stop()
    assert received(simulator) == owed() and all(count == 1 for count in received(simulator).values())

    # And forward to 07:00 again: the change held during the jump back is not stuck; it is sent once.
    at(worker, settings, "2026-12-02T07:00:03")
    simulator.wait_for_messages(APPLICANT, 2, timeout=30)
    wait_until(nothing_waiting, timeout=20, message="the change recorded as sent")
    assert received(simulator) == owed() and received(simulator)[APPLICANT] == 2
    figures.update(jumps="22:00 -> +11 h -> -11 h -> +9 h", messages=sum(received(simulator).values()))


def test_a_service_timed_across_a_clock_stepped_back_never_makes_the_lobby_wait_negative(app, settings):
    group = queue.groups()[0]
    counter = next(c for c in queue.counters() if group.letter in c.groups)
    start = office_time("2026-12-01T10:00:00")
    queue.open_counter(counter, staff_id=None, now=start)
    for n in range(queue.MIN_SAMPLE):
        queue.issue(group.letter, priority=False, now=start)
        db.session.commit()
        queue.call_next(counter, staff_id=None, now=start)
        queue.start(counter, now=start)
        queue.finish(counter, now=start - timedelta(minutes=30))  # the clock went back half an hour meanwhile
        db.session.commit()
    queue.issue(group.letter, priority=False, now=start)
    db.session.commit()
    assert queue.service_minutes(group, now=start) >= 0
    assert queue.estimate_minutes(group, 1, now=start) >= 0
