"""The worker process `flask --app app worker` starts, as its log shows it."""
from jobs import queues
from office.phones import normalize
from tests.helpers import wait_until

PHONE = "+6281277778888"


def test_the_worker_logs_which_job_ran_but_not_its_arguments(app, worker):
    running = worker(queues.HIGH)
    queues.enqueue(queues.HIGH, normalize, PHONE, job_id="normalize-one")

    wait_until(lambda: "normalize-one" in queues.queue(queues.HIGH).finished_job_registry.get_job_ids(),
               message="the job to finish")
    running.stop()

    assert "normalize-one" in running.output()
    assert PHONE.removeprefix("+") not in running.output()
