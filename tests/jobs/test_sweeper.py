"""The sweeper: lost work is found again, stale sends are settled without resending, old reports go."""
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from gateway.providers import SendResult
from jobs import queues
from jobs import sweeper
from jobs.send import record
from office import broadcasts
from office import clock
from office import outbox
from office.models import Broadcast
from office.models import DeliveryReport
from office.models import Message
from office.outbox import Claimed
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import new_application

PHONE = "+6281234567890"


def queue_reply(text="Balasan"):
    message = outbox.queue_sms(PHONE, text, "reply")
    db.session.commit()
    return message.id


def lose_redis(app):
    """What a Redis restart without persistence does to the queues: everything is gone."""
    app.extensions["redis"].flushdb()


def set_row(message_id, **values):
    db.session.execute(Message.__table__.update().where(Message.id == message_id).values(**values))
    db.session.commit()


def test_a_message_whose_job_was_lost_is_enqueued_again_once(app, settings, simulator, run_jobs):
    settings(SEND_QUEUED_GRACE_SECONDS=0)
    message_id = queue_reply()
    lose_redis(app)

    assert sweeper.sweep()["requeued"] == 1
    assert sweeper.sweep()["requeued"] == 0  # its new job is waiting: nothing to do
    run_jobs()

    assert len(simulator.messages(PHONE)) == 1
    assert fresh_messages(id=message_id)[0].status in (outbox.SENT, outbox.DELIVERED)


def test_a_message_whose_enqueue_failed_is_enqueued_at_once_and_only_once(app, settings, simulator, run_jobs):
    settings(SEND_QUEUED_GRACE_SECONDS=300)
    failed, _young = queue_reply("Balasan"), queue_reply("Lain")
    lose_redis(app)  # neither has a job; only `failed` is marked, as the outbox does when the enqueue fails
    set_row(failed, enqueue_failed_at=clock.utcnow())

    assert sweeper.requeue_failed_enqueues(clock.utcnow()) == 1
    assert sweeper.requeue_failed_enqueues(clock.utcnow()) == 0  # no longer marked
    assert sweeper.sweep()["requeued"] == 0  # `young` waits out the grace period
    run_jobs()

    assert [m["text"] for m in simulator.messages(PHONE)] == ["Balasan"]
    assert fresh_messages(id=failed)[0].enqueue_failed_at is None


def test_a_message_whose_job_still_waits_is_left_to_it(app, settings):
    settings(SEND_QUEUED_GRACE_SECONDS=0)
    queue_reply()
    assert sweeper.sweep()["requeued"] == 0


def test_a_young_or_not_yet_due_message_is_not_touched(app, settings):
    settings(SEND_QUEUED_GRACE_SECONDS=300)
    young = queue_reply()
    later = queue_reply("Nanti")
    set_row(later, updated_at=clock.utcnow() - timedelta(hours=1), send_after=clock.utcnow() + timedelta(hours=1))
    lose_redis(app)

    assert sweeper.sweep()["requeued"] == 0
    set_row(young, updated_at=clock.utcnow() - timedelta(seconds=301))
    assert sweeper.sweep()["requeued"] == 1


def test_broadcast_rows_lost_with_redis_are_sent_again_in_chunks(app, settings, simulator, run_jobs):
    settings(SEND_QUEUED_GRACE_SECONDS=0, SMS_CHUNK_SIZE=3)
    phones = add_subscribers(7)
    broadcast, _ = broadcasts.create("Pengumuman", None, {"all": True}, actor="t")
    db.session.commit()
    assert broadcasts.materialize(broadcast.id) == 7  # rows written, then Redis lost before any chunk ran
    db.session.commit()
    lose_redis(app)

    assert sweeper.sweep()["requeued"] == 7
    assert len(queues.queue(queues.BULK).get_job_ids()) == 3
    run_jobs()

    assert sorted(m["phone"] for m in simulator.messages()) == sorted(phones)
    db.session.rollback()
    assert db.session.get(Broadcast, broadcast.id).status == broadcasts.DONE


def test_a_stale_send_without_provider_id_becomes_unknown_and_is_never_resent(app, settings, simulator, run_jobs):
    settings(SEND_SENDING_GRACE_SECONDS=120, SEND_QUEUED_GRACE_SECONDS=0)
    stale, recent = queue_reply("a"), queue_reply("b")
    lose_redis(app)
    set_row(stale, status=outbox.SENDING, attempts=1, updated_at=clock.utcnow() - timedelta(seconds=121))
    set_row(recent, status=outbox.SENDING, attempts=1, updated_at=clock.utcnow() - timedelta(seconds=30))

    report = sweeper.sweep()
    run_jobs()

    assert report["sending_to_unknown"] == 1 and report["requeued"] == 0
    rows = {m.id: m for m in fresh_messages()}
    assert rows[stale].status == outbox.UNKNOWN and rows[stale].last_error == outbox.Reason.OUTCOME_UNKNOWN
    assert rows[recent].status == outbox.SENDING  # its worker may still be in the provider call
    assert simulator.messages(PHONE) == []
    assert [item.id for item in broadcasts.unknown_outcomes()] == [stale]


