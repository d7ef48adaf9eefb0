"""The outbox hands rows to the job queue only once their transaction has committed."""
from extensions import db
from jobs import queues
from office import outbox
from office.models import Message
from tests.redis_server import free_port

PHONE = "+6281234567890"
OTHER = "+6281234567891"


class Undo(Exception):
    """Raised inside a savepoint to roll it back."""


def queued_job_ids():
    return {job_id for name in queues.ORDER for job_id in queues.queue(name).get_job_ids()}


def queue_in_rolled_back_savepoint():
    """Queue a row inside a savepoint that is then rolled back, as a failed nested step would."""
    try:
        with db.session.begin_nested():
            outbox.queue_sms(OTHER, "Tidak jadi dikirim.", "reply")
            raise Undo
    except Undo:
        pass


def test_a_rolled_back_savepoint_keeps_earlier_rows_of_the_transaction_for_dispatch(app, simulator, run_jobs):
    kept = outbox.queue_sms(PHONE, "Berkas Anda sudah diterima.", "reply")
    queue_in_rolled_back_savepoint()
    db.session.commit()

    assert queues.send_job_id(kept.id) in queued_job_ids()
    run_jobs()

    assert [m["text"] for m in simulator.messages(PHONE)] == ["Berkas Anda sudah diterima."]
    assert simulator.messages(OTHER) == []
    db.session.rollback()
    assert db.session.get(Message, kept.id).status in (outbox.SENT, outbox.DELIVERED)


def test_a_row_after_a_rolled_back_savepoint_is_dispatched_once(app, simulator, run_jobs):
    # SQLite gives the later row the id the rolled-back one had: still one job for it.
    first = outbox.queue_sms(PHONE, "Satu", "reply")
    queue_in_rolled_back_savepoint()
    later = outbox.queue_sms(OTHER, "Dua", "reply")
    db.session.commit()

    waiting = queues.queue(queues.HIGH).get_job_ids()
    assert len(waiting) == len(set(waiting))
    assert {queues.send_job_id(first.id), queues.send_job_id(later.id)} <= set(waiting)
    run_jobs()
    assert [m["text"] for m in simulator.messages(OTHER)] == ["Dua"]
    assert [m["text"] for m in simulator.messages(PHONE)] == ["Satu"]


def test_a_rolled_back_transaction_dispatches_nothing(app, simulator, run_jobs):
    outbox.queue_sms(PHONE, "Tidak jadi dikirim.", "reply")
    db.session.rollback()
    db.session.commit()

    assert queued_job_ids() == set()
    run_jobs()
    assert simulator.messages(PHONE) == []


def test_rows_the_job_queue_did_not_take_are_marked_and_the_others_are_not(app, make_app):
    # A request of an app whose Redis refuses connections: the enqueue after its commit fails.
    gone = make_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with gone.test_request_context():
        failed = outbox.queue_sms(PHONE, "Berkas Anda sudah diterima.", "reply").id
        db.session.commit()
    taken = outbox.queue_sms(OTHER, "Berkas Anda sudah diterima.", "reply").id
    db.session.commit()

    db.session.rollback()
    assert db.session.get(Message, failed).enqueue_failed_at is not None
    assert db.session.get(Message, taken).enqueue_failed_at is None
    assert queued_job_ids() == {queues.send_job_id(taken)}
