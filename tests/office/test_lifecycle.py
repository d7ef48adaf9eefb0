from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from sqlalchemy import select

from extensions import db
from office import applications
from office import lifecycle as lc
from office.errors import DomainError
from office.errors import InvalidTransition
from office.i18n import t
from office.models import Message


def test_moves_match_the_published_lifecycle():
    assert lc.MOVES[lc.RECEIVED] == {lc.VERIFYING, lc.REJECTED}
    assert lc.MOVES[lc.VERIFYING] == {lc.NEEDS_DOCUMENTS, lc.PROCESSING, lc.FORWARDED, lc.REJECTED}
    assert lc.MOVES[lc.NEEDS_DOCUMENTS] == {lc.VERIFYING, lc.REJECTED}
    assert lc.MOVES[lc.PROCESSING] == {lc.READY, lc.REJECTED}
    assert lc.MOVES[lc.FORWARDED] == {lc.READY, lc.REJECTED}
    assert lc.MOVES[lc.READY] == {lc.COLLECTED}
    assert lc.FINAL == {lc.COLLECTED, lc.REJECTED}


def test_every_status_has_a_label_and_next_step_in_both_languages():
    for status in lc.STATUSES:
        for table in (lc.LABELS, lc.NEXT_STEPS):
            english = t("en", table[status])
            indonesian = t("id", table[status])
            assert english and indonesian and english != indonesian, status


def make_application_lifecycle_machine(app):
    class ApplicationLifecycle(RuleBasedStateMachine):
        """Random sequences of moves, legal or not, against the real domain and database."""

        def __init__(self):
            super().__init__()
            self.application = applications.create_application(
                "KTP", "Budi Santoso", "081234567890", "Menteng", actor="test")
            self.expected = [lc.RECEIVED]

        @rule(status=st.sampled_from(lc.STATUSES), note=st.sampled_from([None, "", "Fotokopi KK"]))
        def move(self, status, note):
            current = self.expected[-1]
            try:
                applications.change_status(self.application.reference, status, note, actor="test")
            except InvalidTransition:
                assert not lc.can_move(current, status)
            except DomainError as exc:
                assert exc.code == "missing_field"
                assert status in lc.NOTE_REQUIRED and not note
            else:
                assert lc.can_move(current, status)
                assert status not in lc.NOTE_REQUIRED or note
                self.expected.append(status)

        @invariant()
        def history_is_complete_and_legal(self):
            db.session.expire_all()
            history = self.application.history
            assert [h.to_status for h in history] == self.expected
            assert self.application.status == self.expected[-1]
            for change in history[1:]:
                assert lc.can_move(change.from_status, change.to_status)
            notes = db.session.scalars(select(Message).where(
                Message.application_id == self.application.id)).all()
            assert len(notes) == len(self.expected)
            assert all(m.status == "queued" and m.kind == "status" for m in notes)

    return ApplicationLifecycle


def test_random_moves_never_reach_an_illegal_state_and_history_is_complete(app):
    machine = make_application_lifecycle_machine(app)
    machine.TestCase.settings = settings(max_examples=40, stateful_step_count=12, deadline=None)
    machine.TestCase().runTest()
