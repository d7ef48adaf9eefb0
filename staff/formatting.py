"""Template filters of the administration pages."""
from flask_babel import gettext as _

from office.clock import local
from office.roles import LABELS
from office.roles import Role
from staff import bp


@bp.app_template_filter("office_time")
def office_time(instant, seconds: bool = False) -> str:
    """A stored naive-UTC instant as the office's local time ("2026-12-01 09:30"); "" for none."""
    if instant is None:
        return ""
    return local(instant).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    """A role's name in the page's language."""
    return _(LABELS[Role(role)]) if role in set(Role) else role
