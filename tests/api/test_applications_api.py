import pytest

from office.references import check_digit

NEW = {"service": "KTP", "applicant_name": "Siti Rahmawati", "phone": "0812-3456-0002", "kelurahan": "Palangka"}


def create(api, **overrides):
    return api.post("/api/v1/applications", json={**NEW, **overrides})


def test_create_returns_201_with_reference_and_history(api):
    response = create(api, note="Datang sendiri")
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["reference"]) == 10 and body["status"] == "RECEIVED"
    assert body["phone"] == "+6281234560002" and body["kelurahan"] == "Palangka"
    assert body["history"][0]["to"] == "RECEIVED" and body["history"][0]["by"] == "api:test-agency"


@pytest.mark.parametrize(("overrides", "status", "code"), [
    ({"service": "NOPE"}, 400, "unknown_service"),
    ({"kelurahan": "Nowhere"}, 400, "unknown_kelurahan"),
    ({"phone": "0812"}, 400, "invalid_phone"),
    ({"phone": "+14155552671"}, 400, "invalid_phone"),
    ({"phone": "0536 3221234"}, 400, "invalid_phone"),
    ({"phone": None}, 400, "invalid_phone"),
    ({"phone": 81234567890}, 400, "invalid_phone"),
    ({"phone": ["0812-3456-7890"]}, 400, "invalid_phone"),
    ({"applicant_name": None}, 400, "missing_field"),
    ({"applicant_name": 42}, 400, "invalid_field"),
    ({"applicant_name": "A" * 500}, 400, "field_too_long"),
    ({"note": "n" * 501}, 400, "field_too_long"),
    ({"service": ["KTP"]}, 400, "unknown_service"),
    ({"kelurahan": ["Menteng"]}, 400, "unknown_kelurahan"),
    ({"applicant_name": "Siti" + " " * 120 + "Rahmawati"}, 400, "field_too_long"),
    ({"applicant_name": " \u3000\u0000"}, 400, "missing_field"),
    ({"phone": "0812-3456-0002*"}, 400, "invalid_phone"),
    ({"phone": "(0536) 3222639"}, 400, "invalid_phone"),
    ({"phone": "+1 415 555 2671"}, 400, "invalid_phone"),
])
def test_create_rejects_bad_fields_with_json_errors(api, overrides, status, code):
    response = create(api, **overrides)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"\xff\xfe", b"[" * 50_000])
def test_malformed_json_is_a_400(api, body):
    response = api.post("/api/v1/applications", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_oversized_body_is_a_json_413(api):
    response = api.post("/api/v1/applications", json={**NEW, "note": "x" * 600_000})
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_get_application_with_history_and_reference_errors(api):
    reference = create(api).get_json()["reference"]
    assert api.get(f"/api/v1/applications/{reference}").get_json()["reference"] == reference
    typo = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    assert api.get(f"/api/v1/applications/{typo}").get_json()["error"]["code"] == "bad_check_digit"
    assert api.get("/api/v1/applications/12ab").get_json()["error"]["code"] == "bad_reference"
    unknown = "987654321" + check_digit("987654321")
    assert api.get(f"/api/v1/applications/{unknown}").status_code == 404


def test_status_moves_and_illegal_move_is_409(api):
    reference = create(api).get_json()["reference"]
    ok = api.post(f"/api/v1/applications/{reference}/status", json={"status": "VERIFYING"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "VERIFYING"
    illegal = api.post(f"/api/v1/applications/{reference}/status", json={"status": "COLLECTED"})
    assert illegal.status_code == 409
    assert illegal.get_json()["error"]["code"] == "illegal_transition"
    missing_note = api.post(f"/api/v1/applications/{reference}/status", json={"status": "REJECTED"})
    assert missing_note.status_code == 400
    unknown = api.post(f"/api/v1/applications/{reference}/status", json={"status": "DONE"})
    assert unknown.get_json()["error"]["code"] == "unknown_status"
    no_status = api.post(f"/api/v1/applications/{reference}/status", json={})
    assert no_status.get_json()["error"]["code"] == "missing_field"
    history = api.get(f"/api/v1/applications/{reference}").get_json()["history"]
    assert [h["to"] for h in history] == ["RECEIVED", "VERIFYING"]


def test_list_filters_and_paginates(api):
    refs = [create(api, service=s, kelurahan=k).get_json()["reference"]
            for s, k in [("KTP", "Menteng"), ("KK", "Menteng"), ("KTP", "Palangka")]]
    api.post(f"/api/v1/applications/{refs[0]}/status", json={"status": "VERIFYING"})
    every = api.get("/api/v1/applications").get_json()
    assert every["total"] == 3 and [a["reference"] for a in every["applications"]] == refs[::-1]
    assert api.get("/api/v1/applications?service=KTP").get_json()["total"] == 2
    assert api.get("/api/v1/applications?kelurahan=menteng").get_json()["total"] == 2
    assert api.get("/api/v1/applications?status=VERIFYING").get_json()["total"] == 1
    page = api.get("/api/v1/applications?per_page=2&page=2").get_json()
    assert len(page["applications"]) == 1 and page["page"] == 2
    for query, code in [("status=NOPE", "unknown_status"), ("service=NOPE", "unknown_service"),
                        ("kelurahan=Mars", "unknown_kelurahan"), ("page=0", "invalid_page"),
                        ("page=x", "invalid_page"), ("per_page=1000", "invalid_page"),
                        ("page=" + "9" * 30, "invalid_page")]:
        response = api.get(f"/api/v1/applications?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("name", ["status", "service", "kelurahan"])
def test_an_empty_filter_is_a_400_not_no_filter(api, name):
    create(api)
    response = api.get(f"/api/v1/applications?{name}=")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == f"unknown_{name}"


@pytest.mark.parametrize("phone", ["081234560002", "+62 812-3456-0002", "62 812 3456 0002", "0812-3456-0002"])
def test_mobile_numbers_in_every_documented_form_are_accepted(api, phone):
    response = create(api, phone=phone)
    assert response.status_code == 201 and response.get_json()["phone"] == "+6281234560002"


def test_a_note_is_measured_as_sent(api):
    reference = create(api).get_json()["reference"]
    response = api.post(f"/api/v1/applications/{reference}/status",
                        json={"status": "VERIFYING", "note": "ok" + " " * 500})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "field_too_long"


def test_wrong_method_is_a_json_405(api):
    response = api.put("/api/v1/applications", json=NEW)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_nul_characters_never_reach_the_database(api):
    created = create(api, applicant_name="Budi\u0000 Santoso", note="\u0000")
    assert created.status_code == 201
    assert created.get_json()["applicant_name"] == "Budi Santoso" and created.get_json()["note"] is None
    assert api.get("/api/v1/applications?service=KT%00P").get_json()["error"]["code"] == "unknown_service"
    # Kelurahan names are matched leniently, punctuation and control characters ignored.
    assert api.get("/api/v1/applications?kelurahan=Men%00teng").status_code == 200
    reference = created.get_json()["reference"]
    assert api.get(f"/api/v1/applications/{reference[:5]}%00{reference[5:]}").status_code == 400


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("trace", "/api/v1/applications", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("delete", "/api/v1/applications/1234567890", {"GET", "HEAD", "OPTIONS"}),
    ("get", "/api/v1/applications/1234567890/status", {"OPTIONS", "POST"}),
    ("get", "/api/v1/broadcasts/preview", {"OPTIONS", "POST"}),
    ("trace", "/api/v1/openapi.json", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_405_names_the_methods_the_path_allows(api, method, path, allowed):
    response = api.open(path, method=method.upper())
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == allowed
