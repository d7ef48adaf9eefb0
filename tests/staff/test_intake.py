"""Counter intake and its receipt: one transaction per application, errors beside the fields, the kelurahan
scope, the missing-requirements checklist kept for reprints, and what the receipt tells the citizen."""
import re
from datetime import date
from html import unescape

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import accounts
from office import applications
from office import catalog
from office import lifecycle
from office.errors import DomainError
from office.models import Application
from office.models import AuditLog
from office.models import Message
from office.models import StatusChange
from staff.receipts import ussd_status_code
from tests.conftest import STAFF_PASSWORD
from tests.helpers import new_application
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

MENTENG = "62.71.03.1002"
PALANGKA = "62.71.03.1001"


@pytest.fixture
def english_clerk(make_staff, login, client):
    """The test client signed in as an operator who reads the console in English."""
    user = make_staff("operator")
    accounts.set_language(user, "en")
    db.session.commit()
    login(user)
    return client


def intake_form(**overrides) -> dict:
    """A valid intake form as the page sends it; `missing-KTP=[...]` style keys tick requirements."""
    form = {"service": "KTP", "applicant_name": "Siti Rahmawati", "phone": "0812 3456 7890",
            "kelurahan": MENTENG, "note": ""}
    form.update(overrides)
    return form


def post_intake(client, **overrides):
    return client.post("/staff/intake", data=intake_form(**overrides))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def only_application() -> Application:
    db.session.rollback()
    rows = list(db.session.scalars(select(Application).order_by(Application.id)))
    assert len(rows) == 1
    return rows[0]


def test_intake_registers_the_application_with_history_audit_and_one_receipt_sms(staff_client):
    client = staff_client("operator", username="loket1")
    response = post_intake(client, **{"missing-KTP": ["1"], "note": "Fotokopi KK kurang jelas"})

    application = only_application()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/applications/{application.reference}/receipt"
    assert (application.service.code, application.kelurahan.code, application.phone, application.status,
            application.created_by) == ("KTP", MENTENG, "+6281234567890", lifecycle.RECEIVED, "loket1")
    assert application.missing_requirements == [catalog.get_service("KTP").requirements[1]]
    history = db.session.scalars(select(StatusChange).where(StatusChange.application_id == application.id)).all()
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [(None, lifecycle.RECEIVED, "loket1")]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "application.create")).all()
    assert [(a.actor, a.target) for a in audit] == [("loket1", application.reference)]
    assert audit[0].after["missing_requirements"] == application.missing_requirements
    sms = db.session.scalars(select(Message).where(Message.direction == "out")).all()
    assert [(m.phone, m.kind, m.application_id) for m in sms] == [("+6281234567890", "status", application.id)]
    assert application.reference in sms[0].text


def test_a_refused_intake_writes_nothing_at_all(staff_client):
    client = staff_client("operator")
    assert post_intake(client, phone="0536 3222639").status_code == 400
    db.session.rollback()
    assert (count(Application), count(StatusChange), count(Message)) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "application.create")) == 0


