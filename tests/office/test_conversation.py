"""One phone's conversation: newest first, every kind of entry, delivery states as stored, confidential
tickets left out for those who may not see their phone, a kelurahan account's narrower view, bad numbers."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from office import citizens
from office import conversation
from office import feedback
from office import inbox
from office import outbox
from office import ussd_stats
from office.clock import utcnow
from office.models import Feedback
from office.models import Kelurahan
from office.models import Message
from office.phones import InvalidPhone
from tests.helpers import new_application

PHONE = "+6281234567890"
OTHER = "+6281399990000"


def kelurahan_id(name: str) -> int:
    return db.session.scalar(select(Kelurahan.id).where(Kelurahan.name == name))


def sms_in(client, text: str, n: int, phone: str = PHONE) -> None:
    """A citizen's SMS through the real webhook: stored, acted on and answered."""
    answer = client.post("/sms/incoming", data={"from": phone, "to": "5758", "text": text, "id": f"conv-{n}"})
    assert answer.status_code == 200


def ticket_with(text: str) -> Feedback:
    return db.session.scalar(select(Feedback).where(Feedback.text.contains(text)))


def assign(item: Feedback, *, kelurahan: str | None = None, user=None) -> None:
    if item.status == inbox.BARU:
        inbox.move(item, inbox.DIVERIFIKASI, actor="test")
    inbox.move(item, inbox.DIDISPOSISIKAN, actor="test", kelurahan_id=kelurahan and kelurahan_id(kelurahan),
               assignee_id=user and user.id)
    db.session.commit()


@pytest.fixture
def world(client):
    """A phone with an application in Menteng and one in Palangka, a complaint filed by SMS (and verified),
    a USSD session, an announcement, and another phone's message that must never show."""
    menteng = new_application(kelurahan="Menteng", phone=PHONE)
    palangka = new_application(service="SKTM", kelurahan="Palangka", phone=PHONE, name="Budi Palangka")
    sms_in(client, "ADUAN jalan berlubang di Jl. Menteng", 1)
    complaint = ticket_with("jalan berlubang")
    inbox.move(complaint, inbox.DIVERIFIKASI, actor="operator-x")
    ussd_stats.record_event("ussd-1", status="Success", phone=PHONE, hops=3, input="2*1",
                            last_response="END Terima kasih")
    outbox.queue_sms(PHONE, "Kantor Camat tutup 17 Agustus", outbox.Kind.BROADCAST, priority=outbox.Priority.BULK)
    outbox.queue_sms(OTHER, "Pesan untuk orang lain", outbox.Kind.REPLY)
    citizens.subscribe(PHONE)
    db.session.commit()
    return {"menteng": menteng, "palangka": palangka, "complaint": complaint}


def texts(found) -> str:
    return "\n".join(e.text for e in found.entries)


def test_the_thread_is_newest_first_and_holds_every_kind(world, make_staff):
    found = conversation.for_phone("0812-3456-7890", None, make_staff("admin"))
    assert {e.kind for e in found.entries} == {conversation.SMS_IN, conversation.SMS_OUT, conversation.USSD,
                                               conversation.TICKET, conversation.TICKET_STEP}
    keys = [(e.at, e.order) for e in found.entries]
    assert keys == sorted(keys, reverse=True)
    assert found.total == len(found.entries) and not found.capped
    assert "Pesan untuk orang lain" not in texts(found)
    assert [a.reference for a in found.applications] == [world["palangka"].reference, world["menteng"].reference]
    assert [t.ticket for t in found.tickets] == [world["complaint"].ticket]
    assert found.subscription == conversation.SUBSCRIBED


def test_an_sms_about_an_application_or_a_ticket_names_it(world, make_staff):
    found = conversation.for_phone(PHONE, None, make_staff("admin"))
    about = {e.application for e in found.entries if e.kind == conversation.SMS_OUT}
    assert {world["menteng"].reference, world["palangka"].reference} <= about
    acknowledgement = next(e for e in found.entries if e.kind == conversation.SMS_OUT and e.message_kind == "reply")
    assert acknowledgement.ticket == world["complaint"].ticket


@pytest.mark.parametrize("state, handed_over", [
    (outbox.QUEUED, False), (outbox.SENT, True), (outbox.DELIVERED, True), (outbox.FAILED, True),
    (outbox.UNKNOWN, False), (outbox.CANCELLED, False),
])
def test_each_sms_shows_its_delivery_state_as_stored_and_costs_only_once_handed_to_the_telco(
        app, make_staff, state, handed_over):
    message = outbox.queue_sms(PHONE, "Berkas Anda sudah siap", outbox.Kind.STATUS)
    db.session.flush()
    message.status, message.sent_at = state, utcnow() if handed_over else None
    db.session.commit()
    [entry] = conversation.for_phone(PHONE, None, make_staff("admin")).entries
    assert entry.state == state
    assert entry.cost == (app.config["SMS_COST_PER_SEGMENT"] if handed_over else None)


# Who may see a confidential complaint filed from the phone, by how it was assigned.
CONFIDENTIAL_CASES = [
    # (viewer role, viewer's kelurahan, assignment, sees it)
    ("admin", None, None, True),
    ("operator", None, None, False),
    ("operator", None, "the viewer", True),
    ("operator", None, "Menteng", False),
    ("kelurahan", "Menteng", "Menteng", True),
    ("kelurahan", "Palangka", "Menteng", False),
    ("kelurahan", "Menteng", None, False),
]


