"""A broadcast to an uploaded phone list in a real browser: the operator chooses the file, reads the preview's
figures and invalid lines, confirms, and the simulator receives what the preview counted (screenshots at
1366x768 and 390x844, the desktop one copied to docs/screenshots)."""
import pytest

from tests.helpers import add_subscribers
from tests.helpers import signed_in_page
from tests.staff.test_broadcasts_browser import DESKTOP
from tests.staff.test_broadcasts_browser import shoot
from tests.staff.test_spreadsheets import _no_uploads_left  # noqa: F401  (autouse: each test's uploads removed)


@pytest.mark.browser
def test_an_operator_uploads_a_list_previews_it_and_sends_to_what_it_counted(
        app, browser, live_server, make_staff, simulator, run_jobs, artifacts_dir, tmp_path):
    opted_out = add_subscribers(3, start=200, opted_out=True)
    numbers = [f"0813{n:08d}" for n in range(40)]
    bad = ["0812", "bukan nomor", "0536 3221 234", "", "+1 202 555 0143"]
    lines = ["No;Nama;No. HP", *(f"{n};Warga {n};{phone}" for n, phone in enumerate(numbers + numbers[:4] + opted_out
                                                                                       + bad, start=1))]
    listed = tmp_path / "penerima-ktp-el.csv"
    listed.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    page = signed_in_page(browser, live_server, make_staff("operator"), viewport=DESKTOP)
    page.goto(f"{live_server.url}/staff/broadcasts/new")
    page.fill("#text", "Perekaman KTP-el keliling Sabtu 08.00-12.00 di kantor kelurahan. Bawa KK.")
    assert page.locator("#phone_file").is_hidden()  # only the chosen audience's fields show
    page.check("input[name=audience][value=upload]")
    page.set_input_files("#phone_file", str(listed))
    page.click("button[name=preview]")
    figures = {name: page.locator(f"[data-preview={name}]").inner_text()
               for name in ("lines", "invalid", "duplicates", "opted-out", "recipients", "cost")}
    assert figures == {"lines": "52", "invalid": "5", "duplicates": "4", "opted-out": "3", "recipients": "40",
                       "cost": "Rp 12.000"}
    assert page.locator(".invalid-lines tbody tr").count() == 5
    assert page.locator("#phone_file").is_visible()  # the chosen audience stays open with its kept file
    page.locator("#preview").scroll_into_view_if_needed()
    shoot(page, artifacts_dir, "upload", readme=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=confirm]")
    page.wait_for_url(f"{live_server.url}/staff/broadcasts/*")
    run_jobs()
    page.locator("[data-status]", has_text="Selesai").wait_for(timeout=15_000)
    assert len(simulator.messages()) == 40
    assert sorted(m["phone"] for m in simulator.messages()) == sorted("+62" + n[1:] for n in numbers)
