"""The simulator's settings from the environment, and how it refuses unusable ones."""
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_documented_ones():
    settings = Settings.from_env({})

    assert (settings.port, settings.app_url, settings.ussd_code, settings.shortcode) == (
        5001, "http://127.0.0.1:5000", "*384*5758#", "5758")
    assert (settings.callback_token, settings.api_key, settings.dlr_delay) == (None, None, 1.0)


def test_environment_overrides_them():
    settings = Settings.from_env({"SIMULATOR_PORT": "6001", "APP_URL": "http://lekas:8000/", "CALLBACK_TOKEN": "t",
                                  "AT_API_KEY": "k", "USSD_CODE": "*123#", "SMS_SHORTCODE": "9999",
                                  "SIMULATOR_DLR_DELAY": "0.5"})

    assert (settings.port, settings.app_url, settings.callback_token, settings.api_key) == (
        6001, "http://lekas:8000", "t", "k")
    assert (settings.ussd_code, settings.shortcode, settings.dlr_delay) == ("*123#", "9999", 0.5)


@pytest.mark.parametrize("env", [{"SIMULATOR_PORT": "http"}, {"SIMULATOR_DLR_DELAY": "-1"},
                                 {"SIMULATOR_DLR_DELAY": "soon"}])
def test_unusable_numbers_are_refused_by_name(env):
    with pytest.raises(ValueError, match=next(iter(env))):
        Settings.from_env(env)


def test_simulator_process_exits_with_a_clear_message_on_bad_settings():
    done = subprocess.run([sys.executable, "-m", "simulator"], env={"SIMULATOR_DLR_DELAY": "soon"},
                          capture_output=True, text=True, timeout=30, cwd=ROOT)

    assert done.returncode == 2
    assert "SIMULATOR_DLR_DELAY must be a number" in done.stderr
    assert "Traceback" not in done.stderr
