import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import apikeys
from office import lifecycle
from office.models import ApiKey
from office.models import Application
from office.models import AuditLog
from office.models import QueueTicket
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


def test_seed_demo_opens_a_morning_in_the_lobby_queue_once(runner):
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    tickets = list(db.session.scalars(select(QueueTicket)))
    assert len(tickets) == 9
    assert sorted(t.number for t in tickets if t.status == "called") == ["A002", "C002"]  # the priority tickets first


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


def test_create_api_key_with_scopes_and_a_kelurahan(runner):
    result = runner.invoke(args=["create-api-key", "Kelurahan Menteng", "--scope", "messages:read", "--scope", "read",
                                 "--kelurahan", "Menteng"])
    assert result.exit_code == 0, result.output
    key = apikeys.verify(result.output.strip().splitlines()[-1])
    assert (key.scopes, key.kelurahan.name) == (["read", "messages:read"], "Menteng")
    plain = apikeys.verify(runner.invoke(args=["create-api-key", "Dukcapil"]).output.strip().splitlines()[-1])
    assert plain.scopes == [scope.value for scope in apikeys.Scope] and plain.kelurahan is None


@pytest.mark.parametrize(("options", "message"), [
    (["--scope", "write"], "'write' is not one of"),
    (["--scope", "broadcast", "--kelurahan", "Menteng"], "scopes: A key limited to one kelurahan cannot send"),
    (["--kelurahan", "Atlantis"], "kelurahan: No kelurahan has that name or code."),
])
def test_create_api_key_refuses_bad_scopes_and_kelurahan(runner, options, message):
    result = runner.invoke(args=["create-api-key", "Agency", *options])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_list_api_keys_shows_scopes_kelurahan_uses_and_state(runner):
    db.session.execute(ApiKey.__table__.insert().values(name="Old agency", prefix="0ld0ld00", key_hash="x" * 64))
    db.session.commit()
    token = runner.invoke(args=["create-api-key", "Menteng office", "--scope", "read", "--kelurahan", "Menteng"]
                          ).output.strip().splitlines()[-1]
    for _ in range(2):
        apikeys.verify(token)
    db.session.commit()
    lines = runner.invoke(args=["list-api-keys"]).output.splitlines()
    assert lines[0].split() == ["ID", "PREFIX", "NAME", "SCOPES", "KELURAHAN", "USES", "LAST", "USED", "(UTC)",
                                "STATE"]
    assert lines[1].split()[1:7] == [f"lk_{token.split('_')[1]}", "Menteng", "office", "read", "Menteng", "2"]
    assert lines[1].endswith("active")
    assert lines[2].split()[1:] == ["lk_0ld0ld00", "Old", "agency", "all", "(from", "before", "scopes)", "-", "0",
                                    "never", "active"]


def test_revoke_api_key_by_prefix_or_id_once(runner):
    key, token = apikeys.create_key("Agency", actor="test")
    other, _other_token = apikeys.create_key("Another", actor="test")
    db.session.commit()
    result = runner.invoke(args=["revoke-api-key", f"lk_{key.prefix}"])
    assert result.exit_code == 0 and f"Revoked the key of Agency (lk_{key.prefix})." in result.output
    assert apikeys.verify(token) is None
    assert "was already revoked" in runner.invoke(args=["revoke-api-key", str(key.id)]).output
    assert runner.invoke(args=["revoke-api-key", str(other.id)]).exit_code == 0
    [*_, last] = db.session.scalars(select(AuditLog).where(AuditLog.action == "apikey.revoke").order_by(AuditLog.id))
    assert (last.actor, last.target) == ("cli", "Another")
    unknown = runner.invoke(args=["revoke-api-key", "lk_ffffffff"])
    assert unknown.exit_code != 0 and "No API key has the id or prefix" in unknown.output


def staff(username):
    db.session.expire_all()
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


@pytest.mark.parametrize("typed", ["sandi yang panjang\nsandi yang panjang\n", "sandi yang panjang\n"])
def test_create_staff_reads_the_password_twice_or_once_from_standard_input(runner, typed):
    result = runner.invoke(args=["create-staff", "siti", "--role", "kelurahan", "--kelurahan", "Menteng",
                                 "--name", "Siti Rahma"], input=typed)
    assert result.exit_code == 0, result.output
    user = staff("siti")
    assert user.role == "kelurahan" and user.kelurahan.name == "Menteng" and user.name == "Siti Rahma"
    assert user.must_change_password and "sandi" not in user.password_hash


@pytest.mark.parametrize("args, typed, says", [
    (["create-staff", "siti", "--role", "operator"], "sandi yang panjang\nsandi lain sekali\n", "twice"),
    (["create-staff", "siti", "--role", "operator"], "pendek\n", "password: A password is 10 to 200"),
    (["create-staff", "siti", "--role", "kelurahan"], "sandi yang panjang\n", "kelurahan: A kelurahan account"),
    (["create-staff", "Siti Rahma", "--role", "operator"], "sandi yang panjang\n", "username:"),
    (["create-staff", "siti", "--role", "camat"], "sandi yang panjang\n", "Invalid value for '--role'"),
    (["reset-password", "nobody"], "sandi yang panjang\n", "No staff account"),
    (["deactivate-staff", "nobody"], "", "No staff account"),
])
def test_staff_commands_refuse_bad_values_and_say_which(runner, args, typed, says):
    result = runner.invoke(args=args, input=typed)
    assert result.exit_code != 0
    assert says in result.output
    assert staff("siti") is None


def test_reset_password_and_deactivate_staff_change_the_account_and_are_audited(runner):
    runner.invoke(args=["create-staff", "siti", "--role", "operator"], input="sandi yang panjang\n")
    before = staff("siti").session_token
    assert runner.invoke(args=["reset-password", "siti"], input="sandi baru lagi\n").exit_code == 0
    user = staff("siti")
    assert user.session_token != before and user.must_change_password
    assert runner.invoke(args=["deactivate-staff", "siti"]).exit_code == 0
    assert staff("siti").active is False
    actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.target == "siti").order_by(AuditLog.id)))
    assert actions == ["user.create", "user.reset_password", "user.deactivate"]
