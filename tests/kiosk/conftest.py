"""Fixtures of the kiosk's browser tests."""
import pytest

from tests.kiosk.panel import PANELS
from tests.kiosk.panel import Kiosk


@pytest.fixture(params=sorted(PANELS))
def kiosk(request, browser, live_server, artifacts_dir):
    context = browser.new_context(viewport=PANELS[request.param], has_touch=True, device_scale_factor=1)
    panel = Kiosk(context.new_page(), request.param, live_server.url, artifacts_dir)
    yield panel
    assert panel.traffic.foreign() == []
    context.close()
