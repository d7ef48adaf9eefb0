"""The console's menu: each entry shows only when the user's role may use it."""
from flask import request
from flask_babel import gettext as _

from office.i18n import N_
from office.roles import Action
from staff.access import may

# (endpoint, label, the action it needs)
MENU = (
    ("staff.index", N_("Dashboard"), Action.VIEW),
    ("staff.intake", N_("New application"), Action.INTAKE),
    ("staff.applications", N_("Applications"), Action.VIEW),
    ("staff.report", N_("Monthly report"), Action.VIEW),
    ("staff.counter", N_("Counter"), Action.SERVE_QUEUE),
    ("staff.inbox", N_("Inbox"), Action.INBOX),
    ("staff.import_upload", N_("Import"), Action.IMPORT),
    ("staff.broadcasts_list", N_("Broadcasts"), Action.BROADCAST),
    ("staff.catalog", N_("Services"), Action.VIEW),
    ("staff.users", N_("Users"), Action.MANAGE_USERS),
    ("staff.api_keys", N_("API keys"), Action.MANAGE_API_KEYS),
    ("staff.audit", N_("Audit log"), Action.VIEW_AUDIT),
)


def items() -> list[tuple[str, str, bool]]:
    """(endpoint, translated label, is the current page) for the signed-in user's menu."""
    return [(endpoint, _(label), request.endpoint == endpoint) for endpoint, label, action in MENU if may(action)]
