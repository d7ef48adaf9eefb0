"""The inbox of suggestions and complaints: the list, one item's page with its moves and SMS reply, and the
reply templates administrators keep."""
from flask import abort
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
from office import gsm
from office import inbox
from office import phones
from office import privacy
from office import ticket_notices
from office.clock import local
from office.errors import Conflict
from office.errors import DomainError
from office.errors import InvalidTransition
from office.models import Feedback
from office.models import Kelurahan
from office.models import Message
from office.models import ReplyTemplate
from office.models import StaffUser
from office.roles import Action
from staff import access
from staff import bp
from staff.applications import SMS_STATES
from staff.inbox_forms import CHANNEL_LABELS
from staff.inbox_forms import ConfidentialForm
from staff.inbox_forms import InboxFilterForm
from staff.inbox_forms import MoveForm
from staff.inbox_forms import ReplyForm
from staff.inbox_forms import TemplateForm

PER_PAGE = 50


def office_time(moment) -> str:
    """A stored instant as the office's local day and time."""
    return local(moment).strftime("%d-%m-%Y %H:%M") if moment else ""


def phone_shown(item) -> str:
    """The item's phone as the signed-in user may see it."""
    if not item.phone:
        return "—"
    shown = phones.local_format(item.phone)
    return shown if inbox.may_see_phone(item, current_user) else privacy.mask_phone(shown)


def render(page: str, status_code: int = 200, **context):
    """A page of the inbox, with the helpers its templates share."""
    return render_template(page, office_time=office_time, phone_shown=phone_shown, labels=inbox.LABELS,
                           categories=inbox.CATEGORY_LABELS, channels=CHANNEL_LABELS, **context), status_code


@bp.get("/inbox", endpoint="inbox")
@access.requires(Action.INBOX)
def inbox_list():
    form = InboxFilterForm(formdata=request.args).with_choices()
    try:
        flt, status_code = inbox.Filter.from_args(request.args), 200
    except DomainError as refused:
        field = getattr(form, refused.details["field"])
        field.errors = [*field.errors, _("Choose a value from the list.")]
        flt, status_code = None, 400
    items = [] if flt is None else db.session.scalars(inbox.query(flt, access.scope()).limit(PER_PAGE)).all()
    return render("staff/inbox/list.html", status_code, form=form, items=items, counts=inbox.counts(access.scope()),
                  overdue={i.id for i in items if inbox.is_overdue(i)}, per_page=PER_PAGE)


def _item_or_404(reference: str):
    try:
        return inbox.get(reference, access.scope())
    except DomainError:
        abort(404)


def _item_page(item, *, move: MoveForm | None = None, reply: ReplyForm | None = None, status_code: int = 200,
               conflict: str | None = None, length=None):
    events = inbox.history(item)
    message_ids = [e.message_id for e in events if e.message_id]
    messages = {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(message_ids)))}
    reply = reply or ReplyForm(formdata=None).with_templates(item.status)
    return render("staff/inbox/item.html", status_code, item=item, history=events, messages=messages,
                  move=move or MoveForm(formdata=None).for_item(item), reply=reply,
                  confidential=ConfidentialForm(formdata=None, confidential=item.confidential),
                  templates={str(t.id): _filled(item, t.text) for t in inbox.templates(item.status)},
                  due=inbox.due(item), closes_on=inbox.closes_on(item), overdue=inbox.is_overdue(item),
                  conflict=conflict, length=length or gsm.analyze(gsm.to_gsm(reply.text.data or "")),
                  note_required=inbox.NOTE_REQUIRED, may_notify=inbox.may_notify(item),
                  notified=sorted(inbox.NOTIFIED), notices=_notices(item), assignee_name=_assignee_name(item),
                  original=item.duplicate_of_id and db.session.get(Feedback, item.duplicate_of_id).ticket,
                  sms_states={k: _(v) for k, v in SMS_STATES.items()})


def _filled(item, template_text: str) -> str:
    """A reply template as the clerk starts from it, with the item's own values in its placeholders."""
    return ticket_notices.from_template(template_text, {"ticket": item.ticket, "referred_to": item.referred_to})


def _notices(item) -> dict[str, str]:
    """What the citizen would be told for each move offered now; where the move's own field fills it in,
    a mark stands for what the clerk will type."""
    return {state: inbox.notice_text(item, state, referred_to="…", original="…") for state in inbox.MOVES[item.status]}


def _assignee_name(item) -> str:
    if item.assignee_id:
        return db.session.get(StaffUser, item.assignee_id).name
    place = item.kelurahan_id and db.session.get(Kelurahan, item.kelurahan_id)
    return _("Kelurahan %(name)s", name=place.name) if place else ""


@bp.get("/inbox/<reference>", endpoint="inbox_item")
@access.requires(Action.INBOX)
def inbox_item(reference):
    return _item_page(_item_or_404(reference))


# Which form field each refused move field belongs beside, and what to say there.
def _move_errors() -> dict[str, tuple[str, str]]:
    return {
        "assignee": ("assignee", _("Choose one staff member or one kelurahan office, not both.")),
        "referred_to": ("referred_to", _("Write where the citizen was referred (at most %(count)s characters).",
                                         count=inbox.MAX_REFERRED)),
        "original": ("original", _("Write the number of another existing ticket.")),
        "note": ("note", _("Write a note of at most %(count)s characters, in readable characters.",
                           count=inbox.MAX_NOTE)),
    }


