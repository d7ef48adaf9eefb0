"""One hop of a USSD session: its saved state continued when the inputs extend it, or all of them replayed;
then the screen to show, and what to save for the next hop once the caller has committed this one.

A hop that only navigates reads no database row: the catalog comes from the process's snapshot, the
language from the saved state. A hop without a usable saved state (a new session, another phone's, one
Redis lost) takes the phone's language from Redis, fetched with the session in the same round trip; only
on a miss does it read the citizens table, and it caches what it read when it saves. That costs one small
key per phone that called in the last day, and keeps the database off every hop that starts a session or
replays one. Reading the database on the first hop of each session alone would not do: a lost or
foreign state cannot tell a first hop from a later one, and under load those are a good share of hops.
"""
from dataclasses import dataclass

from flask import current_app

from gateway.ussd import session_cache
from gateway.ussd.engine import Context
from gateway.ussd.engine import Display
from gateway.ussd.engine import State
from gateway.ussd.screens import MENU
from gateway.ussd.text import clean
from office import language_cache
from office.i18n import t
from office.phones import InvalidPhone
from office.phones import normalize


@dataclass(frozen=True)
class Hop:
    """A hop worked out: the body to answer with, and the state it leaves for the session's next hop."""

    session_id: str
    phone: str
    text: str
    body: str
    state: State | None  # None when there is nothing new to save: a retry, a number that cannot use the service
    language: str | None = None  # the phone's language as read from the database, when it was not cached

    def save(self) -> None:
        """Keep this hop for the next one: call it once the hop's changes are committed, so that the retry of a
        hop whose changes were rolled back is replayed, not answered as if they had been stored."""
        if self.state is not None:
            session_cache.save(self.session_id, self.phone, self.text, self.state, self.body, self.language)


def answer(session_id: str, raw_phone: str, text: str) -> Hop:
    """This hop, continuing the saved state of the session when its inputs extend it.

    What the screens change is left in the database session for the caller to commit.
    """
    default = current_app.config["DEFAULT_LANGUAGE"]
    try:
        phone = normalize(raw_phone)
    except InvalidPhone:
        body = Display(True, clean(t(default, "Sorry, this number cannot use the service."))).body
        return Hop(session_id, raw_phone, text, body, state=None)
    inputs = text.split("*") if text else []
    loaded = session_cache.load(session_id, phone, MENU)
    saved = loaded.saved
    if saved is not None and saved.text == text:
        # The same hop again (a retry): same answer, and nothing done twice.
        return Hop(session_id, phone, text, saved.reply, state=None)
    looked_up = None
    if saved is not None and (saved.text == "" or text.startswith(saved.text + "*")):
        state = saved.state
        todo = inputs[len(saved.text.split("*")) if saved.text else 0:]
    else:
        cached = loaded.language
        if cached is None:
            cached = looked_up = language_cache.from_database(phone)
        state = State(lang=language_cache.resolve(cached, default))
        todo = inputs
    ctx = Context(phone)
    MENU.advance(ctx, state, todo)
    return Hop(session_id, phone, text, MENU.render(ctx, state).body, state, looked_up)
