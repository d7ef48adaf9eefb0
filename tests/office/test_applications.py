import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from extensions import db
from office import applications
from office import lifecycle as lc
from office.errors import DomainError
from office.errors import InvalidTransition
from office.errors import NotFound
from office.gsm import analyze
from office.models import Application
from office.models import Message
from office.models import StatusChange


def register(**overrides):
    fields = {"service_code": "KTP", "applicant_name": "Budi Santoso", "phone": "0812-3456-7890",
              "kelurahan": "Menteng", "actor": "test"}
    fields.update(overrides)
    application = applications.create_application(**fields)
    db.session.commit()
    return application


def outbox_for(application):
    return db.session.scalars(select(Message).where(Message.application_id == application.id)
                              .order_by(Message.id)).all()


def test_registering_stores_e164_phone_and_queues_a_receipt_with_the_reference(app):
    application = register()
    assert application.status == lc.RECEIVED
    assert application.phone == "+6281234567890"
    (receipt,) = outbox_for(application)
    assert receipt.status == "queued" and receipt.direction == "out"
    assert application.reference in receipt.text
    assert analyze(receipt.text).segments == 1


def test_registering_rejects_unknown_service_kelurahan_and_bad_phone(app):
    for overrides, code in [({"service_code": "NOPE"}, "unknown_service"),
                            ({"kelurahan": "Atlantis"}, "unknown_kelurahan"),
                            ({"phone": "12345"}, "invalid_phone"),
                            ({"applicant_name": "   "}, "missing_field"),
                            ({"applicant_name": "x" * 121}, "field_too_long")]:
        with pytest.raises(DomainError) as info:
            register(**overrides)
        assert info.value.code == code
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_kelurahan_matches_alias_and_small_typos(app):
    assert register(kelurahan="petuk katimpung").kelurahan.name == "Petuk Katimpun"
    assert register(kelurahan="bukit tungal").kelurahan.name == "Bukit Tunggal"


def test_status_change_records_history_and_queues_notification_in_citizens_language(app):
    from office import citizens

    citizens.set_language("+6281234567890", "en")
    application = register()
    applications.change_status(application.reference, lc.VERIFYING, actor="clerk:ani")
    applications.change_status(application.reference, lc.PROCESSING, actor="clerk:ani")
    applications.change_status(application.reference, lc.READY, actor="clerk:ani")
    history = [(h.from_status, h.to_status, h.actor) for h in application.history]
    assert history == [(None, lc.RECEIVED, "test"), (lc.RECEIVED, lc.VERIFYING, "clerk:ani"),
                       (lc.VERIFYING, lc.PROCESSING, "clerk:ani"), (lc.PROCESSING, lc.READY, "clerk:ani")]
    last = outbox_for(application)[-1]
    assert "Ready for pickup" in last.text and application.reference in last.text


def test_illegal_move_is_refused_and_changes_nothing(app):
    application = register()
    with pytest.raises(InvalidTransition):
        applications.change_status(application.reference, lc.READY, actor="test")
    db.session.rollback()
    assert application.status == lc.RECEIVED and len(outbox_for(application)) == 1


def test_rejected_and_needs_documents_require_a_note(app):
    application = register()
    applications.change_status(application.reference, lc.VERIFYING, actor="test")
    for status in (lc.REJECTED, lc.NEEDS_DOCUMENTS):
        with pytest.raises(DomainError) as info:
            applications.change_status(application.reference, status, "  ", actor="test")
        assert info.value.code == "missing_field"
    applications.change_status(application.reference, lc.NEEDS_DOCUMENTS, "Fotokopi KK", actor="test")
    last = outbox_for(application)[-1]
    assert "Fotokopi KK" in last.text and analyze(last.text).segments == 1


def test_long_note_is_cut_at_a_word_so_the_notification_stays_one_segment(app):
    application = register()
    applications.change_status(application.reference, lc.VERIFYING, actor="test")
    note = "Fotokopi Kartu Keluarga terbaru yang sudah dilegalisir dan surat pengantar RT RW " * 4
    applications.change_status(application.reference, lc.REJECTED, note, actor="test")
    sms = outbox_for(application)[-1].text
    assert analyze(sms).segments == 1 and sms.endswith("...")


FAULT_TRIGGERS = {
    "sqlite": (["CREATE TRIGGER refuse_outbox BEFORE INSERT ON messages "
                "BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END"],
               ["DROP TRIGGER refuse_outbox"]),
    "postgresql": (["CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'outbox unavailable'; END $$ LANGUAGE plpgsql",
                    "CREATE TRIGGER refuse_outbox BEFORE INSERT ON messages FOR EACH ROW "
                    "EXECUTE FUNCTION refuse_outbox()"],
                   ["DROP TRIGGER refuse_outbox ON messages", "DROP FUNCTION refuse_outbox()"]),
}


def test_a_failure_writing_the_outbox_leaves_neither_status_nor_history(app):
    create, drop = FAULT_TRIGGERS[db.engine.dialect.name]
    application = register()
    for statement in create:
        db.session.execute(text(statement))
    db.session.commit()
    try:
        with pytest.raises(DatabaseError):
            applications.change_status(application.reference, lc.VERIFYING, actor="test")
        db.session.rollback()
    finally:
        for statement in drop:
            db.session.execute(text(statement))
        db.session.commit()
    db.session.expire_all()
    assert application.status == lc.RECEIVED
    assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 1
    assert len(outbox_for(application)) == 1


def test_lookup_tells_a_typo_from_an_unknown_reference(app):
    application = register()
    ref = application.reference
    typo = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    with pytest.raises(DomainError) as info:
        applications.get_by_reference(typo)
    assert info.value.code == "bad_check_digit"
    with pytest.raises(DomainError) as info:
        applications.get_by_reference("123")
    assert info.value.code == "bad_reference"
    other = "123456789"
    from office.references import check_digit

    with pytest.raises(NotFound):
        applications.get_by_reference(other + check_digit(other))
    assert applications.get_by_reference(f"{ref[:3]} {ref[3:6]} {ref[6:]}") is application


def test_status_view_masks_the_name_and_shows_notes_only_to_the_applicants_phone(app):
    application = register()
    applications.change_status(application.reference, lc.VERIFYING, actor="test")
    applications.change_status(application.reference, lc.NEEDS_DOCUMENTS, "Akta kelahiran", actor="test")
    own = applications.status_view(application, "id", "+6281234567890")
    stranger = applications.status_view(application, "id", "+6281299999999")
    assert own.masked_name == stranger.masked_name == "B*** S******"
    assert own.note == "Akta kelahiran" and stranger.note is None
    assert own.label == "Berkas kurang"
