"""The administration forms: staff accounts, API keys and the audit log's filter.

The domain (office.accounts, office.apikeys) has the last word on every value; these forms only catch
what is missing or malformed before it gets there, each with its own translated message.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from office import apikeys
from office import audit
from office import catalog
from office.accounts import MAX_NAME
from office.accounts import MAX_PASSWORD
from office.accounts import MIN_PASSWORD
from office.roles import LABELS
from office.roles import Role

REQUIRED = _l("Fill in this field.")
TOO_LONG = _l("This is too long.")


def _plain(value):
    # A NUL can reach a form from a script; PostgreSQL cannot store or compare it.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, _l(LABELS[role])) for role in Role]


def kelurahan_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("None (the whole office)"))] + [
        SelectChoice(place.code, place.name) for place in catalog.kelurahan_list()]


class _AccountFields(FlaskForm):
    name = StringField(_l("Full name"), filters=[_plain],
                       validators=[DataRequired(REQUIRED), Length(max=MAX_NAME, message=TOO_LONG)],
                       render_kw={"autocomplete": "off"})
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=False)
    kelurahan = SelectField(_l("Kelurahan"), choices=kelurahan_choices, validate_choice=False,
                            description=_l("Only for a kelurahan office account, which sees its kelurahan's "
                                           "applications only."))


class TemporaryPasswordForm(FlaskForm):
    """A password someone else sets: typed twice by the administrator, or generated and shown once."""

    password_choice = RadioField(_l("Temporary password"), default="type",
                                 choices=[SelectChoice("type", _l("I type it (twice)")),
                                          SelectChoice("generate", _l("Generate one and show it to me once"))],
                                 validate_choice=False)
    password = PasswordField(_l("Password"), validators=[Length(max=MAX_PASSWORD, message=TOO_LONG)],
                             description=_l("At least %(count)s characters. The user must choose their own at "
                                            "the first sign-in.", count=MIN_PASSWORD),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"), render_kw={"autocomplete": "new-password"})

    @property
    def generate(self) -> bool:
        return self.password_choice.data == "generate"

    def validate_password_choice(self, field):
        if field.data not in ("type", "generate"):
            raise ValidationError(_l("Choose how the password is set."))

    def validate_password(self, field):
        if not self.generate and not field.data:
            raise ValidationError(_l("Type the temporary password, or choose to generate one."))

    def validate_confirm(self, field):
        if not self.generate and self.password.data and field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class NewUserForm(_AccountFields, TemporaryPasswordForm):
    username = StringField(_l("Username"), filters=[_plain],
                           validators=[DataRequired(REQUIRED), Length(max=60, message=TOO_LONG)],
                           description=_l("3 to 60 lowercase letters, digits, dots, dashes or underscores; used "
                                          "to sign in."),
                           render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


class EditUserForm(_AccountFields):
    language = SelectField(_l("Language"), choices=[SelectChoice("id", "Bahasa Indonesia"),
                                                       SelectChoice("en", "English")], validate_choice=False)
    active = BooleanField(_l("Active (may sign in)"))


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name of the agency or system"), filters=[_plain],
                       validators=[DataRequired(REQUIRED), Length(max=apikeys.MAX_NAME, message=TOO_LONG)],
                       description=_l("Shown in the history of every change the key makes, e.g. \"Dukcapil "
                                      "Palangka Raya\"."),
                       render_kw={"autocomplete": "off"})
    scopes = SelectMultipleField(
        _l("What the key may do"), validate_choice=False,
        choices=[SelectChoice(scope.value, _l(apikeys.SCOPE_LABELS[scope])) for scope in apikeys.Scope],
        # What a partner agency's system usually needs: register applications and follow them.
        default=[apikeys.Scope.READ.value, apikeys.Scope.APPLICATIONS_WRITE.value],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    kelurahan = SelectField(_l("Only for the kelurahan"), choices=kelurahan_choices, validate_choice=False,
                            description=_l("A kelurahan's key sees and registers only that kelurahan's "
                                           "applications and their SMS, and cannot send broadcasts."))

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one of the listed permissions."))


def _day(form, field):
    if field.data:
        try:
            field.day = date.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(_l("Write a date as YYYY-MM-DD, e.g. 2026-12-01.")) from None
    else:
        field.day = None


class AuditFilterForm(FlaskForm):
    """The log's filter, read from the query string (a GET form: no CSRF token, it changes nothing)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), filters=[_plain], validators=[Length(max=audit.ACTOR_LIMIT, message=TOO_LONG)],
                        description=_l("A username exactly, or \"api:\" and a key's name."),
                        render_kw={"autocapitalize": "none", "spellcheck": "false"})
    action = StringField(_l("Action"), filters=[_plain],
                         validators=[Length(max=audit.ACTION_LIMIT, message=TOO_LONG)],
                         description=_l("The start is enough: \"user.\" finds every account change."),
                         render_kw={"list": "audit-actions", "autocapitalize": "none", "spellcheck": "false"})
    target = StringField(_l("Record"), filters=[_plain], validators=[Length(max=audit.TARGET_LIMIT, message=TOO_LONG)],
                         description=_l("A registration number, username or key name, exactly."),
                         render_kw={"spellcheck": "false"})
    since = StringField(_l("From"), filters=[_plain], validators=[_day], render_kw={"type": "date"})
    until = StringField(_l("To"), filters=[_plain], validators=[_day], render_kw={"type": "date"})

    def validate_until(self, field):
        if getattr(field, "day", None) and getattr(self.since, "day", None) and field.day < self.since.day:
            raise ValidationError(_l("The end date is before the start date."))
