"""The applications list (search, filters, sorting, pages), one application's page and its status change."""

from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from office import applications
from office import lifecycle
from office import outbox
from office import phones
from office import search
from office import working_days
from office.clock import local
from office.clock import utcnow
from office.errors import Conflict
from office.errors import DomainError
from office.errors import InvalidTransition
from office.i18n import N_
from office.i18n import page_language
from office.models import Message
from office.roles import Action
from staff import access
from staff import bp
from staff.application_forms import BulkForm
from staff.application_forms import FilterForm
from staff.application_forms import StatusForm


def filter_errors() -> dict[str, str]:
    """What to say beside a filter field whose value office.search refused."""
    return {
        "q": _("A search is at most %(count)s characters.", count=search.MAX_QUERY),
        "status": _("Choose a status from the list."),
        "service": _("Choose a service from the list."),
        "kelurahan": _("Choose a kelurahan from the list."),
        "created_from": _("Write the date as YYYY-MM-DD, for example 2026-11-30."),
        "created_to": _("Write the date as YYYY-MM-DD, not before the start date."),
        "sort": _("Unknown sort order: choose one by its column heading."),
    }


def read_filter(args, form: FilterForm) -> tuple[search.Filter, bool]:
    """The filter in `args` and whether it was valid; a refused value is put beside its field, and the
    list then shows nothing rather than something other than what was asked."""
    try:
        return access.scoped_filter(args), True
    except DomainError as refused:
        field = refused.details.get("field", "q")
        # The sort order has no field of its own on the page: its message goes beside the search.
        target = form.q if field == "sort" else getattr(form, field, None) or form.q
        target.errors = [*target.errors, filter_errors()[field]]
        return search.Filter(), False


def office_time(moment) -> str:
    """A stored instant as the office's local day and time."""
    return local(moment).strftime("%d-%m-%Y %H:%M") if moment else ""


def render(template: str, status_code: int = 200, **context):
    """A page of this area, with the formatting helpers its templates share."""
    return render_template(template, local_phone=phones.local_format, office_time=office_time, **context), status_code


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


@bp.get("/applications", endpoint="applications")
@access.requires(Action.VIEW)
def applications_list():
    lang = page_language()
    form = FilterForm(formdata=request.args).for_user(lang, scoped=access.scope() is not None)
    flt, valid = read_filter(request.args, form)
    page = search.page(flt, access.scope(), _page_number()) if valid else search.Page([], 0, 1, search.PER_PAGE)
    today = local(utcnow()).date()
    bulk = BulkForm().with_statuses() if access.may(Action.BULK_CHANGE) else None
    return render("staff/applications/list.html", 200 if valid else 400, form=form, filter=flt, page=page,
                  overdue={a.id for a in page.items if search.is_overdue(a, today)}, bulk=bulk)


# What each outbox state means to the clerk who reads it.
SMS_STATES = {
    outbox.QUEUED: N_("Waiting to be sent"),
    outbox.SENDING: N_("Being sent"),
    outbox.SENT: N_("Sent, no delivery report yet"),
    outbox.DELIVERED: N_("Delivered"),
    outbox.FAILED: N_("Not delivered"),
    outbox.UNKNOWN: N_("Unknown: check with the telco"),
    outbox.CANCELLED: N_("Cancelled"),
}


def _detail(application, form: StatusForm, status_code: int = 200, preview=None, conflict: str | None = None):
    messages = db.session.scalars(select(Message).where(Message.application_id == application.id)
                                  .order_by(Message.id)).all()
    due = working_days.due_date(application.created_at, application.service.processing_days)
    return render("staff/applications/detail.html", status_code, application=application, form=form,
                  messages=messages, due=due, overdue=search.is_overdue(application), preview=preview,
                  conflict=conflict, final=application.status in lifecycle.FINAL,
                  note_required=lifecycle.NOTE_REQUIRED, sms_states={k: _(v) for k, v in SMS_STATES.items()})


@bp.get("/applications/<reference>")
@access.requires(Action.VIEW)
def application(reference):
    found = access.application_or_404(reference)
    return _detail(found, StatusForm(formdata=None).for_status(found.status))


def _note_error(refused: DomainError) -> str:
    if refused.code == "missing_field":
        return _("Write a note: the applicant must be told why, or what to bring.")
    return _("The note is at most %(count)s characters.", count=applications.MAX_NOTE)


@bp.post("/applications/<reference>/status")
@access.requires(Action.CHANGE_STATUS)
def change_status(reference):
    found = access.application_or_404(reference)
    form = StatusForm().for_status(found.status)
    shown = form.expected_status.raw_data[0] if form.expected_status.raw_data else ""
    new_status, note = form.new_status.data or "", form.note.data
    if shown != found.status:
        return _conflict(found.reference, found.status, note)
    if not form.validate() or new_status not in {c.value for c in form.new_status.choices}:
        form.new_status.errors = [_("Choose one of the statuses offered.")]
        return _detail(found, form, 400)
    if "preview" in request.form:
        try:
            preview = applications.preview_sms(found, new_status, note)
        except DomainError as refused:
            form.note.errors = [_note_error(refused)]
            return _detail(found, form, 400)
        return _detail(found, form, preview=preview)
    try:
        applications.change_status(found.reference, new_status, note, actor=current_user.username,
                                   expected_status=shown)
    except (Conflict, InvalidTransition) as stale:
        db.session.rollback()
        return _conflict(found.reference, stale.details.get("current_status"), note)
    except DomainError as refused:
        db.session.rollback()
        form.note.errors = [_note_error(refused)]
        return _detail(found, form, 400)
    db.session.commit()
    flash(_("Saved: the application is now “%(status)s”. The SMS to the applicant is queued.",
            status=_(lifecycle.LABELS[new_status])), "success")
    return redirect(url_for("staff.application", reference=found.reference))


def _conflict(reference: str, current: str | None, note: str | None):
    """The page as it is now, saying the change was not made because someone else's came first."""
    db.session.expire_all()
    fresh = access.application_or_404(reference)
    form = StatusForm(formdata=None).for_status(fresh.status)
    form.note.data = note
    message = _("Not saved: someone else changed this application first. It is now “%(status)s”. Check the "
                "history below and choose again.", status=_(lifecycle.LABELS[current or fresh.status]))
    return _detail(fresh, form, 409, conflict=message)


@bp.post("/applications/<reference>/preview")
@access.requires(Action.CHANGE_STATUS)
def status_preview(reference):
    """The SMS a status change would send, for the page's live preview: text, characters and segments."""
    found = access.application_or_404(reference)
    new_status = request.form.get("new_status", "")
    if not lifecycle.can_move(found.status, new_status):
        return jsonify(error=_("Choose one of the statuses offered.")), 400
    try:
        preview = applications.preview_sms(found, new_status, request.form.get("note"))
    except DomainError as refused:
        return jsonify(error=_note_error(refused)), 400
    return jsonify(text=preview.text, characters=preview.length.units, segments=preview.length.segments,
                   encoding=preview.length.encoding,
                   summary=_("%(characters)s characters, %(segments)s SMS", characters=preview.length.units,
                             segments=preview.length.segments))

