"""The processes the Procfiles start, started the way the Procfiles start them."""
import re
import secrets
from pathlib import Path

import pytest
import requests

from extensions import db
from office import accounts
from office import apikeys
from office import catalog
from simulator.testing import SimulatorClient
from simulator.testing import wait_until_up
from tests.helpers import ROOT
from tests.helpers import fresh_messages
from tests.helpers import wait_until
from tests.procfile import ProcfileProcess
from tests.redis_server import free_port

# Written without separators: every form a log could show (+62…, 62…, 0…, %2B62…) contains these digits.
APPLICANT, CALLER, OPTED_OUT = "81251234567", "85249876543", "81350001122"
NAMES = ("Yustina Kristiani", "Markus Lumbantobing")


def e164(digits: str) -> str:
    return "+62" + digits


@pytest.fixture
def secret_env():
    """Secrets the processes run with: none of them may be logged."""
    return {"CALLBACK_TOKEN": secrets.token_urlsafe(24), "AT_API_KEY": secrets.token_urlsafe(24),
            "SECRET_KEY": secrets.token_urlsafe(24)}


@pytest.fixture
def stack(app, lekas_env, secret_env, tmp_path):
    """Procfile's web (gunicorn) and worker, and Procfile.dev's telco simulator, each a real process calling
    the others over HTTP; yields (web URL, simulator client, processes); stops them all afterwards."""
    web_port, telco_port = free_port(), free_port()
    env = {**lekas_env, **secret_env, "PORT": str(web_port), "WEB_CONCURRENCY": "1",
           "SIMULATOR_PORT": str(telco_port), "AT_API_URL": f"http://127.0.0.1:{telco_port}",
           "APP_URL": f"http://127.0.0.1:{web_port}", "SIMULATOR_DLR_DELAY": "0.2",
           # Every status SMS goes out now, not after the collapse window.
           "STATUS_COLLAPSE_SECONDS": "0"}
    processes = {name: ProcfileProcess(name, env, tmp_path / f"{name}.log", procfile)
                 for name, procfile in (("web", "Procfile"), ("worker", "Procfile"), ("telco", "Procfile.dev"))}
    try:
        for process in processes.values():
            process.start()
        web, telco = env["APP_URL"], SimulatorClient(f"http://127.0.0.1:{telco_port}")
        wait_until_up(web + "/healthz", timeout=30, process=processes["web"].process)
        wait_until_up(telco.url + "/api/stats", timeout=30, process=processes["telco"].process)
        yield web, telco, processes
    finally:
        for process in processes.values():
            process.stop()


def apply_and_follow(web: str, api: requests.Session) -> list[str]:
    """An agency registers one application per name through the API and follows the first; returns references."""
    references = []
    for name, phone in zip(NAMES, (APPLICANT, CALLER)):
        created = api.post(f"{web}/api/v1/applications", json={
            "service": "KTP", "applicant_name": name, "phone": e164(phone), "kelurahan": "Menteng"})
        assert created.status_code == 201, created.text
        references.append(created.json()["reference"])
    assert api.post(f"{web}/api/v1/applications/{references[0]}/status", json={"status": "VERIFYING"}).ok
    assert api.get(f"{web}/api/v1/applications/{references[0]}").ok
    assert api.get(f"{web}/api/v1/applications", params={"kelurahan": "Menteng"}).ok
    return references


def use_the_phones(telco: SimulatorClient, references: list[str]) -> None:
    """Citizens dial every kind of USSD screen and text the short code, the way the telco carries them."""
    assert telco.dial(e164(CALLER), "2", references[1])[-1]
    assert telco.dial(e164(CALLER), "3", "2")[-1]
    assert telco.dial(e164(CALLER), "4", "1", f"{NAMES[1]} minta loket buka hari Sabtu")[-1]
    telco.ussd(e164(CALLER))
    telco.hang_up(e164(CALLER))
    for text in (f"STATUS {references[0]}", f"SARAN {NAMES[0]} minta antrean lewat SMS"):
        assert telco.sms(e164(APPLICANT), text)["status_code"] == 200
    assert telco.sms(e164(CALLER), "STOP")["status_code"] == 200
    # A number mistyped on the simulator's phone page is refused, and that request is logged.
    assert requests.get(f"{telco.url}/api/messages", params={"phone": e164(APPLICANT) + "x"}).status_code == 400


def wait_for_every_sms(web: str, api: requests.Session) -> None:
    def settled():
        out = api.get(f"{web}/api/v1/messages", params={"direction": "out"}).json()["messages"]
        return len(out) >= 6 and all(m["status"] in ("delivered", "cancelled") for m in out)

    wait_until(settled, timeout=30, message="every SMS sent and its delivery report received")
    assert api.get(f"{web}/api/v1/messages", params={"phone": e164(APPLICANT)}).json()["messages"]


