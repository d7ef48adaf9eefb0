"""The shipped nginx site (deploy/nginx/lekas.conf), run for real in front of Lekas: it passes `nginx -t`,
proxies over HTTPS, sends a USSD hop to the other instance when one is down, redirects plain HTTP, and keeps
query strings (the telco's ?token=) out of its log."""
import os

import pytest
import requests

from tests.helpers import phone
from tests.helpers import wait_until
from tests.nginx_server import NginxServer
from tests.redis_server import free_port


@pytest.fixture
def nginx(tmp_path, live_server):
    """nginx with the shipped site, its first upstream a dead port and its second the live Lekas."""
    live_port = int(live_server.url.rsplit(":", 1)[1])
    server = NginxServer(str(tmp_path), [free_port(), live_port]).configure()
    checked = server.check()
    assert checked.returncode == 0, checked.stderr
    yield server.start()
    server.stop()


def read(path: str) -> str:
    if not os.path.exists(path):
        return ""
    with open(path) as file:
        return file.read()


def test_a_ussd_hop_reaches_lekas_over_https_even_with_one_instance_down(nginx):
    for n in range(4):  # round robin: half of these go first to the dead instance
        hop = requests.post(f"{nginx.https}/ussd?token=not-in-the-log", verify=nginx.certificate, timeout=10,
                            data={"sessionId": f"nginx-{n}", "phoneNumber": phone(7), "text": ""})
        assert hop.status_code == 200 and hop.text.startswith("CON ")


def test_pages_come_through_with_lekas_security_headers(nginx):
    page = requests.get(f"{nginx.https}/layanan", verify=nginx.certificate, timeout=10)
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers


def test_plain_http_is_sent_to_https(nginx):
    answer = requests.get(f"{nginx.http}/layanan?ref=1234567890", allow_redirects=False, timeout=10)
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://")


def test_the_access_log_has_the_paths_but_no_query_strings(nginx):
    requests.post(f"{nginx.https}/sms/delivery?token=secret-token-value", verify=nginx.certificate, timeout=10, data={})
    requests.get(f"{nginx.https}/cek?ref=1234567890", verify=nginx.certificate, timeout=10)
    wait_until(lambda: "/cek" in read(nginx.log), timeout=5)
    log = read(nginx.log)
    assert "/sms/delivery" in log and "secret-token-value" not in log and "1234567890" not in log