BAD_INPUT = [
    # (field, value, the message beside it)
    ("service", "", "Choose a service."),
    ("service", "NOPE", "Choose a service from the list."),
    ("applicant_name", "", "Type the applicant's name."),
    ("applicant_name", "   \x00  ", "Type the applicant's name."),
    ("applicant_name", "x" * 121, "At most 120 characters."),
    ("phone", "", "Type the applicant's mobile number."),
    ("phone", "0536 3222639", "Only an Indonesian mobile number (08...)."),  # a Palangka Raya landline
    ("phone", "+44 7911 123456", "Only an Indonesian mobile number (08...)."),
    ("phone", "08123", "Only an Indonesian mobile number (08...)."),
    ("phone", "0812" * 20, "Only an Indonesian mobile number (08...)."),
    ("kelurahan", "", "Choose the kelurahan."),
    ("kelurahan", "Atlantis", "Choose the kelurahan from the list."),
    ("note", "n" * 501, "At most 500 characters."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_INPUT, ids=[f"{f}-{i}" for i, (f, *_r) in
                                                                        enumerate(BAD_INPUT)])
def test_bad_input_is_answered_beside_its_field_and_what_was_typed_stays(english_clerk, name, value, message):
    client = english_clerk
    typed = intake_form(**{name: value, "note": "bawa KK asli" if name != "note" else value})
    response = client.post("/staff/intake", data=typed)
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{name}-error" role="alert">([^<]*)</p>', html)
    assert error and unescape(error.group(1)) == message
    assert re.search(rf'aria-describedby="[^"]*{name}-error"', html)
    for kept in ("applicant_name", "phone", "note"):
        if typed[kept].strip("\x00 "):
            assert f'value="{escape(typed[kept])}"' in html
    assert count(Application) == 0


def test_the_page_speaks_the_clerks_language(staff_client):
    client = staff_client("operator")
    html = post_intake(client, phone="0536 3222639").get_data(as_text=True)
    assert "Only an Indonesian mobile number" not in html
    assert "Hanya nomor HP Indonesia (08...)." in html


def test_ticked_requirements_of_another_service_are_ignored(staff_client):
    client = staff_client("operator")
    post_intake(client, service="KK", **{"missing-KTP": ["0", "1"], "missing-KK": ["0", "x", "99999"]})
    application = only_application()
    assert application.missing_requirements == [catalog.get_service("KK").requirements[0]]


@pytest.mark.parametrize("positions", [[3], [-1], [True], ["0"]])
def test_a_requirement_the_service_does_not_have_is_refused_by_the_domain(app, positions):
    with pytest.raises(DomainError) as refused:
        applications.create_application("KTP", "Budi", "081234567890", "Menteng", actor="t",
                                        missing_requirements=positions)
    assert refused.value.code == "unknown_requirement"


def test_without_a_checklist_nothing_is_recorded_as_missing(app):
    # The API registers without asking; its applications say "not asked", not "all brought".
    assert new_application().missing_requirements is None


@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.fixed_dictionaries({}, optional={
    "service": st.one_of(texts(40), st.sampled_from(["KTP", "KK", "ktp", "LEGAL"])),
    "applicant_name": st.one_of(texts(), texts(10_000, 10_000), st.just("\x00" * 50)),
    "phone": st.one_of(texts(40), st.sampled_from(["0812-3456-7890", "+62 812 3456 7890"]), texts(10_000)),
    "kelurahan": st.one_of(texts(30), st.sampled_from([MENTENG, PALANGKA, "Menteng"])),
    "note": st.one_of(texts(), texts(10_000, 10_000)),
    "missing-KTP": texts(5),
}))
def test_no_intake_form_gets_a_server_error(fuzz_client, form):
    response = fuzz_client.post("/staff/intake", data=form_body(form), content_type=FORM)
    assert response.status_code in (200, 302, 400), response.status_code


@pytest.fixture
def fuzz_client(staff_client):
    # One account for all examples: Hypothesis runs them inside one test, so the fixture is built once.
    return staff_client("operator")


def test_with_csrf_enforced_the_intake_form_carries_its_token(make_app, make_staff):
    # Outside the test's app context each request has its own `g`, as served requests do; a token cached in
    # `g` before signing in would otherwise outlive the session it belonged to.
    app = make_app({"WTF_CSRF_ENABLED": True})
    token = re.compile(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')
    user = make_staff("operator")
    client = app.test_client()
    login_page = client.get("/staff/login").get_data(as_text=True)
    client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD,
                                      "csrf_token": token.search(login_page).group(1)})
    assert client.post("/staff/intake", data=intake_form()).status_code == 400
    db.session.rollback()
    assert count(Application) == 0
    page = client.get("/staff/intake").get_data(as_text=True)
    assert client.post("/staff/intake", data=intake_form(csrf_token=token.search(page).group(1))).status_code == 302


