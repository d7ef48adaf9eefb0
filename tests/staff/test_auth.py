"""Signing in and out of the console: sessions, their limits, lockout, CSRF and the per-address limit."""
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from sqlalchemy import select

from extensions import db
from office import accounts
from office.models import AuditLog
from office.models import StaffUser
from tests.conftest import STAFF_PASSWORD
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts


def audit_actions(username):
    return list(db.session.scalars(select(AuditLog.action).where(AuditLog.target == username).order_by(AuditLog.id)))


def test_the_console_sends_a_visitor_to_sign_in_and_back_to_the_page_asked_for(client, make_staff):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.location.startswith("/staff/login?next=")
    user = make_staff("operator")
    signed_in = client.post(response.location, data={"username": user.username, "password": STAFF_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.location == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert audit_actions(user.username)[-1] == "login.success"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/staff/", "/api/v1/services",
                                    "javascript:alert(1)"])
def test_after_sign_in_only_a_console_page_is_followed(client, make_staff, target):
    user = make_staff("operator")
    response = client.post("/staff/login", query_string={"next": target},
                           data={"username": user.username, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and response.location == "/staff/"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, make_staff):
    user = make_staff("operator")
    wrong = client.post("/staff/login", data={"username": user.username, "password": "not-the-password"})
    unknown = client.post("/staff/login", data={"username": "nobody-here", "password": "not-the-password"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    # What was typed as the username stays in the form; the password never comes back.
    assert f'value="{user.username}"' in wrong.get_data(as_text=True)
    assert "not-the-password" not in wrong.get_data(as_text=True)
    assert audit_actions(user.username) == ["user.create", "login.failure"]
    assert audit_actions("nobody-here") == ["login.failure"]


def test_ten_wrong_passwords_lock_the_account_for_fifteen_minutes_on_the_office_clock(client, make_staff, settings):
    user = make_staff("operator")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        client.post("/staff/login", data={"username": user.username, "password": "wrong-password"})
    refused = client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD})
    assert refused.status_code == 401
    assert "Terlalu banyak kata sandi salah" in refused.get_data(as_text=True)
    assert audit_actions(user.username).count("login.lockout") == 1
    settings(LEKAS_CLOCK="+840")  # 14 minutes on: still locked
    assert client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD}).status_code == 401
    settings(LEKAS_CLOCK="+901")  # 15 minutes and a second on
    assert client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).failed_logins == 0


@pytest.mark.parametrize("clock, signed_in", [
    ("+1740", True),   # 29 minutes without a request
    ("+1860", False),  # 31 minutes: idle too long
])
def test_an_idle_session_ends_after_thirty_minutes(staff_client, settings, clock, signed_in):
    client = staff_client("operator")
    settings(LEKAS_CLOCK=clock)
    response = client.get("/staff/")
    assert (response.status_code == 200) is signed_in
    if not signed_in:
        assert response.location == "/staff/login"
        assert "Sesi Anda berakhir" in client.get("/staff/login").get_data(as_text=True)


def test_every_session_ends_after_twelve_hours_however_busy(staff_client, settings):
    client = staff_client("operator")
    for minutes in range(25, 12 * 60, 25):  # a request every 25 minutes all day long
        settings(LEKAS_CLOCK=f"+{minutes * 60}")
        assert client.get("/staff/").status_code == 200, minutes
    settings(LEKAS_CLOCK=f"+{12 * 3600 + 60}")
    assert client.get("/staff/").location == "/staff/login"


def test_a_password_set_by_someone_else_must_be_changed_before_anything_else(client, make_staff, login):
    user = make_staff("operator", must_change_password=True)
    assert login(user).location == "/staff/"
    assert client.get("/staff/").location == "/staff/password"
    weak = client.post("/staff/password", data={"current_password": STAFF_PASSWORD, "password": "short",
                                                "confirm": "short"})
    assert weak.status_code == 200 and 'aria-invalid="true"' in weak.get_data(as_text=True)
    new = "kata sandi baru saya"
    done = client.post("/staff/password", data={"current_password": STAFF_PASSWORD, "password": new,
                                                "confirm": new})
    assert done.location == "/staff/"
    assert client.get("/staff/").status_code == 200  # the same session goes on with the new token
    assert "user.change_password" in audit_actions(user.username)


