import pytest

from config import DEV_SECRET_KEY


@pytest.fixture
def production(monkeypatch):
    """A production environment that starts; each test then breaks one thing."""
    monkeypatch.setenv("LEKAS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-long-random-secret")
    monkeypatch.setenv("CALLBACK_TOKEN", "a-random-callback-token")
    monkeypatch.delenv("LEKAS_CLOCK", raising=False)
    return monkeypatch


def test_a_proper_production_environment_starts(make_app, production):
    assert make_app().config["LEKAS_ENV"] == "production"


@pytest.mark.parametrize(("name", "value"), [
    ("SECRET_KEY", DEV_SECRET_KEY),
    ("CALLBACK_TOKEN", ""),
    ("LEKAS_CLOCK", "+3600"),
])
def test_production_refuses_unsafe_settings(make_app, production, name, value):
    production.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        make_app()


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
