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
