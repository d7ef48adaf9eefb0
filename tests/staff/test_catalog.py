"""The catalog pages: who may read and change them, an edit reaching USSD and SMS, refusals beside the field,
stale forms, the preview, the history's revert, and no server error for any typed value."""
import itertools
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from gateway.ussd import snapshot
from office import catalog
from office import catalog_edit
from office import catalog_preview
from office.models import Service
from office.models import ServiceVersion
from tests.helpers import wait_until
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

pytestmark = pytest.mark.usefixtures("catalog_restored")
PHONE = "+6281234567301"
NEW_LINE = "Surat pengantar RT yang baru"
SESSIONS = itertools.count()


def ktp():
    return db.session.scalar(select(Service).where(Service.code == "KTP"))


def form_of(service, **changes):
    """The edit form's fields as a browser posts them for `service`, with `changes`."""
    fields = catalog_edit.fields_of(service)
    data = {f"{name}_{lang}": fields[name][lang] for name, *_ in
            [(n,) for n in catalog_edit.TEXT_LIMITS] for lang in catalog_edit.LANGS}
    for lang in catalog_edit.LANGS:
        data[f"requirements_{lang}"] = "\n".join(item[lang] for item in fields["requirements"])
    data.update(processing_days=str(fields["processing_days"]), legal_basis=fields["legal_basis"],
                keywords=", ".join(fields["keywords"]), category=fields["category"],
                based_on=str(service.version))
    return {**data, **changes}


def with_new_requirement(service):
    data = form_of(service)
    data["requirements_id"] += "\n" + NEW_LINE
    data["requirements_en"] += "\nA new letter from the RT"
    return data


def ussd(client, text):
    # A new session each time: a session replays what it has seen from Redis.
    session = f"catalog-{next(SESSIONS)}"
    return client.post("/ussd", data={"sessionId": session, "phoneNumber": PHONE, "text": text}).text


def ktp_screen_path(client):
    """The USSD input that opens the KTP service's requirements, found by walking the menus."""
    main = ussd(client, "")
    choice = re.search(r"(\d+)\. (?:Syarat|Requirements)", main).group(1)
    services = ussd(client, choice)
    own = re.search(r"(\d+)\. " + re.escape(ktp().name["id"][:12]), services).group(1)
    return f"{choice}*{own}"


def ussd_pages(client, path):
    """Every page of a USSD document, following "98 More"."""
    pages, text = [], path
    while True:
        body = ussd(client, text)
        pages.append(body)
        if "98 " not in body:
            return "\n".join(pages)
        text += "*98"


def test_every_role_reads_the_catalog_but_only_an_admin_sees_the_editing_buttons(staff_client):
    for role in ("operator", "kelurahan", "viewer"):
        page = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None).get("/staff/catalog")
        assert page.status_code == 200 and "KTP" in page.text
        assert "/edit" not in page.text and "/move" not in page.text
    page = staff_client("admin", username="catalog-admin").get("/staff/catalog")
    assert f"/staff/catalog/{ktp().id}/edit" in page.text and "/move" in page.text


def test_an_edit_shows_in_the_ussd_answer_and_the_syarat_sms_within_seconds(app, admin, client, simulator,
                                                                           run_jobs):
    path = ktp_screen_path(client)
    assert NEW_LINE not in ussd_pages(client, path)  # the snapshot is taken before the edit
    answer = admin.post(f"/staff/catalog/{ktp().id}/edit", data=with_new_requirement(ktp()))
    assert answer.status_code == 302, answer.text
    # Another process's snapshot is not forgotten by the edit: it notices within CHECK_SECONDS.
    wait_until(lambda: NEW_LINE in ussd_pages(client, path), timeout=snapshot.CHECK_SECONDS + 5,
               message="the edit in the USSD answer")
    pages = ussd_pages(client, path).count("CON ")
    assert pages == len(catalog_preview.preview(ktp(), "id").screens)
    before = len(simulator.messages(PHONE))
    assert simulator.sms(PHONE, "SYARAT KTP")["status_code"] == 200
    run_jobs()
    replies = [m["text"] for m in simulator.messages(PHONE)[before:]]
    assert len(replies) == 1 and NEW_LINE in replies[0], replies


def test_a_too_long_requirement_is_refused_beside_the_field_with_the_reason_and_the_text_kept(admin):
    data = form_of(ktp())
    long_line = "Surat keterangan dari ketua RT dan RW setempat yang masih berlaku"
    data["requirements_id"] += "\n" + long_line
    data["requirements_en"] += "\nA letter"
    page = admin.post(f"/staff/catalog/{ktp().id}/edit", data=data)
    assert page.status_code == 400
    assert re.search(r'id="requirements_id-error"[^>]*>Requirement \d+ has 65 characters; a USSD screen and the '
                     r'SMS checklist allow 60\.', page.text), page.text
    assert long_line in page.text
    assert ktp().version == 0


