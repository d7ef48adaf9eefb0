"""Periodic work: chains of passes through RQ's scheduler, restarted when Redis lost them."""
import time
from datetime import UTC
from datetime import datetime

from rq.registry import ScheduledJobRegistry

from jobs import queues
from jobs import schedule
from jobs.worker import LekasWorker
from jobs.worker import maintenance_options

HOUSEKEEPING = schedule.HOUSEKEEPING
REDISPATCH = schedule.REDISPATCH


def waiting():
    return queues.queue(queues.DEFAULT).get_job_ids()


def scheduled():
    return ScheduledJobRegistry(queue=queues.queue(queues.DEFAULT)).get_job_ids()


def test_with_nothing_scheduled_a_pass_starts_at_once_and_only_once(app, settings):
    assert schedule.ensure(HOUSEKEEPING)
    assert not schedule.ensure(HOUSEKEEPING)
    [job_id] = waiting()
    assert job_id.startswith(HOUSEKEEPING.prefix)


def test_a_pass_schedules_the_next_slot_and_two_chains_merge(app, settings, run_jobs):
    settings(SWEEP_INTERVAL_SECONDS=60)
    schedule.ensure(HOUSEKEEPING)
    run_jobs()

    [next_pass] = scheduled()
    assert next_pass == f"{HOUSEKEEPING.prefix}{int(time.time() // 60) + 1}"
    assert not schedule.schedule_next(HOUSEKEEPING)  # a second chain would pick the same slot: refused
    assert not schedule.ensure(HOUSEKEEPING)


def test_after_redis_lost_everything_the_next_maintenance_restarts_the_chain(app, settings, run_jobs):
    schedule.ensure(HOUSEKEEPING)
    run_jobs()
    app.extensions["redis"].flushdb()

    assert schedule.ensure(HOUSEKEEPING)


def test_a_pass_overdue_in_the_scheduler_does_not_count_as_alive(app, settings):
    # A killed worker's scheduler lock stays for about a minute; its scheduled passes wait meanwhile.
    settings(SWEEP_INTERVAL_SECONDS=1)
    queues.enqueue(queues.DEFAULT, schedule.housekeeping, job_id=f"{HOUSEKEEPING.prefix}1",
                   real_at=datetime.fromtimestamp(time.time() + 3600, UTC))
    assert not schedule.ensure(HOUSEKEEPING)
    ScheduledJobRegistry(queue=queues.queue(queues.DEFAULT)).schedule(
        queues.queue(queues.DEFAULT).fetch_job(f"{HOUSEKEEPING.prefix}1"),
        datetime.fromtimestamp(time.time() - 60, UTC))
    assert schedule.ensure(HOUSEKEEPING)


def test_the_workers_maintenance_keeps_housekeeping_scheduled(app, settings):
    connection = queues.connection()
    worker = LekasWorker([queues.queue(name) for name in queues.ORDER], connection=connection,
                         **maintenance_options(5))
    assert (worker.maintenance_interval, worker.worker_ttl) == (5, 20)

    worker.run_maintenance_tasks()

    assert any(job_id.startswith(HOUSEKEEPING.prefix) for job_id in waiting())


def test_a_pass_sweeps_and_reminds(app, settings, run_jobs):
    schedule.ensure(HOUSEKEEPING)
    run_jobs()
    [job_id] = [j for j in queues.queue(queues.DEFAULT).finished_job_registry.get_job_ids()]
    report = queues.queue(queues.DEFAULT).fetch_job(job_id).return_value()
    assert {"requeued", "sending_to_unknown", "no_delivery_report", "reminders"} <= set(report)


def test_redispatch_runs_on_high_every_few_seconds_and_the_workers_maintenance_keeps_it_going(
        app, settings, run_jobs):
    settings(REDISPATCH_INTERVAL_SECONDS=10)
    worker = LekasWorker([queues.queue(name) for name in queues.ORDER], connection=queues.connection(),
                         **maintenance_options(5))
    worker.run_maintenance_tasks()
    assert any(job_id.startswith(REDISPATCH.prefix) for job_id in queues.queue(queues.HIGH).get_job_ids())

    before = int(time.time() // 10)
    run_jobs()
    [next_pass] = ScheduledJobRegistry(queue=queues.queue(queues.HIGH)).get_job_ids()
    assert next_pass in {f"{REDISPATCH.prefix}{slot + 1}" for slot in (before, int(time.time() // 10))}
