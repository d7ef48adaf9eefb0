"""`python -m simulator`: run the telco simulator on $SIMULATOR_PORT."""
import logging
import sys
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import run_simple

from simulator.server import create_app
from simulator.settings import Settings


class _RequestLog(WSGIRequestHandler):
    """Access log without the phone page's polling, which would drown everything else, and without query
    strings, which carry phone numbers (?phone=)."""

    def log_request(self, code="-", size="-"):
        quiet = self.command == "GET" and self.path.startswith(("/api/", "/static/"))
        if not (quiet and str(code).startswith(("2", "3"))):
            path = urlsplit(self.path).path
            self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version, code, size)


def main() -> int:
    """Serve the simulator until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s telco %(levelname)s %(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    print(f"Telco simulator on http://{settings.host}:{settings.port}/ calling Lekas at {settings.app_url}",
          file=sys.stderr, flush=True)
    run_simple(settings.host, settings.port, create_app(settings), threaded=True, request_handler=_RequestLog)
    return 0


if __name__ == "__main__":
    sys.exit(main())
