"""The staff console: counter registration, status moves, broadcasts (filled by the console issue)."""
from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
