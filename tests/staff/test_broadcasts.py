"""Broadcasts from the console: preview before sending, what the preview counts is what is sent, urgency,
scheduling, cancelling mid-broadcast, the progress figures and the outcome-unknown review."""
from datetime import timedelta

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from jobs import queues
from office import accounts
from office import broadcasts
from office import clock
from office import outbox
from office.models import Broadcast
from office.models import Message
from tests.helpers import add_subscribers
from tests.helpers import new_application
from tests.jobs.test_broadcast_send import run_one
from tests.strategies import FORM
from tests.strategies import form_body
from tests.strategies import texts

TEXT = "Besok Sabtu kantor buka 08.00-12.00 untuk perekaman KTP-el."
ALL = {"text": TEXT, "text_en": "", "audience": "all"}


def page_of(response) -> str:
    return response.get_data(as_text=True)


def previewed(client, form):
    """Post the form for a preview and return it with the preview's fingerprint, ready to confirm."""
    response = client.post("/staff/broadcasts/new", data={**form, "preview": "1"})
    assert response.status_code == 200, page_of(response)
    fingerprint = page_of(response).split('name="previewed" type="hidden" value="')[1].split('"')[0]
    return response, {**form, "previewed": fingerprint, "confirm": "1"}


def broadcast_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Broadcast))


@pytest.fixture
def english(staff_client):
    """staff_client(role) for an account that reads the console in English, as these tests' texts are."""
    def signed_in(role, **options):
        client = staff_client(role, **options)
        accounts.get_user(options.get("username") or f"{role}-user").language = "en"
        db.session.commit()
        return client

    return signed_in


@pytest.fixture
def operator(english):
    return english("operator")


def test_the_preview_counts_subscribers_and_the_cost_and_creates_nothing(app, operator):
    add_subscribers(5)
    add_subscribers(2, start=50, opted_out=True)
    response, _form = previewed(operator, ALL)
    page = page_of(response)
    assert 'data-preview="recipients">5<' in page
    assert 'data-preview="cost">Rp 1.500<' in page  # 5 recipients x 1 segment x Rp 300
    assert "Preview: nothing has been sent yet" in page
    assert broadcast_count() == 0


def test_the_preview_leaves_out_opted_out_and_duplicate_applicants(app, operator):
    opted_out = add_subscribers(1, start=50, opted_out=True)[0]
    for number in ("081234567801", "081234567801", "081234567802", opted_out):
        new_application(phone=number, service="KTP")
    response, _form = previewed(operator, {**ALL, "audience": "applicants", "service": "KTP"})
    page = page_of(response)
    assert 'data-preview="recipients">2<' in page
    assert 'data-preview="duplicates">1<' in page
    assert 'data-preview="opted-out">1<' in page


def test_confirming_sends_to_exactly_the_number_the_preview_showed(app, operator, simulator, run_jobs):
    add_subscribers(7)
    add_subscribers(3, start=50, opted_out=True)
    response, form = previewed(operator, ALL)
    assert 'data-preview="recipients">7<' in page_of(response)
    created = operator.post("/staff/broadcasts/new", data=form)
    assert created.status_code == 302
    run_jobs()

    broadcast = db.session.scalars(select(Broadcast)).one()
    db.session.refresh(broadcast)
    assert broadcast.status == broadcasts.DONE
    assert len(simulator.messages()) == 7 == broadcast.recipients
    assert {m["text"] for m in simulator.messages()} == {TEXT}


def test_a_confirm_of_texts_changed_since_the_preview_shows_a_new_preview_instead(app, operator):
    add_subscribers(2)
    _response, form = previewed(operator, ALL)
    response = operator.post("/staff/broadcasts/new", data={**form, "text": TEXT + " Bawa KK."})
    assert response.status_code == 200 and "Preview: nothing has been sent yet" in page_of(response)
    assert broadcast_count() == 0


def test_a_confirm_without_any_preview_sends_nothing(app, operator):
    add_subscribers(2)
    response = operator.post("/staff/broadcasts/new", data={**ALL, "confirm": "1"})
    assert response.status_code == 200
    assert broadcast_count() == 0


def test_the_preview_shows_the_text_as_sent_with_typographic_quotes_folded(app, operator):
    add_subscribers(1)
    response, _form = previewed(operator, {**ALL, "text": "Kantor \u201cbuka\u201d \u2013 pukul 08.00\u2026"})
    page = page_of(response)
    assert "Kantor &#34;buka&#34; - pukul 08.00..." in page or 'Kantor "buka" - pukul 08.00...' in page
    assert "GSM-7, 1 SMS segment(s)" in page


