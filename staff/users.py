"""Administering staff accounts: the list, creating one, changing one, resetting a password, deactivating.

office.accounts holds every rule (and writes the audit entries); a refusal comes back as a DomainError
naming its field, shown translated beside that field. A password that is generated is rendered once in
the answer to the POST itself, never in a redirect or the session, and that answer is not cached.
"""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from office import accounts
from office.clock import utcnow
from office.errors import DomainError
from office.errors import NotFound
from office.models import StaffUser
from office.roles import Action
from staff import access
from staff import bp
from staff.admin_forms import ConfirmForm
from staff.admin_forms import EditUserForm
from staff.admin_forms import NewUserForm
from staff.admin_forms import TemporaryPasswordForm
from staff.once import shown_once


def _user_or_404(username: str) -> StaffUser:
    try:
        return accounts.get_user(username)
    except NotFound:
        abort(404)


def _refused(form, exc: DomainError, default_field: str) -> None:
    db.session.rollback()
    field = getattr(form, exc.details.get("field") or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, _(exc.message)]


def _temporary_password(form: TemporaryPasswordForm) -> str:
    return accounts.temporary_password() if form.generate else form.password.data


def _password_set(form: TemporaryPasswordForm, user: StaffUser, password: str, *, created: bool):
    """The answer once a temporary password is committed: a generated one is shown now, once; a typed one
    the administrator already knows."""
    if form.generate:
        return shown_once("staff/admin/password_shown.html", user=user, password=password, created=created)
    if created:
        flash(_("Account %(username)s created. Give them the temporary password; they choose their own at the "
                "first sign-in.", username=user.username), "success")
    else:
        flash(_("Password of %(username)s reset: their sessions ended, and they choose a new password at the "
                "next sign-in.", username=user.username), "success")
    return redirect(url_for("staff.user_edit", username=user.username))


@bp.get("/users")
@access.requires(Action.MANAGE_USERS)
def users():
    rows = db.session.scalars(select(StaffUser).options(joinedload(StaffUser.kelurahan))
                              .order_by(StaffUser.active.desc(), StaffUser.username))
    return render_template("staff/admin/users.html", users=list(rows), now=utcnow())


@bp.route("/users/new", methods=["GET", "POST"])
@access.requires(Action.MANAGE_USERS)
def user_new():
    form = NewUserForm()
    if form.validate_on_submit():
        password = _temporary_password(form)
        try:
            user = accounts.create_user(form.username.data, form.name.data, form.role.data, password,
                                        kelurahan=form.kelurahan.data or None, actor=current_user.username)
        except DomainError as exc:
            _refused(form, exc, "username")
        else:
            db.session.commit()
            return _password_set(form, user, password, created=True)
    return render_template("staff/admin/user_new.html", form=form), 200 if not form.errors else 400


def _edit_form(user: StaffUser, **options) -> EditUserForm:
    # The account as it is; a POST's values take their place.
    return EditUserForm(name=user.name, role=user.role, kelurahan=user.kelurahan.code if user.kelurahan else "",
                        language=user.language, active=user.active, **options)


def _edit_page(user: StaffUser, form: EditUserForm | None = None, reset: TemporaryPasswordForm | None = None):
    form = form or _edit_form(user, formdata=None)
    errors = bool(form.errors or (reset and reset.errors))
    return render_template("staff/admin/user_edit.html", user=user, form=form,
                           reset=reset or TemporaryPasswordForm(formdata=None), now=utcnow(),
                           own=user.username == current_user.username), 400 if errors else 200


@bp.route("/users/<username>", methods=["GET", "POST"])
@access.requires(Action.MANAGE_USERS)
def user_edit(username):
    user = _user_or_404(username)
    form = _edit_form(user)
    if form.validate_on_submit():
        try:
            accounts.update_user(user, name=form.name.data, role=form.role.data, kelurahan=form.kelurahan.data or None,
                                 language=form.language.data, active=form.active.data, actor=current_user.username)
        except DomainError as exc:
            _refused(form, exc, "name")
        else:
            db.session.commit()
            flash(_("Changes to %(username)s saved.", username=user.username), "success")
            return redirect(url_for("staff.user_edit", username=user.username))
    return _edit_page(user, form=form)


@bp.post("/users/<username>/password")
@access.requires(Action.MANAGE_USERS)
def user_reset_password(username):
    user = _user_or_404(username)
    reset = TemporaryPasswordForm()
    if user.username == current_user.username:
        reset.password.errors = [_("Change your own password on the Password page.")]
    elif reset.validate_on_submit():
        password = _temporary_password(reset)
        try:
            accounts.reset_password(user, password, actor=current_user.username)
        except DomainError as exc:
            _refused(reset, exc, "password")
        else:
            db.session.commit()
            return _password_set(reset, user, password, created=False)
    return _edit_page(user, reset=reset)


@bp.route("/users/<username>/deactivate", methods=["GET", "POST"])
@access.requires(Action.MANAGE_USERS)
def user_deactivate(username):
    user = _user_or_404(username)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            accounts.deactivate(user, actor=current_user.username)
        except DomainError as exc:
            db.session.rollback()
            error = _(exc.message)
        else:
            db.session.commit()
            flash(_("%(username)s is deactivated: they can no longer sign in, and their open sessions ended.",
                    username=user.username), "success")
            return redirect(url_for("staff.users"))
    return render_template("staff/admin/user_deactivate.html", user=user, form=form, error=error), \
        400 if error else 200
