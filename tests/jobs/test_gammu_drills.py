"""Drills with real worker processes and the real gammu-smsd (fake phone): the modem's chain runs by
itself, and a worker killed between the daemon taking a message and Lekas recording it sends nothing
twice once a worker runs again."""
import time
from contextlib import ExitStack
from contextlib import contextmanager

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from extensions import db
from gateway.gammu import tables
from jobs import sweeper
from jobs.send import provider
from office import broadcasts
from office import clock
from office import outbox
from office.models import Message
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import new_application
from tests.helpers import wait_until
from tests.jobs.helpers import kill_tree

CITIZEN = "+6281298765432"


def modem_env(gammu):
    """A worker on the modem with short periods, so a drill settles in seconds."""
    return {"SMS_PROVIDER": "gammu", "GAMMU_DATABASE_URL": gammu.url, "GAMMU_POLL_SECONDS": "1",
            "SWEEP_INTERVAL_SECONDS": "1", "WORKER_MAINTENANCE_SECONDS": "1", "SEND_QUEUED_GRACE_SECONDS": "2",
            "SEND_SENDING_GRACE_SECONDS": "3", "STATUS_COLLAPSE_SECONDS": "0", "SMS_RATE_LIMIT": "0",
            "SEND_RETRY_BASE_SECONDS": "0.3", "SEND_RETRY_MAX_SECONDS": "1"}


def daemon_messages() -> dict[str, set[int]]:
    """Every daemon message, waiting or sent, by CreatorID: the ids of its messages (parts count once)."""
    found: dict[str, set[int]] = {}
    with tables.engine().connect() as connection:
        for table in (tables.outbox, tables.sentitems):
            for creator, number in connection.execute(select(table.c.CreatorID, table.c.ID)):
                found.setdefault(creator, set()).add(number)
    return found


@contextmanager
def writes_blocked(engine, table: str):
    """Hold the write lock on `table` in `engine`'s database (SQLite: the whole file) until the block ends."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()


def sending_ids() -> set[int]:
    return {m.id for m in fresh_messages(status=outbox.SENDING)}


def taken_ids() -> set[int]:
    return {int(creator.split(":")[1]) for creator in daemon_messages()}


def test_a_citizens_sms_to_the_modem_is_answered_by_a_running_worker(app, gammu, worker):
    worker(**modem_env(gammu))
    gammu.receive(CITIZEN, "BANTUAN")
    [reply] = wait_until(lambda: fresh_messages(status=outbox.SENT), timeout=30, message="the reply sent")
    assert reply.phone == CITIZEN
    assert set(daemon_messages()) == {f"lekas:{reply.id}"}


def test_a_worker_killed_after_the_daemon_took_messages_and_restarted_sends_nothing_twice(app, gammu, worker):
    phones = add_subscribers(100)
    env = {**modem_env(gammu), "SMS_CHUNK_SIZE": "5", "SMS_RATE_LIMIT": "20"}  # a chunk every 0.25 s
    first = worker(**env)
    broadcast, _ = broadcasts.create("Pengumuman: pelayanan KTP-el dibuka Sabtu.", None, {"all": True},
                                     actor="test")
    db.session.commit()
    wait_until(lambda: len(daemon_messages()) >= 10, timeout=30, message="the broadcast under way")
    # Stop the worker exactly between the daemon's insert and Lekas's record: the daemon's tables are held
    # until a chunk is claimed, then Lekas's outbox is held while that chunk reaches the daemon.
    lekas_lock = ExitStack()
    with writes_blocked(tables.engine(), "outbox"):
        claimed = wait_until(lambda: sending_ids() - taken_ids(), timeout=10,
                             message="a chunk claimed and waiting for the daemon")
        lekas_lock.enter_context(writes_blocked(db.engine, "messages"))
    with lekas_lock:
        wait_until(lambda: claimed <= taken_ids(), timeout=8, message="the chunk in the daemon's outbox")
        kill_tree(first)
    in_flight = sending_ids() & taken_ids()
    assert in_flight == claimed
    before = daemon_messages()
    worker(**env)
    wait_until(lambda: {m.status for m in fresh_messages(broadcast_id=broadcast.id)} <= {outbox.SENT},
               timeout=40, message="every recipient recorded as sent")

    rows = fresh_messages(broadcast_id=broadcast.id)
    taken = daemon_messages()
    assert sorted(m.phone for m in rows) == sorted(phones)
    assert all(len(taken[f"lekas:{m.id}"]) == 1 for m in rows)  # one daemon message per Lekas message
    assert len(taken) == len(phones)
    for message_id in in_flight:
        # Recorded with the message the daemon already had, not a second one.
        message = db.session.get(Message, message_id)
        assert message.provider_id == f"gammu:{min(before[f'lekas:{message_id}'])}"


def test_a_send_whose_worker_died_before_recording_is_recorded_by_the_sweepers_resend(app, gammu, settings,
                                                                                      run_jobs):
    settings(SEND_SENDING_GRACE_SECONDS=0)
    application = new_application(phone=CITIZEN)
    [message] = fresh_messages(application_id=application.id)
    claimed = outbox.claim([message.id], clock.utcnow())
    # The provider call of the job that died: the daemon has the message, Lekas never recorded it.
    [taken] = provider().send(message.text, [message.phone], message_ids=[claimed[0].id])
    time.sleep(0.01)
    assert sweeper.settle_stale_sending(clock.utcnow()) == {"sending_again": 1}
    run_jobs()
    [settled] = fresh_messages(application_id=application.id)
    assert (settled.status, settled.provider_id) == (outbox.SENT, taken.provider_id)
    assert daemon_messages() == {f"lekas:{message.id}": {int(taken.provider_id.split(':')[1])}}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
