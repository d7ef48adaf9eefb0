"""Feedback per phone is limited across SMS and USSD, and a refusal costs at most one SMS per window."""
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from office.models import Feedback
from office.models import Message

PHONE = "+6281234567001"
FLOOD = 30


def sms(client, text, n):
    return client.post("/sms/incoming", data={"from": PHONE, "to": "5758", "text": text, "id": f"flood-{n}"})


def ussd(client, text, n):
    return client.post("/ussd", data={"sessionId": f"fb-{n}", "phoneNumber": PHONE, "text": text,
                                      "serviceCode": "*384*5758#"})


def count(query):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_a_feedback_flood_by_sms_and_ussd_makes_five_tickets_and_one_too_many_sms(app, client):
    for n in range(FLOOD):
        assert sms(client, f"ADUAN antrean panjang sekali {n}", n).status_code == 200
    screens = [ussd(client, f"4*2*Petugas loket tidak ada {n}", n).text for n in range(FLOOD)]

    assert count(select(Feedback)) == app.config["FEEDBACK_LIMIT"] == 5
    replies = db.session.scalars(select(Message.text).where(Message.direction == "out").order_by(Message.id)).all()
    assert len(replies) == 6, replies  # five tickets and one "too many"
    assert sum("tiket" in r for r in replies) == 5
    assert replies[-1].startswith("Terlalu banyak permintaan")
    # USSD answers cost no SMS, so every refused hop says why.
    assert all(screen.startswith("END Terlalu sering mencoba") for screen in screens)


def test_ussd_feedback_uses_the_same_allowance_and_an_sms_after_it_costs_nothing(app, client):
    for n in range(6):
        ussd(client, f"4*1*Tambah kursi ruang tunggu {n}", n)
    assert count(select(Feedback)) == 5
    assert sms(client, "SARAN parkir motor", 99).status_code == 200
    assert count(select(Feedback)) == 5
    # The USSD screen already said "too many" for this window; the SMS refusal is not paid for again.
    assert count(select(Message).where(Message.direction == "out")) == 0
