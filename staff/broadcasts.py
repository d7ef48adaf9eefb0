"""Broadcasts from the console: compose with a live SMS counter, preview, confirm; then follow and cancel.

office.broadcasts does all the work (the API's broadcasts use the same functions). Nothing is sent before a
preview: the confirm button only exists on the preview's answer, and a confirm whose texts or audience
changed since that preview is shown as a fresh preview instead of being sent.
"""
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from extensions import csrf
from extensions import db
from office import broadcasts
from office import gsm
from office import outbox
from office import send_rate
from office.errors import DomainError
from office.errors import NotFound
from office.models import Broadcast
from office.phone_lists import MAX_NUMBERS
from office.privacy import mask_phone
from office.roles import Action
from office.roles import Role
from staff import access
from staff import bp
from staff import broadcast_upload
from staff.broadcast_forms import REQUIRED
from staff.broadcast_forms import UPLOAD
from staff.broadcast_forms import BroadcastForm
from staff.broadcast_forms import CancelForm

LISTED = 200
# Ids are whole numbers up to PostgreSQL's integer; a larger one names no broadcast.
MAX_ID = 2**31 - 1
# A domain refusal, by its code: the field it is shown beside, and what it says there.
_REFUSALS = {
    "missing_field": ("text", REQUIRED),
    "text_too_long": ("text", _l("This message is longer than %(count)s SMS segments.",
                                 count=broadcasts.MAX_SEGMENTS)),
    "invalid_send_at": ("send_at", _l("Choose a date and time within the next %(days)s days.",
                                      days=broadcasts.MAX_SCHEDULE_AHEAD.days)),
    "empty_audience": ("audience", _l("No one in this audience can receive SMS.")),
    "invalid_audience": ("audience", _l("Choose who receives it.")),
    "unknown_kelurahan": ("kelurahan", _l("Choose kelurahan from the list.")),
    "unknown_service": ("service", _l("Choose a service from the list.")),
    "unknown_status": ("status", _l("Choose a status from the list.")),
}
# The counter's tables come from office.gsm, so the page and the server count alike; the replacements are
# exactly those to_gsm makes when the broadcast is sent.
GSM_TABLES = {"basic": "".join(sorted(gsm.GSM7_BASIC)), "extended": "".join(sorted(gsm.GSM7_EXTENDED)),
              "replacements": dict(gsm.LOOKALIKES),
              "limits": {"gsm7": [gsm.GSM7_SINGLE_LIMIT, gsm.GSM7_PART_LIMIT],
                         "ucs2": [gsm.UCS2_SINGLE_LIMIT, gsm.UCS2_PART_LIMIT]}}


def _is_admin() -> bool:
    return current_user.role == Role.ADMIN


def _broadcast_or_404(broadcast_id: int) -> Broadcast:
    if broadcast_id > MAX_ID:
        abort(404)
    try:
        return broadcasts.get(broadcast_id)
    except NotFound:
        abort(404)


def _refused(form: BroadcastForm, exc: DomainError) -> None:
    db.session.rollback()
    name, message = _REFUSALS.get(exc.code, ("text", exc.message))
    # The domain names the text it refused first in its message.
    if exc.code == "text_too_long" and exc.message.startswith("text_en"):
        name = "text_en"
    field = getattr(form, name)
    field.errors = [*field.errors, str(message)]


def _as_sent(form: BroadcastForm) -> dict:
    """Each text as it will be sent (lookalikes folded) with its SMS length: the counter's truth."""
    texts = {"id": form.text.data, "en": form.text_en.data or None}
    return {lang: (sent, gsm.analyze(sent)) for lang, text in texts.items()
            if (sent := broadcasts.clean_text(text, "text", required=False))}


def _compose_page(form: BroadcastForm, summary=None, uploaded=None):
    status = 400 if form.errors else 200
    return render_template("staff/broadcasts/compose.html", form=form, summary=summary, admin=_is_admin(),
                           sent=_as_sent(form) if summary else {}, gsm_tables=GSM_TABLES,
                           cost_per_segment=_cost_per_segment(), uploaded=uploaded,
                           listed_invalid=broadcast_upload.LISTED_INVALID,
                           send_time=_send_time(summary)), status


def _send_time(summary) -> str | None:
    """About how long the provider in use takes to send the previewed broadcast; None when it is quick."""
    if summary is None:
        return None
    took = send_rate.duration(send_rate.broadcast_segments(summary.by_language, summary.segments), current_app.config)
    if took is None:
        return None
    # "min" reads right for one minute and for many, in both languages, without plural forms.
    return _("about %(minutes)s min at %(rate)s SMS/min", minutes=format_decimal(took.minutes),
             rate=format_decimal(took.per_minute, format="#,##0.#"))


def _cost_per_segment() -> int:
    return current_app.config["SMS_COST_PER_SEGMENT"]


@bp.get("/broadcasts")
@access.requires(Action.BROADCAST)
def broadcasts_list():
    rows = list(db.session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(LISTED)))
    counts = {row.id: broadcasts.status_counts(row.id) for row in rows}
    return render_template("staff/broadcasts/list.html", rows=rows, counts=counts)


