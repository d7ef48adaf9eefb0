"""Signing in and out, the session's limits, changing one's own password and language."""
from urllib.parse import urlsplit

from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from extensions import db
from extensions import limiter
from office import accounts
from office import lifecycle
from office.clock import local
from office.errors import DomainError
from staff import bp
from staff import session
from staff.forms import LanguageForm
from staff.forms import LoginForm
from staff.forms import PasswordForm

# Views a visitor reaches without a session, and those a user who must change their password still may.
PUBLIC = {"staff.login", "staff.static"}
BEFORE_NEW_PASSWORD = {"staff.password", "staff.logout"}


@bp.before_request
def require_session():
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    if session.expired():
        session.end()
        flash(_("Your session ended. Please sign in again."), "info")
        return redirect(url_for("staff.login"))
    g.page_language = current_user.language
    if current_user.must_change_password and request.endpoint not in BEFORE_NEW_PASSWORD:
        return redirect(url_for("staff.password"))
    return None


def _login_limit() -> str:
    return current_app.config["STAFF_LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    # Only a path inside the console: never another site, never a protocol-relative //host.
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith(bp.url_prefix + "/"):
        return target
    return url_for("staff.index")


@bp.route("/login", methods=["GET", "POST"])
# Only refused sign-ins count: an office whose staff share one address signs in all morning.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("staff.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data, address=request.remote_addr)
        except accounts.LoginRefused as refused:
            db.session.commit()  # the failure count and the audit entry stay
            if refused.locked_until is not None:
                error = _("Too many wrong passwords. Try again after %(time)s, or ask an administrator.",
                          time=local(refused.locked_until).strftime("%H:%M"))
            else:
                error = _("Wrong username or password.")
        else:
            db.session.commit()
            session.begin(user)
            return redirect(_safe_next(request.args.get("next")))
    if error is not None:
        # The username was kept; the password is what to type again.
        form.username.render_kw = {k: v for k, v in form.username.render_kw.items() if k != "autofocus"}
        form.password.render_kw = {**form.password.render_kw, "autofocus": True}
    return render_template("staff/login.html", form=form, error=error), 200 if error is None else 401


@bp.post("/logout")
def logout():
    session.end()
    flash(_("You have signed out."), "info")
    return redirect(url_for("staff.login"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            getattr(form, exc.details.get("field", "password")).errors.append(_(exc.message))
        else:
            db.session.commit()
            session.renew(current_user)
            flash(_("Your password is changed."), "success")
            return redirect(url_for("staff.index"))
    return render_template("staff/password.html", form=form)


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        accounts.set_language(current_user, form.language.data)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.context_processor
def _console_helpers():
    from staff import access
    from staff import navigation

    return {"may": access.may, "navigation": navigation.items, "language_form": LanguageForm,
            "status_label": lambda status: _(lifecycle.LABELS[status])}


@bp.errorhandler(CSRFError)
def _stale_form(_error):
    return render_template("staff/error.html", title=_("This form has expired"),
                           message=_("The page was open too long or came from elsewhere. Go back, reload the page "
                                     "and try again.")), 400


@bp.errorhandler(403)
def _forbidden(_error):
    return render_template("staff/error.html", title=_("Not allowed"),
                           message=_("Your account may not do this. Ask an administrator if you need it.")), 403


@bp.errorhandler(404)
def _not_found(_error):
    return render_template("staff/error.html", title=_("Not found"),
                           message=_("There is nothing here, or it is not yours to see.")), 404


@bp.errorhandler(429)
def _too_many(_error):
    form = LoginForm()
    return render_template("staff/login.html", form=form,
                           error=_("Too many sign-in attempts from this computer. Wait a few minutes and try again.")
                           ), 429
