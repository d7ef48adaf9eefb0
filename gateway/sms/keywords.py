"""Reading keyword SMS: what a citizen asks for, whatever the case, separators or a one-letter typo.

A keyword whose effect is hard to undo (STOP silences every SMS, the citizen's own "ready for pickup"
notice included) must be typed exactly: "STOK KTP habis?" is a question about blank stock, not an
opt-out. Its near misses are read as a request for help, whose reply lists STOP.

Pure functions on text; nothing here touches the database. A message is a keyword followed by an
argument ("SYARAT ktp", "status#1234567890", "Saran: antrean lama"), or a bare reference number.
Anything else is read as a request for help, and marked plain (it may be a citizen answering the office)
unless it looks like a keyword that must be typed exactly: a near miss of STOP still gets the help list.
"""
import re
import unicodedata
from dataclasses import dataclass

SYARAT = "syarat"
STATUS = "status"
DAFTAR = "daftar"
STOP = "stop"
FEEDBACK = "feedback"
BAHASA = "bahasa"
HELP = "help"


@dataclass(frozen=True)
class Keyword:
    """What a keyword asks for, and the language it is written in (None when both languages use it)."""

    action: str
    lang: str | None
    category: str | None = None  # feedback category for SARAN / ADUAN / FEEDBACK


KEYWORDS = {
    "SYARAT": Keyword(SYARAT, "id"),
    "INFO": Keyword(SYARAT, None),
    "REQ": Keyword(SYARAT, "en"),
    "STATUS": Keyword(STATUS, None),
    "CEK": Keyword(STATUS, "id"),
    "DAFTAR": Keyword(DAFTAR, "id"),
    "JOIN": Keyword(DAFTAR, "en"),
    "STOP": Keyword(STOP, None),
    "BERHENTI": Keyword(STOP, "id"),
    "UNREG": Keyword(STOP, None),
    "SARAN": Keyword(FEEDBACK, "id", "saran"),
    "ADUAN": Keyword(FEEDBACK, "id", "aduan"),
    "FEEDBACK": Keyword(FEEDBACK, "en", "lainnya"),
    "BAHASA": Keyword(BAHASA, "id"),
    "LANG": Keyword(BAHASA, "en"),
    "BANTUAN": Keyword(HELP, "id"),
    "HELP": Keyword(HELP, "en"),
    "MENU": Keyword(HELP, None),
}

# Shorter words are too easily another word with one letter changed ("TOP", "CEL").
FUZZY_MIN_LENGTH = 4
# Keywords never guessed from a typo: case, spacing and punctuation around them are still forgiven.
EXACT_ONLY = frozenset({"STOP", "BERHENTI", "UNREG"})

LANGUAGE_WORDS = {
    "ID": "id", "IND": "id", "INA": "id", "INDO": "id", "INDONESIA": "id", "INDONESIAN": "id",
    "EN": "en", "ENG": "en", "ENGLISH": "en", "INGGRIS": "en",
}

# A reference alone: digits, maybe grouped with spaces, dots or dashes as printed on a receipt.
_BARE_REFERENCE = re.compile(r"\d[\d .\-]*")
_MIN_BARE_DIGITS = 6
_LEADING_NOISE = re.compile(r"^[\W_]+")
_TRAILING_NOISE = re.compile(r"[\W_]+$")
_LEADING_WORD = re.compile(r"[^\W\d_]+")
_REFERENCE_IN_TEXT = re.compile(r"\d[\d .\-]*\d|\d")


@dataclass(frozen=True)
class Command:
    """A parsed SMS: the action, its argument text, and the language the keyword was written in."""

    action: str
    argument: str = ""
    lang: str | None = None
    category: str | None = None
    recognised: bool = True
    plain: bool = False  # no keyword and near none of the exact-only ones; `argument` is the whole text


def _clean(text: str) -> str:
    # NFKC folds full-width and other compatibility forms ("ＳＴＯＰ") to plain letters and digits.
    return _LEADING_NOISE.sub("", unicodedata.normalize("NFKC", text or "")).strip()


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Edits (insert, delete, replace, swap of neighbours) turning `a` into `b`, capped at `limit`.

    The cap keeps the comparison cheap: it stops as soon as every path is already over it.
    """
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


def match_word(word: str, table: dict, exact_only: frozenset = frozenset()):
    """The entry of `table` (upper-case keys) that `word` names exactly or with one wrong letter.

    A typo matches only when the word and the key both have at least FUZZY_MIN_LENGTH letters, the key
    is not in `exact_only`, and exactly one key is that close, so a word between two keys is not guessed.
    A word that is a typo of an exact-only key is not guessed as any other key either.
    """
    word = word.upper()
    if word in table:
        return table[word]
    if len(word) < FUZZY_MIN_LENGTH:
        return None
    close = {key for key in table if len(key) >= FUZZY_MIN_LENGTH and edit_distance(word, key) <= 1}
    meanings = {table[key] for key in close}
    if len(meanings) != 1 or close & exact_only:
        return None
    return meanings.pop()


def parse(text: str) -> Command:
    """Read one incoming SMS into a Command; unrecognised text becomes HELP with recognised=False."""
    body = _clean(text)
    bare = _TRAILING_NOISE.sub("", body)
    if _BARE_REFERENCE.fullmatch(bare) and sum(ch.isdigit() for ch in bare) >= _MIN_BARE_DIGITS:
        return Command(STATUS, bare)
    word = _LEADING_WORD.match(body)
    keyword = match_word(word.group(), KEYWORDS, EXACT_ONLY) if word else None
    if keyword is None:
        near_exact = word is not None and _near(word.group(), EXACT_ONLY)
        plain = bool(body) and not near_exact
        return Command(HELP, text.strip() if plain else "", recognised=False, plain=plain)
    argument = _LEADING_NOISE.sub("", body[word.end():]).strip()
    return Command(keyword.action, argument, keyword.lang, keyword.category)


def _near(word: str, keys: frozenset) -> bool:
    word = word.upper()
    return len(word) >= FUZZY_MIN_LENGTH and any(edit_distance(word, key) <= 1 for key in keys)


def reference_in(argument: str) -> str:
    """The reference number a STATUS argument carries ("no. 123-456 7890" -> "123-456 7890"), or ""."""
    found = _REFERENCE_IN_TEXT.search(argument or "")
    return found.group() if found else ""


def language_in(argument: str) -> str | None:
    """The language a BAHASA / LANG argument names ("EN", "english", "Indonesia"), or None."""
    word = _LEADING_WORD.match(_clean(argument))
    return match_word(word.group(), LANGUAGE_WORDS) if word else None

