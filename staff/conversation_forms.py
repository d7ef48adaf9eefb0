"""The conversation view's search form: a phone number, sent by POST so it never lands in a URL."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

# Longer than any way of writing an Indonesian mobile number (office.phones refuses past 32).
MAX_PHONE = 32


class ConversationSearchForm(FlaskForm):
    phone = StringField(_l("Mobile phone number"),
                        validators=[DataRequired(_l("Write the mobile phone number to look up.")),
                                    Length(max=MAX_PHONE, message=_l("A phone number is at most %(max)d characters."))],
                        description=_l("Such as 0811-1234-5678 or +62 811 1234 5678."),
                        render_kw={"autocomplete": "off", "inputmode": "tel", "spellcheck": "false"})
