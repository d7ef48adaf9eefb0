"""The picture beside each service on the kiosk: an id in kiosk/static/icons.svg, chosen by service code.

A service the office adds later shows the plain document until it gets its own picture here.
"""
SERVICES = {
    "KTP": "i-ktp",
    "KTPUBAH": "i-ktp-change",
    "KK": "i-kk",
    "KKUBAH": "i-kk-change",
    "PINDAH": "i-move",
    "LAHIR": "i-birth",
    "MATI": "i-death",
    "KIA": "i-kia",
    "IKD": "i-ikd",
    "SKTM": "i-sktm",
    "SKU": "i-sku",
    "SKET": "i-letter",
    "NIKAH": "i-marriage",
    "RAMAI": "i-event",
    "WARIS": "i-inheritance",
    "LEGAL": "i-stamp",
}
DEFAULT = "i-letter"


def for_service(code: str) -> str:
    """The picture id for the service `code`."""
    return SERVICES.get(code, DEFAULT)
