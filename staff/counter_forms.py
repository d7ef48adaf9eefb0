"""The counter panel's forms: choosing a counter, the moves (a CSRF token only), a transfer and a cancel.

office.queue has the last word on every move; these forms only catch a missing or unknown value first.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms.validators import DataRequired
from wtforms.validators import Regexp

from office import queue
from office.i18n import pick


class MoveForm(FlaskForm):
    """A button of the panel: call next, call again, start, finish, no-show, close the counter."""


class ChooseCounterForm(FlaskForm):
    counter = SelectField(_l("Your counter"), validators=[DataRequired(_l("Choose a counter."))],
                          render_kw={"autofocus": True})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counter.choices = [SelectChoice(c.code, c.name) for c in queue.counters()]


class TransferForm(FlaskForm):
    group = SelectField(_l("Transfer to group"), validators=[DataRequired(_l("Choose a group."))])

    def __init__(self, *args, language: str = "id", exclude: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [SelectChoice(g.letter, f"{g.letter} · {pick(g.name, language)}")
                              for g in queue.groups() if g.letter != exclude]


class CancelForm(FlaskForm):
    ticket = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,12}$")])
