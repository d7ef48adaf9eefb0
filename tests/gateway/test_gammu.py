"""SMS through the office's modem, against the real gammu-smsd on Gammu's fake phone: what Lekas queues
reaches the daemon's `sentitems` once, what the phone receives is answered, and the daemon's delivery
reports and failures reach the Lekas outbox by the same rules as AT's.

The jobs run in this process (run_jobs) and the daemon drains its outbox in a second or two; the worker
drills are in tests/jobs/test_gammu_drills.py.
"""
import pytest
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from gateway.gammu import tables
from gateway.gammu.parts import split
from jobs import gammu as modem
from jobs.send import provider
from office import broadcasts
from office import citizens
from office import lifecycle
from office import outbox
from office.models import Message
from tests.helpers import add_subscribers
from tests.helpers import fresh_messages
from tests.helpers import move
from tests.helpers import new_application
from tests.helpers import wait_until

PHONE = "+6281234567890"
CITIZEN = "+6281298765432"


def daemon(table, *where):
    with tables.engine().connect() as connection:
        return connection.execute(select(table).where(*where)
                                  .order_by(*[c for c in table.primary_key.columns])).all()


def sent_items(creator=None):
    where = [tables.sentitems.c.CreatorID == creator] if creator else []
    return daemon(tables.sentitems, *where)


def wait_sent(count, timeout=20):
    """Until the daemon has sent `count` parts (rows in sentitems)."""
    return wait_until(lambda: len(sent_items()) >= count and sent_items(), timeout=timeout,
                      message=f"{count} parts in sentitems")


def outgoing(**where):
    return fresh_messages(**where)


def test_a_status_notification_reaches_sentitems_once_and_the_poll_records_the_send(gammu, run_jobs):
    application = new_application(phone=PHONE)
    run_jobs()
    [receipt] = outgoing(application_id=application.id)
    assert receipt.status == outbox.SENT and receipt.provider_id.startswith("gammu:")
    [item] = wait_sent(1)
    assert (item.CreatorID, item.DestinationNumber, item.TextDecoded) == (f"lekas:{receipt.id}", PHONE,
                                                                           receipt.text)
    assert f"gammu:{item.ID}" == receipt.provider_id and item.Status == "SendingOK"
    modem.poll()
    assert outgoing(id=receipt.id)[0].status == outbox.SENT
    # A second pass changes nothing and records nothing twice.
    assert modem.poll() == {"received": 0, "reports": 0, "send_failures": 0}


def test_a_long_checklist_goes_as_multipart_parts_the_phone_joins_back(gammu, run_jobs):
    gammu.receive(CITIZEN, "SYARAT KTP")
    wait_until(lambda: modem.receive(), message="the SMS in the daemon's inbox")
    run_jobs()
    [checklist] = outgoing()
    assert checklist.text.startswith("Syarat") and checklist.segments > 1
    parts = wait_until(lambda: len(sent_items(f"lekas:{checklist.id}")) == checklist.segments
                       and sent_items(f"lekas:{checklist.id}"), message="every part sent")
    assert "".join(part.TextDecoded for part in parts) == checklist.text
    reference = f"{checklist.id % 256:02X}"
    assert [part.UDH for part in parts] == [f"050003{reference}{checklist.segments:02X}{n:02X}"
                                            for n in range(1, checklist.segments + 1)]
    assert {part.Coding for part in parts} == {"Default_No_Compression"}


@pytest.mark.parametrize(("text", "coding"), [
    ("Pengumuman: " + "pelayanan KTP-el dibuka Sabtu pukul 08.00 di aula kecamatan. " * 4, "Default_No_Compression"),
    ("Pengumuman 📢 " + "Posyandu balita hari Sabtu di aula kecamatan. " * 3, "Unicode_No_Compression"),
])
def test_parts_follow_the_billed_segments_and_the_coding_lekas_counted(text, coding):
    message = split(text, reference=300)
    assert message.coding == coding
    assert "".join(part.text for part in message.parts) == text
    assert len(message.parts) == outbox.analyze(text).segments > 1
    assert message.parts[0].udh == f"0500032C{len(message.parts):02X}01"


def test_a_broadcast_reaches_sentitems_once_per_recipient(gammu, run_jobs):
    phones = add_subscribers(4)
    broadcasts.create("Pengumuman: pelayanan KTP-el dibuka Sabtu.", None, {"all": True}, actor="test")
    db.session.commit()
    run_jobs()
    items = wait_sent(4)
    assert sorted(item.DestinationNumber for item in items) == sorted(phones)
    rows = outgoing(kind=outbox.Kind.BROADCAST)
    assert {f"lekas:{row.id}" for row in rows} == {item.CreatorID for item in items}
    assert {row.status for row in rows} == {outbox.SENT}


