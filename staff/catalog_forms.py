"""The catalog forms: a service's texts side by side in both languages, and the small action forms.

office.catalog_edit has the last word on every value (lengths, GSM-7, aliases); these forms only catch
what is missing or malformed before it gets there.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import ValidationError

from office.catalog_edit import LANGS
from office.catalog_edit import MAX_PROCESSING_DAYS

# Far above any limit of the domain, which gives the precise reason; this only keeps junk out.
INPUT_CAP = 2000
REQUIRED = _l("Fill in this field.")
TOO_LONG = _l("This is too long.")

# (field, label in Bahasa Indonesia, label in English) of the bilingual one-line texts, in form order.
TEXTS = (
    ("name", _l("Name in Bahasa Indonesia"), _l("Name in English")),
    ("summary", _l("Summary in Bahasa Indonesia"), _l("Summary in English")),
    ("processing_time", _l("Processing time in Bahasa Indonesia"), _l("Processing time in English")),
    ("fee", _l("Fee in Bahasa Indonesia"), _l("Fee in English")),
    ("where", _l("Place in Bahasa Indonesia"), _l("Place in English")),
    ("issued_by", _l("Issued by, in Bahasa Indonesia"), _l("Issued by, in English")),
)

# What the history calls each field of office.catalog_edit.EDITABLE.
FIELD_LABELS = {
    "category": _l("Category"), "name": _l("Name"), "summary": _l("Summary"),
    "processing_time": _l("Processing time"), "fee": _l("Fee"), "where": _l("Place"), "issued_by": _l("Issued by"),
    "requirements": _l("Requirements"), "processing_days": _l("Working days"), "legal_basis": _l("Legal basis"),
    "keywords": _l("Keywords"), "position": _l("Position in the list"), "active": _l("Offered to citizens"),
}

# What the history calls each kind of version (ServiceVersion.action).
ACTION_LABELS = {"edit": _l("edited"), "create": _l("added"), "retire": _l("retired"), "restore": _l("offered again"),
                 "move": _l("moved in the list"), "revert": _l("reverted")}


def _plain(value):
    # A NUL can reach a form from a script; PostgreSQL cannot store or compare it.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def _whole_version(form, field):
    if not (field.data or "").isdigit():
        raise ValidationError(_l("This form is out of date: open the page again."))


class ServiceForm(FlaskForm):
    """Every editable field of a service; `values()` gives them in office.catalog_edit's shape."""

    based_on = HiddenField(validators=[_whole_version])
    category = SelectField(_l("Category"), choices=[SelectChoice("adminduk", _l("Population records (Disdukcapil)")),
                                                    SelectChoice("kecamatan", _l("Sub-district office letter"))])
    requirements_id = TextAreaField(_l("Requirements in Bahasa Indonesia"), filters=[_plain],
                                    description=_l("One per line, at most 60 characters each."),
                                    validators=[Length(max=INPUT_CAP * 4, message=TOO_LONG)],
                                    render_kw={"rows": 8})
    requirements_en = TextAreaField(_l("Requirements in English"), filters=[_plain],
                                    description=_l("The same number of lines, in the same order."),
                                    validators=[Length(max=INPUT_CAP * 4, message=TOO_LONG)],
                                    render_kw={"rows": 8})
    processing_days = IntegerField(_l("Working days to finish"),
                                   description=_l("0 for a service finished while the citizen waits."),
                                   validators=[InputRequired(_l("Give a whole number of working days.")),
                                               NumberRange(0, MAX_PROCESSING_DAYS,
                                                           _l("Give a whole number of working days from 0 "
                                                              "to 60."))])
    legal_basis = StringField(_l("Legal basis"), filters=[_plain],
                              validators=[Length(max=INPUT_CAP, message=TOO_LONG)])
    keywords = StringField(_l("Keywords"), filters=[_plain],
                           description=_l("Words citizens may type for this service, separated by commas."),
                           validators=[Length(max=INPUT_CAP, message=TOO_LONG)])

    def text_rows(self):
        """(Bahasa Indonesia field, English field) per bilingual text, for the side-by-side layout."""
        return [(self[f"{name}_id"], self[f"{name}_en"]) for name, *_labels in TEXTS]

    def values(self) -> dict:
        values = {name: {lang: self[f"{name}_{lang}"].data for lang in LANGS} for name, *_labels in TEXTS}
        values["requirements"] = {lang: (self[f"requirements_{lang}"].data or "").splitlines() for lang in LANGS}
        values.update(processing_days=self.processing_days.data, legal_basis=self.legal_basis.data,
                      keywords=(self.keywords.data or "").split(","), category=self.category.data)
        return values

    def fill(self, fields: dict, version: int) -> None:
        """Show a service's fields (as office.catalog_edit.fields_of gives them)."""
        for name, *_labels in TEXTS:
            for lang in LANGS:
                self[f"{name}_{lang}"].data = fields[name][lang]
        for lang in LANGS:
            self[f"requirements_{lang}"].data = "\n".join(item[lang] for item in fields["requirements"])
        self.processing_days.data = fields["processing_days"]
        self.legal_basis.data = fields["legal_basis"]
        self.keywords.data = ", ".join(fields["keywords"])
        self.category.data = fields["category"]
        self.based_on.data = str(version)


for _name, *_labels in TEXTS:
    for _lang, _label in zip(LANGS, _labels):
        setattr(ServiceForm, f"{_name}_{_lang}", StringField(
            _label, filters=[_plain], validators=[Length(max=INPUT_CAP, message=TOO_LONG)]))


class NewServiceForm(ServiceForm):
    code = StringField(_l("Code"), filters=[_plain], description=_l("2 to 7 capital letters, such as KTP."),
                       validators=[InputRequired(REQUIRED), Length(max=INPUT_CAP, message=TOO_LONG)])


class VersionedForm(FlaskForm):
    """A button acting on one service (move, retire, restore, revert), naming the version it saw."""

    based_on = HiddenField(validators=[_whole_version])
