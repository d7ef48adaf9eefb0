"""Phone numbers as the API documents them: the shapes it accepts are patterns in the OpenAPI document."""
import re

from office.phones import InvalidPhone
from office.phones import normalize

# "+62", "62" or "0", then 8, then 8 to 11 more digits (libphonenumber's Indonesian mobile ranges); a single
# space or dash may stand between digits.
MOBILE_PATTERN = r"^(\+62|62|0)[ -]?8[ -]?[1-35-9]([ -]?[0-9]){7,10}$"
# Any number in international form, as the SMS log stores it.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


def mobile(raw) -> str:
    """`raw` unchanged when it is an Indonesian mobile number of the documented shape.

    The domain's parser forgives more (stray characters around the number, any valid number), so the
    documented shape is checked first and the pattern stays exactly what is accepted.

    :raise InvalidPhone: otherwise.
    """
    if not isinstance(raw, str) or not re.fullmatch(MOBILE_PATTERN, raw):
        raise InvalidPhone(f"phone must be an Indonesian mobile number such as 0812-3456-7890, not {raw!r}.")
    return raw


def stored_form(raw: str) -> str:
    """The SMS log's form (E.164) of a phone filter: an international number as it is, or a mobile number."""
    if re.fullmatch(E164_PATTERN, raw):
        return raw
    return normalize(mobile(raw))
