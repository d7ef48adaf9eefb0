"""The catalogs: every msgid of the code and the templates translated, placeholders kept, .mo files fresh."""
import io
import os
import re

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from office import i18n

# {name} for t() in Python, %(name)s for _() in templates; doubled braces are literal ones.
BRACE_FIELD = re.compile(r"(?<!\{)\{(\w+)[^{}]*\}")
PERCENT_FIELD = re.compile(r"%\((\w+)\)")


def po_path(lang: str) -> str:
    return os.path.join(i18n.TRANSLATIONS_DIR, lang, "LC_MESSAGES", f"{i18n.DOMAIN}.po")


def read_catalog(lang: str):
    with open(po_path(lang), "rb") as fh:
        return read_po(fh, locale=lang)


def forms(value) -> tuple:
    """A message's singular and plural forms (ngettext) or its only form, as a tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def translated(catalog) -> dict:
    """msgid -> msgstr of the entries t() and _() serve: translated and not fuzzy, as `compile` keeps them."""
    return {m.id: m.string for m in catalog if m.id and all(forms(m.string)) and not m.fuzzy}


def placeholders(*texts: str) -> tuple[set, set]:
    """The named fields of `texts`, in both styles: ({brace names}, {percent names})."""
    joined = " ".join(texts)
    return set(BRACE_FIELD.findall(joined)), set(PERCENT_FIELD.findall(joined))


@pytest.fixture(scope="module")
def code_msgids(session_app, tmp_path_factory):
    """Every msgid `flask --app app translate extract` finds in the Python code and the Jinja templates."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = session_app.test_cli_runner().invoke(args=["translate", "extract", "--output", str(pot)])
    assert result.exit_code == 0, result.output
    with open(pot, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_extraction_finds_every_kind_of_marked_string(code_msgids):
    assert "Note:" in code_msgids  # t(lang, msgid)
    assert "Received" in code_msgids  # N_(msgid), translated later
    assert "Sorry, this number cannot use the service." in code_msgids  # t() with a computed language
    assert "For staff and developers" in code_msgids  # _() in a template
    assert "Office hours: %(hours)s" in code_msgids  # _() with a value


def test_every_string_in_the_code_and_templates_has_an_indonesian_translation(code_msgids):
    missing = sorted(map(str, code_msgids - translated(read_catalog("id")).keys()))
    assert not missing, ("missing or fuzzy in translations/id: run `flask --app app translate update`, "
                         f"translate them, then `flask --app app translate compile`: {missing}")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_translations_keep_the_same_placeholders(lang):
    changed = [msgid for msgid, text in translated(read_catalog(lang)).items()
               if placeholders(*forms(msgid)) != placeholders(*forms(text))]
    assert not changed, f"translations/{lang}: the translation names other values than its msgid: {changed}"


@pytest.mark.parametrize("msgid, text", [
    ("Name: {name}", "Nama: {nama}"),
    ("Name: {name}", "Nama:"),
    ("Hours: %(hours)s", "Jam: %(jam)s"),
    ("Hours: %(hours)s", "Jam: {hours}"),
])
def test_a_changed_placeholder_is_told_apart(msgid, text):
    assert placeholders(msgid) != placeholders(text)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_each_language_has_one_catalog(lang):
    folder = os.path.dirname(po_path(lang))
    assert sorted(os.listdir(folder)) == [f"{i18n.DOMAIN}.mo", f"{i18n.DOMAIN}.po"], \
        f"{folder}: code and templates share the {i18n.DOMAIN} domain; move the entries into {i18n.DOMAIN}.po"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_compiled_catalog_is_fresh(lang):
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(lang))
    mo = po_path(lang)[:-len(".po")] + ".mo"
    with open(mo, "rb") as fh:
        assert fh.read() == compiled.getvalue(), \
            f"{os.path.relpath(mo)} is stale against its .po: run `flask --app app translate compile`"


def test_unknown_language_falls_back_to_indonesian():
    assert i18n.t("fr", "Received") == "Diterima"
    assert i18n.t("en", "Received") == "Received"
