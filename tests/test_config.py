import os
import re
import subprocess
import sys

import pytest

import config
from config import DEV_SECRET_KEY
from config import MIN_CALLBACK_TOKEN
from config import MIN_SECRET_KEY
from tests.helpers import ROOT

FORMS = {setting.name: setting.form.text for setting in config.SETTINGS}


def test_a_proper_production_environment_starts(make_app, production):
    assert make_app().config["LEKAS_ENV"] == "production"


@pytest.mark.parametrize(("name", "value"), [
    ("SECRET_KEY", DEV_SECRET_KEY),
    ("SECRET_KEY", "s" * (MIN_SECRET_KEY - 1)),
    ("CALLBACK_TOKEN", ""),
    ("CALLBACK_TOKEN", "t" * (MIN_CALLBACK_TOKEN - 1)),
    ("SMS_PROVIDER", "simulator"),
    ("SMS_PROVIDER", " Simulator "),
    ("LEKAS_CLOCK", "+3600"),
    ("METRICS_TOKEN", "m" * (MIN_CALLBACK_TOKEN - 1)),
])
def test_production_refuses_unsafe_settings(make_app, production, name, value):
    production.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        make_app()


def test_production_with_the_modem_needs_the_daemons_database(make_app, production):
    production.setenv("SMS_PROVIDER", "gammu")
    production.delenv("GAMMU_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="GAMMU_DATABASE_URL"):
        make_app()
    production.setenv("GAMMU_DATABASE_URL", "postgresql://lekas@127.0.0.1/lekas")
    assert make_app().config["SMS_PROVIDER"] == "gammu"


@pytest.mark.parametrize("spelling", ["Production", "PRODUCTION", " production", "production\n"])
def test_production_is_recognised_in_any_case_and_spacing(make_app, production, spelling):
    production.setenv("LEKAS_ENV", spelling)
    assert make_app().config["LEKAS_ENV"] == "production"
    production.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app()


@pytest.mark.parametrize("unknown", ["prod", "live", "staging", "productio", "dev"])
def test_an_unknown_environment_refuses_to_start(make_app, monkeypatch, unknown):
    monkeypatch.setenv("LEKAS_ENV", unknown)
    with pytest.raises(RuntimeError, match="LEKAS_ENV"):
        make_app()


@pytest.mark.parametrize(("spelling", "kind"), [("", "development"), ("Development", "development"),
                                                 (" test ", "test")])
def test_development_and_test_environments_start(make_app, monkeypatch, spelling, kind):
    monkeypatch.setenv("LEKAS_ENV", spelling)
    assert make_app().config["LEKAS_ENV"] == kind


def test_defaults_are_safe_for_development(make_app, monkeypatch):
    for name in ("DATABASE_URL", "OFFICE_TZ", "USSD_CODE", "QUIET_HOURS"):
        monkeypatch.delenv(name, raising=False)
    config = make_app().config
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and "instance" in config[
        "SQLALCHEMY_DATABASE_URI"]
    assert config["OFFICE_TZ"] == "Asia/Pontianak"
    assert config["DEFAULT_LANGUAGE"] == "id"
    assert config["QUIET_HOURS"] == "21:00-07:00"


def test_empty_quiet_hours_turns_them_off(make_app, monkeypatch):
    monkeypatch.setenv("QUIET_HOURS", "")
    assert make_app().config["QUIET_HOURS"] == ""


def test_postgres_urls_use_the_psycopg_driver(make_app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/lekas")
    assert make_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/lekas"


# Every setting that can be wrong, with values it must refuse (a test below keeps this list complete).
BAD_VALUES = [
    ("SMS_PROVIDER", "carrier-pigeon"),
    ("SIMULATOR_PORT", "http"), ("SIMULATOR_PORT", "0"), ("SIMULATOR_PORT", "65536"),
    ("GAMMU_SEND_RATE", "0"), ("GAMMU_SEND_RATE", "6/min"), ("GAMMU_SEND_RATE", "inf"),
    ("GAMMU_POLL_SECONDS", "0.5"), ("GAMMU_POLL_SECONDS", "5s"),
    ("OFFICE_TZ", "Mars/Olympus"), ("OFFICE_TZ", "Asia"), ("OFFICE_TZ", "WIB"), ("OFFICE_TZ", "../../etc/passwd"),
    ("DEFAULT_LANGUAGE", "fr"),
    ("QUIET_HOURS", "21-07"), ("QUIET_HOURS", "9:00-9:00"), ("QUIET_HOURS", "25:00-07:00"),
    ("SMS_CHUNK_SIZE", "five"), ("SMS_CHUNK_SIZE", "0"), ("SMS_CHUNK_SIZE", "1001"), ("SMS_CHUNK_SIZE", "2.5"),
    ("SMS_RATE_LIMIT", "-1"), ("SMS_RATE_LIMIT", "fast"), ("SMS_RATE_LIMIT", "nan"), ("SMS_RATE_LIMIT", "inf"),
    ("SEND_MAX_ATTEMPTS", "0"), ("SEND_MAX_ATTEMPTS", "six"),
    ("READY_REMINDER_DAYS", "0"), ("READY_REMINDER_DAYS", "1.5"),
    ("SMS_COST_PER_SEGMENT", "-1"), ("SMS_COST_PER_SEGMENT", "Rp300"),
    ("SMS_TIMEOUT", "1,2,3"), ("SMS_TIMEOUT", "-1"), ("SMS_TIMEOUT", "0"), ("SMS_TIMEOUT", "3,"),
    ("SMS_TIMEOUT", "soon"), ("SMS_TIMEOUT", "inf"),
    ("LEKAS_CLOCK", "tomorrow"), ("LEKAS_CLOCK", "+inf"), ("LEKAS_CLOCK", "nan"), ("LEKAS_CLOCK", "1e12"),
    ("REDIS_REQUEST_BUDGET_SECONDS", "0"), ("REDIS_REQUEST_BUDGET_SECONDS", "150ms"),
    ("REDIS_BREAKER_SECONDS", "-1"),
    ("STATUS_COLLAPSE_SECONDS", "-1"),
    ("SEND_RETRY_BASE_SECONDS", "-0.5"),
    ("SEND_RETRY_MAX_SECONDS", "30m"),
    ("SWEEP_INTERVAL_SECONDS", "0.5"), ("SWEEP_INTERVAL_SECONDS", "0"),
    ("REDISPATCH_INTERVAL_SECONDS", "0.5"),
    ("SEND_QUEUED_GRACE_SECONDS", "-1"),
    ("SEND_SENDING_GRACE_SECONDS", "two minutes"),
    ("DLR_TIMEOUT_HOURS", "-48"),
    ("DLR_UNMATCHED_KEEP_HOURS", "3d"),
    ("WORKER_MAINTENANCE_SECONDS", "0"), ("WORKER_MAINTENANCE_SECONDS", "0.5"),
    ("STATUS_LOOKUP_LIMIT", "0"),
    ("STATUS_LOOKUP_WINDOW", "0"), ("STATUS_LOOKUP_WINDOW", "10m"),
    ("STATUS_ATTEMPT_LIMIT", "-1"),
    ("FEEDBACK_LIMIT", "0"),
    ("FEEDBACK_WINDOW", "0.5"),
    ("STAFF_IDLE_MINUTES", "0"), ("STAFF_IDLE_MINUTES", "30m"),
    ("STAFF_SESSION_HOURS", "0.5"),
    ("KIOSK_IDLE_SECONDS", "4"), ("KIOSK_IDLE_SECONDS", "45s"),
    ("KIOSK_COUNTDOWN_SECONDS", "19"),  # WCAG 2.2.1: at least 20 s to answer
    ("KIOSK_SHARED_BY", "0"),
    ("WEBHOOK_RATE_LIMIT", "fast"), ("API_RATE_LIMIT", "0 per never"),
    ("PROXY_HOPS", "-1"), ("PROXY_HOPS", "6"), ("PROXY_HOPS", "one"),
    ("QUEUE_PRIORITY_STREAK", "0"), ("QUEUE_MAX_NORMAL_WAIT", "-1"), ("QUEUE_NOTIFY_AHEAD", "three"),
    ("STAFF_LOGIN_RATE_LIMIT", "often"), ("STAFF_LOGIN_RATE_LIMIT", "30 per fortnight"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_stops_the_app_naming_the_variable_the_value_and_the_accepted_form(make_app, monkeypatch,
                                                                                        name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError) as refused:
        make_app()
    assert str(refused.value) == f"{name}={value!r} is not valid: {FORMS[name]}"


def test_every_setting_that_can_be_wrong_has_bad_values_above():
    can_be_wrong = {setting.name for setting in config.SETTINGS if setting.form is not config.TEXT}
    assert can_be_wrong == {name for name, _value in BAD_VALUES}


def test_the_accepted_form_is_said_in_words(make_app, monkeypatch):
    monkeypatch.setenv("SMS_CHUNK_SIZE", "five")
    with pytest.raises(RuntimeError, match=re.escape("SMS_CHUNK_SIZE='five' is not valid: "
                                                     "a whole number from 1 to 1000")):
        make_app()


def test_every_bad_setting_is_named_in_the_one_message(make_app, monkeypatch):
    monkeypatch.setenv("SMS_CHUNK_SIZE", "five")
    monkeypatch.setenv("OFFICE_TZ", "WIB")
    with pytest.raises(RuntimeError, match="^OFFICE_TZ='WIB' is not valid: .*; SMS_CHUNK_SIZE='five' is not valid"):
        make_app()


@pytest.mark.parametrize(("name", "value", "parsed"), [
    ("SMS_PROVIDER", " AfricasTalking ", "africastalking"),
    ("SMS_PROVIDER", "Gammu", "gammu"),
    ("GAMMU_SEND_RATE", "20", 20.0),
    ("SIMULATOR_PORT", "6001", 6001),
    ("OFFICE_TZ", "Asia/Jakarta", "Asia/Jakarta"),
    ("OFFICE_TZ", "UTC", "UTC"),
    ("DEFAULT_LANGUAGE", "EN", "en"),
    # The quiet window and the clock stay text, checked here and parsed (cached) where they are read.
    ("QUIET_HOURS", " 22:30 - 06:00 ", " 22:30 - 06:00 "),
    ("LEKAS_CLOCK", "+32400", "+32400"),
    ("LEKAS_CLOCK", "2026-11-30T22:00:00", "2026-11-30T22:00:00"),
    ("SMS_CHUNK_SIZE", "1", 1),
    ("SMS_CHUNK_SIZE", "1000", 1000),
    ("SMS_RATE_LIMIT", "2.5", 2.5),
    ("SMS_RATE_LIMIT", "0", 0.0),
    ("SEND_MAX_ATTEMPTS", "8", 8),
    ("SMS_COST_PER_SEGMENT", "0", 0),
    ("SMS_TIMEOUT", "5", 5.0),
    ("SMS_TIMEOUT", "1, 0.3", (1.0, 0.3)),
    ("SEND_RETRY_BASE_SECONDS", "0.3", 0.3),
    ("SWEEP_INTERVAL_SECONDS", "1", 1.0),
    ("DLR_TIMEOUT_HOURS", "0.5", 0.5),
    ("WORKER_MAINTENANCE_SECONDS", "5", 5),
    ("FEEDBACK_WINDOW", "60", 60),
    ("AT_SENDER_ID", "JEKANRAYA", "JEKANRAYA"),
])
def test_a_good_value_is_parsed_into_the_type_the_code_uses(make_app, monkeypatch, name, value, parsed):
    monkeypatch.setenv(name, value)
    # repr tells 5 from 5.0, so the type is checked along with the value.
    assert repr(make_app().config[name]) == repr(parsed)


DEFAULTS = {
    "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_REQUEST_BUDGET_SECONDS": 0.15, "REDIS_BREAKER_SECONDS": 5.0,
    "SECRET_KEY": DEV_SECRET_KEY, "SMS_PROVIDER": "simulator",
    "AT_USERNAME": None, "AT_API_KEY": None, "AT_SENDER_ID": None, "AT_API_URL": None, "SIMULATOR_PORT": 5001,
    "GAMMU_DATABASE_URL": None, "GAMMU_SCHEMA_DIR": "/usr/share/doc/gammu-smsd/examples", "GAMMU_SEND_RATE": 6.0,
    "GAMMU_PHONE_ID": None, "GAMMU_POLL_SECONDS": 5.0,
    "CALLBACK_TOKEN": None, "USSD_CODE": "*384*5758#", "SMS_SHORTCODE": "5758", "OFFICE_TZ": "Asia/Pontianak",
    "DEFAULT_LANGUAGE": "id", "QUIET_HOURS": "21:00-07:00", "SMS_CHUNK_SIZE": 500, "SMS_RATE_LIMIT": 0.0,
    "SEND_MAX_ATTEMPTS": 6, "READY_REMINDER_DAYS": 7, "SMS_COST_PER_SEGMENT": 300, "SMS_TIMEOUT": (3.05, 10.0),
    "LEKAS_CLOCK": None, "STATUS_COLLAPSE_SECONDS": 60.0, "SEND_RETRY_BASE_SECONDS": 60.0,
    "SEND_RETRY_MAX_SECONDS": 1800.0, "SWEEP_INTERVAL_SECONDS": 60.0, "REDISPATCH_INTERVAL_SECONDS": 10.0,
    "SEND_QUEUED_GRACE_SECONDS": 300.0,
    "SEND_SENDING_GRACE_SECONDS": 120.0, "DLR_TIMEOUT_HOURS": 48.0, "DLR_UNMATCHED_KEEP_HOURS": 72.0,
    "WORKER_MAINTENANCE_SECONDS": 60, "STATUS_LOOKUP_LIMIT": 5, "STATUS_LOOKUP_WINDOW": 600,
    "STATUS_ATTEMPT_LIMIT": 20, "FEEDBACK_LIMIT": 5, "FEEDBACK_WINDOW": 3600,
    "STAFF_IDLE_MINUTES": 30, "STAFF_SESSION_HOURS": 12, "STAFF_LOGIN_RATE_LIMIT": "30 per 15 minutes",
    "PROXY_HOPS": 0, "METRICS_TOKEN": None, "WEBHOOK_RATE_LIMIT": "12000 per minute",
    "API_RATE_LIMIT": "600 per minute",
    "KIOSK_IDLE_SECONDS": 45, "KIOSK_COUNTDOWN_SECONDS": 20, "KIOSK_SHARED_BY": 12,
    "QUEUE_PRIORITY_STREAK": 2, "QUEUE_MAX_NORMAL_WAIT": 20, "QUEUE_NOTIFY_AHEAD": 3,
}


@pytest.mark.parametrize("blank", [None, ""])
def test_an_unset_or_empty_setting_takes_its_typed_default(make_app, monkeypatch, blank):
    # Empty means unset for every setting but QUIET_HOURS, where it turns quiet hours off (tested above).
    names = [setting.name for setting in config.SETTINGS if blank is None or not setting.empty_is_value]
    for name in names:
        if blank is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, blank)
    settings = make_app().config
    assert {name: repr(settings[name]) for name in names} == {name: repr(DEFAULTS[name]) for name in names}


@pytest.mark.parametrize(("name", "value"), [("SMS_CHUNK_SIZE", "five"), ("QUIET_HOURS", "21-07")])
def test_a_bad_value_stops_a_real_worker_with_the_message_on_stderr(lekas_env, name, value):
    env = {**os.environ, **lekas_env, name: value}
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert worker.returncode != 0
    assert f"{name}={value!r} is not valid: {FORMS[name]}" in worker.stderr
