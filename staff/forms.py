"""The console's sign-in and account forms (Flask-WTF: every one carries a CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from office.accounts import MAX_PASSWORD
from office.accounts import MIN_PASSWORD


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                                     render_kw={"autocomplete": "current-password", "autofocus": True})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(MIN_PASSWORD, MAX_PASSWORD)],
                             description=_l("At least %(count)s characters; a short sentence is easy to remember.",
                                            count=MIN_PASSWORD),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[SelectChoice("id", "Bahasa Indonesia"),
                                                       SelectChoice("en", "English")])