def test_a_whole_session_logs_no_secret_and_no_citizen_in_any_process(stack, secret_env):
    web, telco, processes = stack
    api_key = apikeys.create_key("agency", actor="test")[1]
    db.session.commit()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {api_key}"

    use_the_phones(telco, apply_and_follow(web, api))
    optout = requests.post(f"{web}/sms/optout", params={"token": secret_env["CALLBACK_TOKEN"]},
                           data={"phoneNumber": e164(OPTED_OUT), "senderId": "5758"})
    assert optout.ok
    wait_for_every_sms(web, api)
    # The simulator logs a callback that cannot reach Lekas.
    processes["web"].stop()
    telco.dial(e164(CALLER))
    wait_until(lambda: telco.stats().get("events_failed"), message="the simulator to give up a callback")
    for process in processes.values():
        process.stop()

    assert_logged_none_of([*secret_env.values(), api_key, APPLICANT, CALLER, OPTED_OUT, *" ".join(NAMES).split()],
                          processes)


def assert_logged_none_of(kept: list[str], processes: dict) -> None:
    """Every process logged something, and no line of any log holds one of the `kept` values."""
    logs = {name: process.output().splitlines() for name, process in processes.items()}
    assert all(logs.values())
    assert {name: [line for line in lines if any(value in line for value in kept)]
            for name, lines in logs.items()} == {name: [] for name in logs}


def form_token(page: requests.Response) -> str:
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def test_the_console_and_the_kiosk_log_no_citizen_and_no_password_in_any_process(stack, secret_env):
    web, _telco, processes = stack
    password = secrets.token_urlsafe(12)
    accounts.create_user("loket", "Petugas Loket", "operator", password, actor="test", must_change_password=False)
    db.session.commit()
    clerk = requests.Session()
    signed_in = clerk.post(f"{web}/staff/login", data={"csrf_token": form_token(clerk.get(f"{web}/staff/login")),
                                                      "username": "loket", "password": password})
    assert "/staff/login" not in signed_in.url

    receipt = clerk.post(f"{web}/staff/intake", data={
        "csrf_token": form_token(clerk.get(f"{web}/staff/intake")), "service": "KTP", "applicant_name": NAMES[0],
        "phone": "0" + APPLICANT, "kelurahan": catalog.find_kelurahan("Menteng").code, "note": ""})
    reference = re.search(r"/applications/(\w+)/receipt", receipt.url).group(1)
    page = clerk.get(f"{web}/staff/applications/{reference}")
    moved = clerk.post(f"{web}/staff/applications/{reference}/status", data={
        "csrf_token": form_token(page), "expected_status": "RECEIVED", "new_status": "VERIFYING", "note": ""})
    assert moved.url.endswith(f"/staff/applications/{reference}")
    found = clerk.post(f"{web}/staff/conversations", data={
        "csrf_token": form_token(clerk.get(f"{web}/staff/conversations")), "phone": "0" + APPLICANT})
    assert found.status_code == 200 and reference in found.text

    kiosk = requests.Session()
    ticket = kiosk.post(f"{web}/kiosk/antrian/ambil", data={
        "csrf_token": form_token(kiosk.get(f"{web}/kiosk/antrian")), "group": "A", "priority": "no",
        "phone": "0" + CALLER})
    assert "/antrian/nomor/" in ticket.url
    looked_up = kiosk.post(f"{web}/cek", data={"csrf_token": form_token(kiosk.get(f"{web}/cek")),
                                               "reference": reference, "phone_tail": APPLICANT[-4:]})
    assert looked_up.status_code == 200 and reference in looked_up.text
    wait_until(lambda: len(fresh_messages()) >= 2 and all(m.status in ("delivered", "cancelled")
                                                          for m in fresh_messages()),
               timeout=30, message="the receipt and the status SMS sent and delivered")
    for process in processes.values():
        process.stop()

    assert_logged_none_of([*secret_env.values(), password, APPLICANT, CALLER, *NAMES[0].split()], processes)


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.dev"])
def test_two_web_instances_of_one_user_share_no_control_socket(procfile, lekas_env, tmp_path):
    """gunicorn 27 opens its control socket at one path per user unless told otherwise, and the instance
    started last takes that path from the other."""
    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir()
    instances = []
    try:
        for number in range(2):
            port = str(free_port())
            env = {**lekas_env, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "PORT": port, "WEB_PORT": port,
                   "WEB_CONCURRENCY": "1"}
            process = ProcfileProcess("web", env, tmp_path / f"web-{number}.log", procfile).start()
            instances.append(process)
            wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=30, process=process.process)

        places = [*home.rglob("*"), *runtime.rglob("*"), *Path(ROOT).iterdir()]
        assert [place for place in places if place.is_socket()] == []
        assert all(process.process.poll() is None for process in instances)
    finally:
        for process in instances:
            process.stop()