def test_a_kelurahan_account_finds_its_own_kelurahan_chosen_and_the_only_one(staff_client):
    client = staff_client("kelurahan", kelurahan="Palangka")
    html = client.get("/staff/intake").get_data(as_text=True)
    picker = re.search(r'<select[^>]*id="kelurahan".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', picker) == [PALANGKA]
    assert "selected" in picker


def test_a_kelurahan_account_cannot_register_for_another_kelurahan(staff_client):
    client = staff_client("kelurahan", kelurahan="Palangka")
    response = post_intake(client, kelurahan=MENTENG)
    assert response.status_code == 400
    assert "Anda hanya dapat mendaftarkan permohonan untuk kelurahan Anda sendiri." in response.get_data(as_text=True)
    assert count(Application) == 0

    assert post_intake(client, kelurahan=PALANGKA).status_code == 302
    assert only_application().kelurahan.code == PALANGKA


@pytest.mark.parametrize("role", ["viewer"])
def test_roles_that_may_not_register_get_403(staff_client, role):
    assert staff_client(role).get("/staff/intake").status_code == 403


def test_every_active_service_is_in_the_picker_with_its_checklist(staff_client):
    html = staff_client("operator").get("/staff/intake").get_data(as_text=True)
    for service in catalog.services():
        assert '<option data-search="' in html and f'value="{service.code}"' in html
        assert f'id="checklist-{service.code}"' in html
        assert html.count(f'name="missing-{service.code}"') == len(service.requirements)


# --- The receipt ---------------------------------------------------------------------------------------

