"""The domain rules the kiosk and the public pages rely on: the phone-tail proof, subscriptions typed for a
phone, and the checks on a typed suggestion."""
import pytest
from sqlalchemy import select

from extensions import db
from office import catalog
from office import citizens
from office import feedback
from office import outbox
from office.applications import phone_tail_matches
from office.applications import status_view
from office.errors import DomainError
from office.models import Message
from office.subscriptions import Outcome
from office.subscriptions import subscribe_typed
from tests.helpers import new_application

PHONE = "+6281234567890"


@pytest.mark.parametrize("tail, matches", [
    ("7890", True),
    ("7891", False),
    ("789", False),
    ("67890", False),
    ("", False),
    ("७८९०", False),  # Devanagari digits are digits to Python, not to a phone
    ("78 0", False),
])
def test_the_phone_tail_matches_only_the_last_four_digits(app, tail, matches):
    application = new_application(phone="0812-3456-7890", moves=[("VERIFYING", "Bawa KK asli")])
    assert phone_tail_matches(application, tail) is matches
    view = status_view(application, "id", phone_tail=tail)
    assert view.note == ("Bawa KK asli" if matches else None)
    assert view.masked_name == "B*** S******"


def sent_to(phone):
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.phone == phone).order_by(Message.id)))


def subscribe(place=None, lang="id"):
    outcome = subscribe_typed(PHONE, place, lang=lang, shortcode="5758")
    db.session.commit()
    return outcome


def test_a_typed_subscription_confirms_by_sms_in_the_kiosk_language(app):
    menteng = catalog.find_kelurahan("Menteng")
    assert subscribe(menteng, lang="en") == Outcome.SUBSCRIBED
    citizen = citizens.find(PHONE)
    assert citizen.subscribed and citizen.kelurahan_id == menteng.id and citizen.language == "en"
    [message] = sent_to(PHONE)
    assert message.kind == outbox.Kind.REPLY
    assert message.text == ("You are subscribed to Jekan Raya office announcements for Menteng. "
                            "To stop, SMS STOP to 5758.")


def test_the_same_subscription_again_sends_nothing_and_a_new_place_confirms_again(app):
    menteng = catalog.find_kelurahan("Menteng")
    assert subscribe(menteng) == Outcome.SUBSCRIBED
    assert subscribe(menteng) == Outcome.ALREADY
    assert subscribe(None) == Outcome.SUBSCRIBED
    assert citizens.find(PHONE).kelurahan_id is None
    assert len(sent_to(PHONE)) == 2


def test_a_typed_subscription_never_lifts_a_stop(app):
    citizens.opt_out(PHONE)
    db.session.commit()
    assert subscribe() == Outcome.OPTED_OUT
    assert citizens.is_opted_out(PHONE) and not citizens.find(PHONE).subscribed
    assert sent_to(PHONE) == []


def test_a_phone_gets_at_most_three_confirmations_a_day(app):
    places = [None, *catalog.kelurahan_list()]
    outcomes = [subscribe(place) for place in places]
    assert outcomes == [Outcome.SUBSCRIBED] * 3 + [Outcome.TOO_MANY] * (len(places) - 3)
    assert len(sent_to(PHONE)) == 3


@pytest.mark.parametrize("text, stored", [
    ("  Antrean   terlalu\nlama ", "Antrean terlalu lama"),
    ("Terima kasih 🙏", "Terima kasih 🙏"),
    ("x" * feedback.MAX_TEXT, "x" * feedback.MAX_TEXT),
])
def test_a_typed_suggestion_is_stored_tidied(text, stored):
    assert feedback.check_text(text) == stored


@pytest.mark.parametrize("text, code", [
    ("", "missing_field"),
    ("   \n ", "missing_field"),
    (None, "missing_field"),
    ("x" * (feedback.MAX_TEXT + 1), "field_too_long"),
    ("x" * 10_000, "field_too_long"),
    ("Rusak \ufffd\ufffd", "unreadable_text"),
    ("lone \ud800 surrogate", "unreadable_text"),
    ("bell \x07", "unreadable_text"),
    ("nul \x00", "unreadable_text"),
])
def test_a_typed_suggestion_is_refused_with_a_reason(text, code):
    with pytest.raises(DomainError) as refused:
        feedback.check_text(text)
    assert refused.value.code == code
