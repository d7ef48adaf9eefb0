"""Whatever a client posts to the API, the answer is a JSON 2xx or 4xx, never a 500; unstorable text is a 400."""
import json

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from extensions import db
from tests.helpers import new_application
from tests.strategies import texts

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NEW = {"service": "KTP", "applicant_name": "Budi Santoso", "phone": "081234560021", "kelurahan": "Palangka"}
SURROGATE = "Budi \ud800"


def post_json(api, path, body):
    # json.dumps writes a lone surrogate as the escape "\ud800", exactly what the probe sent.
    return api.post(path, data=json.dumps(body), headers={"Content-Type": "application/json"})


def reference():
    return new_application("KTP", "Budi Santoso", "081234560021", "Palangka").reference


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/applications", {**NEW, "applicant_name": SURROGATE}),
    ("/api/v1/applications", {**NEW, "note": SURROGATE}),
    ("/api/v1/applications", {**NEW, "kelurahan": SURROGATE}),
    ("/api/v1/applications", {**NEW, SURROGATE: 1}),
    ("/api/v1/applications/{ref}/status", {"status": "REJECTED", "note": SURROGATE}),
    ("/api/v1/applications/{ref}/status", {"status": "\udfff"}),
    ("/api/v1/broadcasts", {"text": SURROGATE, "audience": {"all": True}}),
    ("/api/v1/broadcasts", {"text": "Kantor tutup.", "audience": {"phones": ["0812\ud83d"]}}),
    ("/api/v1/broadcasts/preview", {"text": "Kantor tutup.", "text_en": SURROGATE, "audience": {"all": True}}),
])
def test_a_lone_surrogate_anywhere_in_a_body_is_a_400(api, path, body):
    response = post_json(api, path.format(ref=reference()), body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_text"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts(40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts(12), inner, max_size=4),
    max_leaves=12,
)
application_bodies = st.fixed_dictionaries({}, optional={
    "service": st.one_of(st.sampled_from(["KTP", "KK", "SKTM"]), json_values),
    "applicant_name": st.one_of(texts(130), json_values),
    "phone": st.one_of(st.sampled_from(["081234560021", "+6281234560021", "+14155552671"]), json_values),
    "kelurahan": st.one_of(st.sampled_from(["Palangka", "Menteng"]), json_values),
    "note": st.one_of(texts(520), json_values),
})
status_bodies = st.fixed_dictionaries({}, optional={
    "status": st.one_of(st.sampled_from(["VERIFYING", "REJECTED", "READY", ""]), json_values),
    "note": st.one_of(texts(520), json_values),
})
broadcast_bodies = st.fixed_dictionaries({}, optional={
    "text": st.one_of(texts(200), json_values),
    "text_en": st.one_of(texts(200), json_values),
    "audience": st.one_of(st.just({"all": True}), st.fixed_dictionaries({}, optional={
        "all": json_values, "kelurahan": json_values, "service": json_values, "status": json_values,
        "phones": st.lists(st.one_of(texts(20), json_values), max_size=5)}), json_values),
    "send_at": st.one_of(st.just("2099-01-01T08:00:00+07:00"), texts(30), json_values),
    "urgent": json_values,
})


def assert_json_answer(response):
    assert response.status_code < 500, response.text
    assert response.is_json
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) >= {"code", "message"}
    db.session.rollback()


@FUZZ
@given(body=application_bodies)
def test_fuzzed_applications_get_a_json_answer(api, body):
    assert_json_answer(post_json(api, "/api/v1/applications", body))


@FUZZ
@given(body=status_bodies)
def test_fuzzed_status_changes_get_a_json_answer(api, body):
    assert_json_answer(post_json(api, f"/api/v1/applications/{reference()}/status", body))


@FUZZ
@given(body=broadcast_bodies, preview=st.booleans())
def test_fuzzed_broadcasts_get_a_json_answer(api, body, preview):
    assert_json_answer(post_json(api, "/api/v1/broadcasts" + ("/preview" if preview else ""), body))
