"""Helpers the tests share: polling for what other processes do, records made as a request makes them,
subscribers in bulk, rows as other processes left them, office times.

A domain function writes into the caller's transaction; these helpers commit, as the view or command that
calls the domain would, so live servers, workers and fresh sessions see the result.
"""
import os
import re
import time
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import insert
from sqlalchemy import select

from extensions import db
from office import applications
from office.clock import utcnow
from office.models import Application
from office.models import Citizen
from office.models import Message

# The repository: where processes under test start (their working directory) and files are found.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_until(predicate, timeout=15.0, interval=0.05, message="condition"):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def new_application(service="KTP", name="Budi Santoso", phone="0812-3456-7890", kelurahan="Menteng", *,
                    note=None, moves=(), actor="test") -> Application:
    """An application registered and moved through `moves` (statuses, or (status, note) pairs), committed."""
    application = applications.create_application(service, name, phone, kelurahan, note, actor=actor)
    db.session.commit()
    for step in moves:
        status, step_note = step if isinstance(step, tuple) else (step, None)
        move(application.reference, status, step_note, actor=actor)
    return application


def move(reference: str, status: str, note=None, *, actor="test") -> Application:
    """One committed status change, as the console or the API makes it."""
    application = applications.change_status(reference, status, note, actor=actor)
    db.session.commit()
    return application


def phone(n: int) -> str:
    """The n-th test phone number, valid for Indonesia and the simulator."""
    return f"+62812{n:08d}"


def add_subscribers(count: int, *, start: int = 0, language: str = "id", kelurahan_id: int | None = None,
                    opted_out: bool = False) -> list[str]:
    """Insert `count` subscribed citizens in one statement; returns their phones."""
    now = utcnow()
    phones = [phone(start + n) for n in range(count)]
    db.session.execute(insert(Citizen), [
        {"phone": p, "language": language, "subscribed": not opted_out, "subscribed_at": now,
         "kelurahan_id": kelurahan_id, "opted_out_at": now if opted_out else None, "created_at": now}
        for p in phones])
    db.session.commit()
    return phones


def fresh_messages(**where) -> list[Message]:
    """Outgoing rows as they are now in the database (written by any process), oldest first."""
    db.session.rollback()
    query = select(Message).where(Message.direction == "out").order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(db.session.scalars(query))


def office_time(text: str) -> datetime:
    """An office-time ISO string as naive UTC, the form the database holds."""
    from office import clock

    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.office_tz())
    return moment.astimezone(UTC).replace(tzinfo=None)


MM_PER_POINT = 25.4 / 72


def pdf_pages(pdf: bytes) -> int:
    """How many pages a PDF from Chromium has: a receipt or a checklist must come out on one sheet."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def pdf_page_size_mm(pdf: bytes) -> tuple[float, float]:
    """Width and height of the first page of a PDF Chromium printed."""
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return float(box.group(1)) * MM_PER_POINT, float(box.group(2)) * MM_PER_POINT


def sign_in(page, live_server, username: str) -> None:
    """Sign `page` in to the console as `username` (password STAFF_PASSWORD), with the keyboard."""
    from tests.conftest import STAFF_PASSWORD

    page.goto(f"{live_server.url}/staff/login")
    page.fill("#username", username)
    page.fill("#password", STAFF_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server.url}/staff/")


def signed_in_page(browser, live_server, user, **context):
    """A new Chromium page (of a context made with `context`) signed in to the console as `user`."""
    page = browser.new_context(**context).new_page()
    sign_in(page, live_server, user.username)
    return page
