"""How many SMS parts a text costs, the way a telco bills it.

The simulator is its own product and does not share code with the app: it only
needs the part count for AT's `messageParts` and the cost it reports.
"""

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each costs an escape septet plus itself.
_GSM7_EXTENDED = frozenset("\f^{}\\[]~|€")


def _units(text: str) -> tuple[list[int], int, int] | None:
    """Per-character width in septets, or None when the text needs UCS-2."""
    widths = []
    for ch in text:
        if ch in _GSM7_BASIC:
            widths.append(1)
        elif ch in _GSM7_EXTENDED:
            widths.append(2)
        else:
            return None
    return widths, 160, 153


def _pack(widths: list[int], single: int, part: int) -> int:
    if sum(widths) <= single:
        return 1
    # A two-unit character (escape pair, surrogate pair) never straddles two parts.
    parts, used = 1, 0
    for width in widths:
        if used + width > part:
            parts += 1
            used = 0
        used += width
    return parts


def count_segments(text: str) -> int:
    """Number of SMS parts `text` takes: GSM-7 (160, or 153 per part) or UCS-2 (70, or 67 per part)."""
    gsm = _units(text)
    if gsm is not None:
        return _pack(*gsm)
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return _pack(widths, 70, 67)

