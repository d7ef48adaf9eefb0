from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import apikeys
from office import lifecycle
from office.models import Application
from office.models import Service
from office.models import StaffUser


def table_snapshot():
    return [(s.code, s.name, s.requirements, s.position, s.active) for s in db.session.scalars(
        select(Service).order_by(Service.code))]


def test_init_db_twice_changes_nothing(runner):
    before = table_snapshot()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "0 services and 0 kelurahan" in result.output
    assert table_snapshot() == before


def test_seed_demo_is_refused_in_production(app, runner, settings):
    settings(LEKAS_ENV="production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "refused" in result.output
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_seed_demo_makes_an_admin_and_an_application_in_every_status(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin / lekas-demo" in result.output
    statuses = set(db.session.scalars(select(Application.status)))
    assert statuses == set(lifecycle.STATUSES)
    again = runner.invoke(args=["seed-demo"])
    assert "nothing added" in again.output
    assert db.session.scalar(select(func.count()).select_from(Application)) == len(lifecycle.STATUSES)
    admin = db.session.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    assert admin.password_hash != "lekas-demo"


def test_create_api_key_prints_a_working_key_alone_on_the_last_line(runner):
    result = runner.invoke(args=["create-api-key", "Kelurahan Menteng"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert " " not in token
    key = apikeys.verify(token)
    assert key is not None and key.name == "Kelurahan Menteng"
    assert key.key_hash != token and token not in key.key_hash


def test_create_api_key_refuses_a_name_too_long_for_the_history(runner):
    result = runner.invoke(args=["create-api-key", "K" * 61])
    assert result.exit_code != 0
    assert "1 to 60 characters" in result.output
