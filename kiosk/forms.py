"""The self-service forms, shared by the kiosk and the public pages (Flask-WTF: each carries a CSRF token).

Every rule a field follows belongs to the domain (references, feedback, phones); these forms only turn its
refusals into a sentence beside the field.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from office import feedback
from office import phones
from office import references
from office.applications import PHONE_TAIL_DIGITS
from office.errors import DomainError
from office.phones import InvalidPhone

ALL_KELURAHAN = "all"
# What each reference problem is called beside the field.
_REFERENCE_PROBLEMS = {
    "format": _l("An application number has 10 digits, only numbers 0-9."),
    "check_digit": _l("That number has a typo: check each digit against your receipt."),
}
_FEEDBACK_PROBLEMS = {
    "missing_field": _l("Write your suggestion or complaint first."),
    "field_too_long": _l("At most %(count)s characters, please: shorten the text a little.", count=feedback.MAX_TEXT),
    "unreadable_text": _l("The text holds characters that cannot be read. Please type it again."),
}


def _reference(form, field):
    field.data = references.clean(field.data or "")
    problem = references.classify(field.data)
    if problem != "ok":
        raise ValidationError(_REFERENCE_PROBLEMS[problem])


def _phone_tail(form, field):
    if not (len(field.data) == PHONE_TAIL_DIGITS and field.data.isascii() and field.data.isdigit()):
        raise ValidationError(_l("Type the last %(count)s digits of the applicant's phone number.",
                                 count=PHONE_TAIL_DIGITS))


def _mobile(form, field):
    try:
        field.data = phones.normalize_mobile(field.data)
    except InvalidPhone:
        raise ValidationError(_l("Type an Indonesian mobile number, such as 0812 3456 7890.")) from None


def _feedback_text(form, field):
    try:
        field.data = feedback.check_text(field.data)
    except DomainError as exc:
        raise ValidationError(_FEEDBACK_PROBLEMS[exc.code]) from None


def _offered(form, field):
    # WTForms has no Indonesian catalog, so its own "Not a valid choice." is replaced by ours.
    if field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(_l("Choose one of the options shown."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class StatusForm(FlaskForm):
    reference = StringField(_l("Application number"), validators=[_reference], filters=[_strip],
                            description=_l("The 10 digits on your receipt."),
                            render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
    phone_tail = StringField(_l("Last %(count)s digits of the applicant's phone", count=PHONE_TAIL_DIGITS),
                             validators=[Optional(), _phone_tail], filters=[_strip],
                             description=_l("Optional: to see the staff's note as well."),
                             render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 8})


class FeedbackForm(FlaskForm):
    category = RadioField(_l("What is it?"), default="saran", choices=[
        SelectChoice("saran", _l("A suggestion")),
        SelectChoice("aduan", _l("A complaint")),
        SelectChoice("lainnya", _l("Something else")),
    ], validate_choice=False, validators=[_offered])
    text = TextAreaField(_l("Your message"), validators=[_feedback_text],
                         description=_l("At most %(count)s characters.", count=feedback.MAX_TEXT),
                         render_kw={"maxlength": feedback.MAX_TEXT, "rows": 3})
    phone = StringField(_l("Your mobile number (optional)"), validators=[Optional(), _mobile], filters=[_strip],
                        description=_l("Only if you want an answer by SMS."),
                        render_kw={"inputmode": "tel", "autocomplete": "tel", "maxlength": 20})


class SubscribeForm(FlaskForm):
    kelurahan = RadioField(_l("Announcements for"), default=ALL_KELURAHAN, validate_choice=False,
                           validators=[_offered])
    phone = StringField(_l("Mobile number"), validators=[_mobile], filters=[_strip],
                        description=_l("We send one SMS to confirm. Reply STOP to end them at any time."),
                        render_kw={"inputmode": "tel", "autocomplete": "tel", "maxlength": 20})

    def __init__(self, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kelurahan.choices = [SelectChoice(ALL_KELURAHAN, _l("All of Jekan Raya")),
                                  *[SelectChoice(k.code, k.name) for k in places]]


YES, NO = "yes", "no"


class TicketForm(FlaskForm):
    """The lobby queue's questions, asked one screen at a time: each screen carries the earlier answers as
    hidden fields, so the server keeps nothing between screens. `offered` are the letters of the groups a
    counter serves."""

    group = HiddenField(_l("Service"))
    priority = RadioField(_l("Are you a priority visitor?"), validate_choice=True,
                          choices=[SelectChoice(YES, _l("Yes")), SelectChoice(NO, _l("No"))])
    phone = StringField(_l("Mobile number"), validators=[Optional(), _mobile], filters=[_strip],
                        description=_l("Such as 0812 3456 7890."),
                        render_kw={"inputmode": "tel", "autocomplete": "off", "maxlength": 20})

    def __init__(self, offered, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = offered

    def validate_group(self, field):
        if field.data not in self.offered:
            raise ValidationError(_l("Please choose one of the services shown."))

    def first_wrong(self, asked: tuple[str, ...]) -> str | None:
        """Validate the form and return the first of the `asked` fields (in order) that is wrong, if any.

        Fields the citizen has not reached yet are not asked about, so their errors do not count (a stale CSRF
        token never gets here: the kiosk's CSRFError handler shows the screen again).
        """
        self.validate()
        for field in self:
            if field.name not in asked:
                field.errors = []
        return next((name for name in asked if self[name].errors), None)
