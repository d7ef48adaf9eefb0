"""A Flask app whose one endpoint does nothing: what gunicorn and Flask alone cost (benchmarks/ussd.py's baseline)."""
from flask import Flask
from flask import Response


def create_app() -> Flask:
    """An app answering every POST /ussd with the same fixed screen, reading nothing."""
    app = Flask(__name__)

    @app.post("/ussd")
    def ussd():
        return Response("END Terima kasih.", mimetype="text/plain")

    return app
