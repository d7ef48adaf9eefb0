import pytest

from config import DEV_SECRET_KEY
from config import MIN_CALLBACK_TOKEN
from config import MIN_SECRET_KEY


@pytest.fixture
def production(monkeypatch):
    """A production environment that starts; each test then breaks one thing."""
    monkeypatch.setenv("LEKAS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * MIN_SECRET_KEY)
    monkeypatch.setenv("CALLBACK_TOKEN", "t" * MIN_CALLBACK_TOKEN)
    monkeypatch.setenv("SMS_PROVIDER", "africastalking")
    monkeypatch.delenv("LEKAS_CLOCK", raising=False)
    return monkeypatch


def test_a_proper_production_environment_starts(make_app, production):
    assert make_app().config["LEKAS_ENV"] == "production"


@pytest.mark.parametrize(("name", "value"), [
    ("SECRET_KEY", DEV_SECRET_KEY),
    ("SECRET_KEY", "s" * (MIN_SECRET_KEY - 1)),
    ("CALLBACK_TOKEN", ""),
    ("CALLBACK_TOKEN", "t" * (MIN_CALLBACK_TOKEN - 1)),
    ("SMS_PROVIDER", "simulator"),
    ("LEKAS_CLOCK", "+3600"),
])
def test_production_refuses_unsafe_settings(make_app, production, name, value):
    production.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        make_app()


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
