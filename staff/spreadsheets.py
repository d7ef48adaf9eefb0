"""Spreadsheets in the console: importing an office register (upload, columns, preview, confirm) and
exporting any list of applications as CSV or .xlsx.

The uploaded file waits in staff.uploads between the steps; the session holds its token, its name and the
chosen columns, for the user who uploaded it only. Every step reads the file again and checks every row
again, so what is imported is what the rows say at the moment of confirming.
"""
import io

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import session
from flask import stream_with_context
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from extensions import csrf
from extensions import db
from office import clock
from office import exports
from office import imports
from office.errors import DomainError
from office.i18n import page_language
from office.roles import Action
from staff import access
from staff import bp
from staff import uploads
from staff.import_forms import ConfirmForm
from staff.import_forms import MappingForm
from staff.import_forms import UploadForm

STATE = "spreadsheet_import"
RESULT = "spreadsheet_import_result"
PREVIEW_ROWS = 10
# The page lists this many bad rows; the download holds all of them.
LISTED_PROBLEMS = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _state() -> dict | None:
    state = session.get(STATE)
    if not isinstance(state, dict) or state.get("user") != current_user.id:
        return None
    return state


def _loaded() -> tuple[dict, imports.Sheet] | None:
    """The current user's upload, read again; None when there is none or it has expired."""
    state = _state()
    data = uploads.read(state.get("token")) if state else None
    if data is None:
        return None
    try:
        return state, imports.read_sheet(data)
    except imports.SheetRefused:
        return None


def _start_over(message: str):
    flash(message, "warning")
    return redirect(url_for("staff.import_upload"))


def _expired():
    return _start_over(_("The uploaded file is no longer here (files are kept for an hour). Upload it again."))


def _forget() -> None:
    state = _state()
    if state:
        uploads.discard(state.get("token"))
    session.pop(STATE, None)


