"""The main menu, where every session starts and "00" leads back."""
from gateway.ussd.engine import INVALID
from gateway.ussd.engine import Menu
from gateway.ussd.screens.language import LANGUAGE_SET
from office.i18n import t


class Main(Menu):
    name = "main"
    shared_layout = True
    hints = (INVALID, LANGUAGE_SET)

    def title(self, ctx, state):
        return t(state.lang, "Jekan Raya Office")

    def options(self, ctx, state):
        def go(screen):
            return lambda ctx, state: state.push(screen)

        return [
            (t(state.lang, "Requirements"), go("services")),
            (t(state.lang, "Check status"), go("status_ask")),
            (t(state.lang, "SMS alerts"), go("subscribe")),
            (t(state.lang, "Suggestions/complaints"), go("feedback")),
            (t(state.lang, "Office info"), go("info")),
            ("Bahasa/Language", go("language")),
        ]
