"""Citizen-facing text in Bahasa Indonesia and English, from the gettext catalogs in translations/.

Message ids are English. Every channel and every template shares one gettext domain per language
(translations/<lang>/LC_MESSAGES/messages.po), compiled to the .mo file read here and by Flask-Babel.
SMS, USSD and jobs pick the language per phone, not per browser, so they call `t(lang, msgid, **values)`;
web pages call `_()` in the page's language (`page_language()`).
"""
import os
from functools import cache

from babel.support import Translations
from flask_babel import get_locale

LANGUAGES = ("id", "en")
DOMAIN = "messages"
TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")


def N_(msgid: str) -> str:
    """Mark a string for extraction where it is defined; it is translated later by `t()` or `_()`."""
    return msgid


@cache
def _translations(lang: str) -> Translations:
    # Opened directly rather than through Translations.load(), which would quietly fall back to the English
    # msgids if the file were missing: a worker must fail loudly instead of texting citizens in English.
    with open(os.path.join(TRANSLATIONS_DIR, lang, "LC_MESSAGES", f"{DOMAIN}.mo"), "rb") as fh:
        return Translations(fh, DOMAIN)


def language(lang: str | None) -> str:
    """A supported language code, Bahasa Indonesia when unknown."""
    return lang if lang in LANGUAGES else "id"


def t(lang: str | None, msgid: str, **values) -> str:
    """Translate `msgid` into `lang` and fill in `{named}` values."""
    text = _translations(language(lang)).gettext(msgid)
    return text.format(**values) if values else text


def pick(bilingual: dict, lang: str | None) -> str:
    """One side of a {"id": ..., "en": ...} data field (catalog data, not code strings)."""
    return bilingual.get(language(lang)) or bilingual["id"]


def page_language() -> str:
    """The language of the web page being rendered (Flask-Babel's locale); Bahasa Indonesia outside a request."""
    locale = get_locale()
    return language(locale and str(locale))