def test_an_incoming_sms_is_answered_through_the_modem_and_marked_processed_after_the_commit(gammu, run_jobs):
    gammu.receive(CITIZEN, "BANTUAN")
    wait_until(lambda: daemon(tables.inbox), message="the SMS in the daemon's inbox")
    assert modem.poll()["received"] == 1
    [row] = daemon(tables.inbox)
    assert row.Processed is True
    db.session.rollback()
    incoming = db.session.scalar(select(Message).where(Message.direction == "in"))
    assert (incoming.phone, incoming.text, incoming.external_id, incoming.link_id) == (
        CITIZEN, "BANTUAN", f"gammu:{row.ID}", None)
    run_jobs()
    [reply] = outgoing(in_reply_to_id=incoming.id)
    [item] = wait_sent(1)
    assert (item.DestinationNumber, item.CreatorID) == (CITIZEN, f"lekas:{reply.id}")


def test_an_inbox_row_read_twice_is_stored_and_answered_once(gammu, run_jobs):
    gammu.receive(CITIZEN, "BANTUAN")
    wait_until(lambda: daemon(tables.inbox), message="the SMS in the daemon's inbox")
    modem.poll()
    # As if the pass had stopped after Lekas's commit, before it marked the row processed.
    with tables.engine().begin() as connection:
        connection.execute(update(tables.inbox).values(Processed=False))
    assert modem.poll()["received"] == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 2  # the SMS and one reply


def test_stop_through_the_modem_opts_the_phone_out_of_everything_queued(gammu, run_jobs):
    gammu.receive(CITIZEN, "STOP")
    wait_until(lambda: daemon(tables.inbox), message="the SMS in the daemon's inbox")
    modem.poll()
    db.session.rollback()
    assert citizens.is_opted_out(CITIZEN)
    run_jobs()
    [goodbye] = outgoing(phone=CITIZEN)
    assert goodbye.kind == outbox.Kind.OPTOUT and goodbye.status == outbox.SENT


def test_a_unicode_sms_is_read_as_the_citizen_wrote_it(gammu):
    gammu.receive(CITIZEN, "SARAN antrean lama sekali 🙏", unicode=True)
    wait_until(lambda: daemon(tables.inbox), message="the SMS in the daemon's inbox")
    modem.poll()
    db.session.rollback()
    assert db.session.scalar(select(Message.text).where(Message.direction == "in")) == "SARAN antrean lama sekali 🙏"


@pytest.mark.parametrize(("word", "status"), [("Delivered", outbox.DELIVERED), ("Failed", outbox.FAILED)])
def test_a_status_report_from_the_network_turns_the_message_delivered_or_failed(gammu, run_jobs, word, status):
    application = new_application(phone=PHONE)
    run_jobs()
    [receipt] = outgoing(application_id=application.id)
    wait_sent(1)
    gammu.status_report(PHONE, word)
    wait_until(lambda: sent_items()[0].Status != "SendingOK", message="the report in sentitems")
    modem.poll()
    assert outgoing(id=receipt.id)[0].status == status


# The fake phone never fails a send, so what the daemon writes when a modem does (a SendingError or
# Error row in sentitems, a pending report) is written here by hand, as the daemon writes it.

def _handed_over(settings, run_jobs):
    """A status notification the daemon took; the daemon is kept from sending it (pinned to no modem)."""
    settings(GAMMU_PHONE_ID="no-such-modem")
    new_application(phone=PHONE)
    run_jobs()
    [message] = outgoing()
    assert message.status == outbox.SENT
    return message


def _daemon_writes(message, status, parts=1):
    number = int(message.provider_id.split(":")[1])
    with tables.engine().begin() as connection:
        connection.execute(tables.outbox.delete().where(tables.outbox.c.ID == number))
        connection.execute(insert(tables.sentitems), [
            {"ID": number, "SequencePosition": n, "DestinationNumber": message.phone, "TextDecoded": "",
             "Text": "", "UDH": "", "SenderID": "modem1", "CreatorID": f"lekas:{message.id}", "Status": status,
             "Coding": "Default_No_Compression"} for n in range(1, parts + 1)])


