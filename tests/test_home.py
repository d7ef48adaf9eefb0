import os

import pytest

from office.i18n import t


def test_home_page_names_the_office_and_the_codes(client, app):
    page = client.get("/").get_data(as_text=True)
    assert "Kantor Camat Jekan Raya" in page
    assert app.config["USSD_CODE"] in page and app.config["SMS_SHORTCODE"] in page


def test_home_page_is_in_indonesian_from_the_catalog_that_t_reads(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert f"<h2>{t('id', 'For staff and developers')}</h2>" in page
    assert "Ketik <b>BANTUAN</b> untuk daftar kata kunci." in page
    assert "Jam layanan: Sen-Kam 08.00-16.15, Jum 08.00-16.45 WIB" in page
    assert "For staff and developers" not in page
    assert '<a href="/?lang=en" lang="en" hreflang="en">English</a>' in page


def test_home_page_in_english(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<title>Lekas - Jekan Raya Sub-district Office</title>" in page
    assert "<h2>For staff and developers</h2>" in page
    assert "Text <b>HELP</b> for the keywords." in page
    assert "Office hours: Mon-Thu 08:00-16:15, Fri 08:00-16:45 WIB" in page
    assert "Untuk petugas" not in page
    assert '<a href="/?lang=id" lang="id" hreflang="id">Bahasa Indonesia</a>' in page


@pytest.mark.parametrize("lang", ["fr", "zz!", ""])
def test_home_page_in_an_unknown_language_is_in_indonesian(client, lang):
    response = client.get("/", query_string={"lang": lang})
    assert response.status_code == 200
    assert '<html lang="id">' in response.get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.parametrize("lang, heading", [("id", "Untuk petugas dan pengembang"), ("en", "For staff and developers")])
def test_home_page_renders_in_chromium(page, live_server, artifacts_dir, lang, heading):
    page.goto(f"{live_server.url}/?lang={lang}")
    assert page.locator("h1").inner_text().startswith("Lekas")
    assert page.locator(".code").first.inner_text() == "*384*5758#"
    assert page.locator(".links h2").inner_text() == heading
    page.screenshot(path=os.path.join(artifacts_dir, f"home-{lang}.png"), full_page=True)


@pytest.mark.browser
def test_home_page_switches_language_in_chromium(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Bahasa Indonesia").click()
    assert page.locator(".lead").inner_text() == t("id", "Population-service information on any phone, no data needed.")
