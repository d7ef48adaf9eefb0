"""The console's applications list, one application's page and its status change, through real HTTP
requests of the Flask test client against the real database."""
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from extensions import db
from office import lifecycle as lc
from office.models import Application
from office.models import AuditLog
from office.models import Message
from office.models import StatusChange
from tests.conftest import STAFF_PASSWORD
from tests.helpers import move
from tests.helpers import new_application
from tests.office.test_applications import FAULT_TRIGGERS
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def page(response) -> str:
    return response.get_data(as_text=True)


def offered_moves(html: str) -> set[str]:
    return set(re.findall(r'name="new_status"[^>]*value="([A-Z_]+)"', html))


def listed(response) -> set[str]:
    """The references of the list's rows."""
    return set(re.findall(r'<a href="/staff/applications/(\d+)">', page(response)))


def change(client, application, new_status, note="", expected=None, **extra):
    return client.post(f"/staff/applications/{application.reference}/status",
                       data={"new_status": new_status, "note": note,
                             "expected_status": expected or application.status, **extra})


# The list

def test_the_list_shows_each_application_with_a_phone_as_people_write_it(app, staff_client):
    budi = new_application(name="Budi Santoso", phone="+6281234567890")
    client = staff_client("operator")
    html = page(client.get("/staff/applications"))
    assert budi.reference in html and "Budi Santoso" in html and "0812-3456-7890" in html
    for label in ("Cari", "Status", "Layanan", "Kelurahan", "Hanya yang terlambat", "Diajukan dari"):
        assert f">{label}</label>" in html


def test_search_by_phone_in_another_format_and_by_name_part(app, staff_client):
    budi = new_application(name="Budi Santoso", phone="081234567890")
    siti = new_application(name="Siti Aminah", phone="081298765432")
    client = staff_client("operator")
    html = page(client.get("/staff/applications", query_string={"q": "+62 812-3456-7890"}))
    assert budi.reference in html and siti.reference not in html
    html = page(client.get("/staff/applications", query_string={"q": "amin"}))
    assert siti.reference in html and budi.reference not in html


def test_an_overdue_application_carries_the_badge(app, staff_client, settings):
    settings(LEKAS_CLOCK="2026-08-14T10:00:00+07:00")
    new_application("KK")
    settings(LEKAS_CLOCK="2026-08-20T10:00:00+07:00")
    client = staff_client("operator")
    html = page(client.get("/staff/applications", query_string={"overdue": "1"}))
    assert 'class="badge overdue"' in html


@pytest.mark.parametrize("args, field, message", [
    ({"status": "LOST"}, "status", "Pilih status dari daftar."),
    ({"created_from": "30/11/2026"}, "created_from", "Tulis tanggal dengan format"),
    ({"created_from": "2026-12-02", "created_to": "2026-12-01"}, "created_to", "tidak sebelum tanggal awal"),
    ({"q": "x" * 121}, "q", "paling banyak 120 karakter"),
])
def test_a_bad_filter_value_is_answered_beside_its_field_keeping_what_was_typed(app, staff_client, args, field,
                                                                               message):
    new_application()
    client = staff_client("operator")
    response = client.get("/staff/applications", query_string=args)
    html = page(response)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-error" role="alert">[^<]*{message}', html)
    assert f'aria-describedby="{field}-hint {field}-error"' in html or f'aria-describedby="{field}-error"' in html
    if field != "status":
        assert f'value="{args[field]}"' in html


def test_sortable_headers_are_links_and_say_which_way_they_sort(app, staff_client):
    new_application()
    client = staff_client("operator")
    html = page(client.get("/staff/applications", query_string={"sort": "name"}))
    assert re.search(r'aria-sort="ascending">\s*<a href="/staff/applications\?sort=-name">', html)
    assert 'href="/staff/applications?sort=reference"' in html


