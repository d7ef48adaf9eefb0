"""Drill: one of two web instances killed with -9 under USSD load, behind the shipped nginx site.

Two gunicorn instances run the Procfile's web line; nginx (deploy/nginx/lekas.conf) sends hops to both.
Citizens keep dialling over HTTPS while the first instance hangs (SIGSTOP, so hops are certainly in flight
inside it) and is then killed with its workers (SIGKILL). nginx's `non_idempotent` retry on `/ussd` sends
those hops, and every later one, to the other instance; the instance is then started again and nginx takes
it back. Short enough (about 20 s) to stay in the default suite.
"""
import threading
import time

import pytest
import requests

from tests import procfile
from tests.helpers import phone
from tests.nginx_server import NginxServer

CITIZENS = 6  # sessions dialled at once, each hop after the last one's answer
SORRY = "END Maaf, terjadi gangguan"
HOPS = ("", "1", "1*98", "1*98*2")  # a service's requirements, back, the next one


class Citizens(threading.Thread):
    """Dials USSD sessions through nginx until stopped, recording every hop's answer and time."""

    def __init__(self, base: str, certificate: str, number: int):
        super().__init__(daemon=True)
        self.base, self.certificate, self.number = base, certificate, number
        self.answers: list[tuple[float, float, int, str]] = []  # (sent at, seconds, status, first line)
        self.halt = threading.Event()

    def run(self):
        with requests.Session() as http:
            session = 0
            while not self.halt.is_set():
                session += 1
                for text in HOPS:
                    form = {"sessionId": f"killed-{self.number}-{session}", "phoneNumber": phone(7000 + self.number),
                            "serviceCode": "*384*5758#", "networkCode": "51010", "text": text}
                    sent = time.monotonic()
                    try:
                        hop = http.post(f"{self.base}/ussd", data=form, verify=self.certificate, timeout=15)
                        status, line = hop.status_code, hop.text.split("\n", 1)[0]
                    except requests.RequestException as failed:
                        status, line = 0, type(failed).__name__
                    self.answers.append((sent, time.monotonic() - sent, status, line))


def failed(answer) -> bool:
    _sent, _seconds, status, line = answer
    return status != 200 or not line.startswith(("CON ", "END ")) or line.startswith(SORRY)


def cut_mid_answer(answer, killed_at: float) -> bool:
    """A hop the instance was answering at the instant it froze: nginx had passed the answer's first bytes on,
    so it could not send the hop elsewhere, and the rest never came (gunicorn writes the headers and the body
    separately)."""
    sent, _seconds, status, line = answer
    return status == 0 and line == "ChunkedEncodingError" and sent < killed_at


@pytest.fixture
def two_instances(app, lekas_env, tmp_path):
    env = {**lekas_env, "PROXY_HOPS": "1", "LEKAS_ENV": "development"}
    instances = [procfile.LoopbackWeb(env, str(tmp_path), number).start() for number in (1, 2)]
    nginx = NginxServer(str(tmp_path), [instance.port for instance in instances]).configure().start()
    yield instances, nginx
    nginx.stop()
    for instance in instances:
        instance.stop()


def upstreams(log_path: str) -> list[str]:
    """The upstream field of every /ussd line of nginx's access log: "a:1" or, when retried, "a:1, a:2"."""
    with open(log_path) as file:
        return [line.rsplit('"', 2)[1] for line in file if " /ussd " in line]


def test_a_web_instance_killed_under_load_costs_no_hop_and_comes_back(two_instances, figures):
    (first, second), nginx = two_instances
    citizens = [Citizens(nginx.https, nginx.certificate, n) for n in range(CITIZENS)]
    for citizen in citizens:
        citizen.start()
    time.sleep(2)
    first.hang()  # hops sent to it now wait inside it ...
    time.sleep(1)
    killed_at = time.monotonic()
    first.kill()  # ... until their connections drop, and nginx sends them to the second instance
    time.sleep(6)  # past the upstream's fail_timeout (5 s): nginx tries the dead one again, and moves on
    first.start()
    restarted_at = time.monotonic()
    time.sleep(6)
    for citizen in citizens:
        citizen.halt.set()
    for citizen in citizens:
        citizen.join(timeout=20)

    answers = sorted(answer for citizen in citizens for answer in citizen.answers)
    sent_to = upstreams(nginx.log)
    retried = [entry for entry in sent_to if "," in entry]
    around_kill = [seconds for sent, seconds, _, _ in answers if killed_at - 1.5 <= sent <= killed_at + 1]
    cut = [answer for answer in answers if cut_mid_answer(answer, killed_at)]
    figures.update(hops=len(answers), failed=sum(map(failed, answers)), cut_mid_answer=len(cut),
                   retried=len(retried), slowest_s=f"{max(seconds for _, seconds, _, _ in answers):.2f}")
    assert [answer for answer in answers if failed(answer) and answer not in cut] == []
    assert len(cut) <= 2  # only what was being written at that instant: 0, 0 and 1 in the runs measured
    assert len(answers) > 200
    assert retried and all(entry.endswith(f"127.0.0.1:{second.port}") for entry in retried)
    assert max(around_kill) < 4  # within proxy_read_timeout, well within the telco's wait for a hop
    after_restart = [entry for entry in sent_to[-100:] if entry == f"127.0.0.1:{first.port}"]
    assert after_restart, "nginx took the restarted instance back"
    assert any(sent > restarted_at for sent, _, _, _ in answers)
