"""The lobby kiosk: self-service for walk-ins (filled by the kiosk issue)."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
