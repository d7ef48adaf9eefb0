"""API keys in the console: only administrators manage them, a new key is shown once and works with the
scopes and kelurahan chosen in its form, a revoked key stops working, and each creation and revocation is
audited."""
import re
import threading

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from office import apikeys
from office.models import ApiKey
from office.models import AuditLog
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

TOKEN = re.compile(r'value="(lk_[0-9a-f]{8}_[A-Za-z0-9_-]+)"')
READ_AND_WRITE = ["read", "applications:write"]


def create(admin, name="Dukcapil Palangka Raya") -> str:
    response = admin.post("/staff/api-keys", data={"name": name, "scopes": READ_AND_WRITE})
    assert response.status_code == 200
    [token] = TOKEN.findall(response.get_data(as_text=True))
    return token


def audit_rows(action) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def services(client, token):
    return client.get("/api/v1/services", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("role", ["operator", "kelurahan", "viewer"])
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/staff/api-keys"), ("post", "/staff/api-keys"), ("get", "/staff/api-keys/{id}/revoke"),
    ("post", "/staff/api-keys/{id}/revoke"),
])
def test_only_an_administrator_manages_api_keys(staff_client, role, method, path):
    key, _token = apikeys.create_key("Agency", actor="test")
    db.session.commit()
    client = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None)
    response = getattr(client, method)(path.format(id=key.id), data={"name": "Another"})
    assert response.status_code == 403
    assert db.session.scalars(select(ApiKey.name).order_by(ApiKey.id)).all() == ["Agency"]
    assert key.revoked_at is None


def test_a_new_key_is_shown_once_uncached_and_works_against_the_api(app, admin, client):
    response = admin.post("/staff/api-keys", data={"name": "Dukcapil Palangka Raya", "scopes": READ_AND_WRITE})
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "It is not shown again" in page and 'data-copy="secret"' in page
    [token] = TOKEN.findall(page)
    with admin.session_transaction() as session:  # nor in the session cookie, where flash messages live
        assert token not in str(dict(session))
    listing = admin.get("/staff/api-keys").get_data(as_text=True)
    assert token not in listing and "Dukcapil Palangka Raya" in listing and token.split("_")[1] in listing
    answer = services(app.test_client(), token)
    assert answer.status_code == 200 and answer.json
    key = db.session.scalar(select(ApiKey))
    assert key.key_hash != token and apikeys.usage([key])[key.id].last_used_at is not None
    [row] = audit_rows("apikey.create")
    assert (row.actor, row.target, row.after) == ("admin-user", "Dukcapil Palangka Raya",
                                                  {"name": "Dukcapil Palangka Raya", "prefix": key.prefix,
                                                   "scopes": READ_AND_WRITE, "kelurahan": None})
    assert token not in str([row.before, row.after, row.detail])


