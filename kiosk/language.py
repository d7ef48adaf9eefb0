"""The page language of the kiosk and the public pages: `?lang=` chooses it and a cookie keeps it."""
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from kiosk import bp
from kiosk import public
from office.i18n import LANGUAGES

COOKIE = "lang"
YEAR = 365 * 24 * 3600


def _keep_language(response):
    if request.endpoint == "kiosk.static":
        return response
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=YEAR, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    # Every answer here may show what a citizen typed or looked up: no browser or proxy keeps a copy.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _language_links():
    def switch_to(lang: str) -> str:
        """This page in `lang`; a form's answer becomes its empty form again, never a form sent twice. A
        step that only answers a form (the note's keypad) starts again from the kiosk's first screen."""
        if "GET" not in request.url_rule.methods:
            return url_for("kiosk.home", lang=lang)
        return url_for(request.endpoint, **(request.view_args or {}), lang=lang)

    return {"switch_to": switch_to}


def _stale_form(_error: CSRFError):
    # A kiosk screen or a public page left open for hours: the citizen sees the form again, not an error.
    flash(_("That page was open for a long time. Please try again."), "error")
    return redirect(request.path)


for blueprint in (bp, public):
    blueprint.after_request(_keep_language)
    blueprint.context_processor(_language_links)
    blueprint.register_error_handler(CSRFError, _stale_form)
