"""The modem as the office sees it, from the real gammu-smsd's `phones` table: /healthz, the dashboard's
Modem panel for administrators, and broadcast previews that say how long the modem will take."""
import os

import pytest
from sqlalchemy import insert
from sqlalchemy import text
from sqlalchemy import update

from extensions import db
from gateway.gammu import tables
from office import accounts
from office import send_rate
from tests.helpers import add_subscribers
from tests.helpers import signed_in_page
from tests.helpers import wait_until


def page_of(response) -> str:
    return response.get_data(as_text=True)


def reported(client):
    """/healthz once the daemon has refreshed its modem's signal (every 2 s here)."""
    return wait_until(lambda: (body := client.get("/healthz").get_json())["modems"][0]["signal"] is not None
                      and body, message="the modem's signal reported")


def test_healthz_reports_the_modem_with_its_imei_masked(gammu, client):
    body = reported(client)
    assert body["status"] == "ok" and body["modem"] == "ok"
    [modem] = body["modems"]
    assert modem["phone_id"] == "modem1" and modem["state"] == "ok"
    assert modem["imei"] == "***********9999"  # the fake phone's IMEI is fifteen nines
    assert modem["signal"] == 42 and modem["battery"] == 100 and modem["last_seen"].endswith("Z")


@pytest.fixture
def silent_modem(gammu):
    """A second daemon's modem that stopped reporting ten minutes ago (by the database's own clock)."""
    ten_minutes_ago = (text("LOCALTIMESTAMP - INTERVAL '10 minutes'") if tables.engine().dialect.name == "postgresql"
                       else text("datetime('now', '-10 minutes')"))
    with tables.engine().begin() as connection:
        connection.execute(insert(tables.phones).values(
            ID="modem2", IMEI="356938035643809", IMSI="510101234567890", Client="Gammu 1.42.0", Send=True,
            Receive=True, Signal=-1, Battery=-1, UpdatedInDB=ten_minutes_ago, TimeOut=ten_minutes_ago))
    yield
    with tables.engine().begin() as connection:
        connection.execute(tables.phones.delete().where(tables.phones.c.ID == "modem2"))


def test_a_modem_not_heard_from_for_minutes_is_stale_and_the_app_still_answers(gammu, client, silent_modem):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["modem"] == "ok"  # modem1 still works
    modems = {m["phone_id"]: m for m in body["modems"]}
    assert modems["modem2"]["state"] == "stale" and modems["modem2"]["imei"] == "***********3809"
    assert modems["modem2"]["signal"] is None and modems["modem1"]["state"] == "ok"


def test_healthz_says_the_modem_is_unavailable_when_its_database_is_gone(app, client, settings, tmp_path):
    settings(SMS_PROVIDER="gammu", GAMMU_DATABASE_URL=f"sqlite:///{tmp_path}/missing/smsd.db")
    body = client.get("/healthz").get_json()
    assert (body["status"], body["modem"], body["modems"]) == ("ok", "unavailable", [])


def test_healthz_says_nothing_about_a_modem_with_another_provider(client):
    assert "modem" not in client.get("/healthz").get_json()


def test_the_dashboard_shows_administrators_the_modem(gammu, client, admin):
    reported(client)
    page = page_of(admin.get("/staff/"))
    assert 'id="modem-heading"' in page and "modem1" in page and "***********9999" in page
    assert "Working" in page and "42%" in page


def test_other_roles_do_not_see_the_modem_panel(gammu, staff_client):
    assert 'id="modem-heading"' not in page_of(staff_client("operator").get("/staff/"))


def test_no_modem_panel_without_the_modem_provider(admin):
    assert 'id="modem-heading"' not in page_of(admin.get("/staff/"))


def test_the_broadcast_preview_says_how_long_the_modem_takes(gammu, settings, staff_client):
    settings(GAMMU_SEND_RATE=6.0)
    add_subscribers(30)
    client = staff_client("operator")
    accounts.get_user("operator-user").language = "en"
    db.session.commit()
    page = page_of(client.post("/staff/broadcasts/new", data={
        "text": "Besok Sabtu kantor buka 08.00-12.00.", "text_en": "", "audience": "all", "preview": "1"}))
    assert 'data-preview="send-time">about 5 min at 6 SMS/min<' in page


@pytest.mark.parametrize(("config", "segments", "minutes"), [
    ({"SMS_PROVIDER": "gammu", "GAMMU_SEND_RATE": 6.0}, 30, 5),
    ({"SMS_PROVIDER": "gammu", "GAMMU_SEND_RATE": 6.0}, 31, 6),
    ({"SMS_PROVIDER": "gammu", "GAMMU_SEND_RATE": 20.0}, 1, 1),
    ({"SMS_PROVIDER": "africastalking", "SMS_RATE_LIMIT": 2.0}, 600, 5),
    ({"SMS_PROVIDER": "simulator", "SMS_RATE_LIMIT": 0.0}, 600, None),
])
def test_the_send_time_follows_the_providers_declared_rate(config, segments, minutes):
    took = send_rate.duration(segments, config)
    assert (took.minutes if took else None) == minutes


def test_a_long_broadcast_counts_every_segment_of_every_language():
    assert send_rate.broadcast_segments({"id": 10, "en": 2}, {"id": 2, "en": None}) == 20


def test_the_daemons_yes_no_columns_read_as_booleans(gammu):
    with tables.engine().begin() as connection:
        connection.execute(update(tables.inbox).values(Processed=True))
        [row] = connection.execute(tables.phones.select()).all()
    assert row.Send is True and row.Receive is True


@pytest.mark.browser
def test_the_modem_panel_fits_a_laptop_and_a_phone(gammu, client, browser, live_server, make_staff, artifacts_dir):
    reported(client)
    laptop, phone = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
    page = signed_in_page(browser, live_server, make_staff("admin"), viewport=laptop)
    panel = page.locator(".modem-panel")
    assert "modem1" in panel.inner_text()
    for name, viewport in (("console-modem.png", laptop), ("console-modem-phone.png", phone)):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        panel.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(artifacts_dir, name))
