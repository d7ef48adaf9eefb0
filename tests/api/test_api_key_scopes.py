"""Scoped API keys over HTTP: a missing scope is a 403 naming it, a kelurahan key sees and registers only its
kelurahan's applications and the SMS about them (another's application is a 404, as in the console), a key from
before scopes still does everything, a revoked key is a 401, and every use is counted."""
import pytest
from sqlalchemy import select

from extensions import db
from office import apikeys
from office import outbox
from office import references
from office.apikeys import Scope
from office.models import ApiKey
from office.models import Message
from tests.helpers import new_application

NEW = {"service": "KTP", "applicant_name": "Siti Rahmawati", "phone": "0812-3456-0002"}


def key(scopes=None, kelurahan=None) -> dict:
    _key, token = apikeys.create_key("agency", scopes=scopes, kelurahan=kelurahan, actor="test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two_kelurahan(app):
    """An application in Menteng and one in Palangka, each with its status SMS, and an SMS about nothing."""
    menteng = new_application(kelurahan="Menteng", phone="0812-3456-0001")
    palangka = new_application(kelurahan="Palangka", phone="0812-3456-0003")
    db.session.add(Message(direction="in", phone="+6281234560009", text="SARAN jalan berlubang",
                           status=outbox.RECEIVED, kind="incoming"))
    db.session.commit()
    return menteng, palangka


def listed(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [a["reference"] for a in response.get_json()["applications"]]


def test_a_key_without_messages_read_may_read_applications_but_not_the_sms_log(client, two_kelurahan):
    headers = key([Scope.READ])
    assert client.get("/api/v1/applications", headers=headers).status_code == 200
    response = client.get("/api/v1/messages", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert response.get_json()["error"]["scope"] == "messages:read"


def test_a_kelurahan_key_lists_and_reads_only_its_kelurahan(client, two_kelurahan):
    menteng, palangka = two_kelurahan
    headers = key([Scope.READ], kelurahan="Menteng")
    assert listed(client.get("/api/v1/applications", headers=headers)) == [menteng.reference]
    assert client.get("/api/v1/applications", headers=headers).get_json()["total"] == 1
    assert listed(client.get("/api/v1/applications?kelurahan=Palangka", headers=headers)) == []
    assert client.get(f"/api/v1/applications/{menteng.reference}", headers=headers).status_code == 200
    other = client.get(f"/api/v1/applications/{palangka.reference}", headers=headers)
    unknown = client.get(f"/api/v1/applications/123456789{references.check_digit('123456789')}", headers=headers)
    # The same answer whether it belongs to another kelurahan or does not exist, so it tells nothing.
    assert (other.status_code, other.get_json()) == (unknown.status_code, unknown.get_json())
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"


def test_a_kelurahan_key_cannot_move_another_kelurahans_application(client, two_kelurahan):
    menteng, palangka = two_kelurahan
    headers = key([Scope.APPLICATIONS_WRITE], kelurahan="Menteng")
    moved = client.post(f"/api/v1/applications/{menteng.reference}/status", headers=headers,
                        json={"status": "VERIFYING"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "VERIFYING"
    refused = client.post(f"/api/v1/applications/{palangka.reference}/status", headers=headers,
                          json={"status": "VERIFYING"})
    assert refused.status_code == 404
    db.session.refresh(palangka)
    assert palangka.status == "RECEIVED"


@pytest.mark.parametrize(("kelurahan", "status", "code"), [
    ("Menteng", 201, None),
    ("menteng", 201, None),
    ("Palangka", 403, "other_kelurahan"),
    ("Atlantis", 400, "unknown_kelurahan"),
])
def test_a_kelurahan_key_registers_applications_of_its_kelurahan_only(client, app, kelurahan, status, code):
    response = client.post("/api/v1/applications", headers=key([Scope.APPLICATIONS_WRITE], kelurahan="Menteng"),
                           json={**NEW, "kelurahan": kelurahan})
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["error"]["code"] == code
    else:
        assert response.get_json()["kelurahan"] == "Menteng"


def test_a_kelurahan_key_sees_only_the_sms_about_its_applications(client, two_kelurahan):
    menteng, _palangka = two_kelurahan
    response = client.get("/api/v1/messages", headers=key([Scope.MESSAGES_READ], kelurahan="Menteng"))
    assert response.status_code == 200
    listed = response.get_json()["messages"]
    assert listed and {m["application_id"] for m in listed} == {menteng.id}
    assert response.get_json()["total"] == len(listed)
    everything = client.get("/api/v1/messages", headers=key([Scope.MESSAGES_READ])).get_json()
    assert everything["total"] == db.session.query(Message).count() > len(listed)


def test_a_kelurahan_key_sees_no_broadcast(client, app):
    created = client.post("/api/v1/broadcasts", headers=key(), json={"text": "Kantor tutup besok.",
                                                                     "audience": {"phones": ["0812-3456-0001"]}})
    assert created.status_code == 201, created.get_json()
    response = client.get(f"/api/v1/broadcasts/{created.get_json()['id']}", headers=key([Scope.READ], "Menteng"))
    assert response.status_code == 404


def test_a_key_made_before_scopes_still_does_everything(client, two_kelurahan):
    token = "lk_0ld0ld00_made-the-old-way"
    db.session.execute(ApiKey.__table__.insert().values(name="old", prefix="0ld0ld00",
                                                        key_hash=apikeys._hash(token)))  # noqa: SLF001
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert len(listed(client.get("/api/v1/applications", headers=headers))) == 2
    assert client.get("/api/v1/messages", headers=headers).status_code == 200
    assert client.post("/api/v1/applications", headers=headers, json={**NEW, "kelurahan": "Palangka"}
                       ).status_code == 201
    assert client.post("/api/v1/broadcasts/preview", headers=headers,
                       json={"text": "Uji", "audience": {"all": True}}).status_code == 200


def test_a_revoked_scoped_key_is_a_401(client, app):
    found, token = apikeys.create_key("agency", scopes=[Scope.READ], actor="test")
    db.session.commit()
    apikeys.revoke(found, actor="test")
    db.session.commit()
    response = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_every_use_is_counted_refused_ones_too_and_bad_keys_not(client, app):
    headers = key([Scope.READ])
    for path in ("/api/v1/services", "/api/v1/applications", "/api/v1/applications", "/api/v1/messages"):
        client.get(path, headers=headers)
    client.get("/api/v1/services", headers={"Authorization": headers["Authorization"] + "x"})
    client.get("/api/v1/openapi.json", headers=headers)
    row = db.session.scalar(select(ApiKey))
    used = apikeys.usage([row])[row.id]
    assert used.count == 4 and used.last_used_at is not None
    apikeys.fold_uses()
    assert (row.use_count, row.last_used_at) == (used.count, used.last_used_at)
