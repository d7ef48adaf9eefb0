"""SMS length and cost: GSM 03.38 encoding, septet counting and segment packing.

A single character outside the GSM-7 alphabet turns the whole message into UCS-2,
which cuts a segment from 160 to 70 characters and so multiplies the cost. Texts
pasted from word processors or chat apps carry curly quotes and dashes that do
exactly that, so `to_gsm` folds them to plain lookalikes before sending.
"""

from dataclasses import dataclass

# GSM 03.38 default alphabet in table order; position 0x1B (the escape to the
# extension table) is left out because it is not a character a text can contain.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# Reached through the escape character, so each costs two septets.
GSM7_EXTENDED = frozenset("\f^{}\\[]~|€")

GSM7_SINGLE_LIMIT = 160
GSM7_PART_LIMIT = 153  # 7 septets of each part go to the concatenation header
UCS2_SINGLE_LIMIT = 70
UCS2_PART_LIMIT = 67

LOOKALIKES = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
    **dict.fromkeys("\u2022\u25e6\u2219", "-"),
    "\u2026": "...",
    **dict.fromkeys(
        "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
        "\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        " ",
    ),
    # Invisible characters that only exist to force UCS-2 by accident.
    **dict.fromkeys("\u00ad\u200b\u2060\ufeff", ""),
}
_TRANSLATION = str.maketrans(LOOKALIKES)


@dataclass(frozen=True)
class SmsLength:
    """How a text travels as SMS: its encoding, size and number of billed parts."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    per_segment: int  # the limit that applied: single-message or per-part


def to_gsm(text: str) -> str:
    """Replace typographic quotes, dashes, ellipses, bullets and odd spaces by GSM-7 lookalikes.

    Anything without a plain equivalent (emoji, other scripts) is left alone, so such
    a message honestly stays UCS-2.
    """
    return text.translate(_TRANSLATION)


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 default alphabet or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def septets(ch: str) -> int:
    """What one GSM-7 character costs: two septets for those reached through the escape, one otherwise."""
    return 2 if ch in GSM7_EXTENDED else 1


def utf16_units(ch: str) -> int:
    """What one character costs in UCS-2: two UTF-16 units (a surrogate pair) outside the BMP, one otherwise."""
    return 2 if ord(ch) > 0xFFFF else 1


def _pack(costs: list[int], part_limit: int) -> int:
    """Count parts when each indivisible character is placed whole into fixed-size parts.

    An escaped GSM character or a surrogate pair cut across two parts would arrive
    as garbage, so a character that does not fit starts the next part. Filling
    greedily in order gives the fewest parts for a contiguous split.
    """
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part_limit:
            parts += 1
            used = 0
        used += cost
    return parts


def analyze(text: str) -> SmsLength:
    """Measure a text as an SMS: encoding, units, segment count and the limit that applied."""
    if is_gsm7(text):
        encoding, single, part = "GSM-7", GSM7_SINGLE_LIMIT, GSM7_PART_LIMIT
        costs = [septets(ch) for ch in text]
    else:
        encoding, single, part = "UCS-2", UCS2_SINGLE_LIMIT, UCS2_PART_LIMIT
        costs = [utf16_units(ch) for ch in text]
    units = sum(costs)
    if units <= single:
        return SmsLength(encoding, units, 1, single)
    return SmsLength(encoding, units, _pack(costs, part), part)


def segments(text: str) -> int:
    """Number of SMS parts the text is billed as."""
    return analyze(text).segments


def fits_one_segment(text: str) -> bool:
    """True when the text goes out as a single, unsplit SMS."""
    return analyze(text).segments == 1
