"""`python -m simulator`: run the telco simulator on $SIMULATOR_PORT."""
import logging
import sys

from werkzeug.serving import run_simple

from simulator.server import create_app
from simulator.settings import Settings


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
    run_simple(settings.host, settings.port, create_app(settings), threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
