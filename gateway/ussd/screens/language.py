"""Bahasa/Language: the phone's language, for this session and the next ones."""
from gateway.ussd.engine import Context
from gateway.ussd.engine import Menu
from gateway.ussd.engine import State
from office import citizens
from office.i18n import N_
from office.i18n import t

LANGUAGE_SET = N_("Language changed.")


class Language(Menu):
    name = "language"
    shared_layout = True

    def title(self, ctx, state):
        return t(state.lang, "Choose language / Pilih bahasa:")

    def options(self, ctx, state):
        def choose(lang):
            return lambda ctx, state: _set_language(ctx, state, lang)

        return [("Bahasa Indonesia", choose("id")), ("English", choose("en"))]


def _set_language(ctx: Context, state: State, lang: str) -> None:
    citizens.set_language(ctx.phone, lang)
    state.lang = lang
    state.home()
    state.hint = [LANGUAGE_SET, {}]