def test_pages_say_where_they_are_and_link_back_and_forth_keeping_the_filter(app, staff_client):
    for _ in range(51):
        new_application("KK")
    client = staff_client("operator")
    html = page(client.get("/staff/applications", query_string={"service": "KK", "page": "2"}))
    assert "Halaman 2 dari 2" in html
    assert 'href="/staff/applications?page=1&amp;service=KK"' in html
    assert html.count('name="reference"') == 1


def test_the_export_links_carry_the_lists_filter(staff_client):
    new_application("KK")
    client = staff_client("operator")
    html = page(client.get("/staff/applications", query_string={"service": "KK"}))
    assert 'href="/staff/applications/export.csv?service=KK"' in html
    assert 'href="/staff/applications/export.xlsx?service=KK"' in html


# Kelurahan accounts see their own kelurahan only

def test_a_kelurahan_account_never_sees_another_kelurahan(app, staff_client):
    mine = new_application(name="Budi Santoso", kelurahan="Menteng")
    theirs = new_application(name="Budi Santoso", phone="081298765432", kelurahan="Palangka")
    client = staff_client("kelurahan", kelurahan="Menteng")
    response = client.get("/staff/applications")
    assert listed(response) == {mine.reference}
    assert 'name="kelurahan"' not in page(response)  # the kelurahan is fixed, not a choice
    assert listed(client.get("/staff/applications", query_string={"q": theirs.reference})) == set()
    assert listed(client.get("/staff/applications", query_string={"q": "Budi"})) == {mine.reference}
    assert listed(client.get("/staff/applications", query_string={"kelurahan": "Palangka"})) == {mine.reference}
    assert client.get(f"/staff/applications/{theirs.reference}").status_code == 404
    assert change(client, theirs, lc.VERIFYING).status_code == 404
    assert client.post(f"/staff/applications/{theirs.reference}/preview",
                       data={"new_status": lc.VERIFYING}).status_code == 404
    assert client.get(f"/staff/applications/{mine.reference}").status_code == 200


# One application's page

def test_the_page_shows_the_history_and_every_sms_with_its_delivery(app, staff_client):
    application = new_application(moves=[lc.VERIFYING, (lc.NEEDS_DOCUMENTS, "Bawa fotokopi KK")])
    client = staff_client("operator")
    html = page(client.get(f"/staff/applications/{application.reference}"))
    assert "Bawa fotokopi KK" in html
    assert html.count("<td>test</td>") == 3  # who made each of the three history rows
    messages = db.session.scalars(select(Message).where(Message.application_id == application.id)
                                  .order_by(Message.id)).all()
    assert len(messages) == 3
    for message in messages:
        assert message.text in html
    assert html.count("Menunggu dikirim") == 3


@pytest.mark.parametrize("status", [s for s in lc.STATUSES if s not in lc.FINAL])
def test_only_the_moves_the_lifecycle_allows_are_offered(app, staff_client, status):
    path = {lc.RECEIVED: [], lc.VERIFYING: [lc.VERIFYING],
            lc.NEEDS_DOCUMENTS: [lc.VERIFYING, (lc.NEEDS_DOCUMENTS, "KK")],
            lc.PROCESSING: [lc.VERIFYING, lc.PROCESSING], lc.FORWARDED: [lc.VERIFYING, lc.FORWARDED],
            lc.READY: [lc.VERIFYING, lc.PROCESSING, lc.READY]}[status]
    application = new_application(moves=path)
    client = staff_client("operator")
    html = page(client.get(f"/staff/applications/{application.reference}"))
    assert offered_moves(html) == set(lc.MOVES[status])


def test_a_finished_application_offers_no_change(app, staff_client):
    application = new_application(moves=[(lc.REJECTED, "Bukan warga Jekan Raya")])
    html = page(staff_client("operator").get(f"/staff/applications/{application.reference}"))
    assert offered_moves(html) == set() and 'id="status-form"' not in html


def test_a_viewer_reads_the_page_but_may_not_change_it(app, staff_client):
    application = new_application()
    client = staff_client("viewer")
    html = page(client.get(f"/staff/applications/{application.reference}"))
    assert 'id="status-form"' not in html
    assert change(client, application, lc.VERIFYING).status_code == 403
    assert count(StatusChange) == 1


