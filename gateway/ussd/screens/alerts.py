"""SMS alerts: announcements for one kelurahan or all of Jekan Raya, or none."""
from gateway.ussd.engine import Context
from gateway.ussd.engine import Menu
from gateway.ussd.engine import State
from office import citizens
from office.i18n import N_
from office.i18n import t
from office.models import Kelurahan


class Subscribe(Menu):
    name = "subscribe"
    shared_layout = True

    def title(self, ctx, state):
        return t(state.lang, "Announcements by SMS for:")

    def options(self, ctx, state):
        def place(row):
            return lambda ctx, state: _subscribe(ctx, state, row)

        return [
            *[(row.name, place(row)) for row in ctx.places],
            (t(state.lang, "All of Jekan Raya"), lambda ctx, state: _subscribe(ctx, state, None)),
            (t(state.lang, "Stop announcements"), _unsubscribe),
        ]


def _subscribe(ctx: Context, state: State, place: Kelurahan | None) -> None:
    citizens.subscribe(ctx.phone, place)
    if place is None:
        state.finish(N_("Done. You will get announcements for all of Jekan Raya by SMS."))
    else:
        state.finish(N_("Done. You will get announcements for {place} by SMS."), place=place.name)


def _unsubscribe(ctx: Context, state: State) -> None:
    citizens.unsubscribe(ctx.phone)
    state.finish(N_("Done. No more announcements. SMS about your own applications still come."))