def test_a_stale_send_is_never_guessed_sent_and_the_report_has_no_such_count(app, settings, simulator, run_jobs):
    # A row in `sending` holds no provider id (it is stored when the row leaves `sending`), so there is
    # nothing the sweeper could call `sent`: every stale send is `unknown`.
    message_id = queue_reply()
    lose_redis(app)
    set_row(message_id, status=outbox.SENDING, attempts=1, updated_at=clock.utcnow() - timedelta(hours=1))

    report = sweeper.sweep()
    run_jobs()

    assert set(report) == {"sending_to_unknown", "requeued", "broadcasts_started", "no_delivery_report",
                           "reports_purged", "broadcasts_finished", "tickets_closed"}
    assert report["sending_to_unknown"] == 1
    [message] = fresh_messages(id=message_id)
    assert (message.status, message.provider_id, message.sent_at) == (outbox.UNKNOWN, None, None)
    assert simulator.messages(PHONE) == []


def test_a_late_answer_from_the_provider_settles_an_unknown_outcome(app, settings):
    message_id = queue_reply()
    set_row(message_id, status=outbox.UNKNOWN, attempts=1, last_error=outbox.Reason.OUTCOME_UNKNOWN)

    record([Claimed(message_id, PHONE, 1)], [SendResult(PHONE, "accepted", "ATXid_late", None)])

    [message] = fresh_messages(id=message_id)
    assert (message.status, message.provider_id, message.last_error) == (outbox.SENT, "ATXid_late", None)


def test_sent_messages_without_a_delivery_report_for_48_hours_are_flagged_but_stay_sent(app, settings):
    old, new = queue_reply("a"), queue_reply("b")
    set_row(old, status=outbox.SENT, sent_at=clock.utcnow() - timedelta(hours=49))
    set_row(new, status=outbox.SENT, sent_at=clock.utcnow() - timedelta(hours=47))

    assert sweeper.sweep()["no_delivery_report"] == 1
    assert sweeper.sweep()["no_delivery_report"] == 0
    rows = {m.id: m for m in fresh_messages()}
    assert (rows[old].status, rows[old].last_error) == (outbox.SENT, outbox.Reason.NO_REPORT)
    assert rows[new].last_error is None


def test_old_unmatched_delivery_reports_are_purged_recent_ones_kept(app, settings):
    settings(DLR_UNMATCHED_KEEP_HOURS=72)
    now = clock.utcnow()
    db.session.add_all([
        DeliveryReport(provider_id="ATXid_old", status="Success", matched=False, received_at=now - timedelta(hours=73)),
        DeliveryReport(provider_id="ATXid_new", status="Success", matched=False, received_at=now - timedelta(hours=1)),
        DeliveryReport(provider_id="ATXid_matched", status="Success", matched=True,
                       received_at=now - timedelta(hours=100)),
    ])
    db.session.commit()

    assert sweeper.sweep()["reports_purged"] == 1
    assert set(db.session.scalars(select(DeliveryReport.provider_id))) == {"ATXid_new", "ATXid_matched"}


def test_a_scheduled_broadcast_whose_job_was_lost_still_goes_out(app, settings, simulator, run_jobs):
    settings(SEND_QUEUED_GRACE_SECONDS=60)
    phones = add_subscribers(2)
    start = clock.utcnow()
    broadcast, _ = broadcasts.create("Nanti sore", None, {"all": True}, actor="t",
                                     send_at=(start + timedelta(hours=2)).isoformat() + "+00:00")
    db.session.commit()
    lose_redis(app)
    assert sweeper.sweep()["broadcasts_started"] == 0  # not due yet

    settings(LEKAS_CLOCK=f"+{2 * 3600 + 61}")
    assert sweeper.sweep()["broadcasts_started"] == 1
    run_jobs()

    assert sorted(m["phone"] for m in simulator.messages()) == sorted(phones)


def test_a_held_notification_is_sent_when_due_even_if_its_job_is_scheduled_later(app, settings, simulator, run_jobs):
    # The clock moved (a drill) past the end of quiet hours: the job RQ holds for real 07:00 is hours away.
    settings(QUIET_HOURS="21:00-07:00", LEKAS_CLOCK="2026-11-30T22:00:00+07:00", SEND_QUEUED_GRACE_SECONDS=60)
    application = new_application("KTP", "Budi", PHONE, "Menteng")
    run_jobs()
    assert fresh_messages(application_id=application.id)[0].send_after is not None

    settings(LEKAS_CLOCK="2026-12-01T07:05:00+07:00")
    assert sweeper.sweep()["requeued"] == 1
    run_jobs()

    assert len(simulator.messages(PHONE)) == 1
