"""Phone numbers: whatever people type, stored as E.164."""
import re
from functools import lru_cache

import phonenumbers

from office.errors import DomainError


class InvalidPhone(DomainError):
    code = "invalid_phone"


def normalize(raw: str | None, region: str = "ID") -> str:
    """Return `raw` as E.164 (+62812...), accepting 0812..., 62812..., +62 812-... forms.

    :raise InvalidPhone: when it is not a valid phone number.
    """
    if not isinstance(raw, str):
        _parse(raw, region)  # raises: the number is missing, or not text
    return (region == "ID" and plain_mobile(raw)) or _e164(raw, region)


# Every hop of a USSD session brings the same number again, and parsing it costs more than the rest of
# reading the hop's form; only numbers that parse are kept.
@lru_cache(maxsize=4096)
def _e164(raw: str, region: str) -> str:
    return phonenumbers.format_number(_parse(raw, region), phonenumbers.PhoneNumberFormat.E164)


def normalize_mobile(raw: str | None) -> str:
    """`raw` as E.164 when it is an Indonesian mobile number, the only kind an SMS to an applicant reaches.

    :raise InvalidPhone: for anything else, foreign and landline numbers included.
    """
    plain = plain_mobile(raw) if isinstance(raw, str) else None
    if plain:
        return plain
    number = _parse(raw, "ID")
    if phonenumbers.region_code_for_number(number) != "ID" or phonenumbers.number_type(number) not in _MOBILE:
        raise InvalidPhone("The phone must be an Indonesian mobile number (08..., or +62 8...) so the "
                           "applicant can receive SMS.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
# A full parse costs ~30 us, 3 s for an uploaded list of 100,000. Indonesian mobiles written the usual ways
# are recognised by phonenumbers' own pattern for them, which no other Indonesian number type overlaps.
_ID_MOBILE = re.compile(phonenumbers.PhoneMetadata.metadata_for_region("ID").mobile.national_number_pattern,
                        re.ASCII)
_PLAIN = re.compile(r"(?:\+62|62|0)?(8[0-9]{6,13})", re.ASCII)
_SEPARATORS = str.maketrans("", "", " -.()")


def plain_mobile(raw: str) -> str | None:
    """`raw` as E.164 when it is an Indonesian mobile written plainly (0812-..., 62812..., +62 812...,
    812...); None when only a full parse can tell, so callers fall back to one.
    """
    text = raw.strip()
    if len(text) > 32:
        return None
    match = _PLAIN.fullmatch(text.translate(_SEPARATORS))
    if match is None or not _ID_MOBILE.fullmatch(match[1]):
        return None
    return "+62" + match[1]


def _parse(raw: str | None, region: str) -> phonenumbers.PhoneNumber:
    if raw is not None and not isinstance(raw, str):
        raise InvalidPhone("Phone number must be text.")
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise InvalidPhone("Phone number is missing or too long.")
    digits = "".join(ch for ch in text if ch.isdigit())
    # "62812..." without a plus is common in Indonesia; phonenumbers would read it as a national number.
    if not text.startswith("+") and digits.startswith("62") and len(digits) >= 10:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"Not a phone number: {raw!r}.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"Not a valid phone number: {raw!r}.")
    return number


def phone_or_none(raw: str | None) -> str | None:
    """`raw` as E.164, or None when it is missing or not a phone number (a caller with no one to answer)."""
    try:
        return normalize(raw)
    except InvalidPhone:
        return None


def local_format(phone: str) -> str:
    """A stored +62 number as people write it, 0812-3456-7890; any other number as it is.

    Also what exports write: a spreadsheet keeps it as text (a leading + or a bare 0812... would become a
    formula or lose its zero).
    """
    if not phone.startswith("+62"):
        return phone
    digits = "0" + phone[3:]
    return "-".join(digits[i:i + 4] for i in range(0, len(digits), 4))
