"""Staff accounts in the domain: the rules of creating, changing, resetting and deactivating, the audit
entries each writes (before and after, never a password or its hash), and the sign-in lockout."""
import json
import threading

import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import accounts
from office import catalog
from office.errors import DomainError
from office.models import AuditLog
from office.models import StaffUser

PASSWORD = "sandi-rahasia-123"


def audit_rows(action=None) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


def assert_no_secret_in_the_log(*secrets):
    logged = json.dumps([[row.before, row.after, row.detail] for row in audit_rows()], ensure_ascii=False)
    hashes = list(db.session.scalars(select(StaffUser.password_hash)))
    for secret in [*secrets, *hashes, "password_hash", "$argon2"]:
        assert secret not in logged


def new_user(username="budi", role="operator", *, kelurahan=None, actor="admin") -> StaffUser:
    user = accounts.create_user(username, "Budi Santoso", role, PASSWORD, kelurahan=kelurahan, actor=actor)
    db.session.commit()
    return user


def test_a_created_account_must_change_its_password_and_is_audited_without_it(app):
    user = new_user(role="kelurahan", kelurahan="Menteng")
    assert user.must_change_password and user.active
    assert user.kelurahan_id == catalog.find_kelurahan("Menteng").id
    [row] = audit_rows("user.create")
    assert (row.actor, row.target, row.before) == ("admin", "budi", None)
    assert row.after == {"username": "budi", "name": "Budi Santoso", "role": "kelurahan",
                         "kelurahan_id": user.kelurahan_id, "language": "id", "active": True}
    assert_no_secret_in_the_log(PASSWORD)


@pytest.mark.parametrize(("changes", "field"), [
    ({"username": "ab"}, "username"),
    ({"username": "Budi Santoso"}, "username"),
    ({"username": "budi\x00"}, "username"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"role": "root"}, "role"),
    ({"role": "kelurahan"}, "kelurahan"),
    ({"role": "kelurahan", "kelurahan": "Atlantis"}, "kelurahan"),
    ({"password": "short"}, "password"),
    ({"password": "x" * 201}, "password"),
    ({"username": "budisantoso", "password": "BudiSantoso"}, "password"),
    ({"password": "sandi-\udc80-rahasia"}, "password"),
])
def test_a_bad_value_is_refused_naming_its_field(app, changes, field):
    values = {"username": "budi", "name": "Budi", "role": "operator", "password": PASSWORD, "kelurahan": None,
              **changes}
    with pytest.raises(DomainError) as refused:
        accounts.create_user(values["username"], values["name"], values["role"], values["password"],
                             kelurahan=values["kelurahan"], actor="admin")
    assert refused.value.details["field"] == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_a_taken_username_is_refused_whatever_its_case(app):
    new_user()
    with pytest.raises(DomainError) as refused:
        accounts.create_user(" BUDI ", "Another Budi", "viewer", PASSWORD, actor="admin")
    assert (refused.value.code, refused.value.details["field"]) == ("username_taken", "username")


def test_an_update_records_only_what_changed_and_ends_sessions_only_for_role_place_or_activity(app):
    user = new_user()
    token = user.session_token
    accounts.update_user(user, name="Budi S.", role="operator", kelurahan=None, language="en", active=True,
                         actor="admin")
    db.session.commit()
    assert user.session_token == token
    [row] = audit_rows("user.update")
    assert row.before == {"name": "Budi Santoso", "language": "id"}
    assert row.after == {"name": "Budi S.", "language": "en"}

    accounts.update_user(user, name="Budi S.", role="kelurahan", kelurahan="MENTENG", language="en", active=True,
                         actor="admin")
    db.session.commit()
    assert user.session_token != token
    row = audit_rows("user.update")[-1]
    assert (row.before, row.after) == ({"role": "operator", "kelurahan_id": None},
                                       {"role": "kelurahan", "kelurahan_id": catalog.find_kelurahan("Menteng").id})
    assert_no_secret_in_the_log(PASSWORD)


