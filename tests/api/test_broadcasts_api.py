"""Broadcasts over the JSON API: preview, create, progress while sending, cancel, and bad input."""
import pytest

from tests.helpers import add_subscribers

TEXT = "Kantor camat tutup Jumat, 1 Desember, karena hari libur nasional."


def test_preview_counts_recipients_segments_and_cost_without_creating_anything(api):
    add_subscribers(3)
    response = api.post("/api/v1/broadcasts/preview", json={"text": TEXT, "audience": {"all": True}})

    assert response.status_code == 200
    assert response.get_json() == {
        "recipients": 3, "by_language": {"id": 3, "en": 0}, "segments": {"id": 1, "en": None},
        "estimated_cost": 900, "currency": "IDR", "removed_opted_out": 0, "removed_duplicates": 0, "invalid": []}
    assert api.get("/api/v1/broadcasts/1").status_code == 404


def test_created_broadcast_is_sent_and_its_progress_counts_every_recipient(api, simulator, run_jobs):
    phones = add_subscribers(4)
    response = api.post("/api/v1/broadcasts", json={
        "text": TEXT, "text_en": "The office is closed on Friday.", "audience": {"all": True}})
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "scheduled" and created["recipients"] == 4
    assert created["preview"]["estimated_cost"] == 1200 and created["created_by"] == "api:test-agency"

    run_jobs()
    progress = api.get(f"/api/v1/broadcasts/{created['id']}").get_json()

    assert progress["status"] == "done"
    assert progress["counts"]["sent"] + progress["counts"]["delivered"] == 4
    assert progress["unknown"] == [] and progress["finished_at"]
    assert sorted(m["phone"] for m in simulator.messages()) == sorted(phones)


def test_pasted_numbers_report_the_invalid_ones_and_still_send_to_the_rest(api, simulator, run_jobs):
    response = api.post("/api/v1/broadcasts", json={
        "text": TEXT, "audience": {"phones": ["0812-3456-0001", "0812 3456 0001", "nomor salah"]}})
    assert response.status_code == 201
    body = response.get_json()
    assert body["recipients"] == 1
    assert body["preview"]["invalid"] == ["nomor salah"] and body["preview"]["removed_duplicates"] == 1
    run_jobs()
    assert [m["phone"] for m in simulator.messages()] == ["+6281234560001"]


def test_a_scheduled_broadcast_can_be_cancelled_before_it_goes_out(api, simulator, run_jobs):
    add_subscribers(2)
    created = api.post("/api/v1/broadcasts", json={
        "text": TEXT, "audience": {"all": True}, "send_at": "2099-01-01T08:00:00+07:00"})
    assert created.status_code == 400 and created.get_json()["error"]["code"] == "invalid_send_at"

    created = api.post("/api/v1/broadcasts", json={"text": TEXT, "audience": {"all": True}})
    broadcast_id = created.get_json()["id"]
    cancelled = api.post(f"/api/v1/broadcasts/{broadcast_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    run_jobs()

    assert simulator.messages() == []
    assert api.post(f"/api/v1/broadcasts/{broadcast_id}/cancel").status_code == 200


def test_cancelling_a_finished_broadcast_is_a_conflict(api, simulator, run_jobs):
    add_subscribers(1)
    broadcast_id = api.post("/api/v1/broadcasts", json={"text": TEXT, "audience": {"all": True}}).get_json()["id"]
    run_jobs()

    response = api.post(f"/api/v1/broadcasts/{broadcast_id}/cancel")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_cancellable"


@pytest.mark.parametrize(("body", "code"), [
    ({"audience": {"all": True}}, "missing_field"),
    ({"text": TEXT}, "invalid_audience"),
    ({"text": TEXT, "audience": {"everyone": True}}, "invalid_audience"),
    ({"text": TEXT, "audience": {"kelurahan": ["Atlantis"]}}, "unknown_kelurahan"),
    ({"text": TEXT, "audience": {"service": "KTP", "status": "GONE"}}, "unknown_status"),
    ({"text": TEXT * 20, "audience": {"all": True}}, "text_too_long"),
    ({"text": TEXT, "audience": {"all": True}, "send_at": "besok"}, "invalid_send_at"),
    ({"text": TEXT, "audience": {"all": True}, "send_at": "0001-01-01T00:00:00"}, "invalid_send_at"),
    ({"text": TEXT, "audience": {"all": True}, "send_at": "9999-12-31T23:59:59-12:00"}, "invalid_send_at"),
    ({"text": TEXT, "audience": {"all": True}, "urgent": "yes"}, "invalid_field"),
    ({"text": TEXT, "audience": {"all": True}}, "empty_audience"),
    ({"text": TEXT, "audience": {"phones": ["0812-3456-0001", 81234560002]}}, "invalid_audience"),
    ({"text": "Tutup" + " " * 1000, "audience": {"all": True}}, "text_too_long"),
])
def test_bad_requests_get_a_400_with_a_code(api, body, code):
    response = api.post("/api/v1/broadcasts", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("path", ["/api/v1/broadcasts/999", "/api/v1/broadcasts/abc", "/api/v1/broadcasts/1/cancel",
                                  "/api/v1/broadcasts/99999999999", "/api/v1/broadcasts/-1"])
def test_unknown_broadcasts_are_404(api, path):
    response = api.post(path) if path.endswith("cancel") else api.get(path)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_broadcasts_need_an_api_key_and_a_json_body(client, api):
    assert client.post("/api/v1/broadcasts", json={"text": TEXT, "audience": {"all": True}}).status_code == 401
    assert client.get("/api/v1/broadcasts/1").status_code == 401
    response = api.post("/api/v1/broadcasts", data=b"[1]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"


def test_the_openapi_document_describes_the_broadcast_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"/broadcasts", "/broadcasts/preview", "/broadcasts/{broadcast_id}",
            "/broadcasts/{broadcast_id}/cancel"} <= set(doc["paths"])
    assert "unknown" in doc["components"]["schemas"]["Broadcast"]["properties"]
