"""The shipped nginx site (deploy/nginx/lekas.conf), run for real in front of Lekas: it passes `nginx -t`,
proxies over HTTPS, sends a USSD hop to the other instance when one is down, redirects plain HTTP, and keeps
query strings (the telco's ?token=) out of its log."""
import os
import subprocess
import time

import pytest
import requests

from tests.helpers import ROOT
from tests.helpers import phone
from tests.helpers import wait_until
from tests.redis_server import free_port

SITE = os.path.join(ROOT, "deploy", "nginx", "lekas.conf")
NAME = "lekas.example.go.id"


def site_for_test(folder: str, https: int, http: int, instances: list[int]) -> str:
    """The shipped site with only what a test machine must change: ports, certificate, log and upstreams."""
    with open(SITE) as file:
        text = file.read()
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http};")
    text = text.replace("listen [::]:443 ssl http2;\n", "").replace("listen [::]:80;\n", "")
    text = text.replace(f"/etc/letsencrypt/live/{NAME}", folder)
    text = text.replace("/var/log/nginx", folder)
    upstreams = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in instances)
    start = text.index("upstream lekas_web {\n") + len("upstream lekas_web {\n")
    end = text.index("    keepalive", start)
    return text[:start] + upstreams + text[end:]


@pytest.fixture
def nginx(tmp_path, live_server):
    """nginx with the shipped site, its first upstream a dead port and its second the live Lekas."""
    folder = str(tmp_path)
    os.chmod(folder, 0o755)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={NAME}",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", f"{folder}/privkey.pem", "-out", f"{folder}/fullchain.pem"],
                   check=True, capture_output=True)
    https, http = free_port(), free_port()
    live_port = int(live_server.url.rsplit(":", 1)[1])
    with open(f"{folder}/site.conf", "w") as file:
        file.write(site_for_test(folder, https, http, [free_port(), live_port]))
    with open(f"{folder}/nginx.conf", "w") as file:
        file.write(f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\nhttp {{\n"
                   f"  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;\n"
                   f"  fastcgi_temp_path {folder}/fcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;\n"
                   f"  include {folder}/site.conf;\n}}\n")
    checked = subprocess.run(["nginx", "-t", "-p", folder, "-c", f"{folder}/nginx.conf"], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr
    subprocess.run(["nginx", "-p", folder, "-c", f"{folder}/nginx.conf"], check=True)
    wait_until(lambda: os.path.exists(f"{folder}/nginx.pid"), timeout=5)
    yield type("Nginx", (), {"https": f"https://127.0.0.1:{https}", "http": f"http://127.0.0.1:{http}",
                             "log": f"{folder}/lekas-access.log",
                             "certificate": f"{folder}/fullchain.pem"})
    subprocess.run(["nginx", "-p", folder, "-c", f"{folder}/nginx.conf", "-s", "stop"], capture_output=True)
    time.sleep(0.2)


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