def test_an_update_with_a_bad_value_changes_nothing(app):
    user = new_user()
    with pytest.raises(DomainError) as refused:
        accounts.update_user(user, name="New Name", role="operator", kelurahan=None, language="fr", active=False,
                             actor="admin")
    assert refused.value.details["field"] == "language"
    assert (user.name, user.active) == ("Budi Santoso", True)


def test_nothing_changed_writes_no_audit_entry(app):
    user = new_user()
    accounts.update_user(user, name=user.name, role=user.role, kelurahan=None, language=user.language, active=True,
                         actor="admin")
    assert audit_rows("user.update") == []


def test_a_reset_makes_them_choose_again_lifts_the_lockout_and_ends_their_sessions(app):
    user = new_user()
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate("budi", "wrong password", address=None)
        db.session.commit()
    assert user.locked_until is not None
    user.must_change_password = False
    token = user.session_token
    accounts.reset_password(user, "a-new-temporary-one", actor="admin")
    db.session.commit()
    assert user.must_change_password and user.locked_until is None and user.failed_logins == 0
    assert user.session_token != token
    assert accounts.authenticate("budi", "a-new-temporary-one", address=None) is user
    [row] = audit_rows("user.reset_password")
    assert (row.actor, row.target) == ("admin", "budi")
    assert_no_secret_in_the_log(PASSWORD, "a-new-temporary-one")


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(app):
    user = new_user()
    token = user.session_token
    accounts.deactivate(user, actor="admin")
    db.session.commit()
    assert not user.active and user.session_token != token
    with pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate("budi", PASSWORD, address=None)
    assert refused.value.reason == "inactive"
    [row] = audit_rows("user.deactivate")
    assert (row.before, row.after) == ({"active": True}, {"active": False})


@pytest.mark.parametrize("change", ["deactivate", "update_inactive", "demote"])
def test_the_last_active_administrator_cannot_be_taken_out(app, change):
    admin = new_user("kepala", role="admin")
    new_user("mantan", role="admin")
    accounts.deactivate(accounts.get_user("mantan"), actor="cli")  # an inactive admin does not count
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        if change == "deactivate":
            accounts.deactivate(admin, actor="cli")
        else:
            accounts.update_user(admin, name=admin.name, role="operator" if change == "demote" else "admin",
                                 kelurahan=None, language="id", active=change == "demote", actor="cli")
    assert refused.value.code == "last_admin"
    assert refused.value.details["field"] == ("role" if change == "demote" else "active")
    db.session.rollback()
    assert (admin.active, admin.role) == (True, "admin")


@pytest.mark.parametrize("change", ["deactivate", "demote"])
def test_an_administrator_cannot_take_themself_out_even_with_another_administrator(app, change):
    me = new_user("kepala", role="admin")
    new_user("wakil", role="admin")
    with pytest.raises(DomainError) as refused:
        if change == "deactivate":
            accounts.deactivate(me, actor="kepala")
        else:
            accounts.update_user(me, name=me.name, role="viewer", kelurahan=None, language="id", active=True,
                                 actor="kepala")
    assert refused.value.code == "own_admin"


def test_with_two_administrators_one_may_deactivate_or_demote_the_other(app):
    new_user("kepala", role="admin")
    other = new_user("wakil", role="admin")
    accounts.update_user(other, name=other.name, role="viewer", kelurahan=None, language="id", active=True,
                         actor="kepala")
    db.session.commit()
    assert other.role == "viewer"
    accounts.deactivate(other, actor="kepala")
    db.session.commit()
    assert not other.active


@pytest.mark.parametrize(("password", "accepted"), [
    ("x" * 9, False), ("x" * 10, True), ("x" * 200, True), ("x" * 201, False), (None, False), ("budi", False),
    ("kalimat pendek yang mudah diingat", True), ("BUDI", False),
])
def test_password_rules(password, accepted):
    if accepted:
        assert accounts.check_password(password, "budi") == password
    else:
        with pytest.raises(DomainError):
            accounts.check_password(password, "budi")


