"""Every screen the USSD menu can show fits 160 GSM-7 characters, in both languages.

The walk starts at the main menu and tries every choice a screen offers (numbers, 98, 0, 00, an invalid
one, and typed answers on prompts), with the real catalog plus a service whose texts are far longer
than the catalog's own, so a future catalog edit cannot break a screen unnoticed.
"""
import json
import re
from collections import deque

import pytest
from sqlalchemy import delete

from extensions import db
from gateway.ussd import session_cache
from gateway.ussd import snapshot
from gateway.ussd.screens import MENU
from office import citizens
from office.gsm import analyze
from office.models import Service
from office.references import check_digit
from tests.helpers import move
from tests.helpers import new_application

PHONES = {"id": "+6281234567101", "en": "+6281234567102"}
LEADING_NUMBER = re.compile(r"(\d+)[.)\s]")
LONG_WORDS = ("Surat pernyataan bermeterai dari kepala keluarga yang disaksikan oleh ketua RT dan RW setempat "
              "beserta fotokopi seluruh dokumen pendukung yang masih berlaku pada saat pengajuan")


@pytest.fixture
def long_service(app):
    """A service with a 60-character name, long requirements, typographic quotes and an unbreakable word."""
    service = Service(
        code="PANJANG", category="kecamatan", position=999, active=True, legal_basis="", keywords=[],
        name={"id": "Surat keterangan domisili usaha mikro kecil dan menengah baru",
              "en": "Certificate of domicile for new micro small and medium business"},
        summary={"id": "Ringkasan", "en": "Summary"},
        requirements=[{"id": f"{LONG_WORDS} \u201cdan lain-lain\u201d \u2013 Pe\u015fte", "en": LONG_WORDS},
                      {"id": "https://" + "x" * 200, "en": "https://" + "y" * 200}],
        processing_time={"id": "Tiga sampai lima hari kerja setelah berkas dinyatakan lengkap oleh petugas",
                         "en": "Three to five working days after the documents are found complete by staff"},
        fee={"id": "Gratis, tidak dipungut biaya apa pun", "en": "Free of any charge whatsoever"},
        where={"id": "Loket pelayanan terpadu Kantor Camat Jekan Raya, lantai satu, sebelah kanan pintu masuk",
               "en": "Integrated service counter, Jekan Raya Sub-district Office, ground floor, right of the door"},
        issued_by={"id": "Camat Jekan Raya", "en": "Head of Jekan Raya"},
    )
    db.session.add(service)
    db.session.commit()
    snapshot.forget()
    yield service
    # The services table survives between tests: this row must not.
    db.session.rollback()
    db.session.execute(delete(Service).where(Service.code == "PANJANG"))
    db.session.commit()
    snapshot.forget()


def choices(body: str, typed: list[str]) -> list[str]:
    """Every input worth trying on a screen."""
    numbered = [line.split(".", 1)[0] for line in body.splitlines()[1:] if line.split(".", 1)[0].isdigit()]
    return [*numbered, "98", "0", "00", "77", *([] if numbered else typed)]


def leading_numbers(body: str) -> list[str]:
    """The numbers that start a line ("1. ...", "98 More"): what the citizen would type to choose it."""
    return [found.group(1) for line in body[4:].splitlines() if (found := LEADING_NUMBER.match(line))]


def where(session_id: str, phone: str) -> str:
    """The state a hop left, so the walk tells apart equal-looking pages at different places.

    A hint is left out: it shows once and leads to the same screens as the state without it.
    """
    state = session_cache.load(session_id, phone, MENU).saved.state.to_json()
    return json.dumps({**state, "hint": None}, sort_keys=True)


def test_every_reachable_screen_fits_160_gsm7_characters_in_both_languages(app, client, long_service, settings):
    settings(STATUS_LOOKUP_LIMIT=10**6, STATUS_ATTEMPT_LIMIT=10**6, FEEDBACK_LIMIT=10**6)
    own = new_application("KTP", "Ahmad Fauzan Al Banjari Syahputra", PHONES["id"], "Menteng")
    move(own.reference, "VERIFYING")
    move(own.reference, "NEEDS_DOCUMENTS", ("Fotokopi dokumen belum lengkap. " * 15).strip())
    ready = new_application("LAHIR", "Siti", PHONES["en"], "Palangka")
    for status in ("VERIFYING", "PROCESSING", "READY"):
        move(ready.reference, status)
    unknown = "123456789" + check_digit("123456789")
    typo = own.reference[:-1] + str((int(own.reference[-1]) + 1) % 10)
    typed = [own.reference, ready.reference, typo, unknown, "123", "", "Saran saya " * 15]

    screens: set[str] = set()
    states: set[str] = set()
    for lang, phone in PHONES.items():
        citizens.set_language(phone, lang)
        db.session.commit()
        queue = deque([""])
        while queue:
            text = queue.popleft()
            session_id = f"walk-{len(states)}"
            body = client.post("/ussd", data={"sessionId": session_id, "phoneNumber": phone, "text": text}).text
            assert body.startswith(("CON ", "END ")), (text, body)
            length = analyze(body)
            assert length.encoding == "GSM-7" and length.units <= 160, (text, length, body)
            keys = leading_numbers(body)
            assert len(keys) == len(set(keys)), ("a number leads two lines", text, body)
            screens.add(body)
            if text.startswith("6*"):
                # The choice is remembered for the phone: put it back, and leave the other language's
                # screens to that language's own walk.
                citizens.set_language(phone, lang)
                db.session.commit()
                continue
            state = where(session_id, phone)
            if body.startswith("END ") or state in states:
                continue
            states.add(state)
            queue.extend(f"{text}*{choice}" if text else choice for choice in choices(body, typed))

    shown = "\n".join(screens)
    # The walk really went everywhere: both languages, every page of the long service, both status answers.
    for expected in ("Kirim via SMS", "Send by SMS", "Surat keterangan domisili", "Certificate of domicile",
                     "A**** F*****", "S***", "xxxxxxxx", "yyyyyyyy", "Too many tries", "Nomor salah ketik",
                     "Terima kasih", "Berhasil", "Language changed.", "Bahasa diganti.", "Legalisasi dokumen"):
        assert expected in shown, expected
