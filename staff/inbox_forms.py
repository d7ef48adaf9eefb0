"""The inbox's forms: the list's filter, one item's move, its confidential mark, an SMS reply, a reply template.

Values are checked by office.inbox (the move's fields, the reply's length); these forms only carry them
and put the domain's refusal beside the field it names.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField

from extensions import db
from office import catalog
from office import inbox
from office.models import StaffUser
from office.roles import Role

CHANNEL_LABELS = {"ussd": "USSD", "sms": "SMS", "kiosk": _l("Kiosk"), "web": _l("Web")}


def state_choices(states) -> list[SelectChoice]:
    """The given states as choices, labelled in the page's language."""
    return [SelectChoice(state, _(inbox.LABELS[state])) for state in states]


class InboxFilterForm(FlaskForm):
    """The list's filters (a GET form: it changes nothing, and a list URL is something to share)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    channel = SelectField(_l("Channel"), validate_choice=False)
    overdue = BooleanField(_l("Overdue only"), description=_l("Past the deadline in working days"))

    def with_choices(self) -> "InboxFilterForm":
        """Fill the choices in the page's language."""
        every = SelectChoice("", _("All"))
        self.state.choices = [every, SelectChoice("open", _("Open (not finished)")), *state_choices(inbox.STATES)]
        self.category.choices = [every, *(SelectChoice(k, _(v)) for k, v in inbox.CATEGORY_LABELS.items())]
        self.channel.choices = [every, *(SelectChoice(k, str(v)) for k, v in CHANNEL_LABELS.items())]
        return self


class MoveForm(FlaskForm):
    """One item's move; the fields a move needs are there for every move and read only by the one that needs them."""

    new_state = RadioField(_l("New state"), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"maxlength": inbox.MAX_NOTE, "rows": 3},
                         description=_l("Required when following up (what was done), putting on hold (what is "
                                        "missing) and for Not our authority (why)."))
    assignee = SelectField(_l("Assign to a staff member"), validate_choice=False)
    kelurahan = SelectField(_l("or to a kelurahan office"), validate_choice=False)
    referred_to = StringField(_l("Referred to"), render_kw={"maxlength": inbox.MAX_REFERRED},
                              description=_l("For Not our authority: the office the citizen was sent to"))
    original = StringField(_l("Original ticket"), render_kw={"maxlength": 16, "autocapitalize": "characters"},
                           description=_l("For Duplicate: the ticket number this one repeats, e.g. T123456"))
    notify = BooleanField(_l("Tell the citizen by SMS"), default=True,
                          description=_l("Sends the first reply template of the new state (or the standard "
                                         "text), with the ticket number."))
    expected_state = HiddenField()

    def for_item(self, item) -> "MoveForm":
        """Offer exactly the moves allowed now, and the people and places an item can be assigned to."""
        self.new_state.choices = state_choices(inbox.MOVES[item.status])
        self.expected_state.data = item.status
        staff = db.session.scalars(select(StaffUser).where(StaffUser.active, StaffUser.role != Role.VIEWER)
                                   .order_by(StaffUser.name, StaffUser.id))
        self.assignee.choices = [SelectChoice("", _("Nobody")), *(SelectChoice(str(u.id), u.name) for u in staff)]
        self.kelurahan.choices = [SelectChoice("", _("None")),
                                  *(SelectChoice(str(k.id), k.name) for k in catalog.kelurahan_list())]
        return self


class ConfidentialForm(FlaskForm):
    confidential = BooleanField(_l("Confidential"),
                                description=_l("The phone number then shows only to administrators and the assignee"))


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply by SMS"), render_kw={"maxlength": inbox.MAX_REPLY, "rows": 4})
    template = SelectField(_l("Start from a template"), validate_choice=False)

    def with_templates(self, state: str) -> "ReplyForm":
        """Offer the templates of the item's state."""
        self.template.choices = [SelectChoice("", _("None")),
                                 *(SelectChoice(str(t.id), t.title) for t in inbox.templates(state))]
        return self


class TemplateForm(FlaskForm):
    state = SelectField(_l("Offered for items in state"), validate_choice=False)
    title = StringField(_l("Title"), render_kw={"maxlength": inbox.MAX_TITLE})
    text = TextAreaField(_l("Text"), render_kw={"maxlength": inbox.MAX_REPLY, "rows": 4},
                         description=_l("{ticket} is replaced by the ticket number; in a template for Not our "
                                        "authority, {referred_to} by where the citizen was referred."))

    def with_states(self) -> "TemplateForm":
        self.state.choices = state_choices(inbox.STATES)
        return self