def test_a_reset_password_ends_the_sessions_the_user_had(staff_client, app):
    client = staff_client("operator")
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == "operator-user"))
    accounts.reset_password(user, "diatur oleh admin", actor="admin")
    db.session.commit()
    assert client.get("/staff/").location.startswith("/staff/login")


def test_a_deactivated_user_can_no_longer_sign_in(client, make_staff, login):
    user = make_staff("operator")
    accounts.deactivate(user, actor="admin")
    db.session.commit()
    assert login(user).status_code == 401
    assert audit_actions(user.username)[-1] == "login.failure"


def test_signing_out_ends_the_session(staff_client):
    client = staff_client("viewer")
    assert client.post("/staff/logout").location == "/staff/login"
    assert client.get("/staff/").status_code == 302


def test_each_user_reads_the_console_in_their_own_language(staff_client):
    client = staff_client("operator")
    assert "Dasbor" in client.get("/staff/").get_data(as_text=True)
    client.post("/staff/language", data={"language": "en", "next": "/staff/"})
    page = client.get("/staff/").get_data(as_text=True)
    assert "Dashboard" in page and '<html lang="en">' in page


def test_a_form_without_its_csrf_token_is_refused_with_a_page_that_says_why(make_app, make_staff):
    app = make_app({"WTF_CSRF_ENABLED": True})
    with app.app_context():
        user = make_staff("operator")
        client = app.test_client()
        refused = client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD})
        assert refused.status_code == 400
        assert "Formulir ini sudah kedaluwarsa" in refused.get_data(as_text=True)
        form = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        accepted = client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD,
                                                     "csrf_token": token})
        assert accepted.status_code == 302
        # Signed in, a form posted without the session's token is still refused.
        assert client.post("/staff/logout").status_code == 400


def test_sign_ins_from_one_address_are_limited_without_locking_anyone(client, make_staff, settings):
    settings(STAFF_LOGIN_RATE_LIMIT="3 per minute")
    user = make_staff("operator")
    for _ in range(3):
        client.post("/staff/login", data={"username": "someone", "password": "guessing-again"})
    limited = client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD})
    assert limited.status_code == 429
    assert "Terlalu banyak percobaan masuk" in limited.get_data(as_text=True)
    other = client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 302


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(username=texts(max_size=10_000), password=texts(max_size=10_000))
@example(username="petugas\x00", password="x\x00")
def test_any_sign_in_form_gets_an_answer_never_a_server_error(client, username, password):
    response = client.post("/staff/login", data=form_body({"username": username, "password": password}),
                           content_type=FORM)
    assert response.status_code in (200, 401, 429)


def test_signing_in_successfully_does_not_use_up_the_addresss_attempts(client, make_staff, login, settings):
    settings(STAFF_LOGIN_RATE_LIMIT="3 per minute")
    users = [make_staff("operator", username=f"petugas-{n}") for n in range(5)]
    for user in users:  # a morning at the counter: everyone signs in from the office's one address
        assert login(user).status_code == 302
        client.post("/staff/logout")


def test_after_a_wrong_password_the_password_field_has_the_focus(client, make_staff):
    user = make_staff("operator")
    page = client.post("/staff/login", data={"username": user.username, "password": "wrong-password"})
    html = page.get_data(as_text=True)
    inputs = {re.search(r'name="(\w+)"', tag).group(1): tag for tag in re.findall(r"<input[^>]*>", html)}
    assert " autofocus" in inputs["password"] and " autofocus" not in inputs["username"]
