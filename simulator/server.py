"""The simulator's Flask app: AT's SMS API, its JSON API and the phone page."""
import logging
from dataclasses import dataclass

from flask import Flask
from flask import render_template

from simulator import api
from simulator import messaging
from simulator.callbacks import Callbacks
from simulator.settings import Settings
from simulator.store import Store
from simulator.ussd import UssdDriver

# Numbers offered on the phone page, one per big Indonesian operator.
PRESET_PHONES = ("0812-5100-0001", "0813-4900-0002", "0857-5200-0003", "0878-1100-0004", "0896-7700-0005")


@dataclass(frozen=True)
class Telco:
    """The running simulator's parts, shared by every request."""

    settings: Settings
    store: Store
    callbacks: Callbacks
    ussd: UssdDriver


def create_app(settings: Settings | None = None) -> Flask:
    """Build the simulator app; settings default to the environment's."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.json.sort_keys = False
    store = Store()
    callbacks = Callbacks(store, settings.app_url, settings.callback_token, settings.dlr_delay,
                          settings.dlr_workers)
    app.extensions["simulator"] = Telco(settings, store, callbacks,
                                        UssdDriver(store, callbacks, settings.ussd_code))
    app.register_blueprint(messaging.bp)
    app.register_blueprint(api.bp)

    @app.get("/")
    def phone():
        """The phone page."""
        return render_template("phone.html", settings=settings, presets=PRESET_PHONES)

    logging.getLogger("simulator").setLevel(logging.INFO)
    return app