def test_a_status_change_writes_history_audit_and_one_sms_together(app, staff_client):
    application = new_application()
    client = staff_client("operator")
    response = change(client, application, lc.VERIFYING)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == lc.VERIFYING
    assert count(StatusChange, application_id=application.id, to_status=lc.VERIFYING, actor="operator-user") == 1
    assert count(AuditLog, action="application.status", target=application.reference, actor="operator-user") == 1
    assert count(Message, application_id=application.id) == 2  # the receipt, then this change's SMS
    html = page(client.get(response.headers["Location"]))
    assert "Tersimpan" in html


def test_if_the_sms_cannot_be_queued_nothing_of_the_change_is_written(app, staff_client):
    """The view commits once: a failure while queueing the SMS rolls back the status and the history too."""
    application = new_application()
    client = staff_client("operator")
    create, drop = FAULT_TRIGGERS[db.engine.dialect.name]
    for statement in create:
        db.session.execute(text(statement))
    db.session.commit()
    try:
        with pytest.raises(DatabaseError):
            change(client, application, lc.VERIFYING)
    finally:
        db.session.rollback()
        for statement in drop:
            db.session.execute(text(statement))
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == lc.RECEIVED
    assert count(StatusChange) == 1 and count(Message) == 1
    assert count(AuditLog, action="application.status") == 0


@pytest.mark.parametrize("status", sorted(lc.NOTE_REQUIRED))
def test_a_note_is_required_where_the_lifecycle_requires_one(app, staff_client, status):
    application = new_application(moves=[lc.VERIFYING])
    client = staff_client("operator")
    response = change(client, application, status, note="   ")
    assert response.status_code == 400
    assert re.search(r'id="note-error" role="alert">Tulis keterangan', page(response))
    assert count(StatusChange, application_id=application.id) == 2


def test_a_move_the_lifecycle_does_not_allow_is_refused_beside_the_choice(app, staff_client):
    application = new_application()
    client = staff_client("operator")
    response = change(client, application, lc.COLLECTED)
    assert response.status_code == 400
    assert 'id="new_status-error"' in page(response)
    assert count(StatusChange) == 1


def test_a_stale_form_is_a_conflict_showing_the_new_state_not_an_overwrite(app, staff_client):
    application = new_application(moves=[lc.VERIFYING])
    client = staff_client("operator")
    html = page(client.get(f"/staff/applications/{application.reference}"))
    assert 'name="expected_status" type="hidden" value="VERIFYING"' in html
    move(application.reference, lc.PROCESSING, actor="colleague")  # someone else, meanwhile
    response = change(client, application, lc.REJECTED, note="Berkas tidak lengkap", expected=lc.VERIFYING)
    html = page(response)
    assert response.status_code == 409
    assert "Tidak tersimpan: petugas lain sudah mengubah" in html and "Sedang diproses" in html
    assert offered_moves(html) == set(lc.MOVES[lc.PROCESSING])
    assert 'value="PROCESSING"' in html and "Berkas tidak lengkap" in html  # the typed note is kept
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == lc.PROCESSING


def test_the_preview_is_the_sms_that_is_then_sent(app, staff_client):
    application = new_application(moves=[lc.VERIFYING])
    client = staff_client("operator")
    note = "Bawa  fotokopi “KK” – yang asli"
    answer = client.post(f"/staff/applications/{application.reference}/preview",
                         data={"new_status": lc.NEEDS_DOCUMENTS, "note": note}).get_json()
    assert answer["segments"] == 1 and answer["characters"] == len(answer["text"])
    assert change(client, application, lc.NEEDS_DOCUMENTS, note=note).status_code == 302
    sent = db.session.scalars(select(Message).where(Message.application_id == application.id)
                              .order_by(Message.id.desc())).first()
    assert sent.text == answer["text"]


