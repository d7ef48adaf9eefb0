"""The console's user administration: who may reach it, creating, changing, resetting and deactivating
accounts, and what each does to the account's own sessions."""
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from office import accounts
from office.models import AuditLog
from tests.conftest import STAFF_PASSWORD
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

NEW = {"username": "siti", "name": "Siti Aminah", "role": "operator", "kelurahan": "", "password_choice": "type",
       "password": "sementara-123", "confirm": "sementara-123"}


def sign_in(app, username, password):
    """A browser of its own (a separate test client) signed in as `username`."""
    browser = app.test_client()
    response = browser.post("/staff/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def page_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["operator", "kelurahan", "viewer"])
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/staff/users"), ("get", "/staff/users/new"), ("post", "/staff/users/new"),
    ("get", "/staff/users/target"), ("post", "/staff/users/target"), ("post", "/staff/users/target/password"),
    ("get", "/staff/users/target/deactivate"), ("post", "/staff/users/target/deactivate"),
])
def test_only_an_administrator_reaches_the_user_pages(staff_client, make_staff, role, method, path):
    make_staff("viewer", username="target")
    client = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None)
    response = getattr(client, method)(path, data=NEW)
    assert response.status_code == 403
    assert accounts.get_user("target").active


def test_the_list_shows_each_account_with_its_role_place_and_state(app, admin, make_staff):
    make_staff("kelurahan", kelurahan="Menteng", username="lurah-menteng")
    gone = make_staff("viewer", username="mantan")
    accounts.deactivate(gone, actor="test")
    db.session.commit()
    page = page_of(admin.get("/staff/users"))
    for text in ("lurah-menteng", "Kelurahan office", "Menteng", "mantan", "Deactivated", "admin-user",
                 "Administrator", "never"):
        assert text in page


def test_a_created_user_must_change_the_password_at_first_sign_in(app, admin):
    response = admin.post("/staff/users/new", data=NEW)
    assert response.status_code == 302 and response.location.endswith("/staff/users/siti")
    [row] = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.create", AuditLog.target == "siti"))
    assert (row.actor, row.target) == ("admin-user", "siti")
    newcomer = sign_in(app, "siti", "sementara-123")
    response = newcomer.get("/staff/")
    assert response.status_code == 302 and response.location.endswith("/staff/password")


def test_a_generated_password_is_shown_once_uncached_and_works(app, admin):
    response = admin.post("/staff/users/new", data={**NEW, "password_choice": "generate", "password": "",
                                                    "confirm": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [password] = [line.split('value="')[1].split('"')[0] for line in page_of(response).splitlines()
                  if 'id="secret"' in line]
    accounts.check_password(password, "siti")
    assert password not in page_of(admin.get("/staff/users/siti"))
    assert password not in page_of(admin.get("/staff/users"))
    response = sign_in(app, "siti", password).get("/staff/")
    assert response.location.endswith("/staff/password")


def test_a_kelurahan_account_appears_only_with_its_kelurahan(app, admin):
    response = admin.post("/staff/users/new", data={**NEW, "role": "kelurahan"})
    assert response.status_code == 400
    page = page_of(response)
    assert 'id="kelurahan-error"' in page and "A kelurahan account needs its kelurahan." in page
    assert 'value="siti"' in page and 'value="Siti Aminah"' in page  # what was typed stays
    response = admin.post("/staff/users/new", data={**NEW, "role": "kelurahan", "kelurahan": "MENTENG"})
    assert response.status_code == 302
    assert accounts.get_user("siti").kelurahan.name == "Menteng"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"username": "S"}, "username", "A username is 3 to 60 lowercase letters"),
    ({"username": ""}, "username", "Fill in this field."),
    ({"name": ""}, "name", "Fill in this field."),
    ({"role": "root"}, "role", "Unknown role."),
    ({"confirm": "something-else"}, "confirm", "The two passwords differ."),
    ({"password": "", "confirm": ""}, "password", "Type the temporary password, or choose to generate one."),
    ({"password": "short", "confirm": "short"}, "password", "A password is 10 to 200 characters."),
    ({"password_choice": "maybe"}, "password_choice", "Choose how the password is set."),
    ({"username": "admin-user"}, "username", "That username is taken."),
])
def test_a_bad_new_user_is_answered_beside_the_field(app, admin, changes, field, message):
    response = admin.post("/staff/users/new", data={**NEW, **changes})
    assert response.status_code == 400
    page = page_of(response)
    assert message in page
    if field != "password_choice":
        assert f'aria-describedby="{field}-hint {field}-error"' in page or f'aria-describedby="{field}-error"' in page


