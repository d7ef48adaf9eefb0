"""The SMS webhooks when the database refuses a write: a 503 so that AT delivers the callback again, never a
500, and the callback AT delivers again is handled in full."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

from extensions import db
from office.models import Citizen
from office.models import DeliveryReport
from office.models import Feedback
from office.models import Message

PHONE = "+6281234567001"
# "conflict" refuses the way a lost race for a unique row does (an IntegrityError); "outage" any other way.
HOW = ["conflict", "outage"]


def _execute(statements):
    for statement in statements:
        db.session.execute(text(statement))
    db.session.commit()


@contextmanager
def refusing_inserts(table, how):
    """Every INSERT into `table` fails inside the database until the block ends."""
    if db.engine.dialect.name == "sqlite":
        # A trigger naming a table that does not exist fails each insert with "no such table".
        body = "SELECT RAISE(ABORT, 'refused')" if how == "conflict" else "DELETE FROM no_such_table"
        create = [f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} BEGIN {body}; END"]
        drop = ["DROP TRIGGER refuse_insert"]
    else:
        code = "unique_violation" if how == "conflict" else "raise_exception"
        create = ["CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN "
                  f"RAISE EXCEPTION 'refused' USING ERRCODE = '{code}'; END $$ LANGUAGE plpgsql",
                  f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} FOR EACH ROW "
                  "EXECUTE FUNCTION refuse_insert()"]
        drop = [f"DROP TRIGGER refuse_insert ON {table}", "DROP FUNCTION refuse_insert()"]
    _execute(create)
    try:
        yield
    finally:
        db.session.rollback()
        _execute(drop)


@contextmanager
def citizen_created_by_another_request(phone):
    """Just before this request inserts `phone`'s citizen row, another connection commits that row first:
    the race two first-contact callbacks for one new phone run. Yields the list of raced statements."""
    raced = []

    def before_insert(conn, cursor, statement, parameters, context, executemany):
        if raced or not statement.lstrip().upper().startswith("INSERT INTO CITIZENS"):
            return
        raced.append(statement)
        with db.engine.begin() as other:
            other.execute(insert(Citizen).values(phone=phone))

    event.listen(db.engine, "before_cursor_execute", before_insert)
    try:
        yield raced
    finally:
        event.remove(db.engine, "before_cursor_execute", before_insert)


def rows(model):
    db.session.rollback()
    return db.session.scalars(select(model).order_by(model.id)).all()


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("how", HOW)
def test_an_sms_without_id_that_could_not_be_stored_is_handled_when_at_delivers_it_again(client, how):
    data = {"from": PHONE, "to": "5758", "text": "SARAN kursi ruang tunggu kurang", "linkId": "link-1"}
    with refusing_inserts("messages", how):
        assert client.post("/sms/incoming", data=data).status_code == 503
    assert rows(Message) == [] and count(Feedback) == 0
    assert client.post("/sms/incoming", data=data).status_code == 200
    incoming, reply = rows(Message)
    assert (incoming.direction, incoming.text) == ("in", data["text"])
    assert (reply.direction, reply.in_reply_to_id) == ("out", incoming.id)
    assert count(Feedback) == 1
    # Stored now, so a further copy within minutes is a redelivery again.
    assert client.post("/sms/incoming", data=data).status_code == 200
    assert len(rows(Message)) == 2 and count(Feedback) == 1


OPT_OUTS = {
    "at_optout_callback": ("/sms/optout", {"senderId": "KECJEKANRAYA", "phoneNumber": PHONE}),
    "blacklist_report": ("/sms/delivery", {"id": "ATXid_new", "status": "Failed", "phoneNumber": PHONE,
                                           "failureReason": "UserInBlacklist"}),
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("callback", OPT_OUTS)
def test_a_first_contact_callback_the_database_refuses_is_a_503_and_taken_when_delivered_again(
        client, callback, how):
    path, data = OPT_OUTS[callback]
    with refusing_inserts("citizens", how):
        assert client.post(path, data=data).status_code == 503
    assert count(Citizen) == 0 and count(DeliveryReport) == 0
    assert client.post(path, data=data).status_code == 200
    (citizen,) = rows(Citizen)
    assert citizen.phone == PHONE and citizen.opted_out


def test_an_opt_out_that_loses_the_race_for_a_new_phones_citizen_row_is_tried_again(client):
    with citizen_created_by_another_request(PHONE) as raced:
        assert client.post("/sms/optout", data=OPT_OUTS["at_optout_callback"][1]).status_code == 200
    assert raced, "the other request did not get in first"
    (citizen,) = rows(Citizen)
    assert citizen.phone == PHONE and citizen.opted_out
