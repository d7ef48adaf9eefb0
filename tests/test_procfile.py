"""The processes the Procfiles start, started the way the Procfiles start them."""
from pathlib import Path

import pytest

from simulator.testing import wait_until_up
from tests.procfile import ROOT
from tests.procfile import ProcfileProcess
from tests.redis_server import free_port


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