@bp.route("/import", methods=["GET", "POST"])
# The form's own token is checked instead (UploadForm is a FlaskForm): the app-wide check would read the
# body before this view could allow a register's size.
@csrf.exempt
@access.requires(Action.IMPORT)
def import_upload():
    limit = imports.MAX_BYTES + 64 * 1024
    request.max_content_length = limit
    too_large = redirect(url_for("staff.import_upload", too_large=1))
    # Refused before the body is read: a half-read upload would leave its temporary file behind.
    if (request.content_length or 0) > limit:
        return too_large
    try:
        form = UploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        # Anything on this request that looks at the form again (the page's own forms do) would meet the
        # same refusal, so the answer is a fresh page that says it.
        return too_large
    if request.args.get("too_large") and not form.is_submitted():
        form.file.errors = [_("The file is larger than %(size)s MB.", size=imports.MAX_BYTES // (1024 * 1024))]
    if submitted:
        data = form.file.data.read(imports.MAX_BYTES + 1)
        try:
            sheet = imports.read_sheet(data)
        except imports.SheetRefused as refused:
            form.file.errors.append(_(refused.message, **refused.values))
        else:
            _forget()
            session[STATE] = {"token": uploads.keep(data), "user": current_user.id,
                              "name": (secure_filename(form.file.data.filename or "") or "upload")[:120],
                              "mapping": imports.guess_mapping(sheet.header)}
            return redirect(url_for("staff.import_preview"))
    return render_template("staff/spreadsheets/upload.html", form=form), 400 if form.errors else 200


def _as_form(mapping: dict) -> dict:
    return {name: "" if mapping.get(name) is None else str(mapping[name]) for name in imports.FIELDS}


@bp.route("/import/preview", methods=["GET", "POST"])
@access.requires(Action.IMPORT)
def import_preview():
    loaded = _loaded()
    if loaded is None:
        return _expired()
    state, sheet = loaded
    scoped = access.scope() is not None
    form = MappingForm(data=_as_form(state["mapping"]))
    form.set_columns(sheet.header, scoped)
    if form.is_submitted():
        if form.validate() and form.check_columns(scoped):
            state["mapping"] = form.mapping()
            session[STATE] = state
            return redirect(url_for("staff.import_preview"))
        checked = None
    else:
        checked = imports.check(sheet, state["mapping"], scope=access.scope()) if form.check_columns(scoped) else None
    per_segment = current_app.config["SMS_COST_PER_SEGMENT"]
    return render_template(
        "staff/spreadsheets/preview.html", form=form, sheet=sheet, state=state, checked=checked,
        confirm=ConfirmForm(formdata=None, token=state["token"]), sample=_sample(sheet, state["mapping"], checked),
        problems=checked.problems[:LISTED_PROBLEMS] if checked else [], labels=imports.LABELS,
        cost=imports.receipt_cost(len(checked.drafts), per_segment) if checked else 0, per_segment=per_segment,
    ), 200 if checked is not None or not form.is_submitted() else 400


def _sample(sheet: imports.Sheet, mapping: dict, checked: imports.Checked | None) -> list[tuple[int, list, bool]]:
    """The first rows as the mapping reads them: (row number, cells in FIELDS order, is it bad)."""
    bad = set(checked.bad_rows) if checked else set()
    sample = []
    for number, cells in sheet.rows[:PREVIEW_ROWS]:
        values = [cells[mapping[name]] if mapping.get(name) is not None and mapping[name] < len(cells) else ""
                  for name in imports.FIELDS]
        sample.append((number, values, number in bad))
    return sample


@bp.post("/import/confirm")
@access.requires(Action.IMPORT)
def import_confirm():
    loaded = _loaded()
    if loaded is None:
        return _expired()
    state, sheet = loaded
    form = ConfirmForm()
    if not form.validate_on_submit() or form.token.data != state["token"]:
        flash(_("This preview belongs to another upload. Check the rows below and confirm again."), "warning")
        return redirect(url_for("staff.import_preview"))
    try:
        imported = imports.import_rows(sheet, state["mapping"], scope=access.scope(), actor=current_user.username,
                                       notify=form.notify.data, source=state["name"])
    except DomainError:
        db.session.rollback()
        flash(_("Nothing was imported: some rows are bad. Fix them in the file and upload it again."), "error")
        return redirect(url_for("staff.import_preview"))
    db.session.commit()
    _forget()
    session[RESULT] = {"count": imported.count, "notified": imported.notified, "name": state["name"],
                       "day": clock.local(clock.utcnow()).date().isoformat(), "first": imported.references[:5]}
    return redirect(url_for("staff.import_done"))


@bp.get("/import/done")
@access.requires(Action.IMPORT)
def import_done():
    result = session.get(RESULT)
    if not isinstance(result, dict):
        return redirect(url_for("staff.import_upload"))
    return render_template("staff/spreadsheets/done.html", result=result)


@bp.post("/import/cancel")
@access.requires(Action.IMPORT)
def import_cancel():
    form = ConfirmForm()
    if form.validate_on_submit():
        _forget()
        flash(_("The import is cancelled; nothing was imported."), "info")
    return redirect(url_for("staff.import_upload"))


@bp.get("/import/bad-rows.csv")
@access.requires(Action.IMPORT)
def import_bad_rows():
    loaded = _loaded()
    if loaded is None:
        return _expired()
    state, sheet = loaded
    try:
        checked = imports.check(sheet, state["mapping"], scope=access.scope())
    except DomainError:
        return redirect(url_for("staff.import_preview"))
    reasons: dict[int, list[str]] = {}
    for problem in checked.problems:
        reasons.setdefault(problem.row, []).append(
            f"{_(imports.LABELS[problem.field])}: {_(problem.message, **problem.values)}")
    head = [_("Row"), _("Problem"), *sheet.header]
    body = ([str(number), " | ".join(reasons[number]), *cells] for number, cells in sheet.rows if number in reasons)
    suffix = _("rows-with-problems")
    name = f"{state['name'].rsplit('.', 1)[0]}-{suffix}.csv"
    return Response(exports.csv_chunks(head, body, sheet.delimiter), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{secure_filename(name) or "rows.csv"}"'})


@bp.get("/applications/export.<any(csv, xlsx):format>")
@access.requires(Action.EXPORT)
def export(format):  # the name the list's links give it (staff/applications)
    try:
        flt = access.scoped_filter(request.args)
    except DomainError:
        return render_template("staff/error.html", title=_("This list cannot be exported"),
                               message=_("A filter of the list is not valid. Go back to the list and correct it.")
                               ), 400
    scope = access.scope()
    exports.record(current_user.username, flt, scope, format)
    db.session.commit()
    lang = page_language()
    head, body = exports.header(lang), exports.rows(flt, scope, lang)
    prefix = _("applications")
    name = f"{prefix}-{clock.local(clock.utcnow()):%Y%m%d-%H%M}.{format}"
    if format == "csv":
        return Response(stream_with_context(exports.csv_chunks(head, body)), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{secure_filename(name)}"'})
    # openpyxl keeps the rows on disk as they come; only the finished, compressed file is held here.
    finished = io.BytesIO()
    exports.write_xlsx(head, body, finished, title=_("Applications"))
    finished.seek(0)
    return send_file(finished, mimetype=XLSX, as_attachment=True, download_name=secure_filename(name))