def test_a_revoked_key_gets_401_and_the_revocation_is_audited_once(app, admin):
    token = create(admin)
    key = db.session.scalar(select(ApiKey))
    confirm = admin.get(f"/staff/api-keys/{key.id}/revoke")
    assert confirm.status_code == 200 and "Yes, revoke" in confirm.get_data(as_text=True)
    assert services(app.test_client(), token).status_code == 200  # asking is not revoking
    response = admin.post(f"/staff/api-keys/{key.id}/revoke")
    assert response.status_code == 302 and response.location.endswith("/staff/api-keys")
    assert services(app.test_client(), token).status_code == 401
    again = admin.post(f"/staff/api-keys/{key.id}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)
    [row] = audit_rows("apikey.revoke")
    assert (row.actor, row.target, row.before, row.detail) == ("admin-user", key.name, {"revoked_at": None},
                                                               {"prefix": key.prefix})
    assert "Revoked" in admin.get("/staff/api-keys").get_data(as_text=True)


def test_two_admins_revoking_at_once_revoke_it_once(app):
    key, token = apikeys.create_key("Agency", actor="test")
    db.session.commit()
    key_id = key.id  # read here: the threads must not touch this session's objects
    start = threading.Barrier(4)
    results = []

    def revoke():
        with app.app_context():
            start.wait()
            results.append(apikeys.revoke(apikeys.get_key(key_id), actor="admin"))
            db.session.commit()

    threads = [threading.Thread(target=revoke) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, False, False, True]
    db.session.rollback()
    assert len(audit_rows("apikey.revoke")) == 1
    assert apikeys.verify(token) is None


def test_an_unknown_key_is_a_404(admin):
    assert admin.get("/staff/api-keys/999/revoke").status_code == 404
    assert admin.post("/staff/api-keys/999/revoke").status_code == 404


@pytest.mark.parametrize(("name", "message"), [
    ("", "Fill in this field."),
    ("   ", "Fill in this field."),
    ("\x00\x00", "Fill in this field."),
    ("K" * 61, "This is too long."),
])
def test_a_bad_name_is_answered_beside_the_field_and_kept(admin, name, message):
    response = admin.post("/staff/api-keys", data={"name": name})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'id="name-error"' in page
    if name.strip("\x00 "):
        assert f'value="{name}"' in page
    assert db.session.scalar(select(ApiKey)) is None


def test_the_command_line_key_is_audited_as_the_cli(runner):
    assert runner.invoke(args=["create-api-key", "Kelurahan Menteng"]).exit_code == 0
    [row] = audit_rows("apikey.create")
    assert (row.actor, row.target) == ("cli", "Kelurahan Menteng")


def test_the_form_offers_every_scope_with_the_usual_two_checked_and_every_kelurahan(admin):
    page = admin.get("/staff/api-keys").get_data(as_text=True)
    boxes = {value: checked for checked, value in re.findall(
        r'<input(?= )([^>]*?) name="scopes" type="checkbox" value="([^"]+)"', page)}
    assert list(boxes) == [scope.value for scope in apikeys.Scope]
    assert [value for value, attrs in boxes.items() if "checked" in attrs] == READ_AND_WRITE
    assert page.count('<label for="scopes-') == len(apikeys.Scope)
    assert '<label for="kelurahan">' in page and ">Menteng</option>" in page


def test_a_key_made_in_the_form_has_its_scopes_and_kelurahan_and_the_list_shows_them(app, admin):
    response = admin.post("/staff/api-keys", data={"name": "Kelurahan Menteng", "scopes": ["read", "messages:read"],
                                                   "kelurahan": "62.71.03.1002"})
    assert response.status_code == 200
    [token] = TOKEN.findall(response.get_data(as_text=True))
    key = db.session.scalar(select(ApiKey))
    assert (key.scopes, key.kelurahan.name) == (["read", "messages:read"], "Menteng")
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/applications", headers=headers).status_code == 200
    assert app.test_client().post("/api/v1/applications", headers=headers, json={}).status_code == 403
    listing = admin.get("/staff/api-keys").get_data(as_text=True)
    assert "Read applications and broadcasts" in listing and "Read the SMS log" in listing
    assert "Send and cancel broadcasts" not in listing.split("<table")[1]
    assert re.search(r'data-label="Kelurahan">Menteng</td>', listing)
    assert re.search(r'data-label="Uses" class="num">2</td>', listing)


def test_a_key_from_before_scopes_is_listed_as_allowed_everything(admin):
    db.session.execute(ApiKey.__table__.insert().values(name="Old agency", prefix="0ld0ld00", key_hash="x" * 64))
    db.session.commit()
    listing = admin.get("/staff/api-keys").get_data(as_text=True)
    assert "Everything (a key from before permissions)" in listing


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "Agency"}, "scopes", "Choose at least one of the listed permissions."),
    ({"name": "Agency", "scopes": ["everything"]}, "scopes", "Choose at least one of the listed permissions."),
    ({"name": "Agency", "scopes": ["read", "broadcast"], "kelurahan": "Menteng"}, "scopes",
     "A key limited to one kelurahan cannot send broadcasts: they reach every kelurahan."),
    ({"name": "Agency", "scopes": ["read"], "kelurahan": "Atlantis"}, "kelurahan",
     "No kelurahan has that name or code."),
])
def test_bad_scopes_or_kelurahan_are_answered_beside_the_field_keeping_the_name(admin, data, field, message):
    response = admin.post("/staff/api-keys", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error" role="alert">{re.escape(message)}<', page)
    assert 'value="Agency"' in page
    assert db.session.scalar(select(ApiKey)) is None


@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(texts(), texts(max_size=10_000, min_size=9_000), st.just("\x00")),
       scopes=st.lists(st.one_of(st.sampled_from([scope.value for scope in apikeys.Scope]), texts()), max_size=5),
       kelurahan=st.one_of(st.sampled_from(["", "Menteng", "62.71.03.1002"]), texts(),
                           texts(max_size=10_000, min_size=9_000)))
def test_no_key_form_is_a_server_error(admin, name, scopes, kelurahan):
    body = [("name", name), *(("scopes", scope) for scope in scopes), ("kelurahan", kelurahan)]
    response = admin.post("/staff/api-keys", data=form_body(body), content_type=FORM)
    assert response.status_code in (200, 400)
