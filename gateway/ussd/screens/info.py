"""Office info: name, address, hours and contacts, paged; the last page ends the session."""
from gateway.ussd.engine import Document
from office import catalog
from office.i18n import pick
from office.i18n import t


class Info(Document):
    name = "info"
    shared_layout = True
    last_is_end = True

    def text(self, ctx, state):
        lang = state.lang
        info = catalog.office_info()
        return "\n".join([
            pick(info["name"], lang),
            t(lang, "Address: {address}", address=pick(info["address"], lang)),
            t(lang, "Hours: {hours}", hours=pick(info["hours"], lang)),
            *[f"{pick(c['label'], lang)}: {c['value']}" for c in info["contacts"]],
        ])
