"""One phone's conversation with the office (/staff/conversations): the thread and the phone's records.

A phone number never goes into a URL, where access logs and browser history would keep it. The page is
reached by the POST search form, or from an application's or an inbox item's page by a link whose token
names that record (not the phone), is signed with the app's SECRET_KEY, belongs to the account that was
shown it and lasts LINK_MAX_AGE seconds. Each view is written to the audit log with the phone masked.
"""
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

from extensions import db
from office import audit
from office import conversation
from office import inbox
from office import outbox
from office import phones
from office import privacy
from office import ussd_stats
from office.i18n import N_
from office.models import Application
from office.models import Feedback
from office.roles import Action
from office.roles import Role
from staff import access
from staff import bp
from staff.applications import SMS_STATES
from staff.conversation_forms import ConversationSearchForm

LINK_SALT = "staff.conversation-link"
# Long enough to read the page the link is on and follow it; a stale page is reloaded for a new one.
LINK_MAX_AGE = 30 * 60
APPLICATION, TICKET = "a", "t"

# A mark beside each delivery state's word, so the state is never told by colour alone.
STATE_ICONS = {outbox.QUEUED: "⏳", outbox.SENDING: "⏳", outbox.SENT: "✓", outbox.DELIVERED: "✓✓",
               outbox.FAILED: "✗", outbox.UNKNOWN: "?", outbox.CANCELLED: "⊘"}
KIND_LABELS = {
    outbox.Kind.STATUS: N_("Status notification"),
    outbox.Kind.REPLY: N_("Reply"),
    outbox.Kind.CHECKLIST: N_("Requirements checklist"),
    outbox.Kind.BROADCAST: N_("Announcement"),
    outbox.Kind.REMINDER: N_("Pick-up reminder"),
    outbox.Kind.QUEUE: N_("Queue"),
    outbox.Kind.OPTOUT: N_("Opt-out confirmation"),
    outbox.Kind.INCOMING: N_("Incoming SMS"),
}
# AT's words for how a session ended.
USSD_LABELS = {
    ussd_stats.SUCCESS: N_("Finished"),
    ussd_stats.INCOMPLETE: N_("Left before the end"),
    ussd_stats.FAILED: N_("Failed"),
}
SUBSCRIPTION_LABELS = {
    conversation.SUBSCRIBED: N_("Subscribed to announcements"),
    conversation.NOT_SUBSCRIBED: N_("Not subscribed to announcements"),
    conversation.OPTED_OUT: N_("Opted out (STOP): nothing is sent to this number"),
    conversation.UNKNOWN_PHONE: N_("This number has not contacted the office yet"),
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def _link(source: str, record_id: int) -> str:
    token = _serializer().dumps({"s": source, "i": record_id, "u": current_user.id})
    return url_for("staff.conversations", t=token)


def application_link(application: Application) -> str | None:
    """The link to the conversation of an application's phone, or None when the user may not open it."""
    if not access.may(Action.CONVERSATIONS):
        return None
    return _link(APPLICATION, application.id)


def ticket_link(item: Feedback) -> str | None:
    """The link to the conversation of an inbox item's phone, or None when there is none to open or the user
    may not see that phone."""
    if not (access.may(Action.CONVERSATIONS) and item.phone and inbox.may_see_phone(item, current_user)):
        return None
    return _link(TICKET, item.id)


@bp.context_processor
def _conversation_helpers():
    return {"conversation_link_for_application": application_link, "conversation_link_for_ticket": ticket_link,
            "conversation_search_form": lambda: ConversationSearchForm(formdata=None)}


class BadLink(Exception):
    """A conversation link that cannot be followed; `message` says why, `status_code` how to answer."""

    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message)
        self.message, self.status_code = message, status_code


def _followed(token: str) -> tuple[str, str, str]:
    """(phone, source, the record's number) that a link's token leads to, for the signed-in user.

    :raise BadLink: expired, altered, someone else's, or a record the user may not see.
    """
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired:
        raise BadLink(_("This link has expired. Open the conversation again from the application or inbox "
                        "page, or search the number below.")) from None
    except BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("u") != current_user.id or not isinstance(data.get("i"), int):
        raise BadLink(_("This link is not valid. Open the conversation again from the application or inbox page, "
                        "or search the number below."))
    if data.get("s") == APPLICATION:
        application = db.session.get(Application, data["i"])
        if application is not None and access.scope() in (None, application.kelurahan_id):
            return application.phone, "application", application.reference
    elif data.get("s") == TICKET:
        item = db.session.get(Feedback, data["i"])
        if (item is not None and item.phone and access.scope() in (None, item.kelurahan_id)
                and inbox.may_see_phone(item, current_user)):
            return item.phone, "ticket", item.ticket
    raise BadLink(_("There is nothing here, or it is not yours to see."), 404)


def _shown_phone(phone: str) -> str:
    shown = phones.local_format(phone)
    return shown if current_user.role == Role.ADMIN else privacy.mask_phone(shown)


def _page(form: ConversationSearchForm, status_code: int = 200, *, found=None, error: str | None = None):
    return render_template("staff/conversations/page.html", form=form, found=found, error=error,
                           shown_phone=found and _shown_phone(found.phone), scoped=access.scope() is not None,
                           sms_states={k: _(v) for k, v in SMS_STATES.items()}, state_icons=STATE_ICONS,
                           kind_labels=KIND_LABELS, subscription_labels=SUBSCRIPTION_LABELS, ussd_labels=USSD_LABELS,
                           inbox_labels=inbox.LABELS, categories=inbox.CATEGORY_LABELS), status_code


def _show(form: ConversationSearchForm, phone: str, source: str, record: str | None = None):
    found = conversation.for_phone(phone, access.scope(), current_user)
    audit.record(current_user.username, "conversation.view", privacy.mask_phone(found.phone), source=source,
                 record=record, entries=found.total)
    db.session.commit()
    return _page(form, found=found)


@bp.get("/conversations", endpoint="conversations")
@access.requires(Action.CONVERSATIONS)
def conversations_page():
    form = ConversationSearchForm(formdata=None)
    token = request.args.get("t")
    if token is None:
        return _page(form)
    try:
        phone, source, record = _followed(token)
        return _show(form, phone, source, record)
    except BadLink as bad:
        return _page(form, bad.status_code, error=bad.message)
    except phones.InvalidPhone:
        # A kiosk ticket may carry a landline: no SMS conversation can exist with it.
        return _page(form, 404, error=_("This ticket's phone is not a mobile number, so there are no SMS to show."))


@bp.post("/conversations", endpoint="conversations_search")
@access.requires(Action.CONVERSATIONS)
def conversations_search():
    form = ConversationSearchForm()
    if not form.validate():
        return _page(form, 400)
    try:
        phone = phones.normalize_mobile(form.phone.data)
    except phones.InvalidPhone:
        form.phone.errors = [_("Write an Indonesian mobile number, such as 0811-1234-5678.")]
        return _page(form, 400)
    # The number found is on the page (masked); the field starts empty for the next search.
    return _show(ConversationSearchForm(formdata=None), phone, "search")
