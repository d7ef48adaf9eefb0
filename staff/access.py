"""Who may reach which console view: the role table of office.roles, applied to the signed-in user."""
from dataclasses import replace
from functools import wraps

from flask import abort
from flask_login import current_user

from office import applications
from office import roles
from office import search
from office.errors import DomainError
from office.models import Application


def may(action: roles.Action) -> bool:
    """True when the signed-in user may do `action` (templates use it to show only what works)."""
    return current_user.is_authenticated and roles.may(current_user.role, action)


def requires(action: roles.Action):
    """Refuse the view with a 403 page unless the signed-in user's role may do `action`."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not may(action):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_action = action
        return guarded

    return decorate


def scope() -> int | None:
    """The kelurahan the signed-in user's application queries are limited to, or None."""
    return roles.scope(current_user)


def application_or_404(reference: str) -> Application:
    """The application with `reference` when the signed-in user may see it; a 404 otherwise, the same
    whether it does not exist or belongs to another kelurahan."""
    try:
        application = applications.get_by_reference(reference)
    except DomainError:
        abort(404)
    place = scope()
    if place is not None and application.kelurahan_id != place:
        abort(404)
    return application


def scoped_filter(args) -> search.Filter:
    """The list filter in `args` for the signed-in user, as the list, its bulk change and its exports read it.

    :raise DomainError: from office.search.Filter.from_args, naming the bad value's field.
    """
    flt = search.Filter.from_args(args)
    if scope() is not None:
        # The account's scope is the kelurahan; another one in the URL would only empty the list.
        flt = replace(flt, kelurahan="")
    return flt