def test_a_generated_temporary_password_follows_the_rules_and_is_never_the_same():
    generated = {accounts.temporary_password() for _ in range(50)}
    assert len(generated) == 50
    for password in generated:
        assert accounts.check_password(password, "budi") == password
        assert not set(password) & set("0O1lI")


def wrong_guesses(user_name: str, count: int) -> None:
    for _ in range(count):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(user_name, "not the password", address="10.0.0.9")
        db.session.commit()


def test_ten_wrong_passwords_lock_the_account_for_fifteen_minutes(app):
    user = new_user()
    wrong_guesses("budi", accounts.MAX_FAILED_LOGINS - 1)
    assert user.locked_until is None and user.failed_logins == 9
    wrong_guesses("budi", 1)
    assert user.locked_until is not None
    with pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate("budi", PASSWORD, address=None)
    assert refused.value.reason == "locked"
    db.session.commit()
    [lockout] = audit_rows("login.lockout")
    assert lockout.detail["until"] == user.locked_until.isoformat() + "Z"
    reasons = [row.detail["reason"] for row in audit_rows("login.failure")]
    assert reasons == ["wrong_password"] * 10 + ["locked"]


@pytest.mark.parametrize(("offset", "unlocked"), [("+840", False), ("+960", True)])
def test_the_lockout_ends_after_fifteen_minutes_on_the_office_clock(app, settings, offset, unlocked):
    new_user()
    wrong_guesses("budi", accounts.MAX_FAILED_LOGINS)
    settings(LEKAS_CLOCK=offset)
    if unlocked:
        assert accounts.authenticate("budi", PASSWORD, address=None).failed_logins == 0
    else:
        with pytest.raises(accounts.LoginRefused, match="Wrong username or password") as refused:
            accounts.authenticate("budi", PASSWORD, address=None)
        assert refused.value.reason == "locked"


def test_parallel_wrong_passwords_all_count_and_lock_exactly_once(app):
    new_user()
    guesses = accounts.MAX_FAILED_LOGINS + 5
    start = threading.Barrier(guesses)
    outcomes = []

    def guess():
        # Its own app context: its own database session and connection, as a separate request has.
        with app.app_context():
            start.wait()
            try:
                accounts.authenticate("budi", "not the password", address="10.0.0.9")
            except accounts.LoginRefused as refused:
                outcomes.append(refused.reason)
            db.session.commit()

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()
    user = accounts.get_user("budi")
    assert len(outcomes) == guesses
    assert len(audit_rows("login.lockout")) == 1
    assert user.locked_until is not None
    # Every guess was counted: those that had read the account before it locked counted on from zero,
    # those after it were refused as locked.
    wrong = outcomes.count("wrong_password")
    assert wrong >= accounts.MAX_FAILED_LOGINS
    assert user.failed_logins == wrong - accounts.MAX_FAILED_LOGINS
    assert len(audit_rows("login.failure")) == guesses


def test_two_administrators_deactivating_each_other_at_once_leave_one(app):
    for _round in range(5):
        db.session.execute(StaffUser.__table__.delete())
        db.session.execute(AuditLog.__table__.delete())
        db.session.commit()
        new_user("kepala", role="admin")
        new_user("wakil", role="admin")
        start = threading.Barrier(2)
        refusals = []

        def deactivate(actor, target):
            # Each its own app context: its own session and connection, as two requests have.
            with app.app_context():
                start.wait()
                try:
                    accounts.deactivate(accounts.get_user(target), actor=actor)
                except DomainError as refused:
                    refusals.append(refused.code)
                    db.session.rollback()
                else:
                    db.session.commit()

        threads = [threading.Thread(target=deactivate, args=pair) for pair in [("kepala", "wakil"),
                                                                             ("wakil", "kepala")]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        db.session.rollback()
        assert refusals == ["last_admin"]
        assert db.session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.active)) == 1
        assert len(audit_rows("user.deactivate")) == 1
