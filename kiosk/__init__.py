"""Self-service for citizens: the lobby kiosk at /kiosk/ (touch, full screen) and the light public pages
(/layanan, /cek, /saran, /kontak) that work in any browser, with or without JavaScript.

Both surfaces answer the same questions through `kiosk.selfservice`, which asks the domain and applies the
limits; `screens` holds the kiosk's routes and `pages` the public ones. Pages are rendered on the server; the
kiosk's script only swaps one screen for the next and clears everything when the citizen walks away.
"""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", static_folder="static")
public = Blueprint("public", __name__)

from kiosk import display  # noqa: E402,F401
from kiosk import language  # noqa: E402,F401  (hooks register on both blueprints)
from kiosk import pages  # noqa: E402,F401
from kiosk import screens  # noqa: E402,F401
from kiosk import tickets  # noqa: E402,F401
