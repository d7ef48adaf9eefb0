"""The service catalog in the console: the list, editing in both languages, adding, retiring, reordering,
and each service's history with a diff and a revert.

Every role may read the catalog (a clerk answers citizens from it); only MANAGE_CATALOG changes it.
office.catalog_edit holds every rule and writes the versions and audit entries; a refusal comes back as a
DomainError naming its field, shown translated beside that field with the values the form kept.
"""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from office import catalog_edit
from office import catalog_preview
from office.catalog_edit import EDITABLE
from office.errors import Conflict
from office.errors import DomainError
from office.models import Service
from office.models import ServiceVersion
from office.roles import Action
from staff import access
from staff import bp
from staff.catalog_forms import ACTION_LABELS
from staff.catalog_forms import FIELD_LABELS
from staff.catalog_forms import NewServiceForm
from staff.catalog_forms import ServiceForm
from staff.catalog_forms import VersionedForm


def _service_or_404(service_id: int) -> Service:
    return db.session.get(Service, service_id) or abort(404)


def _message(exc: DomainError) -> str:
    return _(exc.message, **exc.details.get("params", {}))


def _refused(form, exc: DomainError) -> None:
    db.session.rollback()
    field = getattr(form, exc.details.get("field") or "", None)
    if field is None:
        flash(_message(exc), "error")
    else:
        field.errors = [*field.errors, _message(exc)]


def _previews(form: ServiceForm, code: str) -> list:
    """The USSD screens and checklist SMS of what the form holds, in both languages; none while a value
    cannot be read at all (the errors beside the fields say why)."""
    try:
        fields = catalog_edit.clean(form.values())
    except DomainError:
        return []
    service = catalog_preview.unsaved(code, fields)
    return [catalog_preview.preview(service, lang) for lang in catalog_edit.LANGS]


@bp.get("/catalog")
@access.requires(Action.VIEW)
def catalog():
    rows = list(db.session.scalars(select(Service).order_by(Service.position, Service.id)))
    return render_template("staff/catalog/list.html", services=rows, form=VersionedForm())


def _edit_page(form, service, previews, status=200):
    return render_template("staff/catalog/edit.html", form=form, service=service, previews=previews), status


@bp.route("/catalog/new", methods=["GET", "POST"])
@access.requires(Action.MANAGE_CATALOG)
def catalog_new():
    form = NewServiceForm()
    if request.method == "GET":
        form.based_on.data = "0"
        form.processing_days.data = 0
    elif form.validate_on_submit():
        if "preview" in request.form:
            return _edit_page(form, None, _previews(form, form.code.data))
        try:
            service = catalog_edit.create(form.code.data, form.values(), current_user.username)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Service %(code)s added: USSD, SMS and the kiosk show it within a minute.",
                    code=service.code), "success")
            return redirect(url_for("staff.catalog_history", id=service.id))
    return _edit_page(form, None, [], 400 if form.errors else 200)


@bp.route("/catalog/<int:id>/edit", methods=["GET", "POST"])
@access.requires(Action.MANAGE_CATALOG)
def catalog_edit_page(id: int):
    service = _service_or_404(id)
    form = ServiceForm()
    if request.method == "GET":
        form.fill(catalog_edit.fields_of(service), service.version)
    elif form.validate_on_submit():
        if "preview" in request.form:
            return _edit_page(form, service, _previews(form, service.code))
        try:
            version = catalog_edit.edit(service.id, int(form.based_on.data), form.values(), current_user.username)
        except Conflict as exc:
            db.session.rollback()
            flash(_message(exc), "error")
            return _edit_page(_stale(service), service, [], 409)
        except DomainError as exc:
            _refused(form, exc)
        else:
            if version is None:
                flash(_("Nothing changed, so nothing was saved."), "info")
                return redirect(url_for("staff.catalog_history", id=service.id))
            db.session.commit()
            flash(_("Saved: USSD, SMS and the kiosk show the new text within a minute."), "success")
            return redirect(url_for("staff.catalog_history", id=service.id))
    previews = _previews(form, service.code) if not form.errors else []
    return _edit_page(form, service, previews, 400 if form.errors else 200)


def _stale(service: Service) -> ServiceForm:
    """The form again with the text someone else saved, so the editor starts from it."""
    db.session.refresh(service)
    form = ServiceForm(formdata=None)
    form.fill(catalog_edit.fields_of(service), service.version)
    return form


def _act(service_id: int, change) -> object:
    """Run `change(based_on)` for a list or history button, then go back to the catalog list."""
    form = VersionedForm()
    if not form.validate_on_submit():
        flash(_("This form is out of date: open the page again."), "error")
        return redirect(url_for("staff.catalog"))
    try:
        change(int(form.based_on.data))
    except DomainError as exc:
        db.session.rollback()
        flash(_message(exc), "error")
        return redirect(url_for("staff.catalog"))
    db.session.commit()
    return None


@bp.post("/catalog/<int:id>/move")
@access.requires(Action.MANAGE_CATALOG)
def catalog_move(id: int):
    service = _service_or_404(id)
    step = -1 if request.form.get("direction") == "up" else 1
    return _act(service.id, lambda based_on: catalog_edit.move(service.id, based_on, step, current_user.username)
                ) or redirect(url_for("staff.catalog", _anchor=f"service-{service.code}"))


@bp.post("/catalog/<int:id>/active")
@access.requires(Action.MANAGE_CATALOG)
def catalog_active(id: int):
    service = _service_or_404(id)
    active = request.form.get("active") == "1"
    answer = _act(service.id, lambda based_on: catalog_edit.set_active(service.id, based_on, active,
                                                                       current_user.username))
    if answer is None:
        flash(_("%(code)s is offered again.", code=service.code) if active else
              _("%(code)s is retired: citizens no longer see it; its applications keep it.", code=service.code),
              "success")
    return answer or redirect(url_for("staff.catalog"))


@bp.get("/catalog/<int:id>/history")
@access.requires(Action.VIEW)
def catalog_history(id: int):
    service = _service_or_404(id)
    versions = catalog_edit.history(service.id)
    diffs = {v.id: [(name, (v.before or {}).get(name), v.after.get(name)) for name in EDITABLE
                    if v.before is None or v.before.get(name) != v.after.get(name)] for v in versions}
    return render_template("staff/catalog/history.html", service=service, versions=versions, diffs=diffs,
                           form=VersionedForm(), labels=FIELD_LABELS, actions=ACTION_LABELS)


@bp.post("/catalog/versions/<int:id>/revert")
@access.requires(Action.MANAGE_CATALOG)
def catalog_revert(id: int):
    version = db.session.get(ServiceVersion, id) or abort(404)
    service_id = version.service_id
    answer = _act(service_id, lambda based_on: catalog_edit.revert(version.id, based_on, current_user.username))
    if answer is None:
        flash(_("Restored as it was before version %(number)d; the restore is a new version.",
                number=version.number), "success")
    return answer or redirect(url_for("staff.catalog_history", id=service_id))