@bp.post("/inbox/<reference>/move", endpoint="inbox_move")
@access.requires(Action.INBOX)
def inbox_move(reference):
    item = _item_or_404(reference)
    form = MoveForm().for_item(item)
    new_state = form.new_state.data or ""
    # for_item put the current state in the field; the page's own is in what was posted.
    shown = form.expected_state.raw_data[0] if form.expected_state.raw_data else ""
    if shown != item.status:
        return _item_page(item, status_code=409,
                          conflict=_("Someone moved this item to %(state)s meanwhile; look again before deciding.",
                                     state=_(inbox.label(item.status))))
    if new_state not in inbox.MOVES[item.status]:
        form.new_state.errors = [_("Choose one of the moves offered.")]
        return _item_page(item, move=form, status_code=400)
    try:
        inbox.move(item, new_state, actor=current_user.username, note=form.note.data,
                   assignee_id=_number(form.assignee.data), kelurahan_id=_number(form.kelurahan.data),
                   referred_to=form.referred_to.data, original=form.original.data, expected_state=item.status,
                   notify=form.notify.data)
    except (Conflict, InvalidTransition) as lost:
        db.session.rollback()
        return _item_page(_item_or_404(reference), status_code=409,
                          conflict=_("Someone moved this item to %(state)s meanwhile; look again before deciding.",
                                     state=_(inbox.label(lost.details["current_status"]))))
    except DomainError as refused:
        db.session.rollback()
        name, text = _move_errors()[refused.details.get("field", "note")]
        getattr(form, name).errors = [text]
        return _item_page(_item_or_404(reference), move=form, status_code=400)
    told = form.notify.data and inbox.may_notify(item)
    db.session.commit()
    flash(_("Moved to %(state)s; the citizen is told by SMS.", state=_(inbox.label(new_state))) if told else
          _("Moved to %(state)s.", state=_(inbox.label(new_state))), "success")
    return redirect(url_for("staff.inbox_item", reference=item.ticket))


def _number(value) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


@bp.post("/inbox/<reference>/confidential", endpoint="inbox_confidential")
@access.requires(Action.INBOX)
def inbox_confidential(reference):
    item = _item_or_404(reference)
    form = ConfidentialForm()
    if form.validate():
        inbox.set_confidential(item, form.confidential.data, actor=current_user.username)
        db.session.commit()
        flash(_("Marked confidential.") if item.confidential else _("No longer confidential."), "success")
    return redirect(url_for("staff.inbox_item", reference=item.ticket))


@bp.post("/inbox/<reference>/reply", endpoint="inbox_reply")
@access.requires(Action.INBOX)
def inbox_reply(reference):
    item = _item_or_404(reference)
    form = ReplyForm().with_templates(item.status)
    if "use_template" in request.form:
        chosen = db.session.get(ReplyTemplate, _number(form.template.data) or 0)
        form.text.data = _filled(item, chosen.text) if chosen is not None else form.text.data
        return _item_page(item, reply=form)
    if "preview" in request.form or not form.validate():
        return _item_page(item, reply=form, status_code=200 if "preview" in request.form else 400)
    try:
        inbox.reply(item, form.text.data, actor=current_user.username)
    except DomainError as refused:
        db.session.rollback()
        form.text.errors = [_("This ticket has no phone number to answer.") if refused.code == "no_phone" else
                            _("Write a reply of at most %(count)s characters, in readable characters.",
                              count=inbox.MAX_REPLY)]
        return _item_page(_item_or_404(reference), reply=form, status_code=400)
    db.session.commit()
    flash(_("The reply is queued for sending."), "success")
    return redirect(url_for("staff.inbox_item", reference=item.ticket))


@bp.get("/inbox/sms-length", endpoint="inbox_sms_length")
@access.requires(Action.INBOX)
def inbox_sms_length():
    """The live counter's figures, from the same office.gsm the outbox bills by."""
    length = gsm.analyze(gsm.to_gsm(request.args.get("text", "")[:inbox.MAX_REPLY * 2]))
    return jsonify(characters=length.units, segments=length.segments, encoding=length.encoding,
                   text=_("%(characters)s characters, %(segments)s SMS (%(encoding)s)", characters=length.units,
                          segments=length.segments, encoding=length.encoding))


@bp.route("/inbox/templates", methods=["GET", "POST"], endpoint="inbox_templates")
@access.requires(Action.EDIT_REPLY_TEMPLATES)
def inbox_templates():
    return _template_page(None)


@bp.route("/inbox/templates/<int:id>", methods=["GET", "POST"], endpoint="inbox_template")
@access.requires(Action.EDIT_REPLY_TEMPLATES)
def inbox_template(id):
    template = db.session.get(ReplyTemplate, id)
    if template is None:
        abort(404)
    return _template_page(template)


def _template_page(template: ReplyTemplate | None):
    form = TemplateForm(obj=template).with_states()
    status_code = 200
    if request.method == "POST":
        try:
            saved = inbox.save_template(template, state=form.state.data, title=form.title.data, text=form.text.data,
                                        actor=current_user.username)
        except DomainError as refused:
            db.session.rollback()
            field = refused.details.get("field", "text")
            getattr(form, field).errors = [_template_errors()[field]]
            status_code = 400
        else:
            db.session.commit()
            flash(_("Template “%(title)s” saved.", title=saved.title), "success")
            return redirect(url_for("staff.inbox_templates"))
    return render("staff/inbox/templates.html", status_code, form=form, template=template,
                  templates=inbox.templates(), length=gsm.analyze(gsm.to_gsm(form.text.data or "")))


def _template_errors() -> dict[str, str]:
    return {
        "state": _("Choose a state from the list."),
        "title": _("Write a title of at most %(count)s characters.", count=inbox.MAX_TITLE),
        "text": _("Write a reply of at most %(count)s characters, in readable characters.", count=inbox.MAX_REPLY),
    }