@bp.route("/broadcasts/new", methods=["GET", "POST"])
# The form's own token is checked instead (BroadcastForm is a FlaskForm): the app-wide check would read the
# body before this view could allow a phone list's size.
@csrf.exempt
@access.requires(Action.BROADCAST)
def broadcast_new():
    too_large = broadcast_upload.allow_list_size()
    if too_large:
        return too_large
    try:
        form = BroadcastForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        return broadcast_upload.too_large()
    if request.args.get("too_large") and not form.is_submitted():
        broadcast_upload.mark_too_large(form)
    if not submitted:
        return _compose_page(form)
    if form.urgent.data and not _is_admin():
        form.urgent.errors = [_("Only an administrator may send an urgent broadcast.")]
        return _compose_page(form)
    uploaded = broadcast_upload.phone_list(form) if form.audience.data == UPLOAD else None
    if form.audience.data == UPLOAD and uploaded is None:
        return _compose_page(form)
    if uploaded and not uploaded.numbers.phones:
        form.phone_file.errors = [_("No line of the file holds an Indonesian mobile number.")]
        return _compose_page(form, uploaded=uploaded)
    audience = {"phones": uploaded.numbers.phones} if uploaded else form.raw_audience()
    try:
        broadcasts.parse_send_at(form.send_at.data)
        summary = broadcasts.preview(form.text.data, form.text_en.data or None, audience, max_phones=MAX_NUMBERS)
    except DomainError as exc:
        _refused(form, exc)
        return _compose_page(form, uploaded=uploaded)
    if "confirm" not in request.form or form.previewed.data != form.fingerprint():
        form.previewed.data = form.fingerprint()
        return _compose_page(form, summary, uploaded)
    try:
        broadcast, _summary = broadcasts.create(form.text.data, form.text_en.data or None, audience,
                                                send_at=form.send_at.data or None, urgent=bool(form.urgent.data),
                                                actor=current_user.username, max_phones=MAX_NUMBERS)
    except DomainError as exc:
        _refused(form, exc)
        return _compose_page(form, uploaded=uploaded)
    db.session.commit()
    if uploaded:
        broadcast_upload.forget()
    if broadcast.send_at > broadcast.created_at:
        flash(_("Broadcast to %(count)s recipients scheduled.", count=broadcast.recipients), "success")
    else:
        flash(_("Broadcast to %(count)s recipients started.", count=broadcast.recipients), "success")
    return redirect(url_for("staff.broadcast_detail", id=broadcast.id))


def progress_json(broadcast: Broadcast) -> dict:
    """What the progress page shows and refreshes: the broadcast's state and its messages per state."""
    progress = broadcasts.progress(broadcast)
    counts = progress.counts
    total = max(broadcast.recipients, sum(counts.values()))
    # Handed over to the provider or settled; "sent" still waits for its delivery report.
    finished = sum(counts[state] for state in counts if state not in (outbox.QUEUED, outbox.SENDING))
    return {"id": broadcast.id, "status": broadcast.status, "recipients": broadcast.recipients,
            "counts": counts, "retried": progress.retried, "no_delivery_report": progress.no_delivery_report,
            "unknown": len(progress.unknown), "total": total,
            "percent": round(100 * finished / total) if total else 100,
            "cancellable": broadcast.status in (broadcasts.SCHEDULED, broadcasts.SENDING)}


def _unknown_rows(broadcast_id: int | None) -> list[dict]:
    shown = (lambda phone: phone) if _is_admin() else mask_phone
    return [{"id": row.id, "phone": shown(row.phone), "kind": row.kind, "attempts": row.attempts,
             "error": row.error, "since": row.since}
            for row in broadcasts.unknown_outcomes(broadcast_id)]


@bp.get("/broadcasts/<int:id>")
@access.requires(Action.BROADCAST)
def broadcast_detail(id):  # noqa: A002  (the console's id parameter name)
    broadcast = _broadcast_or_404(id)
    return render_template("staff/broadcasts/detail.html", broadcast=broadcast, figures=progress_json(broadcast),
                           unknown=_unknown_rows(broadcast.id), cancel_form=CancelForm(), admin=_is_admin())


@bp.get("/broadcasts/<int:id>/progress")
@access.requires(Action.BROADCAST)
def broadcast_progress(id):  # noqa: A002
    return jsonify(progress_json(_broadcast_or_404(id)))


@bp.post("/broadcasts/<int:id>/cancel")
@access.requires(Action.BROADCAST)
def broadcast_cancel(id):  # noqa: A002
    broadcast = _broadcast_or_404(id)
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        broadcasts.cancel(broadcast.id, actor=current_user.username)
    except broadcasts.NotCancellable:
        db.session.rollback()
        flash(_("This broadcast has already finished."), "error")
    else:
        db.session.commit()
        flash(_("Broadcast cancelled: recipients still queued will not receive it."), "success")
    return redirect(url_for("staff.broadcast_detail", id=broadcast.id))


@bp.get("/broadcasts/unknown")
@access.requires(Action.BROADCAST)
def broadcasts_unknown():
    return render_template("staff/broadcasts/unknown.html", unknown=_unknown_rows(None), admin=_is_admin(),
                           listed=broadcasts.UNKNOWN_LISTED)
