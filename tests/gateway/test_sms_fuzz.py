"""Whatever AT (or anyone) posts to the SMS webhooks, the answer is 200 or 400, never a 500."""
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import or_
from sqlalchemy import select

from extensions import db
from gateway.sms.keywords import KEYWORDS
from office.models import Message
from tests.strategies import FORM
from tests.strategies import as_received
from tests.strategies import form_body
from tests.strategies import texts as any_text

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

phones = st.one_of(
    st.sampled_from(["+6281234567001", "081234567001", "6281234567001", "+62 812-3456-7001", "(0812) 3456 7001",
                     "0062812345670", "+442079460958", "+1", "", " ", "AFRICASTKNG", "+62" + "9" * 40]),
    any_text(40),
    st.from_regex(r"\+?[0-9 \-()]{0,20}", fullmatch=True),
)
words = st.sampled_from(sorted(KEYWORDS) + ["syarat", "Stop", "STPO", "bahsa", "status", "1234567890",
                                            "123-456-7890", "SARAN"])
texts = st.one_of(
    any_text(200),
    st.builds(lambda word, sep, rest: word + sep + rest, words, st.sampled_from([" ", "#", "*", ".", ",", "", "  #"]),
              any_text(120)),
    st.builds(lambda unit: (unit * 2000)[:2000], any_text(4, min_size=1)),
    st.sampled_from(["", " ", "😀" * 700, "مرحبا بالعالم", "你好，世界", "Привет", "SARAN " + "x" * 1994,
                     "\x00STOP", "STATUS \u200b1234567890", "ＳＴＡＴＵＳ １２３４５６７８９０"]),
)
ids = st.one_of(st.uuids().map(str), any_text(100), st.just(""))

incoming_forms = st.fixed_dictionaries({}, optional={
    "from": phones, "text": texts, "id": ids, "linkId": st.one_of(st.uuids().map(str), any_text(200)),
    "to": any_text(10), "date": any_text(30), "networkCode": any_text(12),
})
report_forms = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.just("ATXid_1"), any_text(100)),
    "status": st.one_of(st.sampled_from(["Sent", "Submitted", "Buffered", "Success", "Failed", "Rejected",
                                         "success", "Expired", ""]), any_text(40)),
    "phoneNumber": phones, "networkCode": any_text(20),
    "failureReason": st.one_of(st.sampled_from(["UserInBlackList", "DeliveryFailure"]), any_text(100)),
    "retryCount": any_text(5),
})


@FUZZ
@given(form=incoming_forms)
def test_incoming_sms_answers_200_or_400_and_any_reply_is_short_gsm7(client, form):
    response = client.post("/sms/incoming", data=form_body(form), content_type=FORM)
    required = "from" in form and "text" in form
    assert response.status_code == (200 if required else 400)
    db.session.rollback()
    costly = select(Message.id).where(Message.direction == "out",
                                      or_(Message.segments > 3, Message.encoding != "GSM-7"))
    assert db.session.scalars(costly).all() == []


@FUZZ
@given(form=report_forms)
def test_delivery_reports_answer_200_or_400(client, form):
    response = client.post("/sms/delivery", data=form_body(form), content_type=FORM)
    provider_id, status = as_received(form.get("id", "")).strip(), as_received(form.get("status", "")).strip()
    well_formed = provider_id and status and len(provider_id) <= 80
    assert response.status_code == (200 if well_formed else 400)


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={"phoneNumber": phones, "senderId": any_text(20)}))
def test_at_optout_notifications_answer_200_or_400(client, form):
    response = client.post("/sms/optout", data=form_body(form), content_type=FORM)
    assert response.status_code == (200 if "phoneNumber" in form else 400)