def test_the_console_speaks_indonesian_to_an_indonesian_administrator(app, staff_client):
    page = page_of(staff_client("admin").post("/staff/users/new", data={**NEW, "role": "kelurahan"}))
    assert "Pengguna baru" in page


def test_changing_a_role_ends_that_users_sessions(app, admin, make_staff):
    make_staff("operator", username="budi")
    budi = sign_in(app, "budi", STAFF_PASSWORD)
    assert budi.get("/staff/").status_code == 200
    response = admin.post("/staff/users/budi", data={"name": "Budi", "role": "viewer", "kelurahan": "",
                                                     "language": "en", "active": "y"})
    assert response.status_code == 302
    assert accounts.get_user("budi").role == "viewer"
    assert budi.get("/staff/").location.startswith("/staff/login")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"role": "viewer"}, "role", "You cannot remove your own administrator role."),
    ({"active": ""}, "active", "You cannot deactivate your own account."),
])
def test_an_administrator_cannot_lock_themself_out(app, admin, change, field, message):
    form = {"name": "Admin", "role": "admin", "kelurahan": "", "language": "en", "active": "y", **change}
    response = admin.post("/staff/users/admin-user", data={k: v for k, v in form.items() if v})
    assert response.status_code == 400
    assert message in page_of(response)
    me = accounts.get_user("admin-user")
    assert (me.role, me.active) == ("admin", True)
    response = admin.post("/staff/users/admin-user/deactivate")
    assert response.status_code == 400 and "You cannot deactivate your own account." in page_of(response)
    assert admin.get("/staff/users").status_code == 200


def test_a_reset_ends_the_users_other_sessions_and_makes_them_choose_a_password(app, admin, make_staff):
    make_staff("operator", username="budi")
    budi = sign_in(app, "budi", STAFF_PASSWORD)
    response = admin.post("/staff/users/budi/password", data={"password_choice": "type", "password": "baru-sekali-1",
                                                              "confirm": "baru-sekali-1"})
    assert response.status_code == 302
    assert budi.get("/staff/").location.startswith("/staff/login")
    assert sign_in(app, "budi", "baru-sekali-1").get("/staff/").location.endswith("/staff/password")
    [row] = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.reset_password"))
    assert row.actor == "admin-user" and "baru-sekali-1" not in str([row.before, row.after, row.detail])


def test_an_administrator_resets_their_own_password_on_the_password_page(app, admin):
    response = admin.post("/staff/users/admin-user/password", data={"password_choice": "generate"})
    assert response.status_code == 400
    assert "Change your own password on the Password page." in page_of(response)


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(app, admin, make_staff):
    make_staff("operator", username="budi")
    budi = sign_in(app, "budi", STAFF_PASSWORD)
    confirm = admin.get("/staff/users/budi/deactivate")
    assert confirm.status_code == 200 and "Yes, deactivate" in page_of(confirm)
    assert accounts.get_user("budi").active  # asking is not doing
    response = admin.post("/staff/users/budi/deactivate")
    assert response.status_code == 302
    assert budi.get("/staff/").location.startswith("/staff/login")
    refused = app.test_client().post("/staff/login", data={"username": "budi", "password": STAFF_PASSWORD})
    assert refused.status_code == 401


def test_an_unknown_account_is_a_404(admin):
    for path in ("/staff/users/nobody", "/staff/users/nobody/deactivate"):
        assert admin.get(path).status_code == 404
    assert admin.post("/staff/users/nobody/password").status_code == 404


fuzz = hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
values = st.one_of(texts(), st.just("\x00"), st.just("x" * 10_000), st.sampled_from(["admin", "kelurahan", "type",
                                                                                      "generate", "y", ""]))


@pytest.fixture
def admin_and_budi(admin, make_staff):
    """A signed-in administrator's client, and an operator "budi" for them to change."""
    make_staff("operator", username="budi")
    return admin


@fuzz
@given(form=st.fixed_dictionaries({}, optional={name: values for name in [*NEW, "language", "active"]}))
def test_no_input_to_the_user_forms_is_a_server_error(admin_and_budi, form):
    for path in ("/staff/users/new", "/staff/users/budi", "/staff/users/budi/password"):
        response = admin_and_budi.post(path, data=form_body(form), content_type=FORM)
        assert response.status_code < 500, (path, form)
