"""The lobby's TV display at /kiosk/display: the number called at each counter, the last calls, the waiting.

The page polls /kiosk/display/state twice a second (short polling, not server-sent events): each poll is an
ordinary short request, so it works with gunicorn's sync workers (an open event stream would hold a worker
for good) and needs nothing special across a restart: the next poll that gets an answer is the reconnection.
With `?since=<version>` an unchanged board answers 204 with no body, so the polls cost almost nothing.
"""
import re
from datetime import UTC

from flask import abort
from flask import jsonify
from flask import make_response
from flask import render_template
from flask import request
from flask import send_from_directory

from kiosk import bp
from office import queue_board
from office.clock import local
from office.clock import office_tz
from office.clock import utcnow

POLL_MS = 500
_KEY = re.compile(r"[0-9a-f]{64}")


def _call(call: queue_board.Call | None) -> dict | None:
    if call is None:
        return None
    return {"number": call.number, "counter": call.counter, "status": call.status, "calls": call.calls,
            "called_at": call.called_at.isoformat() + "Z", "time": local(call.called_at).strftime("%H.%M"),
            "call_id": call.call_id, "audio": f"{call.audio_key}.wav"}


def state_json(board: queue_board.Board) -> dict:
    """The board as the display's script reads it."""
    return {
        "version": board.version,
        "counters": [{"code": c.code, "name": c.name, "open": c.open, "call": _call(c.call)} for c in board.counters],
        "recent": [_call(call) for call in board.recent],
        "groups": [{"letter": g.letter, "name": g.name, "waiting": g.waiting, "estimate": g.estimate}
                   for g in board.groups],
    }


@bp.get("/display")
def display():
    now = utcnow()
    return render_template("kiosk/display.html", state=state_json(queue_board.board(now)), poll_ms=POLL_MS,
                           now_ms=int(now.replace(tzinfo=UTC).timestamp() * 1000), time_zone=office_tz().key)


@bp.get("/display/state")
def display_state():
    board = queue_board.board()
    unchanged = request.args.get("since") == board.version
    response = make_response("", 204) if unchanged else jsonify(state_json(board))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/display/audio/<key>.wav")
def display_audio(key: str):
    if not _KEY.fullmatch(key):
        abort(404)
    response = send_from_directory(queue_board.audio_directory(), f"{key}.wav", mimetype="audio/wav")
    # A key names one sentence forever: the display may keep the file.
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response
