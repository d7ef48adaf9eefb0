"""Bulk status change: review, then all or nothing in one transaction, one SMS, history row and audit entry
each; "all matching this filter"; a stale review; a kelurahan account's bulk never reaches another kelurahan."""
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office import applications
from office import lifecycle as lc
from office.errors import Conflict
from office.models import Application
from office.models import AuditLog
from office.models import Message
from office.models import StatusChange
from tests.helpers import move
from tests.helpers import new_application
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts


def statuses(made) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Application, a.id).status for a in made]


def rows(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def several(count, service="KTP", kelurahan="Menteng", moves=(lc.VERIFYING, lc.FORWARDED)):
    return [new_application(service, f"Pemohon {n}", f"+62812{n:08d}", kelurahan, moves=moves) for n in range(count)]


def fingerprint(html: str) -> str:
    return re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', html).group(1)


def test_review_then_confirm_moves_each_with_its_history_audit_and_sms(app, staff_client):
    made = several(4)
    client = staff_client("operator")
    chosen = {"reference": [a.reference for a in made], "new_status": lc.READY}
    review = client.post("/staff/applications/bulk/review", data=chosen)
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and "<strong>4</strong> akan diubah ke “Siap diambil”" in html
    assert rows(StatusChange, to_status=lc.READY) == 0  # the review changes nothing
    example = re.search(r'<p class="sms">([^<]+)</p>', html).group(1)
    messages_before = rows(Message)
    done = client.post("/staff/applications/bulk", data={**chosen, "fingerprint": fingerprint(html)})
    assert done.status_code == 302
    assert statuses(made) == [lc.READY] * 4
    assert rows(StatusChange, to_status=lc.READY, actor="operator-user") == 4
    assert rows(AuditLog, action="application.status", actor="operator-user") == 4
    assert rows(Message) == messages_before + 4
    for application in made:
        assert rows(Message, application_id=application.id, kind="status") == 4  # receipt + 3 moves
    newest = db.session.scalars(select(Message).where(Message.application_id == made[0].id)
                                .order_by(Message.id.desc())).first()
    assert newest.text == example  # the review's example is the SMS that went out


def test_one_row_that_cannot_move_moves_none_and_is_named(app, staff_client):
    made = several(3)
    stuck = new_application(name="Belum Diperiksa")  # RECEIVED cannot go to READY
    client = staff_client("operator")
    chosen = {"reference": [a.reference for a in [*made, stuck]], "new_status": lc.READY}
    response = client.post("/staff/applications/bulk", data=chosen)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Tidak ada yang diubah" in html
    assert re.search(rf'<td class="mono">{stuck.reference}</td><td>Statusnya “Diterima”, tidak dapat diubah', html)
    assert statuses([*made, stuck]) == [lc.FORWARDED] * 3 + [lc.RECEIVED]
    assert rows(StatusChange, to_status=lc.READY) == 0 and rows(AuditLog, action="application.status") == 6


def test_the_review_counts_those_that_cannot_move_and_says_why(app, staff_client):
    made = several(2)
    stuck = new_application(name="Belum Diperiksa")
    client = staff_client("operator")
    chosen = [*(a.reference for a in [*made, stuck]), "0000000000"]
    response = client.post("/staff/applications/bulk/review", data={"reference": chosen, "new_status": lc.READY})
    html = response.get_data(as_text=True)
    assert "<strong>2</strong> akan diubah" in html and "<strong>2</strong> tidak dapat diubah" in html
    assert "Tidak ditemukan, atau bukan permohonan kelurahan Anda." in html
    assert 'action="/staff/applications/bulk"' in html and "Ubah 2 permohonan" not in html  # no button that would fail
    assert "Periksa hanya 2 yang dapat diubah" in html


def test_all_matching_the_filter_moves_exactly_the_filtered_ones(app, staff_client):
    kk = several(3, service="KK")
    ktp = several(2, service="KTP")
    client = staff_client("operator")
    chosen = {"target": "filter", "service": "KK", "new_status": lc.READY}
    html = client.post("/staff/applications/bulk/review", data=chosen).get_data(as_text=True)
    assert "<strong>3</strong> akan diubah" in html
    response = client.post("/staff/applications/bulk", data={**chosen, "fingerprint": fingerprint(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/applications?service=KK")
    assert statuses(kk) == [lc.READY] * 3 and statuses(ktp) == [lc.FORWARDED] * 2


def test_a_stale_review_is_a_conflict_and_nothing_moves(app, staff_client):
    made = several(3)
    client = staff_client("operator")
    chosen = {"reference": [a.reference for a in made], "new_status": lc.READY}
    confirmed = fingerprint(client.post("/staff/applications/bulk/review", data=chosen).get_data(as_text=True))
    move(made[0].reference, lc.READY, actor="colleague")  # meanwhile, at another counter
    response = client.post("/staff/applications/bulk", data={**chosen, "fingerprint": confirmed})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "diubah petugas lain sementara itu" in html
    assert "<strong>2</strong> akan diubah" in html and made[0].reference in html
    assert statuses(made) == [lc.READY, lc.FORWARDED, lc.FORWARDED]


def test_a_note_is_required_for_a_bulk_rejection(app, staff_client):
    made = several(2)
    client = staff_client("operator")
    response = client.post("/staff/applications/bulk/review", data={
        "reference": [a.reference for a in made], "new_status": lc.REJECTED, "note": " "})
    assert response.status_code == 400
    assert re.search(r'id="note-error" role="alert">Tulis keterangan', response.get_data(as_text=True))
    response = client.post("/staff/applications/bulk", data={
        "reference": [a.reference for a in made], "new_status": lc.REJECTED, "note": "Kuota habis"})
    assert response.status_code == 302
    assert all("Kuota habis" in m.text for m in db.session.scalars(
        select(Message).where(Message.kind == "status").order_by(Message.id.desc()).limit(2)))


def test_a_kelurahan_accounts_bulk_never_touches_another_kelurahan(app, staff_client):
    mine = several(2, kelurahan="Menteng")
    theirs = [new_application("KTP", "Lain", "081298765432", "Palangka", moves=[lc.VERIFYING, lc.FORWARDED])]
    client = staff_client("kelurahan", kelurahan="Menteng")
    response = client.post("/staff/applications/bulk", data={
        "reference": [a.reference for a in [*mine, *theirs]], "new_status": lc.READY})
    assert response.status_code == 409
    assert f'<td class="mono">{theirs[0].reference}</td><td>Tidak ditemukan' in response.get_data(as_text=True)
    # "All matching": the filter names another kelurahan, the scope still holds.
    response = client.post("/staff/applications/bulk", data={"target": "filter", "kelurahan": "Palangka",
                                                              "new_status": lc.READY})
    assert response.status_code == 302
    assert statuses(mine) == [lc.READY] * 2 and statuses(theirs) == [lc.FORWARDED]


def test_domain_change_many_is_all_or_nothing_within_scope(app):
    from office import catalog

    menteng = catalog.find_kelurahan("Menteng").id
    mine = several(2)
    other = several(1, kelurahan="Palangka")
    with pytest.raises(applications.BulkRefused) as refused:
        applications.change_many(lc.READY, references=[a.reference for a in [*mine, *other]], actor="t",
                                 scope=menteng)
    db.session.rollback()
    assert [(r.reference, r.reason) for r in refused.value.details["refused"]] == [
        (other[0].reference, applications.NOT_FOUND)]
    plan = applications.plan_many(lc.READY, references=[a.reference for a in mine], scope=menteng)
    move(mine[1].reference, lc.READY)
    with pytest.raises(Conflict):
        applications.change_many(lc.READY, references=[a.reference for a in mine], actor="t", scope=menteng,
                                 fingerprint=plan.fingerprint)
    db.session.rollback()
    assert statuses(mine) == [lc.FORWARDED, lc.READY]


def test_viewers_may_not_bulk_change(app, staff_client):
    made = several(1)
    client = staff_client("viewer")
    assert "Periksa perubahan" not in client.get("/staff/applications").get_data(as_text=True)
    assert client.post("/staff/applications/bulk", data={"reference": made[0].reference,
                                                         "new_status": lc.READY}).status_code == 403


FUZZ = hypothesis_settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={
    "reference": st.one_of(texts(), st.just("x" * 10_000)),
    "new_status": st.one_of(texts(), st.sampled_from(list(lc.STATUSES))),
    "note": st.one_of(texts(), st.just("x" * 10_000), st.just("\x00")),
    "target": st.sampled_from(["filter", "selected", ""]),
    "q": texts(), "created_from": texts(20), "fingerprint": texts(40),
}))
def test_bulk_forms_never_give_a_server_error(bulk_client, form):
    db.session.rollback()
    for path in ("/staff/applications/bulk/review", "/staff/applications/bulk"):
        response = bulk_client.post(path, data=form_body(form), content_type=FORM)
        assert response.status_code in (200, 302, 400, 409)


@pytest.fixture
def bulk_client(staff_client):
    several(2)
    return staff_client("operator")
