"""Fixtures for the job tests."""
import pytest


@pytest.fixture
def settings(settings):
    """The shared `settings`, with sending made immediate for job tests: no collapse window, no retry
    backoff, no rate limit, the real clock."""
    settings(STATUS_COLLAPSE_SECONDS=0, SEND_RETRY_BASE_SECONDS=0, SMS_RATE_LIMIT=0, LEKAS_CLOCK=None)
    return settings
