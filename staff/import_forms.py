"""The forms of a spreadsheet import: the upload, the column mapping and the confirmation."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms.validators import DataRequired

from office import imports


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet file"),
                     validators=[FileRequired(message=_l("Choose a CSV or .xlsx file."))],
                     description=_l("CSV or Excel .xlsx, at most %(size)s MB and %(rows)s rows. The first row "
                                    "names the columns.", size=imports.MAX_BYTES // (1024 * 1024), rows="20.000"),
                     render_kw={"accept": ".csv,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class MappingForm(FlaskForm):
    """Which column holds each field; the choices are the uploaded file's columns."""

    service = SelectField(_l("Service"))
    applicant_name = SelectField(_l("Applicant name"))
    phone = SelectField(_l("Mobile phone"))
    kelurahan = SelectField(_l("Kelurahan"))
    note = SelectField(_l("Note"))

    def set_columns(self, header: list[str], scoped: bool) -> None:
        """Offer `header`'s columns (and "not in the file") to every field."""
        columns = [SelectChoice(str(index), f"{imports.column_letter(index)}: {name or '-'}"[:80])
                   for index, name in enumerate(header)]
        for name in imports.FIELDS:
            required = name in imports.REQUIRED or (name == "kelurahan" and not scoped)
            none = _("(not in the file: the account's own kelurahan)") if name == "kelurahan" and scoped else \
                _("(not in the file)")
            getattr(self, name).choices = [SelectChoice("", none), *columns]
            if required:
                getattr(self, name).flags.required = True

    def fields_in_order(self):
        return [getattr(self, name) for name in imports.FIELDS]

    def mapping(self) -> dict[str, int | None]:
        return {name: int(getattr(self, name).data) if getattr(self, name).data else None
                for name in imports.FIELDS}

    def check_columns(self, scoped: bool) -> bool:
        """Add an error beside every required field without a column and every column chosen twice."""
        ok = True
        for name in imports.missing_columns(self.mapping(), scoped):
            fld = getattr(self, name)
            fld.errors = [*fld.errors, _("Choose the column that holds this.")]
            ok = False
        taken: dict[str, str] = {}
        for fld in self.fields_in_order():
            if fld.data and fld.data in taken:
                fld.errors = [*fld.errors, _("This column is already chosen for “%(field)s”.", field=taken[fld.data])]
                ok = False
            elif fld.data:
                taken[fld.data] = str(fld.label.text)
        return ok


class ConfirmForm(FlaskForm):
    # The upload the clerk saw: a preview left open in another tab cannot import a later upload.
    token = HiddenField(validators=[DataRequired()])
    notify = BooleanField(_l("Send each applicant an SMS with their reference"), default=False)
