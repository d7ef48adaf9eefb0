"""Fixtures for tests that need the telco simulator without Lekas: a recorder stands in for Lekas's webhooks.

Shared with every test through `pytest_plugins` in tests/conftest.py.
"""
import pytest

from simulator.testing import CallbackRecorder
from simulator.testing import start_simulator

API_KEY = "test-key"
USERNAME = "lekas"
CALLBACK_TOKEN = "cb-token"
SHORTCODE = "5758"
USSD_CODE = "*384*5758#"
TELCO_ENV = {
    "SIMULATOR_DLR_DELAY": "0.05",
    "AT_API_KEY": API_KEY,
    "AT_USERNAME": USERNAME,
    "CALLBACK_TOKEN": CALLBACK_TOKEN,
    "SMS_SHORTCODE": SHORTCODE,
    "USSD_CODE": USSD_CODE,
}


@pytest.fixture(scope="session")
def recorder():
    """An HTTP server recording every callback, in Lekas's place."""
    with CallbackRecorder() as server:
        yield server


@pytest.fixture(scope="session")
def _telco_process(recorder):
    with start_simulator(recorder.url, env=TELCO_ENV) as client:
        yield client


@pytest.fixture
def telco(_telco_process, recorder):
    """The simulator (key `test-key`, user `lekas`, callbacks to `recorder`), reset for this test."""
    _telco_process.reset()
    recorder.clear()
    return _telco_process
