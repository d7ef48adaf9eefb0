from datetime import timedelta

import pytest

from extensions import db
from office.clock import utcnow
from office.models import Message

PHONE = "+6281234567001"
OTHER = "+6285212345678"


@pytest.fixture
def log(app):
    """Six messages a minute apart, oldest first: (phone, direction, status)."""
    start = utcnow() - timedelta(hours=1)
    rows = [
        (PHONE, "in", "received"), (PHONE, "out", "delivered"), (OTHER, "in", "received"),
        (OTHER, "out", "failed"), (PHONE, "out", "queued"), (PHONE, "in", "received"),
    ]
    messages = []
    for n, (phone, direction, status) in enumerate(rows):
        message = Message(direction=direction, phone=phone, text=f"message {n}", status=status,
                          kind="incoming" if direction == "in" else "reply", created_at=start + timedelta(minutes=n))
        db.session.add(message)
        messages.append(message)
    db.session.commit()
    return messages


def texts(response):
    assert response.status_code == 200, response.get_json()
    return [m["text"] for m in response.get_json()["messages"]]


def test_the_log_lists_every_message_newest_first(api, log):
    response = api.get("/api/v1/messages")
    assert texts(response) == [f"message {n}" for n in range(5, -1, -1)]
    assert response.get_json()["total"] == 6
    first = response.get_json()["messages"][0]
    assert first["phone"] == PHONE and first["direction"] == "in" and first["created_at"].endswith("Z")


def test_filters_by_phone_in_any_form_direction_and_status(api, log):
    assert texts(api.get("/api/v1/messages?phone=0812-3456-7001")) == ["message 5", "message 4", "message 1",
                                                                        "message 0"]
    assert texts(api.get("/api/v1/messages?direction=out")) == ["message 4", "message 3", "message 1"]
    assert texts(api.get("/api/v1/messages?status=failed")) == ["message 3"]
    assert texts(api.get("/api/v1/messages?phone=6281234567001&direction=in&status=received")) == [
        "message 5", "message 0"]


def test_pages_split_the_log_without_gaps_or_repeats(api, log):
    pages = [api.get(f"/api/v1/messages?per_page=4&page={n}").get_json() for n in (1, 2, 3)]
    assert [len(p["messages"]) for p in pages] == [4, 2, 0]
    assert all(p["total"] == 6 and p["per_page"] == 4 for p in pages)
    seen = [m["id"] for p in pages for m in p["messages"]]
    assert len(set(seen)) == 6


def test_messages_created_in_the_same_instant_keep_a_stable_order(api, app):
    same = utcnow()
    for n in range(3):
        db.session.add(Message(direction="out", phone=PHONE, text=f"same {n}", status="queued", kind="reply",
                               created_at=same))
    db.session.commit()
    assert texts(api.get("/api/v1/messages")) == ["same 2", "same 1", "same 0"]


@pytest.mark.parametrize("query, code", [
    ("phone=abc", "invalid_phone"), ("direction=sideways", "invalid_direction"), ("status=lost", "unknown_status"),
    ("page=0", "invalid_page"), ("per_page=101", "invalid_page"), ("page=x", "invalid_page"),
])
def test_bad_filters_are_a_json_400(api, log, query, code):
    response = api.get(f"/api/v1/messages?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("query, code", [
    ("phone=", "invalid_phone"), ("direction=", "invalid_direction"), ("status=", "unknown_status"),
])
def test_an_empty_filter_is_a_400_not_no_filter(api, log, query, code):
    response = api.get(f"/api/v1/messages?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("phone", ["0812-3456-7001%2A", "%2B1+415+555+2671", "(0536)+3222639"])
def test_a_phone_filter_of_no_documented_shape_is_a_400(api, log, phone):
    response = api.get(f"/api/v1/messages?phone={phone}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_phone"


def test_any_number_in_international_form_is_a_filter(api, log):
    db.session.add(Message(direction="out", phone="+14155552671", text="abroad", status="failed", kind="reply"))
    db.session.commit()
    assert texts(api.get("/api/v1/messages?phone=%2B14155552671")) == ["abroad"]
    assert texts(api.get("/api/v1/messages?phone=%2B4420000000")) == []


def test_the_log_needs_an_api_key(client, log):
    response = client.get("/api/v1/messages")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/messages", headers={"Authorization": "Bearer lk_wrong_key"}).status_code == 401


def test_the_log_is_documented_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"] for p in doc["paths"]["/messages"]["get"]["parameters"]}
    assert {"phone", "direction", "status", "page", "per_page"} <= parameters
    assert "Message" in doc["components"]["schemas"]
