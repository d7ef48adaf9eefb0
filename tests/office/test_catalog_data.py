"""The catalog and office data files: shape, both languages, and texts that survive SMS and USSD."""

import re
from pathlib import Path

import pytest
import yaml

from office.gsm import GSM7_EXTENDED
from office.gsm import is_gsm7

DATA = Path(__file__).resolve().parents[2] / "data"
TEXT_FIELDS = ("name", "summary", "processing_time", "fee", "where", "issued_by")
LIMITS = {"name": 28, "summary": 70, "processing_time": 40, "where": 60}
REQUIREMENT_LIMIT = 60


def load(name):
    with open(DATA / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


SERVICES = load("services.yaml")
OFFICE = load("office.yaml")


def texts_of(service):
    """Every bilingual text of a service as (field, language, text)."""
    for field in TEXT_FIELDS:
        for lang in ("id", "en"):
            yield field, lang, service[field][lang]
    for item in service["requirements"]:
        for lang in ("id", "en"):
            yield "requirements", lang, item[lang]


def by_code(code):
    return next(s for s in SERVICES if s["code"] == code)


def test_catalog_has_at_least_twelve_services():
    assert len(SERVICES) >= 12


def test_codes_are_unique_uppercase_keywords():
    codes = [s["code"] for s in SERVICES]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[A-Z]{2,7}", code), code


def test_categories_are_known_and_both_present():
    categories = {s["category"] for s in SERVICES}
    assert categories == {"adminduk", "kecamatan"}


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s["code"])
def test_every_text_exists_in_both_languages(service):
    for field in TEXT_FIELDS:
        assert set(service[field]) == {"id", "en"}, field
    assert service["requirements"], "a service without requirements tells the citizen nothing"
    for item in service["requirements"]:
        assert set(item) == {"id", "en"}
    for field, lang, text in texts_of(service):
        assert isinstance(text, str) and text.strip() == text and text, (field, lang)
    assert service["legal_basis"].strip()


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s["code"])
def test_every_text_is_plain_gsm7_without_escaped_or_bracket_characters(service):
    for field, lang, text in texts_of(service):
        assert text.isascii() and is_gsm7(text), (field, lang, text)
        # Escaped characters cost two septets; brackets read badly in a plain SMS list.
        assert not set(text) & (GSM7_EXTENDED | set("()")), (field, lang, text)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s["code"])
def test_texts_fit_sms_and_ussd_lengths(service):
    for field, limit in LIMITS.items():
        for lang in ("id", "en"):
            assert len(service[field][lang]) <= limit, (field, lang, service[field][lang])
    for item in service["requirements"]:
        for lang in ("id", "en"):
            assert len(item[lang]) <= REQUIREMENT_LIMIT, item[lang]


def test_keywords_are_lowercase_ascii():
    for service in SERVICES:
        assert service["keywords"], service["code"]
        for keyword in service["keywords"]:
            assert keyword == keyword.lower().strip() and keyword.isascii(), keyword


def test_codes_names_and_keywords_each_point_to_one_service():
    # A citizen's word is matched against all of these after dropping punctuation and case,
    # so one alias shared by two services would send some citizens to the wrong one.
    seen = {}
    for service in SERVICES:
        for alias in [service["code"], service["name"]["id"], service["name"]["en"], *service["keywords"]]:
            words = re.sub(r"[^a-z0-9]+", " ", alias.lower()).strip()
            assert seen.setdefault(words, service["code"]) == service["code"], (alias, seen[words])


def test_adminduk_documents_are_free():
    adminduk = [s for s in SERVICES if s["category"] == "adminduk"]
    assert len(adminduk) >= 7
    for service in adminduk:
        assert service["fee"]["id"].startswith("Gratis"), service["code"]
        assert service["fee"]["en"].startswith("Free"), service["code"]


def test_catalog_covers_the_core_kecamatan_services():
    codes = {s["code"] for s in SERVICES}
    assert {"KTP", "KK", "KIA", "IKD", "PINDAH", "LAHIR", "MATI", "SKTM", "NIKAH", "RAMAI", "WARIS", "LEGAL"} <= codes


def test_camat_marriage_dispensation_says_it_is_not_the_under_age_one():
    nikah = by_code("NIKAH")
    assert "10 hari kerja" in nikah["summary"]["id"]
    assert "usia" in nikah["summary"]["id"].lower()
    assert any("Pengadilan" in item["id"] for item in nikah["requirements"])
    assert "dispensasi kawin" not in nikah["keywords"]


def test_heirs_statement_names_the_duty_stamp():
    waris = by_code("WARIS")
    assert "meterai" in waris["fee"]["id"].lower()


def test_office_texts_are_bilingual_and_gsm7():
    texts = [OFFICE["name"], OFFICE["address"], OFFICE["hours"]]
    texts += [contact["label"] for contact in OFFICE["contacts"]]
    for text in texts:
        assert set(text) == {"id", "en"}
        for value in text.values():
            assert value.isascii() and is_gsm7(value) and not set(value) & GSM7_EXTENDED, value
    for contact in OFFICE["contacts"]:
        assert is_gsm7(contact["value"])
    assert OFFICE["city"] == "Kota Palangka Raya"
    assert OFFICE["timezone"] == "Asia/Pontianak"


def test_office_contacts_include_national_channels():
    values = " ".join(contact["value"] for contact in OFFICE["contacts"])
    assert "1500537" in values
    assert "1708" in values
    assert "3222639" in values


def test_four_kelurahan_with_their_kemendagri_codes():
    kelurahan = {k["code"]: k["name"] for k in OFFICE["kelurahan"]}
    assert kelurahan == {
        "62.71.03.1001": "Palangka",
        "62.71.03.1002": "Menteng",
        "62.71.03.1003": "Bukit Tunggal",
        "62.71.03.1004": "Petuk Katimpun",
    }


def test_petuk_katimpun_accepts_the_common_misspelling():
    petuk = next(k for k in OFFICE["kelurahan"] if k["name"] == "Petuk Katimpun")
    assert "petuk katimpung" in petuk["aliases"]
