import pytest

from config import DEV_SECRET_KEY


def test_production_refuses_the_default_secret_key(make_app, monkeypatch):
    monkeypatch.setenv("LEKAS_ENV", "production")
    monkeypatch.setenv("CALLBACK_TOKEN", "a-random-callback-token")
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app()
    monkeypatch.setenv("SECRET_KEY", "a-real-long-random-secret")
    assert make_app().config["LEKAS_ENV"] == "production"


def test_production_refuses_open_webhooks(make_app, monkeypatch):
    monkeypatch.setenv("LEKAS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-long-random-secret")
    monkeypatch.setenv("CALLBACK_TOKEN", "")
    with pytest.raises(RuntimeError, match="CALLBACK_TOKEN"):
        make_app()


def test_production_refuses_a_moved_clock(make_app, monkeypatch):
    monkeypatch.setenv("LEKAS_ENV", "production")
    monkeypatch.setenv("CALLBACK_TOKEN", "a-random-callback-token")
    monkeypatch.setenv("SECRET_KEY", "a-real-long-random-secret")
    monkeypatch.setenv("LEKAS_CLOCK", "+3600")
    with pytest.raises(RuntimeError, match="LEKAS_CLOCK"):
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
