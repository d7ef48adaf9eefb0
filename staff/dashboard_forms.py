"""The dashboard's and the monthly report's month chooser."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms import ValidationError
from wtforms.widgets import MonthInput

from office.dashboard import Period
from office.errors import DomainError


class MonthForm(FlaskForm):
    """?month=YYYY-MM; a GET form, so a chosen month is a link that can be shared and printed."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), widget=MonthInput(), description=_l("Year and month, for example 2026-11"))

    def validate_month(self, field) -> None:
        try:
            self.period = Period.parse_month(_clean(field.data))
        except DomainError:
            raise ValidationError(_l("Choose a month, written YYYY-MM.")) from None


def _clean(value) -> str:
    # A lone surrogate or a NUL can only be a broken paste; it must not reach the page unescaped either.
    return (value or "").encode("utf-8", "replace").decode("utf-8").replace("\x00", "").strip()
