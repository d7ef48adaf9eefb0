"""The database engine's errors as a logged traceback shows them: what failed, not the values involved."""
import traceback

import pytest
from sqlalchemy.exc import IntegrityError

from extensions import db
from office.models import Application
from office.models import Citizen

PHONE = "+6281277778888"
NAME = "Yustina Kristiani"


def logged(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


def refused_write(*rows) -> str:
    """Add `rows` and flush; return the traceback of the IntegrityError the database answers."""
    db.session.add_all(rows)
    with pytest.raises(IntegrityError) as refused:
        db.session.flush()
    db.session.rollback()
    return logged(refused.value)


def test_a_duplicate_row_is_reported_without_its_values(app):
    db.session.add(Citizen(phone=PHONE))
    db.session.commit()

    text = refused_write(Citizen(phone=PHONE))

    assert "citizens" in text and PHONE not in text


def test_a_row_missing_a_value_is_reported_without_the_values_it_has(app):
    text = refused_write(Application(applicant_name=NAME, phone=PHONE))

    assert "applications" in text
    assert PHONE not in text and NAME not in text
