"""The backup and the restore drill: a backup of the working database, restored into a fresh one, gives an app
that starts with the data there; a restore never overwrites a database by accident or takes a wrong file."""
import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url

from extensions import db
from office import outbox
from office.models import Application
from office.models import Message
from office.outbox import Kind
from tests.conftest import STAFF_PASSWORD
from tests.helpers import new_application
from tests.helpers import phone


def run_in(app, *args):
    """Run a `flask` command against `app` (the test's own app context would otherwise be the one used)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def fresh_database(app, tmp_path):
    """The address of a new, empty database of the same kind as the test database (dropped afterwards)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path}/restored.sqlite3"
        return
    name = f"lekas_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_restored_backup_starts_with_every_row_and_staff_can_sign_in(app, make_app, make_staff, tmp_path,
                                                                        fresh_database):
    application = new_application(moves=["VERIFYING"])
    outbox.queue_sms(phone(3), "Kantor buka besok", Kind.BROADCAST)
    user = make_staff("operator", username="petugas-backup")
    db.session.commit()
    expected = db.session.scalar(select(Application.status).where(Application.id == application.id))
    messages = db.session.scalars(select(Message.text).order_by(Message.id)).all()

    file = str(tmp_path / "lekas.backup")
    made = app.test_cli_runner().invoke(args=["backup", file])
    assert made.exit_code == 0, made.output
    assert "1 applications" in made.output

    restored_app = make_app({"SQLALCHEMY_DATABASE_URI": fresh_database, "WTF_CSRF_ENABLED": False})
    restored = run_in(restored_app, "restore", file)
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output and "1 applications" in restored.output
    with restored_app.app_context():
        assert db.session.scalar(select(Application.status).where(Application.id == application.id)) == expected
        assert db.session.scalars(select(Message.text).order_by(Message.id)).all() == messages
    client = restored_app.test_client()
    assert client.get("/healthz").status_code == 200
    signed_in = client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD})
    assert signed_in.status_code == 302


def test_a_restore_refuses_a_database_that_is_not_empty_unless_told_to_replace_it(app, tmp_path):
    new_application()
    file = str(tmp_path / "lekas.backup")
    assert app.test_cli_runner().invoke(args=["backup", file]).exit_code == 0
    refused = app.test_cli_runner().invoke(args=["restore", file])
    assert refused.exit_code != 0 and "--replace" in refused.output
    assert db.session.scalar(select(Application.id)) is not None


def test_a_file_that_is_not_a_backup_is_refused_and_the_database_stays_empty(make_app, tmp_path, fresh_database):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"this is not a database" * 100)
    target = make_app({"SQLALCHEMY_DATABASE_URI": fresh_database})
    refused = run_in(target, "restore", str(bogus))
    assert refused.exit_code != 0 and "Error" in refused.output
    missing = run_in(target, "restore", str(tmp_path / "nowhere"))
    assert missing.exit_code != 0 and "no backup file" in missing.output
    with target.app_context():
        from sqlalchemy import inspect
        assert inspect(db.engine).get_table_names() == []