def test_curly_quotes_are_refused_with_the_plain_text_to_use_instead(admin):
    page = admin.post(f"/staff/catalog/{ktp().id}/edit", data=form_of(ktp(), fee_id="Gratis \u2013 \u201cnol\u201d"))
    assert page.status_code == 400
    assert "Suggested: Gratis - &#34;nol&#34;" in page.text or 'Suggested: Gratis - "nol"' in page.text


def test_a_form_based_on_a_stale_version_is_refused_and_shows_the_newer_text(admin):
    stale = form_of(ktp())
    assert admin.post(f"/staff/catalog/{ktp().id}/edit", data=form_of(ktp(), legal_basis="Perpres 96/2018")
                      ).status_code == 302
    page = admin.post(f"/staff/catalog/{ktp().id}/edit", data={**stale, "legal_basis": "Older edit"})
    assert page.status_code == 409 and "Someone else changed this service" in page.text
    assert 'value="Perpres 96/2018"' in page.text and ktp().legal_basis == "Perpres 96/2018"


def test_saving_the_form_unchanged_says_so_and_adds_nothing_to_the_history(admin):
    saved = admin.post(f"/staff/catalog/{ktp().id}/edit", data=form_of(ktp()), follow_redirects=True)
    assert saved.status_code == 200 and "Nothing changed, so nothing was saved." in saved.text
    assert ktp().version == 0 and db.session.scalar(select(ServiceVersion)) is None


def test_preview_shows_the_ussd_screens_and_the_checklist_sms_without_saving(admin):
    page = admin.post(f"/staff/catalog/{ktp().id}/edit", data={**with_new_requirement(ktp()), "preview": "1"})
    assert page.status_code == 200
    assert "USSD:" in page.text and "Checklist SMS:" in page.text and page.text.count(NEW_LINE) >= 3
    assert ktp().version == 0


def test_the_history_shows_the_diff_and_reverts_to_the_text_before_a_version(admin):
    original = catalog_edit.fields_of(ktp())
    admin.post(f"/staff/catalog/{ktp().id}/edit", data=form_of(ktp(), legal_basis="Perpres 96/2018"))
    history = admin.get(f"/staff/catalog/{ktp().id}/history")
    assert "Version 1" in history.text and "Perpres 96/2018" in history.text and original["legal_basis"] in history.text
    version = db.session.scalar(select(ServiceVersion))
    answer = admin.post(f"/staff/catalog/versions/{version.id}/revert", data={"based_on": "1"})
    assert answer.status_code == 302
    assert catalog_edit.fields_of(ktp()) == original and ktp().version == 2


def test_retire_and_restore_from_the_list(admin):
    assert admin.post(f"/staff/catalog/{ktp().id}/active", data={"based_on": "0", "active": "0"}).status_code == 302
    assert catalog.get_service("KTP") is None
    assert admin.post(f"/staff/catalog/{ktp().id}/active", data={"based_on": "1", "active": "1"}).status_code == 302
    assert catalog.get_service("KTP") is not None


def test_the_down_button_moves_a_service_one_place(admin):
    first, second = catalog.services()[:2]
    admin.post(f"/staff/catalog/{first.id}/move", data={"based_on": "0", "direction": "down"})
    assert [s.code for s in catalog.services()[:2]] == [second.code, first.code]


def test_a_new_service_is_added_and_listed_to_citizens(admin):
    data = form_of(ktp(), code="KEBUN", name_id="Surat keterangan kebun", name_en="Garden letter",
                   keywords="kebun, surat kebun", based_on="0")
    answer = admin.post("/staff/catalog/new", data=data)
    assert answer.status_code == 302, answer.text
    assert catalog.get_service("KEBUN").name["en"] == "Garden letter"


FIELDS = ["name_id", "summary_en", "requirements_id", "requirements_en", "processing_days", "keywords",
          "legal_basis", "based_on", "category", "code"]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=st.one_of(texts(), st.just("x" * 10_000), st.just("\x00" * 50)))
def test_no_typed_value_makes_a_server_error(admin, field, value):
    for path in (f"/staff/catalog/{ktp().id}/edit", "/staff/catalog/new"):
        answer = admin.post(path, data=form_body({**form_of(ktp()), "code": "KEBUN", field: value}),
                            content_type=FORM)
        assert answer.status_code < 500, (field, value)
        db.session.rollback()
