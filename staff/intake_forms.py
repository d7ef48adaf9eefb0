"""The counter intake form: service, applicant, phone, kelurahan, note and the missing-documents checklist."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from office.applications import MAX_NAME
from office.applications import MAX_NOTE
from office.i18n import pick
from office.models import Kelurahan
from office.models import Service
from office.phones import InvalidPhone
from office.phones import normalize_mobile

# The longest phone anyone types with spaces and dashes; office.phones refuses longer ones anyway.
MAX_PHONE = 32
MOBILE_ONLY = _l("Only an Indonesian mobile number (08...).")


def _without_nul(value):
    # A NUL cannot be stored; without it a name of NULs alone is seen as empty, like the domain sees it.
    return value.replace("\x00", "") if isinstance(value, str) else value


def _mobile(_form, field):
    if not field.data:
        return
    try:
        normalize_mobile(field.data)
    except InvalidPhone:
        raise ValidationError(MOBILE_ONLY) from None


class IntakeForm(FlaskForm):
    service = SelectField(_l("Service"), validators=[DataRequired(message=_l("Choose a service."))],
                          invalid_choice_message=_l("Choose a service from the list."),
                          render_kw={"autofocus": True})
    applicant_name = StringField(_l("Applicant's name"), filters=[_without_nul],
                                 validators=[DataRequired(message=_l("Type the applicant's name.")),
                                             Length(max=MAX_NAME, message=_l("At most %(max)d characters."))],
                                 render_kw={"autocomplete": "off", "spellcheck": "false"})
    phone = StringField(_l("Mobile number"), filters=[_without_nul],
                        validators=[DataRequired(message=_l("Type the applicant's mobile number.")),
                                    _mobile],
                        description=_l("0812..., +62 812... or 62812...; the receipt SMS goes here."),
                        render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "off"})
    kelurahan = SelectField(_l("Kelurahan"), validators=[DataRequired(message=_l("Choose the kelurahan."))],
                            invalid_choice_message=_l("Choose the kelurahan from the list."))
    note = StringField(_l("Note (optional)"), filters=[_without_nul],
                       validators=[Length(max=MAX_NOTE, message=_l("At most %(max)d characters."))],
                       render_kw={"autocomplete": "off"})

    def offer(self, services: list[Service], places: list[Kelurahan], lang: str, own: Kelurahan | None) -> None:
        """Fill the pickers: every active service, and every kelurahan or only the user's `own` one.

        A kelurahan account's form offers only its own kelurahan, so any other one sent is refused as
        not on the list.
        """
        self.service.choices = [SelectChoice("", _l("Choose a service")), *(
            SelectChoice(s.code, f"{s.code} · {pick(s.name, lang)}",
                         render_kw={"data-search": _search_text(s)}) for s in services)]
        if own is not None:
            self.kelurahan.choices = [SelectChoice(own.code, own.name)]
            if not self.is_submitted():
                self.kelurahan.data = own.code
            self.kelurahan.invalid_choice_message = _l("You can register applications for your own kelurahan "
                                                       "only.")
        else:
            self.kelurahan.choices = [SelectChoice("", _l("Choose the kelurahan")),
                                      *(SelectChoice(k.code, k.name) for k in places)]


def _search_text(service: Service) -> str:
    """Everything the picker's search box matches: code, both names and the keywords, in lower case."""
    return " ".join([service.code, *service.name.values(), *service.keywords]).lower()
