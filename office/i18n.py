"""Citizen-facing text in Bahasa Indonesia and English, from the gettext catalogs in translations/.

Message ids are English. SMS, USSD and jobs pick the language per phone, not per browser, so they call
`t(lang, msgid, **values)` rather than Flask-Babel's request-bound gettext. Each channel keeps its strings
in its own gettext domain (translations/<lang>/LC_MESSAGES/<domain>.po: messages, ussd, sms, ...), and
all domains of a language are read together, straight from the .po files, so an edit needs no build step.
"""
import glob
import os
from functools import cache

from babel.messages.pofile import read_po

LANGUAGES = ("id", "en")
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")


def N_(msgid: str) -> str:
    """Mark a string for extraction where it is defined; it is translated later by `t()`."""
    return msgid


@cache
def _catalog(lang: str) -> dict[str, str]:
    folder = os.path.join(TRANSLATIONS_DIR, lang, "LC_MESSAGES")
    strings = {}
    for name in sorted(glob.glob(os.path.join(folder, "*.po"))):
        with open(name, "rb") as fh:
            catalog = read_po(fh, locale=lang)
        strings.update({m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy})
    return strings


def language(lang: str | None) -> str:
    """A supported language code, Bahasa Indonesia when unknown."""
    return lang if lang in LANGUAGES else "id"


def t(lang: str | None, msgid: str, **values) -> str:
    """Translate `msgid` into `lang` and fill in `{named}` values."""
    text = _catalog(language(lang)).get(msgid, msgid)
    return text.format(**values) if values else text


def pick(bilingual: dict, lang: str | None) -> str:
    """One side of a {"id": ..., "en": ...} data field (catalog data, not code strings)."""
    return bilingual.get(language(lang)) or bilingual["id"]
