"""GET /: a landing page that tells a newcomer (or a curious citizen) where each part of Lekas is."""
from flask import Blueprint
from flask import current_app
from flask import render_template

from office.catalog import office_info

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    config = current_app.config
    return render_template("home.html", office=office_info(), ussd_code=config["USSD_CODE"],
                           shortcode=config["SMS_SHORTCODE"], simulator=config["SMS_PROVIDER"] == "simulator",
                           simulator_port=config["SIMULATOR_PORT"])
