import os

import pytest


def test_home_page_names_the_office_and_the_codes(client, app):
    page = client.get("/").get_data(as_text=True)
    assert "Kantor Camat Jekan Raya" in page
    assert app.config["USSD_CODE"] in page and app.config["SMS_SHORTCODE"] in page


@pytest.mark.browser
def test_home_page_renders_in_chromium(page, live_server, artifacts_dir):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Lekas")
    assert page.locator(".code").first.inner_text() == "*384*5758#"
    page.screenshot(path=os.path.join(artifacts_dir, "home.png"), full_page=True)
