"""One hop of a USSD session: its saved state continued when the inputs extend it, or all of them replayed;
then the screen to show, saved with the state for the next hop."""
from flask import current_app

from gateway.ussd import session_cache
from gateway.ussd.engine import Context
from gateway.ussd.engine import Display
from gateway.ussd.engine import State
from gateway.ussd.screens import MENU
from gateway.ussd.text import clean
from office import citizens
from office.i18n import t
from office.phones import InvalidPhone
from office.phones import normalize


def answer(session_id: str, raw_phone: str, text: str) -> str:
    """The reply body for this hop, continuing the saved state of the session when its inputs extend it."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    try:
        phone = normalize(raw_phone)
    except InvalidPhone:
        return Display(True, clean(t(default, "Sorry, this number cannot use the service."))).body
    inputs = text.split("*") if text else []
    saved = session_cache.load(session_id, phone, MENU)
    if saved is not None and saved.text == text:
        # The same hop again (a retry): same answer, and nothing done twice.
        return saved.reply
    if saved is not None and (saved.text == "" or text.startswith(saved.text + "*")):
        state = saved.state
        todo = inputs[len(saved.text.split("*")) if saved.text else 0:]
    else:
        state = State(lang=citizens.language_of(phone, default=default))
        todo = inputs
    ctx = Context(phone)
    MENU.advance(ctx, state, todo)
    reply = MENU.render(ctx, state).body
    session_cache.save(session_id, phone, text, state, reply)
    return reply
