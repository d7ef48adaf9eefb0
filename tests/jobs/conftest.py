"""Fixtures for the job tests."""
import pytest


@pytest.fixture
def settings(app, monkeypatch):
    """Change app settings for this test only: settings(SMS_CHUNK_SIZE=3, ...)."""

    def change(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)

    change(STATUS_COLLAPSE_SECONDS=0, SEND_RETRY_BASE_SECONDS=0, SMS_RATE_LIMIT=0, LEKAS_CLOCK=None)
    return change


@pytest.fixture
def worker(worker):
    """The shared `worker` fixture, also closing each worker's log file once the test is over.

    Each worker's log is printed at teardown; pytest shows it only when the test failed.
    """
    started = []

    def start(*queues, **env):
        process = worker(*queues, **env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
        print(f"--- worker {process.process.pid} ---\n{process.output()[-20000:]}")
        process.log.close()