def test_without_script_the_preview_button_shows_the_sms_and_changes_nothing(app, staff_client):
    application = new_application(moves=[lc.VERIFYING])
    client = staff_client("operator")
    response = change(client, application, lc.REJECTED, note="Bukan warga Jekan Raya", preview="1")
    html = page(response)
    assert response.status_code == 200
    assert "Ditolak" in html and "Bukan warga Jekan Raya" in html and "karakter, 1 SMS" in html
    assert count(StatusChange, application_id=application.id) == 2


def test_the_preview_of_a_move_not_allowed_is_refused(app, staff_client):
    application = new_application()
    response = staff_client("operator").post(f"/staff/applications/{application.reference}/preview",
                                             data={"new_status": lc.COLLECTED})
    assert response.status_code == 400 and "error" in response.get_json()


@pytest.mark.parametrize("reference", ["123", "abc", "1234567890", "9" * 500, "%00"])
def test_a_reference_that_is_not_one_is_a_404(app, staff_client, reference):
    client = staff_client("operator")
    assert client.get(f"/staff/applications/{reference}").status_code == 404


# Fuzz: nothing anyone types into the list's query string or the status form gives a server error

FUZZ = hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
QUERY_NAMES = ["q", "status", "service", "kelurahan", "overdue", "created_from", "created_to", "sort", "page"]


@FUZZ
@given(args=st.dictionaries(st.sampled_from(QUERY_NAMES),
                            st.one_of(texts(), st.just("x" * 10_000), st.just("\x00"), st.just("2026-02-30"),
                                      st.sampled_from(["READY", "-name", "KK", "Menteng", "1", "99999999"]))))
def test_list_query_strings_never_give_a_server_error(staff_client_once, args):
    query = urlencode(args, encoding="utf-8", errors="surrogatepass")
    response = staff_client_once.get(f"/staff/applications?{query}")
    assert response.status_code in (200, 400)


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={
    "new_status": st.one_of(texts(), st.sampled_from(list(lc.STATUSES))),
    "note": st.one_of(texts(), st.just("x" * 10_000), st.just("a\x00b")),
    "expected_status": st.one_of(texts(), st.just(lc.VERIFYING)),
    "preview": st.just("1"),
}))
def test_status_form_input_never_gives_a_server_error(staff_client_once, fuzz_application, form):
    db.session.rollback()
    response = staff_client_once.post(f"/staff/applications/{fuzz_application.reference}/status",
                                      data=form_body(form), content_type=FORM)
    assert response.status_code in (200, 302, 400, 409)
    response = staff_client_once.post(f"/staff/applications/{fuzz_application.reference}/preview",
                                      data=form_body(form), content_type=FORM)
    assert response.status_code in (200, 400)


@pytest.fixture
def staff_client_once(staff_client):
    """One signed-in operator for all of a property's examples (hypothesis reuses function fixtures)."""
    return staff_client("operator")


@pytest.fixture
def fuzz_application(app):
    return new_application(moves=[lc.VERIFYING])


def test_with_csrf_enforced_the_page_token_works_for_the_preview_and_the_change(app, make_app, make_staff):
    """As in production: the live preview posts the form's own token; a post without one changes nothing."""
    application = new_application()
    user = make_staff("operator")
    strict = make_app()  # CSRF on, as deployed
    client = strict.test_client()

    def token(path):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page(client.get(path))).group(1)

    client.post("/staff/login", data={"username": user.username, "password": STAFF_PASSWORD,
                                      "csrf_token": token("/staff/login")})
    detail = f"/staff/applications/{application.reference}"
    csrf = token(detail)
    assert client.post(f"{detail}/preview", data={"new_status": lc.VERIFYING, "csrf_token": csrf}).status_code == 200
    assert client.post(f"{detail}/status", data={"new_status": lc.VERIFYING,
                                                 "expected_status": lc.RECEIVED}).status_code == 400
    assert client.post(f"{detail}/status", data={"new_status": lc.VERIFYING, "expected_status": lc.RECEIVED,
                                                 "csrf_token": csrf}).status_code == 302
