"""Bulk status change: review what would move (and what cannot, and why), then move them all or none."""
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from extensions import db
from office import applications
from office import lifecycle
from office.errors import Conflict
from office.errors import DomainError
from office.roles import Action
from staff import access
from staff import bp
from staff.application_forms import BulkForm
from staff.applications import render


def _chosen(form: BulkForm) -> dict:
    """The choice carried by the form: the ticked references, or the filter ("all matching")."""
    if form.target.data == "filter":
        return {"flt": access.scoped_filter(request.form)}
    return {"references": request.form.getlist("reference")}


def _list_args() -> dict:
    """The list's filter the form came from, to carry along and go back to (empty when it is not valid)."""
    try:
        return access.scoped_filter(request.form).args()
    except DomainError:
        return {}


def _refusal_text(refused: applications.Refused, new_status: str) -> str:
    if refused.reason == applications.NOT_FOUND:
        return _("Not found, or not in your kelurahan.")
    return _("It is “%(status)s”, which cannot move to “%(new)s”.", status=_(lifecycle.LABELS[refused.status]),
             new=_(lifecycle.LABELS[new_status]))


def _page(form: BulkForm, chosen: dict, status_code: int, plan=None, refused=(), message=None, example=None):
    new_status = form.new_status.data
    rows = [(r, _refusal_text(r, new_status)) for r in refused]
    return render("staff/applications/bulk_confirm.html", status_code, form=form, plan=plan, refused=rows,
                  references=chosen.get("references") or [], by_filter="flt" in chosen, back=_list_args(),
                  message=message, example=example, example_reference=plan.movable[0].reference if example else None,
                  new_label=_(lifecycle.LABELS[new_status]) if lifecycle.is_status(new_status or "") else "")


def _checked(form: BulkForm) -> bool:
    """The status and note fields' own checks, each message beside its field."""
    ok = form.validate()
    if not lifecycle.is_status(form.new_status.data or ""):
        form.new_status.errors = [_("Choose the status to move them to.")]
        return False
    if form.new_status.data in lifecycle.NOTE_REQUIRED and not (form.note.data or "").strip():
        form.note.errors = [_("Write a note: the applicants must be told why, or what to bring.")]
        return False
    if len(form.note.data or "") > applications.MAX_NOTE:
        form.note.errors = [_("The note is at most %(count)s characters.", count=applications.MAX_NOTE)]
        return False
    return ok


def _read():
    """The posted form and its choice, or the page that refuses them."""
    form = BulkForm().with_statuses()
    try:
        chosen = _chosen(form)
    except DomainError:
        return form, {}, _page(form, {}, 400,
                               message=_("The list's filter is not valid any more. Go back to the list."))
    if not _checked(form):
        return form, chosen, _page(form, chosen, 400)
    return form, chosen, None


def _plan(form: BulkForm, chosen: dict):
    """The plan for this choice; a refusal of the choice itself is put on the page instead."""
    try:
        return applications.plan_many(form.new_status.data, scope=access.scope(), **chosen), None
    except DomainError as refused:
        if refused.code == "too_many":
            return None, _("At most %(count)s applications can be moved at once. Narrow the filter.",
                           count=applications.MAX_BULK)
        return None, _("No application is chosen. Tick some in the list, or choose all matching the filter.")


@bp.post("/applications/bulk/review", endpoint="bulk_confirm")
@access.requires(Action.BULK_CHANGE)
def bulk_confirm():
    """What the bulk change would do, to be confirmed: how many move, which cannot and why."""
    form, chosen, refused = _read()
    if refused:
        return refused
    plan, problem = _plan(form, chosen)
    if plan is None:
        return _page(form, chosen, 400, message=problem)
    form.fingerprint.data = plan.fingerprint
    # Every applicant's SMS is made the same way; the first one shows the clerk what they will read.
    example = applications.preview_sms(plan.movable[0], form.new_status.data, form.note.data) if plan.movable else None
    return _page(form, chosen, 200, plan=plan, refused=plan.refused, example=example)


@bp.post("/applications/bulk", endpoint="bulk_change")
@access.requires(Action.BULK_CHANGE)
def bulk_change():
    """Move every chosen application in one transaction, or none when any of them cannot move."""
    form, chosen, refused = _read()
    if refused:
        return refused
    try:
        moved = applications.change_many(form.new_status.data, form.note.data, actor=current_user.username,
                                         scope=access.scope(), fingerprint=form.fingerprint.data or None, **chosen)
    except Conflict as stale:
        db.session.rollback()
        plan = stale.details["plan"]
        form.fingerprint.data = plan.fingerprint
        return _page(form, chosen, 409, plan=plan, refused=plan.refused,
                     message=_("Nothing was changed: the applications or the change are not what was reviewed "
                               "(someone else changed one meanwhile, or the status was changed here). Here is how "
                               "it stands now; confirm again."))
    except applications.BulkRefused as refused:
        db.session.rollback()
        return _page(form, chosen, 409, refused=refused.details["refused"],
                     message=_("Nothing was changed: the applications below cannot move. Untick them, or move "
                               "them separately."))
    except DomainError:
        db.session.rollback()
        plan, problem = _plan(form, chosen)
        return _page(form, chosen, 400, plan=plan, message=problem)
    db.session.commit()
    flash(_("%(count)s applications moved to “%(status)s”; each applicant gets one SMS.", count=len(moved),
            status=_(lifecycle.LABELS[form.new_status.data])), "success")
    return redirect(url_for("staff.applications", **_list_args()))
