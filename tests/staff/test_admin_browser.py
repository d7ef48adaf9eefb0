"""The administration pages in a real browser: an administrator creates a kelurahan account with a
generated password, creates an API key and browses the audit log (screenshots for people to look at)."""
import os

import pytest

from office import accounts
from tests.helpers import sign_in
from tests.helpers import wait_until

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def shoot(page, artifacts_dir, name, viewport=DESKTOP):
    page.set_viewport_size(viewport)
    page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)


def shoot_desktop_and_phone(page, artifacts_dir, name):
    """name.png at 1366x768 and name-phone.png at 390x844; the page is left at the desktop size."""
    shoot(page, artifacts_dir, f"{name}.png")
    shoot(page, artifacts_dir, f"{name}-phone.png", PHONE)
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_an_administrator_creates_a_kelurahan_user_a_key_and_reads_the_log(app, live_server, page, make_staff,
                                                                           artifacts_dir):
    make_staff("admin", username="kepala")
    make_staff("operator", username="budi")
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "kepala")

    page.goto(f"{live_server.url}/staff/users/new")
    kelurahan = page.locator(".kelurahan-field")
    assert kelurahan.is_hidden()  # an operator account has no kelurahan
    page.fill("#username", "lurah-menteng")
    page.fill("#name", "Siti Aminah")
    page.select_option("#role", "kelurahan")
    assert kelurahan.is_visible()
    page.select_option("#kelurahan", label="Menteng")
    page.check("input[name=password_choice][value=generate]")
    assert page.locator("[data-typed-password]").is_hidden()
    shoot(page, artifacts_dir, "user-new.png")
    page.click("button[type=submit].primary")
    secret = page.locator("#secret")
    password = secret.input_value()
    assert accounts.check_password(password, "lurah-menteng")
    page.click("button[data-copy]")
    page.locator("[data-copied]").wait_for(state="visible")
    shoot(page, artifacts_dir, "user-password-once.png")

    page.goto(f"{live_server.url}/staff/users")
    assert page.locator("a", has_text="lurah-menteng").is_visible()
    shoot_desktop_and_phone(page, artifacts_dir, "users")

    page.goto(f"{live_server.url}/staff/api-keys")
    page.fill("#name", "Dukcapil Palangka Raya")
    page.press("#name", "Enter")
    token = page.locator("#secret").input_value()
    assert token.startswith("lk_")
    page.locator("button[data-copy]").wait_for(state="visible")  # shown by the page's script once it runs
    shoot(page, artifacts_dir, "api-key-once.png")
    page.goto(f"{live_server.url}/staff/api-keys")
    assert token not in page.content()
    shoot(page, artifacts_dir, "api-keys.png")

    page.goto(f"{live_server.url}/staff/users/budi")
    page.select_option("#role", "viewer")
    page.click("form[action$='/staff/users/budi'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/users/budi")
    assert page.locator(".notice.success").is_visible()
    assert page.locator(".kelurahan-field").is_hidden()  # a viewer has no kelurahan
    shoot_desktop_and_phone(page, artifacts_dir, "user-edit")

    page.goto(f"{live_server.url}/staff/audit")
    page.fill("#actor", "kepala")
    page.fill("#action", "user.")
    page.press("#action", "Enter")
    page.wait_for_url("**/staff/audit?*")
    rows = page.locator("table.audit tbody tr")
    wait_until(lambda: rows.count() == 2, message="the two account changes by kepala")
    assert page.locator("table.audit ins", has_text="viewer").is_visible()
    shoot_desktop_and_phone(page, artifacts_dir, "audit-log")
