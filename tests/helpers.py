"""Helpers the tests share: polling for what other processes do, and records made as a request makes them.

A domain function writes into the caller's transaction; these helpers commit, as the view or command that
calls the domain would, so live servers, workers and fresh sessions see the result.
"""
import time

import pytest

from extensions import db
from office import applications
from office.models import Application


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