def test_an_operator_may_not_send_an_urgent_broadcast(app, operator):
    add_subscribers(1)
    response = operator.post("/staff/broadcasts/new", data={**ALL, "urgent": "y", "preview": "1"})
    assert response.status_code == 400
    assert "Only an administrator may send an urgent broadcast." in page_of(response)
    assert 'name="urgent"' not in page_of(operator.get("/staff/broadcasts/new"))


def test_an_administrator_sends_an_urgent_broadcast_after_a_warning(app, admin):
    add_subscribers(1)
    response, form = previewed(admin, {**ALL, "urgent": "y"})
    assert "Urgent: this broadcast is sent during quiet hours too." in page_of(response)
    assert "URGENT: it is sent during quiet hours too" in page_of(response)
    assert admin.post("/staff/broadcasts/new", data=form).status_code == 302
    assert db.session.scalars(select(Broadcast)).one().urgent is True


def test_a_broadcast_for_later_waits_until_its_time(app, operator):
    add_subscribers(3)
    later = (clock.utcnow() + timedelta(days=2)).replace(tzinfo=None)
    local = later + timedelta(hours=7)  # office time, WIB
    _response, form = previewed(operator, {**ALL, "send_at": local.strftime("%Y-%m-%dT%H:%M")})
    response = operator.post("/staff/broadcasts/new", data=form, follow_redirects=True)
    assert "scheduled" in page_of(response)
    broadcast = db.session.scalars(select(Broadcast)).one()
    assert broadcast.status == broadcasts.SCHEDULED
    assert abs(broadcast.send_at - later) < timedelta(minutes=1)


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"text": ""}, "text", "Fill in this field."),
    ({"text": "x" * 919}, "text", "At most 918 characters."),
    ({"text": "é" * 500 + "\u4e00"}, "text", "longer than 6 SMS segments"),
    ({"text_en": "é" * 500 + "\u4e00"}, "text_en", "longer than 6 SMS segments"),
    ({"send_at": "tomorrow"}, "send_at", "within the next 90 days"),
    ({"send_at": "2099-01-01T08:00"}, "send_at", "within the next 90 days"),
    ({"audience": "kelurahan"}, "kelurahan", "Choose at least one kelurahan."),
    ({"audience": "kelurahan", "kelurahan": "Atlantis"}, "kelurahan", "Choose kelurahan from the list."),
    ({"audience": "applicants"}, "service", "Choose a service, a status, or both."),
    ({"audience": "applicants", "service": "NOPE"}, "service", "Choose a service from the list."),
    ({"audience": "applicants", "status": "LOST"}, "status", "Choose a status from the list."),
    ({"audience": "everyone"}, "audience", "Choose who receives it."),
])
def test_a_bad_value_is_answered_beside_its_field_and_kept(app, operator, form, field, message):
    add_subscribers(1)
    response = operator.post("/staff/broadcasts/new", data={**ALL, **form, "preview": "1"})
    page = page_of(response)
    assert response.status_code == 400
    assert message in page.split(f'id="{field}-error"')[1].split("</p>")[0] if field != "audience" else message in page
    assert broadcast_count() == 0


def test_an_audience_that_reaches_no_one_cannot_be_confirmed(app, operator):
    response, _form = previewed(operator, ALL)
    page = page_of(response)
    assert "No one in this audience can receive SMS." in page
    assert 'name="confirm"' not in page


def create_broadcast(count: int) -> int:
    add_subscribers(count)
    broadcast, _ = broadcasts.create(TEXT, None, {"all": True}, actor="test")
    db.session.commit()
    return broadcast.id


def test_cancelling_mid_broadcast_stops_the_recipients_still_queued(app, operator, settings, simulator, run_jobs):
    settings(SMS_CHUNK_SIZE=2)
    broadcast_id = create_broadcast(6)
    run_one(queues.BULK)  # the fan-out
    run_one(queues.BULK)  # the first chunk: two recipients
    page = page_of(operator.get(f"/staff/broadcasts/{broadcast_id}"))
    assert "Cancel the broadcast" in page
    response = operator.post(f"/staff/broadcasts/{broadcast_id}/cancel", follow_redirects=True)
    assert "Broadcast cancelled" in page_of(response)
    run_jobs()

    assert len(simulator.messages()) == 2
    figures = operator.get(f"/staff/broadcasts/{broadcast_id}/progress").get_json()
    assert figures["status"] == broadcasts.CANCELLED and not figures["cancellable"]
    assert figures["counts"]["cancelled"] == 4
    assert figures["counts"]["sent"] + figures["counts"]["delivered"] == 2
    assert figures["percent"] == 100
    assert "Cancel the broadcast" not in page_of(operator.get(f"/staff/broadcasts/{broadcast_id}"))


