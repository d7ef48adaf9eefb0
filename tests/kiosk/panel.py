"""A kiosk panel in Chromium for the kiosk's browser tests: its two orientations, the sizes a citizen needs,
and the `Kiosk` helper that touches, measures and photographs a screen."""
import os
import shutil

from tests.helpers import ROOT
from tests.kiosk.audit import low_contrast
from tests.kiosk.audit import measure
from tests.kiosk.audit import small_targets
from tests.kiosk.audit import small_texts
from tests.kiosk.audit import watch

PANELS = {"portrait": {"width": 1080, "height": 1920}, "landscape": {"width": 1920, "height": 1080}}
# 20 mm on a 21.5-inch 1080p panel, and the smallest text a citizen reads standing.
TARGET_PX, TEXT_PX = 80, 24
SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")
# The screens whose portrait pictures the README shows; every screen is saved to the test artifacts.
DOCUMENTED = {"home", "services", "service", "status", "status-result", "subscribe", "feedback", "feedback-done",
              "info", "idle", "reconnecting"}


class Kiosk:
    """A kiosk panel in Chromium: touch it, read which screen it shows, measure and photograph it."""

    def __init__(self, page, panel, url, artifacts):
        self.page, self.panel, self.url, self.artifacts = page, panel, url, artifacts
        self.traffic = watch(page, url)

    def open(self, path="/kiosk/?lang=id"):
        self.page.goto(self.url + path)
        return self

    def choose(self, tile, screen):
        """From the home screen, touch the tile named `tile` and wait for `screen`, checking its layout."""
        self.open().shows("home")
        self.tap(f".tile >> text={tile}")
        self.shows(screen).check_layout()

    def tap(self, selector):
        self.page.locator(selector).first.tap()

    def tap_keys(self, digits):
        for digit in digits:
            self.page.locator(f'.keypad button[data-key="{digit}"]').tap()

    def shows(self, screen):
        self.page.wait_for_selector(f'#kiosk[data-screen="{screen}"]', timeout=10_000)
        return self

    def text(self) -> str:
        return self.page.inner_text("body")

    def check_layout(self):
        """Every control at least 20 mm, every text at least 24 px and of 4.5:1 contrast, nothing off-screen."""
        measured = measure(self.page)
        assert small_targets(measured, TARGET_PX) == [], self.page.url
        assert small_texts(measured, TEXT_PX) == [], self.page.url
        assert low_contrast(measured) == [], self.page.url
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PANELS[self.panel]["width"], "the screen scrolls sideways"

    def photograph(self, name, docs=None):
        """Save the screen to the test artifacts; a portrait one of the README's also to docs/screenshots,
        under `docs` when given."""
        path = os.path.join(self.artifacts, f"kiosk-{name}-{self.panel}.png")
        self.page.screenshot(path=path)
        if self.panel == "portrait" and docs:
            shutil.copy(path, os.path.join(SCREENSHOTS, f"{docs}.png"))
        elif self.panel == "portrait" and name in DOCUMENTED:
            shutil.copy(path, os.path.join(SCREENSHOTS, f"kiosk-{name}.png"))
        elif self.panel == "landscape" and name in {"home", "status", "feedback"}:
            shutil.copy(path, os.path.join(SCREENSHOTS, f"kiosk-{name}-landscape.png"))
