"""A broadcast's audience from an uploaded phone list: the file kept between the composer's preview and its
confirm, its size allowed on the composer only, and its invalid lines as a CSV.

The file waits in staff.uploads; the session holds its token and name for the user who uploaded it. The
preview and the confirm both read the kept file again, so the confirm sends to what the preview counted.
"""
from dataclasses import dataclass

from flask import Response
from flask import flash
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.utils import secure_filename

from office import exports
from office import phone_lists
from office.imports import SheetRefused
from office.roles import Action
from staff import access
from staff import bp
from staff import uploads
from staff.broadcast_forms import BroadcastForm

STATE = "broadcast_upload"
# The page lists this many invalid lines; the download holds all of them.
LISTED_INVALID = 50
# Room for the composer's other fields and the multipart framing beside the file.
LIMIT = phone_lists.MAX_BYTES + 64 * 1024
GONE = _l("The uploaded list is no longer here (files are kept for an hour). Choose the file again.")


@dataclass(frozen=True)
class Uploaded:
    """The phone list an audience is read from, with the name it was uploaded under."""

    name: str
    numbers: phone_lists.PhoneList


def allow_list_size():
    """Raise this request's size limit to a phone list's; a redirect to answer with when it is larger still.

    Refused before the body is read: a half-read upload would leave its temporary file behind.
    """
    request.max_content_length = LIMIT
    if (request.content_length or 0) > LIMIT:
        return too_large()
    return None


def too_large():
    """The composer again, saying the file was too large (the texts cannot be read back from such a body)."""
    flash(_("Nothing was read: the file is larger than %(size)s MB.", size=_megabytes()), "error")
    return redirect(url_for("staff.broadcast_new", too_large=1))


def _megabytes() -> int:
    return phone_lists.MAX_BYTES // (1024 * 1024)


def mark_too_large(form: BroadcastForm) -> None:
    """Say beside the file field that the last file was too large."""
    form.audience.data = "upload"
    form.phone_file.errors = [_("The file is larger than %(size)s MB.", size=_megabytes())]


def _state() -> dict | None:
    state = session.get(STATE)
    if not isinstance(state, dict) or state.get("user") != current_user.id:
        return None
    return state


def forget() -> None:
    """Delete the current user's kept list, if any."""
    state = _state()
    if state:
        uploads.discard(state.get("token"))
    session.pop(STATE, None)


def _kept() -> tuple[dict, bytes] | None:
    state = _state()
    data = uploads.read(state.get("token")) if state else None
    return (state, data) if data is not None else None


def phone_list(form: BroadcastForm) -> Uploaded | None:
    """The list the composer's audience is: a file sent with this request, else the one kept from the preview.

    Sets `form.upload_token`; on None the reason is beside the file field.
    """
    sent = form.phone_file.data
    if sent is not None and getattr(sent, "filename", None):
        data = sent.read(phone_lists.MAX_BYTES + 1)
        try:
            numbers = phone_lists.read_phone_list(data)
        except SheetRefused as refused:
            form.phone_file.errors = [_(refused.message, **refused.values)]
            return None
        forget()
        name = (secure_filename(sent.filename) or "upload")[:120]
        session[STATE] = {"token": uploads.keep(data), "user": current_user.id, "name": name}
        form.upload_token = session[STATE]["token"]
        return Uploaded(name, numbers)
    kept = _kept()
    if kept is None:
        form.phone_file.errors = [str(GONE) if _state() else _("Choose a CSV or .xlsx file.")]
        return None
    state, data = kept
    form.upload_token = state["token"]
    # It was read once already; a file that cannot be read again is not what the preview counted.
    try:
        return Uploaded(state["name"], phone_lists.read_phone_list(data))
    except SheetRefused:
        forget()
        form.phone_file.errors = [_("Choose a CSV or .xlsx file.")]
        return None


@bp.get("/broadcasts/upload/invalid.csv")
@access.requires(Action.BROADCAST)
def broadcast_upload_invalid():
    kept = _kept()
    try:
        numbers = phone_lists.read_phone_list(kept[1]) if kept else None
    except SheetRefused:
        numbers = None
    if numbers is None:
        flash(str(GONE), "warning")
        return redirect(url_for("staff.broadcast_new"))
    body = ([str(line), value] for line, value in numbers.invalid)
    suffix = _("invalid-numbers")
    name = f"{kept[0]['name'].rsplit('.', 1)[0]}-{suffix}.csv"
    return Response(exports.csv_chunks([_("Line"), _("Value")], body, numbers.delimiter),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{secure_filename(name) or "invalid.csv"}"'})
