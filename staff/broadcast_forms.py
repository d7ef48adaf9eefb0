"""The broadcast composer's form: texts, audience, when to send and (administrators only) urgency.

office.broadcasts and office.audience have the last word on every value; this form only turns the
page's fields into the audience shapes office.audience accepts and catches what is missing.
"""
import hashlib
import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from office import catalog
from office import lifecycle
from office.audience import MAX_KELURAHAN
from office.broadcasts import MAX_SEGMENTS
from office.gsm import GSM7_PART_LIMIT
from office.i18n import page_language
from office.i18n import pick
from office.phone_lists import MAX_BYTES
from office.phone_lists import MAX_NUMBERS

REQUIRED = _l("Fill in this field.")
TOO_LONG = _l("This is too long.")
ALL, KELURAHAN, APPLICANTS, UPLOAD = "all", "kelurahan", "applicants", "upload"
# The most characters MAX_SEGMENTS segments can carry; the domain then counts the segments themselves.
MAX_TEXT = MAX_SEGMENTS * GSM7_PART_LIMIT


def _plain(value):
    # A NUL can reach a form from a script; PostgreSQL cannot store or compare it.
    return value.replace("\x00", "") if isinstance(value, str) else value


def _text_length():
    return Length(max=MAX_TEXT, message=_l("At most %(count)s characters.", count=MAX_TEXT))


def kelurahan_choices() -> list[SelectChoice]:
    return [SelectChoice(place.name, place.name) for place in catalog.kelurahan_list()]


def service_choices() -> list[SelectChoice]:
    lang = page_language()
    return [SelectChoice("", _l("Any service"))] + [
        SelectChoice(service.code, f"{service.code} · {pick(service.name, lang)}") for service in catalog.services()]


def status_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Any status"))] + [
        SelectChoice(status, _l(lifecycle.LABELS[status])) for status in lifecycle.STATUSES]


class BroadcastForm(FlaskForm):
    text = TextAreaField(_l("Message in Bahasa Indonesia"), filters=[_plain],
                         validators=[DataRequired(REQUIRED), _text_length()],
                         render_kw={"rows": 5, "data-counter": "text"})
    text_en = TextAreaField(_l("Message in English (optional)"), filters=[_plain],
                            validators=[_text_length()],
                            description=_l("Sent to subscribers who chose English; without it they get the "
                                           "Bahasa Indonesia message."),
                            render_kw={"rows": 4, "data-counter": "text_en"})
    audience = RadioField(_l("Who receives it"), default=ALL, validate_choice=False,
                          choices=[SelectChoice(ALL, _l("All subscribers")),
                                   SelectChoice(KELURAHAN, _l("Subscribers of some kelurahan")),
                                   SelectChoice(APPLICANTS, _l("Applicants of a service and/or in a status")),
                                   SelectChoice(UPLOAD, _l("Phone list (upload a file)"))])
    kelurahan = SelectMultipleField(_l("Kelurahan"), choices=kelurahan_choices, validate_choice=False,
                                    description=_l("Hold Ctrl (or Cmd) to choose more than one."),
                                    render_kw={"size": 6})
    service = SelectField(_l("Service"), choices=service_choices, validate_choice=False)
    status = SelectField(_l("Application status"), choices=status_choices, validate_choice=False)
    # Read by the view (staff.broadcast_upload), which keeps it between the preview and the confirm.
    phone_file = FileField(_l("Phone list file"),
                           description=_l("CSV or Excel .xlsx, at most %(size)s MB and %(count)s numbers: the "
                                          "phone in the first column, or in the column headed HP, Telepon, Phone "
                                          "or Nomor. A header row is optional.",
                                          size=MAX_BYTES // (1024 * 1024), count=f"{MAX_NUMBERS:,}".replace(",", ".")),
                           render_kw={"accept": ".csv,.xlsx,text/csv,"
                                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    send_at = StringField(_l("Send at (office time, WIB)"), filters=[_plain],
                          validators=[Length(max=40, message=TOO_LONG)],
                          description=_l("Leave empty to send now; at most 90 days ahead."),
                          render_kw={"type": "datetime-local"})
    urgent = BooleanField(_l("Urgent: send during quiet hours too"),
                          description=_l("Only for real emergencies: recipients are woken at night."))
    # What the preview showed, so a confirm of texts changed since is shown again instead of sent.
    previewed = HiddenField()
    # The kept upload the audience was read from, set by the view: a new file is a new audience.
    upload_token = None

    def validate_audience(self, field):
        if field.data not in (ALL, KELURAHAN, APPLICANTS, UPLOAD):
            raise ValidationError(_l("Choose who receives it."))

    def validate_kelurahan(self, field):
        if self.audience.data != KELURAHAN:
            return
        if not field.data:
            raise ValidationError(_l("Choose at least one kelurahan."))
        if len(field.data) > MAX_KELURAHAN:
            raise ValidationError(_l("Choose at most %(count)s kelurahan.", count=MAX_KELURAHAN))

    def validate_service(self, field):
        if self.audience.data == APPLICANTS and not field.data and not self.status.data:
            raise ValidationError(_l("Choose a service, a status, or both."))

    def raw_audience(self) -> dict:
        """The audience in the shape office.audience.clean_audience reads (an uploaded list's is the view's)."""
        if self.audience.data == KELURAHAN:
            return {"kelurahan": list(self.kelurahan.data)}
        if self.audience.data == APPLICANTS:
            return {key: value for key, value in (("service", self.service.data), ("status", self.status.data))
                    if value}
        return {"all": True}

    def fingerprint(self) -> str:
        """A digest of everything the preview's figures depend on."""
        audience = {"upload": self.upload_token} if self.audience.data == UPLOAD else self.raw_audience()
        shown = [self.text.data, self.text_en.data or "", audience, self.send_at.data or "", bool(self.urgent.data)]
        return hashlib.sha256(json.dumps(shown, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


class CancelForm(FlaskForm):
    """Only the CSRF token: cancelling asks nothing more than the confirmation."""
