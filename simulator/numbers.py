"""Phone numbers as a telco sees them: E.164 form, validity and home network."""
import re

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")

# Indonesian mobile prefixes (digits after +62) to the operator's MCC+MNC, so
# reports carry a plausible networkCode. Anything else gets the sandbox code.
_NETWORKS = {
    **dict.fromkeys(("811", "812", "813", "821", "822", "823", "851", "852", "853"), "51010"),
    **dict.fromkeys(("814", "815", "816", "855", "856", "857", "858"), "51001"),
    **dict.fromkeys(("817", "818", "819", "859", "877", "878", "831", "832", "833", "838"), "51011"),
    **dict.fromkeys(("895", "896", "897", "898", "899"), "51089"),
    **dict.fromkeys(("881", "882", "883", "884", "885", "886", "887", "888", "889"), "51009"),
}
SANDBOX_NETWORK = "99999"


def normalize(raw: str | None) -> str:
    """Return `raw` in +62... form, accepting 0812..., 62812..., +62 812-... and spaces or dashes.

    Only reshapes; whether the result is a real number is `is_valid`'s question.
    """
    text = "".join(ch for ch in (raw or "").strip() if ch not in " -().")
    if text.startswith("+"):
        return text
    if text.startswith("0"):
        return "+62" + text[1:]
    if text.startswith("62"):
        return "+" + text
    return text


def is_valid(phone: str) -> bool:
    """True when `phone` is a plausible E.164 number (the check a telco makes before routing)."""
    return bool(_E164.match(phone))


def network_code(phone: str) -> str:
    """MCC+MNC of the operator serving `phone`."""
    if phone.startswith("+62"):
        return _NETWORKS.get(phone[3:6], SANDBOX_NETWORK)
    return SANDBOX_NETWORK
