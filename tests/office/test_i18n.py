import os

from babel.messages.extract import extract_from_dir

from office import i18n

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE_DIRS = ("office", "gateway", "api", "jobs", "kiosk", "staff")


def citizen_msgids():
    found = set()
    for folder in SOURCE_DIRS:
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                os.path.join(ROOT, folder), method_map=[("**.py", "python")], keywords={"t": (2,), "N_": None}):
            if message:
                found.add(message)
    return found


def test_every_citizen_string_in_the_code_has_an_indonesian_translation():
    missing = sorted(m for m in citizen_msgids() if m not in i18n._catalog("id"))
    assert not missing, missing


def test_translations_keep_the_same_placeholders():
    import string

    for msgid, text in i18n._catalog("id").items():
        fields = {f for _, f, _, _ in string.Formatter().parse(msgid) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(text) if f}, msgid


def test_unknown_language_falls_back_to_indonesian():
    assert i18n.t("fr", "Received") == "Diterima"
    assert i18n.t("en", "Received") == "Received"
