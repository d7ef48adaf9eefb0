"""Cost rule: every SMS reply template fits one GSM-7 segment in both languages with the longest realistic
values; only the requirements checklist may take up to three."""
import inspect
from datetime import datetime

import pytest

from gateway.sms import replies
from office import catalog
from office import lifecycle
from office import notifications
from office import subscriptions
from office.applications import StatusView
from office.checklist import checklist_sms
from office.gsm import analyze
from office.i18n import LANGUAGES
from office.i18n import pick
from office.i18n import t
from office.models import Application
from office.privacy import mask_name

LONG_NAME = "Muhammad Abdurrahman Syaifuddin Nasution Wijayakusuma Putra"
LONG_NOTE = ("Bawa fotokopi Kartu Keluarga terbaru yang sudah dilegalisir, surat pengantar RT/RW, dan akta "
             "kelahiran asli; berkas yang difoto lewat WhatsApp belum bisa kami terima. ") * 4
assert len(LONG_NOTE) >= 500
REFERENCE = "9876543210"
USSD_CODES = ("*384*5758#", "*123*45678*9#")
SHORTCODE = "999999"
LONG_KELURAHAN = "Petuk Katimpun Seberang Hulu"
TICKET = "T999999"


def one_segment_gsm(text):
    length = analyze(text)
    assert (length.encoding, length.segments) == ("GSM-7", 1), (length, text)


def status_views(lang):
    """Every service in every status, seen by the applicant (long note) and by someone else (no note)."""
    for service in catalog.services():
        for status in lifecycle.STATUSES:
            for note in (LONG_NOTE, None, "Lengkapi berkas 😀 “segera” – terima kasih…"):
                yield StatusView(reference=REFERENCE, service=pick(service.name, lang), status=status,
                                 label=t(lang, lifecycle.LABELS[status]),
                                 next_step=t(lang, lifecycle.NEXT_STEPS[status]),
                                 changed_at=datetime(2026, 1, 1), masked_name=mask_name(LONG_NAME), note=note)


def worst_cases(lang):
    """Every reply template with the longest values it can meet; keyed by function name."""
    kelurahan = [k.name for k in catalog.kelurahan_list()]
    return {
        "help_text": [{"ussd_code": code} for code in USSD_CODES],
        "service_codes": [{"codes": [s.code for s in catalog.services()]}],
        "status_answer": [{"view": view} for view in status_views(lang)],
        "reference_hint": [{}],
        "check_digit_hint": [{"reference": REFERENCE}],
        "not_found": [{"reference": REFERENCE}],
        "rate_limited": [{"minutes": 1440}],
        "subscribed_unknown_kelurahan": [{"names": kelurahan}],
        "opted_out": [{"shortcode": SHORTCODE}],
        "feedback_received": [{"ticket": TICKET}],
        "feedback_hint": [{}],
        "language_set": [{}],
        "language_hint": [{}],
    }


def template_functions():
    return {name for name, fn in inspect.getmembers(replies, inspect.isfunction)
            if fn.__module__ == replies.__name__ and not name.startswith("_")}


def test_every_reply_template_has_worst_case_values_here(app):
    # A new template without an entry above would escape the length rule, so this fails until one is added.
    assert template_functions() == set(worst_cases("id"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reply_template_fits_one_gsm7_segment(app, lang):
    checked = 0
    for name, cases in worst_cases(lang).items():
        for values in cases:
            one_segment_gsm(getattr(replies, name)(lang=lang, **values))
            checked += 1
    assert checked > len(lifecycle.STATUSES) * len(catalog.services())


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kelurahan", [None, LONG_KELURAHAN, "Petuk Katimpun"])
def test_the_subscription_confirmation_fits_one_gsm7_segment(app, lang, kelurahan):
    one_segment_gsm(subscriptions.confirmation(lang, SHORTCODE, kelurahan))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_applicant_sees_as_much_of_a_long_note_as_fits(app, lang):
    view = next(v for v in status_views(lang) if v.note == LONG_NOTE)
    text = replies.status_answer(view, lang)
    assert text.endswith("...") and "Bawa fotokopi Kartu Keluarga" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_typographic_characters_and_emoji_in_a_note_do_not_force_ucs2(app, lang):
    view = next(v for v in status_views(lang) if v.note and "segera" in v.note)
    text = replies.status_answer(view, lang)
    one_segment_gsm(text)
    assert '"segera" - terima kasih...' in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_requirements_checklist_fits_three_segments(app, lang):
    for service in catalog.services():
        length = analyze(checklist_sms(service, lang))
        assert length.encoding == "GSM-7" and length.segments <= 3, service.code


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_status_notification_fits_one_segment_with_a_long_note(app, lang):
    for service in catalog.services():
        for status in lifecycle.STATUSES:
            application = Application(reference=REFERENCE, service=service, status=status, note=LONG_NOTE,
                                      applicant_name=LONG_NAME, phone="+6281234567001")
            one_segment_gsm(notifications.status_sms(application, lang))


@pytest.mark.parametrize("note, kept", [
    ("Mohon bawa fotokopi KK 😀 dan KTP asli.", "Mohon bawa fotokopi KK dan KTP asli."),
    ("Nama di KK [salah] {perlu} diperbaiki ~ lihat | catatan " * 3, "Nama di KK [salah] {perlu} diperbaiki"),
    ("Berkas 文件 kurang", "Berkas kurang"),
])
def test_a_note_gsm7_cannot_carry_whole_is_sent_as_far_as_it_can(app, note, kept):
    service = catalog.get_service("KTP")
    application = Application(reference=REFERENCE, service=service, status=lifecycle.REJECTED, note=note)
    text = notifications.status_sms(application, "id")
    one_segment_gsm(text)
    assert kept in text