@pytest.mark.parametrize("role, place, assignment, sees", CONFIDENTIAL_CASES)
def test_a_confidential_complaint_shows_only_to_those_who_may_see_its_phone(
        world, client, make_staff, role, place, assignment, sees):
    viewer = make_staff(role, kelurahan=place)
    sms_in(client, "ADUAN ada pungutan liar di loket", 2)
    secret = ticket_with("pungutan liar")
    inbox.set_confidential(secret, True, actor="test")
    if assignment == "the viewer":
        assign(secret, user=viewer)
    elif assignment:
        assign(secret, kelurahan=assignment)
    sms_in(client, f"SARAN {secret.ticket} pelakunya berseragam", 3)
    db.session.commit()
    scope = viewer.kelurahan_id if role == "kelurahan" else None
    found = conversation.for_phone(PHONE, scope, viewer)
    shown = texts(found)
    visible = [secret.ticket in shown, "pungutan liar" in shown, "berseragam" in shown,
               secret.ticket in [t.ticket for t in found.tickets],
               any(e.ticket == secret.ticket for e in found.entries)]
    assert visible == [sees] * 5


def test_a_confidential_complaint_filed_by_ussd_hides_its_session(app, make_staff):
    item = feedback.submit("aduan", "petugas minta uang", phone=PHONE, channel="ussd")
    item.confidential = True
    ussd_stats.record_event("ussd-2", status="Success", phone=PHONE, hops=4, input="4*2*petugas minta uang",
                            last_response=f"END Terima kasih. Tiket {item.ticket}")
    ussd_stats.record_event("ussd-3", status="Incomplete", phone=PHONE, hops=1, input="", last_response="CON Menu")
    db.session.commit()
    operator = conversation.for_phone(PHONE, None, make_staff("operator"))
    assert [e.state for e in operator.entries] == ["Incomplete"]
    admin = conversation.for_phone(PHONE, None, make_staff("admin", username="boss"))
    assert {e.kind for e in admin.entries} == {conversation.USSD, conversation.TICKET}


def test_a_kelurahan_account_sees_its_kelurahans_applications_and_their_messages_only(world, make_staff):
    assign(world["complaint"], kelurahan="Menteng")
    menteng = make_staff("kelurahan", kelurahan="Menteng")
    found = conversation.for_phone(PHONE, menteng.kelurahan_id, menteng)
    assert [a.reference for a in found.applications] == [world["menteng"].reference]
    assert {e.application for e in found.entries if e.kind == conversation.SMS_OUT and e.application} == \
        {world["menteng"].reference}
    assert "Kantor Camat tutup" not in texts(found)  # an announcement is tied to no kelurahan
    assert conversation.USSD not in {e.kind for e in found.entries}
    # The complaint assigned to Menteng comes with its own SMS, in and out.
    assert "jalan berlubang" in texts(found)
    assert [t.ticket for t in found.tickets] == [world["complaint"].ticket]

    palangka = make_staff("kelurahan", kelurahan="Palangka", username="palangka")
    theirs = conversation.for_phone(PHONE, palangka.kelurahan_id, palangka)
    assert [a.reference for a in theirs.applications] == [world["palangka"].reference]
    assert not theirs.tickets and "jalan berlubang" not in texts(theirs)


def test_the_thread_is_capped_with_the_total_counted(world, make_staff):
    admin = make_staff("admin")
    found = conversation.for_phone(PHONE, None, admin, limit=3)
    assert len(found.entries) == 3 and found.total > 3 and found.capped
    assert found.entries == conversation.for_phone(PHONE, None, admin).entries[:3]


@pytest.mark.parametrize("subscribe, opt_out, expected", [
    (False, False, conversation.NOT_SUBSCRIBED),
    (True, False, conversation.SUBSCRIBED),
    (True, True, conversation.OPTED_OUT),
])
def test_the_subscription_state_is_told(app, make_staff, subscribe, opt_out, expected):
    citizens.get_or_create(PHONE)
    if subscribe:
        citizens.subscribe(PHONE)
    if opt_out:
        citizens.opt_out(PHONE)
    db.session.commit()
    assert conversation.for_phone(PHONE, None, make_staff("admin")).subscription == expected


def test_a_number_that_never_wrote_has_an_empty_conversation(app, make_staff):
    found = conversation.for_phone(OTHER, None, make_staff("admin"))
    assert (found.entries, found.total, found.subscription) == ([], 0, conversation.UNKNOWN_PHONE)


@pytest.mark.parametrize("raw", ["", "   ", "12345", "+1 202 555 0100", "0536-3221234", "0812" * 10, "bukan nomor"])
def test_a_bad_number_is_refused_with_a_reason(app, make_staff, raw):
    with pytest.raises(InvalidPhone):
        conversation.for_phone(raw, None, make_staff("admin"))


def test_old_messages_keep_their_place_in_time(app, make_staff):
    old = outbox.queue_sms(PHONE, "Pesan lama", outbox.Kind.REMINDER)
    new = outbox.queue_sms(PHONE, "Pesan baru", outbox.Kind.REMINDER)
    db.session.flush()
    old.created_at = utcnow() - timedelta(days=30)
    incoming = Message(direction="in", phone=PHONE, text="INFO", status=outbox.RECEIVED, kind="incoming",
                       created_at=utcnow() - timedelta(days=1))
    db.session.add(incoming)
    db.session.commit()
    assert [e.text for e in conversation.for_phone(PHONE, None, make_staff("admin")).entries] == \
        [new.text, "INFO", old.text]