@pytest.mark.parametrize("word", ["SendingError", "Error"])
def test_a_send_the_modem_failed_is_queued_again_with_backoff_then_sent_once_more(gammu, run_jobs, settings, word):
    settings(SEND_RETRY_BASE_SECONDS=0)
    message = _handed_over(settings, run_jobs)
    first_send = message.provider_id
    _daemon_writes(message, word)
    assert modem.poll()["send_failures"] == 1
    [again] = outgoing()
    assert (again.status, again.provider_id, again.last_error) == (outbox.QUEUED, None, f"modem: {word}")
    run_jobs()
    [resent] = outgoing()
    assert resent.status == outbox.SENT and resent.provider_id != first_send
    assert len(daemon(tables.outbox)) == 1  # the new daemon message; the failed one stays in sentitems


def test_a_send_the_modem_keeps_failing_fails_after_the_last_attempt(gammu, run_jobs, settings):
    settings(SEND_MAX_ATTEMPTS=1)
    message = _handed_over(settings, run_jobs)
    _daemon_writes(message, "SendingError")
    modem.poll()
    [failed] = outgoing()
    assert failed.status == outbox.FAILED and failed.last_error == "gave up after 1 attempts: modem: SendingError"


@pytest.mark.parametrize(("words", "status"), [
    (["DeliveryPending"], outbox.SENT),
    (["DeliveryUnknown"], outbox.SENT),
    (["SendingOKNoReport"], outbox.SENT),
    (["DeliveryOK"], outbox.DELIVERED),
    (["DeliveryFailed"], outbox.FAILED),
    (["DeliveryOK", "DeliveryPending"], outbox.SENT),
    (["DeliveryOK", "DeliveryFailed"], outbox.FAILED),
])
def test_the_daemons_words_reach_the_message_by_the_delivery_report_rules(gammu, run_jobs, settings, words,
                                                                          status):
    message = _handed_over(settings, run_jobs)
    _daemon_writes(message, words[0], parts=1)
    for n, word in enumerate(words[1:], start=2):
        with tables.engine().begin() as connection:
            connection.execute(insert(tables.sentitems).values(
                ID=int(message.provider_id.split(":")[1]), SequencePosition=n, DestinationNumber=message.phone,
                Text="", UDH="", SenderID="modem1", CreatorID=f"lekas:{message.id}", Status=word))
    db.session.execute(update(Message).where(Message.id == message.id).values(segments=len(words)))
    db.session.commit()
    modem.poll()
    assert outgoing()[0].status == status


def test_a_delivered_message_never_goes_back_when_the_daemon_says_less(gammu, run_jobs, settings):
    message = _handed_over(settings, run_jobs)
    _daemon_writes(message, "DeliveryOK")
    modem.poll()
    with tables.engine().begin() as connection:
        connection.execute(update(tables.sentitems).values(Status="DeliveryFailed"))
    modem.poll()
    assert outgoing()[0].status == outbox.DELIVERED


@pytest.mark.parametrize(("parts", "word"), [
    (["SendingOK"], "SendingOK"), (["SendingOK", "SendingOK"], "SendingOK"), (["SendingOK"], None),
    (["DeliveryOK", "SendingError"], "SendingError"), (["DeliveryOK", "DeliveryOK"], "DeliveryOK"),
    (["DeliveryOK", "SendingOKNoReport"], "SendingOKNoReport"), (["DeliveryFailed", "DeliveryOK"], "DeliveryFailed"),
])
def test_the_word_for_a_whole_message_comes_from_all_its_parts(parts, word):
    expected_parts = len(parts) + (1 if word is None else 0)
    assert modem.overall(parts, expected_parts) == word


def test_a_send_whose_recording_was_lost_finds_the_daemons_message_instead_of_queueing_it_again(gammu):
    # What a worker killed between the daemon's insert and Lekas's record leaves behind.
    first = provider().send("Permohonan Anda sudah siap diambil.", [PHONE], message_ids=[41])
    again = provider().send("Permohonan Anda sudah siap diambil.", [PHONE], message_ids=[41])
    assert first[0].provider_id == again[0].provider_id
    assert len(daemon(tables.outbox)) + len(sent_items()) == 1


def test_an_unknown_number_fails_alone_and_a_missing_id_is_refused(gammu):
    bad, good = provider().send("Halo", ["+62 812", PHONE], message_ids=[1, 2])
    assert (bad.outcome, good.outcome) == (outbox.Outcome.FAILED, outbox.Outcome.ACCEPTED)
    with pytest.raises(ValueError):
        provider().send("Halo", [PHONE])


def test_the_status_change_of_an_application_goes_out_through_the_modem(gammu, run_jobs):
    application = new_application(phone=PHONE)
    run_jobs()
    move(application.reference, lifecycle.VERIFYING)
    run_jobs()
    wait_sent(2)
    assert len(outgoing(application_id=application.id)) == 2
