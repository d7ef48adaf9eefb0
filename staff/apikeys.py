"""Administering the partner agencies' API keys: the list, creating one (its key shown once), revoking one."""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from extensions import db
from office import apikeys
from office.errors import DomainError
from office.errors import NotFound
from office.roles import Action
from staff import access
from staff import bp
from staff.admin_forms import ApiKeyForm
from staff.admin_forms import ConfirmForm
from staff.once import shown_once


@bp.route("/api-keys", methods=["GET", "POST"])
@access.requires(Action.MANAGE_API_KEYS)
def api_keys():
    form = ApiKeyForm()
    if form.validate_on_submit():
        try:
            key, token = apikeys.create_key(form.name.data, scopes=form.scopes.data, kelurahan=form.kelurahan.data,
                                            actor=current_user.username)
        except DomainError as exc:
            db.session.rollback()
            field = form[exc.details.get("field", "name")]
            field.errors = [*field.errors, _(exc.message)]
        else:
            db.session.commit()
            return shown_once("staff/admin/api_key_created.html", key=key, token=token)
    keys = apikeys.keys()
    return render_template("staff/admin/api_keys.html", form=form, keys=keys, usage=apikeys.usage(keys),
                           scopes_of=apikeys.scopes_of, scope_labels=apikeys.SCOPE_LABELS), 400 if form.errors else 200


@bp.route("/api-keys/<int:key_id>/revoke", methods=["GET", "POST"])
@access.requires(Action.MANAGE_API_KEYS)
def api_key_revoke(key_id):
    try:
        key = apikeys.get_key(key_id)
    except NotFound:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        revoked = apikeys.revoke(key, actor=current_user.username)
        db.session.commit()
        if revoked:
            flash(_("The key of %(name)s is revoked: it no longer works.", name=key.name), "success")
        else:
            flash(_("The key of %(name)s was already revoked.", name=key.name), "info")
        return redirect(url_for("staff.api_keys"))
    return render_template("staff/admin/api_key_revoke.html", key=key, form=form)