def receipt_html(client, reference, **query):
    response = client.get(f"/staff/applications/{reference}/receipt", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_receipt_shows_the_reference_qr_checklist_and_how_to_check_the_status(staff_client, settings):
    settings(USSD_CODE="*384*5758#", SMS_SHORTCODE="5758")
    client = staff_client("operator")
    post_intake(client, **{"missing-KTP": ["1"]})
    application = only_application()
    ref = application.reference
    html = receipt_html(client, ref)

    assert f'aria-label="{ref}"><span>{ref[:3]}</span><span>{ref[3:6]}</span><span>{ref[6:]}</span>' in html
    assert "<svg viewBox=" in html and "qr-code" in html and f"<title>{ref}</title>" in html
    assert f"*384*5758*2*{ref}#" in html
    assert f"STATUS {ref}" in html and "5758" in html
    assert "Perekaman KTP-el" in html
    brought, missing = re.findall(r'<li class="(brought|missing)">', html)[:2]
    assert (brought, missing) == ("brought", "missing")


def test_a_reprint_shows_the_same_missing_requirements_after_the_catalog_changes(staff_client):
    client = staff_client("operator")
    post_intake(client, **{"missing-KTP": ["2"]})
    application = only_application()
    dropped = application.service.requirements[2]["id"]
    application.service.requirements = application.service.requirements[:2]
    db.session.commit()
    try:
        html = receipt_html(client, application.reference)
        assert re.search(rf'<li class="missing">.*?{re.escape(dropped)}', html, re.S)
    finally:
        catalog.load_catalog()
        db.session.commit()


def test_the_receipt_speaks_the_citizens_language_whatever_the_clerks(staff_client):
    from office import citizens

    client = staff_client("operator")
    post_intake(client)
    application = only_application()
    assert "Tanda terima permohonan" in receipt_html(client, application.reference)
    citizens.set_language(application.phone, "en")
    db.session.commit()
    html = receipt_html(client, application.reference)
    assert "Application receipt" in html and "KTP-el recording" in html
    assert 'lang="en"' in html


def test_receipt_of_another_kelurahans_application_is_404(app, staff_client):
    elsewhere = new_application(kelurahan="Menteng")
    client = staff_client("kelurahan", kelurahan="Palangka")
    assert client.get(f"/staff/applications/{elsewhere.reference}/receipt").status_code == 404
    assert client.get("/staff/applications/0000000000/receipt").status_code == 404
    own = new_application(kelurahan="Palangka")
    assert client.get(f"/staff/applications/{own.reference}/receipt").status_code == 200


def test_a_viewer_may_reprint_a_receipt(app, staff_client):
    application = new_application()
    assert staff_client("viewer").get(f"/staff/applications/{application.reference}/receipt").status_code == 200


COME_BACK = [
    # (the clock at intake, service, its working days, the day to come back). Thursday 24 December 2026 is
    # cuti bersama and Friday 25 Christmas: both are skipped, and so is the weekend after them.
    ("2026-12-23T09:00:00+07:00", "KK", 1, date(2026, 12, 28)),
    ("2026-12-22T09:00:00+07:00", "PINDAH", 5, date(2026, 12, 31)),
    # Received on a closed day or a Saturday (a drill, a Saturday service): counting starts on Monday.
    ("2026-12-24T09:00:00+07:00", "KK", 1, date(2026, 12, 29)),
    ("2026-12-26T10:00:00+07:00", "KK", 1, date(2026, 12, 29)),
    ("2026-12-23T09:00:00+07:00", "IKD", 0, None),
]


@pytest.mark.parametrize(("clock", "service", "days", "come_back"), COME_BACK)
def test_the_come_back_day_skips_weekends_and_public_holidays(staff_client, settings, clock, service, days,
                                                              come_back):
    settings(LEKAS_CLOCK=clock)
    assert catalog.get_service(service).processing_days == days
    client = staff_client("operator")
    post_intake(client, service=service)
    html = receipt_html(client, only_application().reference)
    if come_back:
        assert f'data-come-back="{come_back.isoformat()}"' in html
    else:
        assert "data-come-back" not in html and "Selesai sambil menunggu" in html


def test_the_christmas_come_back_day_is_written_out_in_bahasa_indonesia(staff_client, settings):
    settings(LEKAS_CLOCK="2026-12-23T09:00:00+07:00")
    client = staff_client("operator")
    post_intake(client, service="KK")
    assert "Senin, 28 Desember 2026" in receipt_html(client, only_application().reference)


def test_the_paper_choice_is_remembered_in_a_cookie(app, staff_client):
    application = new_application()
    client = staff_client("operator")
    html = receipt_html(client, application.reference, paper="a6")
    assert 'class="receipt-page paper-a6"' in html
    assert client.get_cookie("receipt_paper", path="/staff").value == "a6"
    assert 'class="receipt-page paper-a6"' in receipt_html(client, application.reference)
    assert 'class="receipt-page paper-80mm"' in receipt_html(client, application.reference, paper="80mm")
    assert 'class="receipt-page paper-80mm"' in receipt_html(client, application.reference, paper="<script>")


def test_the_printed_ussd_code_opens_the_status_of_the_application(app, client):
    application = new_application(name="Budi Santoso")
    code = ussd_status_code("*384*5758#", application.reference)
    assert code == f"*384*5758*2*{application.reference}#"
    # The telco sends what was dialled after the service code as the session's inputs.
    response = client.post("/ussd", data={"sessionId": "receipt-1", "serviceCode": "*384*5758#",
                                          "phoneNumber": "+6281298765432", "text": code[len("*384*5758*"):-1]})
    assert response.status_code == 200
    assert "B*** S******" in response.get_data(as_text=True)


def test_the_same_intake_sent_twice_gives_the_first_receipt_not_a_second_application(staff_client):
    client = staff_client("operator")
    form = intake_form(service="KK", applicant_name="Andi Wijaya", phone="0812-1111-2222")
    first = client.post("/staff/intake", data=form)
    again = client.post("/staff/intake", data={**form, "phone": "+62 812 1111 2222"})
    assert first.status_code == again.status_code == 302 and again.location == first.location
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1
    assert "disimpan beberapa saat lalu" in client.get(again.location).get_data(as_text=True)


def test_the_receipt_names_the_clerk_not_their_username(staff_client):
    client = staff_client("operator", username="loket1")
    receipt = client.get(client.post("/staff/intake", data=intake_form()).location).get_data(as_text=True)
    assert "Petugas: Operator Test" in receipt and "Petugas: loket1" not in receipt
