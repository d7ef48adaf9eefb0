"""Masking of citizens' data wherever it is shown to someone who may not be its owner."""


def mask_name(name: str) -> str:
    """Keep each word's first letter: "Budi Santoso" -> "B*** S******"."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def mask_phone(phone: str) -> str:
    """Hide the middle of a phone number: +6281234567890 -> +62812****7890."""
    if len(phone) <= 8:
        return phone[:2] + "*" * max(len(phone) - 2, 0)
    return phone[:6] + "*" * (len(phone) - 10) + phone[-4:]
