"""One reminder for documents left waiting: READY for READY_REMINDER_DAYS and not collected."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from office import citizens
from office import clock
from office import lifecycle
from office import outbox
from office.gsm import fits_one_segment
from office.gsm import to_gsm
from office.i18n import pick
from office.i18n import t
from office.models import Application
from office.notifications import shorten

BATCH = 500


def reminder_sms(application: Application, lang: str) -> str:
    """The reminder text in `lang`, one GSM-7 segment (a long service name is shortened to fit)."""
    service = pick(application.service.name, lang)
    text = ""
    for budget in (len(service), 40, 24):
        text = to_gsm(t(lang, "Reminder: {service} no. {reference} is ready for pickup. {next}",
                        service=shorten(service, budget), reference=application.reference,
                        next=t(lang, lifecycle.NEXT_STEPS[lifecycle.READY])))
        if fits_one_segment(text):
            break
    return text


def remind_ready() -> int:
    """Queue a reminder for every application READY long enough and not yet reminded; returns how many.

    reminded_at is set in the same transaction as the reminder is queued, by a conditional update, so
    overlapping runs never remind anyone twice, nor remind of documents collected since they were read.
    """
    cutoff = clock.utcnow() - timedelta(days=current_app.config["READY_REMINDER_DAYS"])
    queued = 0
    while True:
        due = db.session.scalars(
            select(Application).where(Application.status == lifecycle.READY, Application.reminded_at.is_(None),
                                      Application.status_changed_at <= cutoff)
            .order_by(Application.id).limit(BATCH)).all()
        if not due:
            return queued
        for application in due:
            taken = db.session.execute(
                update(Application).where(Application.id == application.id, Application.reminded_at.is_(None),
                                          Application.status == lifecycle.READY)
                .values(reminded_at=clock.utcnow()).execution_options(synchronize_session=False)).rowcount
            if taken:
                lang = citizens.language_of(application.phone)
                outbox.queue_sms(application.phone, reminder_sms(application, lang), outbox.Kind.REMINDER,
                                 application_id=application.id)
                queued += 1
        db.session.commit()
