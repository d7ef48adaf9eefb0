"""Debian's nginx running the shipped site (deploy/nginx/lekas.conf) in a folder of its own, unprivileged, in
front of Lekas instances on loopback: for the proxy's tests, the drill that kills a web instance and the
whole-system benchmark."""
import os
import subprocess
import time

from tests.helpers import ROOT
from tests.redis_server import free_port

SITE = os.path.join(ROOT, "deploy", "nginx", "lekas.conf")
NAME = "lekas.example.go.id"
# nginx keeps request bodies and proxied answers in these folders, by default under /var/lib/nginx.
TEMPORARY = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def site_for_test(folder: str, https: int, http: int, instances: list[int]) -> str:
    """The shipped site with only what a test machine must change: ports, certificate, log and upstreams."""
    with open(SITE) as file:
        text = file.read()
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http};")
    text = text.replace("listen [::]:443 ssl http2;\n", "").replace("listen [::]:80;\n", "")
    text = text.replace(f"/etc/letsencrypt/live/{NAME}", folder)
    text = text.replace("/var/log/nginx", folder)
    # Off port 443 the name Lekas sees (Flask-WTF checks a form's Referer against it) must carry the port.
    text = text.replace("X-Forwarded-Host $host;", "X-Forwarded-Host $host:$server_port;")
    upstreams = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in instances)
    start = text.index("upstream lekas_web {\n") + len("upstream lekas_web {\n")
    end = text.index("    keepalive", start)
    return text[:start] + upstreams + text[end:]


class NginxServer:
    """nginx serving the shipped site on free loopback ports, its upstreams the Lekas ports `instances`.

    `workers` is nginx's worker_processes (1 by default, as in the proxy's tests; "auto" for one per core).
    """

    def __init__(self, folder: str, instances: list[int], workers: str = "1"):
        self.folder = folder
        self.instances = instances
        self.workers = workers
        self.https_port, self.http_port = free_port(), free_port()

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log(self) -> str:
        return os.path.join(self.folder, "lekas-access.log")

    @property
    def certificate(self) -> str:
        return os.path.join(self.folder, "fullchain.pem")

    def _args(self, *extra: str) -> list[str]:
        return ["nginx", "-p", self.folder, "-c", os.path.join(self.folder, "nginx.conf"), *extra]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the configuration written by `configure`."""
        return subprocess.run(self._args("-t"), capture_output=True, text=True)

    def configure(self) -> "NginxServer":
        """Write a self-signed certificate for the site's name and 127.0.0.1, the site, and an nginx.conf that
        keeps everything (pid, logs, temporary files) in the folder."""
        folder = self.folder
        os.chmod(folder, 0o755)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        f"/CN={NAME}", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", f"{folder}/privkey.pem", "-out", self.certificate],
                       check=True, capture_output=True)
        with open(f"{folder}/site.conf", "w") as file:
            file.write(site_for_test(folder, self.https_port, self.http_port, self.instances))
        with open(f"{folder}/nginx.conf", "w") as file:
            file.write(f"worker_processes {self.workers};\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
                       f"events {{ worker_connections 1024; }}\nhttp {{\n"
                       + "".join(f"  {kind}_temp_path {folder}/{kind};\n" for kind in TEMPORARY)
                       + f"  include {folder}/site.conf;\n}}\n")
        return self

    def start(self) -> "NginxServer":
        """Start nginx (it daemonizes) and wait for its pid file."""
        subprocess.run(self._args(), check=True)
        deadline = time.monotonic() + 5
        while not os.path.exists(os.path.join(self.folder, "nginx.pid")):
            if time.monotonic() > deadline:
                raise RuntimeError("nginx wrote no pid file within 5 s")
            time.sleep(0.05)
        return self

    def pid(self) -> int:
        """The nginx master's pid."""
        with open(os.path.join(self.folder, "nginx.pid")) as file:
            return int(file.read())

    def stop(self) -> None:
        subprocess.run(self._args("-s", "stop"), capture_output=True)
        time.sleep(0.2)
