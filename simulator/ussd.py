"""USSD sessions as the telco runs them: one per phone, every hop POSTed to Lekas's /ussd."""
import re
import threading
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime

import requests

from simulator import numbers
from simulator.callbacks import USSD_TIMEOUT
from simulator.callbacks import Callbacks
from simulator.store import Store

_REPLY = re.compile(r"^(CON|END)(?:\s|$)")
# What a handset shows when the application fails; AT then ends the session.
PHONE_ERROR = "Connection problem or invalid MMI code."
HOP_COST = 50  # IDR; only so the end-of-session notification carries a plausible cost


@dataclass
class Session:
    """One USSD session of one phone."""

    id: str
    phone: str
    inputs: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    hops: int = 0
    last_response: str = ""
    open: bool = True

    @property
    def text(self) -> str:
        """What AT sends as `text`: every input of the session joined by `*`."""
        return "*".join(self.inputs)


class UssdDriver:
    """Runs USSD sessions against Lekas on behalf of simulated phones."""

    def __init__(self, store: Store, callbacks: Callbacks, service_code: str):
        self._store = store
        self._callbacks = callbacks
        self.service_code = service_code
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def reset(self):
        """Forget every session."""
        with self._lock:
            self._sessions.clear()

    def step(self, phone: str, user_input: str | None, session_id: str | None = None,
             text: str | None = None) -> dict:
        """Dial (`user_input` None) or answer the open screen, and return what the phone shows.

        A phone with no open session starts one; dialling while one is open abandons it, as a
        handset does. `text` replaces the accumulated text sent to Lekas, for odd cases a test
        wants to provoke; `session_id` names a new session instead of a random id.
        """
        with self._lock:
            session = self._sessions.get(phone)
            if user_input is None or session is None or not session.open:
                if session is not None and session.open:
                    self._finish(session, "Incomplete")
                session = Session(id=session_id or f"ATUid_{uuid.uuid4().hex}", phone=phone)
                self._sessions[phone] = session
                if user_input is not None:
                    session.inputs.append(user_input)
            else:
                session.inputs.append(user_input)
            if text is not None:
                session.inputs = text.split("*") if text else []
            session.hops += 1
            sent_text = session.text
        self._store.count("ussd_requests")
        form = {"sessionId": session.id, "serviceCode": self.service_code, "phoneNumber": phone,
                "networkCode": numbers.network_code(phone), "text": sent_text}
        status_code, body, error = self._call(form)
        reply = _REPLY.match(body) if error is None else None
        if error is None and reply is None:
            error = "Malformed response: does not begin with CON or END"
        with self._lock:
            session.last_response = body
            if error is not None:
                self._finish(session, "Failed", error)
                screen, ended = PHONE_ERROR, True
            else:
                screen = body[3:].removeprefix(" ")
                ended = reply.group(1) == "END"
                if ended:
                    self._finish(session, "Success")
        result = {"screen": screen, "ended": ended, "session_id": session.id, "chars": len(screen),
                  "text": sent_text, "status_code": status_code}
        if error is not None:
            result["error"] = error
        return result

    def hang_up(self, phone: str) -> Session | None:
        """End `phone`'s open session as if the user cancelled it; None when there is none."""
        with self._lock:
            session = self._sessions.get(phone)
            if session is None or not session.open:
                return None
            self._finish(session, "Incomplete")
            return session

    def _call(self, form: dict) -> tuple[int | None, str, str | None]:
        try:
            answer = self._callbacks.post("/ussd", form, timeout=USSD_TIMEOUT)
        except requests.RequestException as exc:
            return None, "", f"Lekas unreachable: {type(exc).__name__}"
        if answer.status_code != 200:
            return answer.status_code, answer.text, f"Lekas answered HTTP {answer.status_code}"
        return 200, answer.text, None

    def _finish(self, session: Session, status: str, error: str | None = None):
        """Close `session` and tell Lekas how it ended (AT's end-of-session notification)."""
        session.open = False
        form = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "sessionId": session.id,
            "serviceCode": self.service_code,
            "networkCode": numbers.network_code(session.phone),
            "phoneNumber": session.phone,
            "status": status,
            "cost": f"IDR {HOP_COST * session.hops:.4f}",
            "durationInMillis": str(int((time.monotonic() - session.started) * 1000)),
            "hopsCount": str(session.hops),
            "input": session.text,
            "lastAppResponse": session.last_response,
        }
        if error is not None:
            form["errorMessage"] = error
        self._callbacks.notify("/ussd/events", form)
