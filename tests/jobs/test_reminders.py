"""Reminders for documents READY but not collected: exactly one, in the citizen's language, one SMS."""
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from jobs import reminders
from office import catalog
from office import citizens
from office import clock
from office.gsm import fits_one_segment
from office.models import Application
from office.models import Message
from tests.helpers import move
from tests.helpers import new_application


def ready_application(days_ago, phone="0812-3456-7890", service="KTP"):
    application = new_application(service, "Budi Santoso", phone, "Menteng")
    for step in ("VERIFYING", "PROCESSING", "READY"):
        move(application.reference, step)
    application.status_changed_at = clock.utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return application


def reminders_for(application):
    return db.session.scalars(select(Message).where(Message.application_id == application.id,
                                                    Message.kind == "reminder")).all()


def test_ready_for_a_week_gets_exactly_one_reminder(app, settings):
    settings(READY_REMINDER_DAYS=7)
    application = ready_application(days_ago=8)

    assert reminders.remind_ready() == 1
    assert reminders.remind_ready() == 0

    [reminder] = reminders_for(application)
    assert application.reference in reminder.text and reminder.text.startswith("Pengingat:")
    assert db.session.get(Application, application.id).reminded_at is not None


def test_not_yet_due_or_collected_applications_get_no_reminder(app, settings):
    settings(READY_REMINDER_DAYS=7)
    recent = ready_application(days_ago=6)
    collected = ready_application(days_ago=30, phone="0812-3456-0002")
    move(collected.reference, "COLLECTED")

    assert reminders.remind_ready() == 0
    assert reminders_for(recent) == [] and reminders_for(collected) == []


def test_the_reminder_speaks_the_citizens_language(app, settings):
    application = ready_application(days_ago=8)
    citizens.set_language(application.phone, "en")
    db.session.commit()
    reminders.remind_ready()
    [reminder] = reminders_for(application)
    assert reminder.text.startswith("Reminder:") and "ready for pickup" in reminder.text


def test_every_services_reminder_fits_one_gsm7_segment_in_both_languages(app):
    application = Application(reference="1234567890")
    for service in catalog.services():
        application.service = service
        for lang in ("id", "en"):
            text = reminders.reminder_sms(application, lang)
            assert fits_one_segment(text), (service.code, lang, text)
            assert "1234567890" in text
