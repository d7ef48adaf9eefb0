"""What each staff role may do: the one table the console checks, and its tests are generated from.

A kelurahan account may do what an operator does, but only for its own kelurahan's applications:
`scope()` gives the kelurahan every query of that account is filtered by.
"""
from enum import StrEnum

from office.i18n import N_


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    KELURAHAN = "kelurahan"
    VIEWER = "viewer"


class Action(StrEnum):
    VIEW = "view"  # lists, search, detail
    EXPORT = "export"
    INTAKE = "intake"
    CHANGE_STATUS = "change_status"
    BULK_CHANGE = "bulk_change"
    IMPORT = "import"
    MANAGE_USERS = "manage_users"
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_AUDIT = "view_audit"
    SERVE_QUEUE = "serve_queue"  # the lobby queue's counters of the kecamatan office
    BROADCAST = "broadcast"  # SMS announcements to subscribers or applicants
    MANAGE_CATALOG = "manage_catalog"  # edit, add, retire and reorder services; reading it is VIEW
    INBOX = "inbox"  # citizens' suggestions and complaints: read, move, answer
    EDIT_REPLY_TEMPLATES = "edit_reply_templates"  # the office's wording of the inbox's SMS answers
    CONVERSATIONS = "conversations"  # one phone's SMS in and out, with its applications and tickets


_CLERK = frozenset({Action.VIEW, Action.EXPORT, Action.INTAKE, Action.CHANGE_STATUS, Action.BULK_CHANGE,
                    Action.IMPORT})
# The camat reads everything an operator can reach and changes nothing; an export is a read.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OPERATOR: _CLERK | {Action.SERVE_QUEUE, Action.BROADCAST, Action.INBOX, Action.CONVERSATIONS},
    # A kelurahan account works in its own kelurahan's office, not at the kecamatan's counters; its inbox
    # holds only what was assigned to its kelurahan, its conversations only what concerns its kelurahan.
    Role.KELURAHAN: _CLERK | {Action.INBOX, Action.CONVERSATIONS},
    Role.VIEWER: frozenset({Action.VIEW, Action.EXPORT}),
}
# Roles whose every application query is limited to the account's own kelurahan.
KELURAHAN_SCOPED = frozenset({Role.KELURAHAN})

LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.OPERATOR: N_("Operator"),
    Role.KELURAHAN: N_("Kelurahan office"),
    Role.VIEWER: N_("Viewer (read only)"),
}


def may(role: str, action: Action) -> bool:
    """True when `role` may do `action`; an unknown role may do nothing."""
    return role in PERMISSIONS and action in PERMISSIONS[Role(role)]


def scope(user) -> int | None:
    """The kelurahan id a staff user's application queries are limited to, or None for the whole office."""
    return user.kelurahan_id if user.role in KELURAHAN_SCOPED else None