def test_cancelling_a_finished_broadcast_says_so(app, operator, simulator, run_jobs):
    broadcast_id = create_broadcast(2)
    run_jobs()
    response = operator.post(f"/staff/broadcasts/{broadcast_id}/cancel", follow_redirects=True)
    assert "This broadcast has already finished." in page_of(response)


def test_the_progress_figures_follow_the_messages(app, operator):
    broadcast_id = create_broadcast(4)
    figures = operator.get(f"/staff/broadcasts/{broadcast_id}/progress").get_json()
    assert figures["status"] == broadcasts.SCHEDULED and figures["percent"] == 0 and figures["cancellable"]
    broadcasts.materialize(broadcast_id)
    db.session.commit()
    figures = operator.get(f"/staff/broadcasts/{broadcast_id}/progress").get_json()
    assert figures["counts"]["queued"] == 4 and figures["total"] == 4 and figures["percent"] == 0


def test_the_list_shows_each_broadcast_with_its_figures(app, operator, simulator, run_jobs):
    create_broadcast(3)
    run_jobs()
    page = page_of(operator.get("/staff/broadcasts"))
    assert TEXT[:40] in page and "Done" in page
    assert '<td class="num">3</td>' in page


def mark_unknown(broadcast_id: int) -> str:
    """Leave one recipient's message as a worker that died during the provider call would."""
    broadcasts.materialize(broadcast_id)
    message = db.session.scalars(select(Message).where(Message.broadcast_id == broadcast_id)
                                 .order_by(Message.id)).first()
    db.session.execute(update(Message).where(Message.id == message.id)
                       .values(status=outbox.UNKNOWN, attempts=1, last_error="worker died"))
    db.session.commit()
    return message.phone


@pytest.mark.parametrize(("role", "masked"), [("operator", True), ("admin", False)])
def test_outcomes_to_review_mask_the_phone_except_for_an_administrator(app, english, role, masked):
    phone = mark_unknown(create_broadcast(2))
    client = english(role)
    for path in ("/staff/broadcasts/unknown", f"/staff/broadcasts/{db.session.scalar(select(Broadcast.id))}"):
        page = page_of(client.get(path))
        assert (phone in page) is not masked
        assert (phone[:6] in page) and "worker died" in page
        assert "never resent" in page


@pytest.mark.parametrize("role", ["kelurahan", "viewer"])
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/staff/broadcasts"), ("get", "/staff/broadcasts/new"), ("post", "/staff/broadcasts/new"),
    ("get", "/staff/broadcasts/1"), ("get", "/staff/broadcasts/1/progress"), ("post", "/staff/broadcasts/1/cancel"),
    ("get", "/staff/broadcasts/unknown"),
])
def test_only_administrators_and_operators_reach_the_broadcasts(staff_client, role, method, path):
    client = staff_client(role, kelurahan="Menteng" if role == "kelurahan" else None)
    assert getattr(client, method)(path, data={**ALL, "preview": "1"}).status_code == 403


@pytest.mark.parametrize("path", ["/staff/broadcasts/99", "/staff/broadcasts/99999999999/progress",
                                  "/staff/broadcasts/3000000000"])
def test_a_broadcast_that_does_not_exist_is_a_404(operator, path):
    assert operator.get(path).status_code == 404


fuzz = hypothesis_settings(max_examples=60, deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture])
values = st.one_of(texts(), st.just("\x00"), st.just("x" * 10_000), st.just("\u201c" * 10_000),
                   st.sampled_from(["all", "kelurahan", "applicants", "Menteng", "KTP", "READY", "y", "1", "",
                                    "2026-12-01T08:00", "9999-12-31T23:59", "0001-01-01T00:00"]))
FIELDS = ["text", "text_en", "audience", "kelurahan", "service", "status", "send_at", "urgent", "previewed",
          "preview", "confirm"]


@fuzz
@given(form=st.fixed_dictionaries({}, optional={name: values for name in FIELDS}))
def test_no_input_to_the_composer_is_a_server_error(app, admin, form):
    response = admin.post("/staff/broadcasts/new", data=form_body(form), content_type=FORM)
    assert response.status_code < 500, form
