"""The display's spoken calls: "Nomor antrian A dua belas, silakan ke loket dua" as a WAV, made offline.

Debian's espeak-ng speaks Indonesian (`-v id`). A worker renders each sentence once into
`<instance>/announcements/<sha256 of the text>.wav`; a call-again says the same sentence, so it finds the
file already there. The display asks for the file by that key and stays silent if it never appears; the web
request never renders, so a call costs the counter nothing but an enqueue.
"""
import logging
import os
import subprocess
import tempfile

from redis.exceptions import RedisError

import redis_guard
from jobs import queues
from office.queue_board import audio_directory
from office.queue_board import audio_key
from office.queue_board import audio_path

VOICE = "id"
# A little slower than espeak's 175 words a minute: the lobby is noisy and the speakers are far.
WORDS_PER_MINUTE = 140
TIMEOUT_SECONDS = 30

log = logging.getLogger(__name__)


def render(text: str) -> str:
    """Render `text` with espeak-ng unless it is cached already; returns the WAV's path.

    espeak-ng writes to a temporary file in the same directory, renamed into place once complete, so the
    display is never served half a file.

    :raise subprocess.SubprocessError: when espeak-ng fails or takes longer than TIMEOUT_SECONDS (the job
        fails and RQ keeps it with the failed jobs); OSError when espeak-ng is not installed.
    """
    path = audio_path(audio_key(text))
    if os.path.exists(path):
        return path
    os.makedirs(audio_directory(), exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=audio_directory(), suffix=".part")
    os.close(handle)
    try:
        # The text goes on stdin, so a sentence can never be read as an option.
        subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", partial, "--stdin"],
                       input=text.encode("utf-8"), check=True, capture_output=True, timeout=TIMEOUT_SECONDS)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


def _job_id(text: str) -> str:
    return f"announce-{audio_key(text)}"


def render_committed(texts: list[str]) -> None:
    """Enqueue a render for each announcement a committed transaction asked for.

    Announcements go on the high queue: the display wants its sentence within seconds, not behind a
    broadcast. Redis being down must not fail the counter's request: the call stands, the display shows it,
    and it stays silent.
    """
    try:
        with redis_guard.guarded(rq=True) as client:
            for text in dict.fromkeys(texts):
                if not os.path.exists(audio_path(audio_key(text))):
                    queues.enqueue(queues.HIGH, render, text, job_id=_job_id(text), client=client)
    except RedisError:
        log.warning("could not enqueue %d announcements; the display stays silent for them", len(texts),
                    exc_info=True)
