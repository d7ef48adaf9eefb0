"""Catalog edits in the domain: versions with before and after, stale edits refused, revert, retire, reorder,
the SMS and USSD length rules, and the data file that never overwrites a service edited in the console."""
import pytest
from sqlalchemy import select

from extensions import db
from office import catalog
from office import catalog_edit
from office import catalog_preview
from office import checklist
from office.errors import Conflict
from office.errors import DomainError
from office.models import AuditLog
from office.models import Service
from office.models import ServiceVersion

pytestmark = pytest.mark.usefixtures("catalog_restored")


def ktp():
    return db.session.scalar(select(Service).where(Service.code == "KTP"))


def values_of(service, **changes):
    """The form-shaped values of `service` (requirements as lines per language) with `changes` applied."""
    fields = catalog_edit.fields_of(service)
    values = {**fields, "requirements": {lang: [item[lang] for item in fields["requirements"]]
                                         for lang in catalog_edit.LANGS}}
    return {**values, **changes}


def with_requirement(service, id_line, en_line="Bring the letter"):
    lines = values_of(service)["requirements"]
    return values_of(service, requirements={"id": [*lines["id"], id_line], "en": [*lines["en"], en_line]})


def test_an_edit_is_a_version_with_the_whole_before_and_after_and_an_audit_entry():
    service = ktp()
    old_name = dict(service.name)
    version = catalog_edit.edit(service.id, 0, values_of(service, name={"id": "Rekam KTP-el", "en": "KTP-el"}),
                                "admin-a")
    db.session.commit()
    assert (version.number, version.actor, version.action) == (1, "admin-a", "edit")
    assert version.before["name"] == old_name and version.after["name"] == {"id": "Rekam KTP-el", "en": "KTP-el"}
    assert set(version.before) == set(version.after) == set(catalog_edit.EDITABLE)
    assert ktp().version == 1 and ktp().name["id"] == "Rekam KTP-el"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "service.edit"))
    assert entry.target == "KTP" and entry.before == {"name": old_name} and entry.detail == {"version": 1}


def test_an_edit_based_on_a_stale_version_is_refused_and_changes_nothing():
    service = ktp()
    catalog_edit.edit(service.id, 0, values_of(service, legal_basis="Perpres 96/2018"), "first")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        catalog_edit.edit(service.id, 0, values_of(service, legal_basis="Something else"), "second")
    db.session.rollback()
    assert refused.value.details["current_version"] == 1
    assert ktp().legal_basis == "Perpres 96/2018"
    assert db.session.scalar(select(ServiceVersion.actor).where(ServiceVersion.number == 1)) == "first"


def test_saving_a_service_unchanged_writes_no_version_and_no_audit_entry():
    service = ktp()
    assert catalog_edit.edit(service.id, 0, values_of(service), "admin-a") is None
    db.session.commit()
    assert ktp().version == 0
    assert db.session.scalar(select(ServiceVersion).where(ServiceVersion.service_id == service.id)) is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "service.edit")) is None


def test_an_unchanged_save_from_a_stale_form_is_still_refused():
    service = ktp()
    catalog_edit.edit(service.id, 0, values_of(service, legal_basis="Perpres 96/2018"), "first")
    db.session.commit()
    with pytest.raises(Conflict):
        catalog_edit.edit(service.id, 0, values_of(service), "second")


def test_a_too_long_requirement_is_refused_with_the_reason():
    service = ktp()
    with pytest.raises(DomainError) as refused:
        catalog_edit.edit(service.id, 0, with_requirement(service, "Surat pengantar " * 5), "admin")
    assert refused.value.details["field"] == "requirements_id"
    params = refused.value.details["params"]
    assert params["length"] == len(("Surat pengantar " * 5).strip()) and params["limit"] == 60
    assert (refused.value.message % params).startswith(f"Requirement {len(service.requirements) + 1} has 79")


LENGTH_CASES = [(field, limit) for field, limit in catalog_edit.TEXT_LIMITS.items()]


@pytest.mark.parametrize("field, limit", LENGTH_CASES)
@pytest.mark.parametrize("lang", catalog_edit.LANGS)
def test_each_text_is_refused_one_character_over_its_limit_and_taken_at_it(field, limit, lang):
    service = ktp()
    value = dict(getattr(service, field))
    value[lang] = "x" * (limit + 1)
    with pytest.raises(DomainError) as refused:
        catalog_edit.clean(values_of(service, **{field: value}))
    assert refused.value.details["field"] == f"{field}_{lang}"
    assert refused.value.details["params"] == {"limit": limit, "length": limit + 1}
    value[lang] = value[lang][:limit]
    assert catalog_edit.clean(values_of(service, **{field: value}))[field][lang] == value[lang]


@pytest.mark.parametrize("typed, suggestion", [
    ("Fotokopi \u201cKK\u201d \u2013 asli", 'Fotokopi "KK" - asli'),
    ("Tunggu\u2026", "Tunggu..."),
    ("Pas foto (3x4)", None),
    ("Kartu \U0001f600", None),
    ("Kurung [siku]", None),
    ("Nul\x00di tengah", None),
])
def test_a_text_sms_cannot_carry_is_refused_with_its_gsm_replacement_when_one_exists(typed, suggestion):
    found = catalog_edit.problem(typed)
    assert found is not None
    message, params = found
    if suggestion is None:
        assert "fixed" not in params
    else:
        assert params["fixed"] == suggestion and suggestion in message % params


def test_requirements_must_pair_up_between_the_languages():
    service = ktp()
    lines = values_of(service)["requirements"]
    with pytest.raises(DomainError) as refused:
        catalog_edit.clean(values_of(service, requirements={"id": [*lines["id"], "Surat RT"], "en": lines["en"]}))
    assert refused.value.details["field"] == "requirements_en"


def test_a_name_or_keyword_of_another_service_is_refused():
    service = ktp()
    with pytest.raises(DomainError) as refused:
        catalog_edit.edit(service.id, 0, values_of(service, keywords=["kartu keluarga"]), "admin")
    assert refused.value.details["params"]["code"] == "KK"


def test_revert_restores_the_text_before_a_version_as_a_new_version():
    service = ktp()
    original = catalog_edit.fields_of(service)
    first = catalog_edit.edit(service.id, 0, values_of(service, fee={"id": "Gratis sekali", "en": "Free"}), "a")
    catalog_edit.edit(service.id, 1, values_of(ktp(), fee={"id": "Gratis lagi", "en": "Free again"}), "b")
    db.session.commit()
    undo = catalog_edit.revert(first.id, 2, "c")
    db.session.commit()
    assert (undo.number, undo.action) == (3, "revert")
    assert catalog_edit.fields_of(ktp()) == original
    assert [v.number for v in catalog_edit.history(service.id)] == [3, 2, 1]


def test_retire_hides_a_service_from_citizens_and_restore_brings_it_back():
    service = ktp()
    catalog_edit.set_active(service.id, 0, False, "admin")
    db.session.commit()
    assert catalog.get_service("KTP") is None and "KTP" not in [s.code for s in catalog.services()]
    catalog_edit.set_active(service.id, 1, True, "admin")
    db.session.commit()
    assert catalog.get_service("KTP") is not None


def test_moving_a_service_down_swaps_it_with_the_next_and_versions_both():
    before = [s.code for s in catalog.services()]
    first = ktp()
    catalog_edit.move(first.id, 0, +1, "admin")
    db.session.commit()
    after = [s.code for s in catalog.services()]
    assert after[:2] == [before[1], before[0]] and after[2:] == before[2:]
    moved = db.session.scalars(select(ServiceVersion.action).where(ServiceVersion.action == "move")).all()
    assert len(moved) == 2


def test_moving_the_first_service_up_changes_nothing():
    first = catalog.services()[0]
    catalog_edit.move(first.id, 0, -1, "admin")
    assert first.version == 0 and db.session.scalar(select(ServiceVersion.id)) is None


def test_a_new_service_comes_last_with_a_first_version_and_a_taken_code_is_refused():
    values = values_of(ktp(), name={"id": "Surat keterangan kebun", "en": "Garden letter"},
                       keywords=["kebun", "surat kebun"])
    service = catalog_edit.create("KEBUN", values, "admin")
    db.session.commit()
    assert catalog.services()[-1].code == "KEBUN"
    assert [(v.number, v.before) for v in catalog_edit.history(service.id)] == [(1, None)]
    with pytest.raises(DomainError) as refused:
        catalog_edit.create("KEBUN", values, "admin")
    assert refused.value.details["field"] == "code"


def test_the_data_file_seeds_but_never_overwrites_or_retires_a_service_edited_in_the_console():
    service = ktp()
    catalog_edit.edit(service.id, 0, values_of(service, legal_basis="Edited in the console"), "admin")
    added = catalog_edit.create("KEBUN", values_of(ktp(), name={"id": "Surat kebun", "en": "Garden letter"},
                                                 keywords=["kebun"]), "admin")
    kk = db.session.scalar(select(Service).where(Service.code == "KK"))
    kk.legal_basis = "changed behind the file's back"
    db.session.commit()
    catalog.load_catalog()
    db.session.commit()
    assert ktp().legal_basis == "Edited in the console"
    assert db.session.get(Service, added.id).active
    assert kk.legal_basis != "changed behind the file's back"  # never edited in the console: the file wins


def test_every_edit_raises_the_generation_the_ussd_snapshot_compares():
    start = catalog_edit.generation()
    catalog_edit.set_active(ktp().id, 0, False, "admin")
    assert catalog_edit.generation() == start + 1


def test_the_preview_checklist_is_the_sms_that_will_be_sent_and_says_when_it_is_cut():
    service = ktp()
    shown = catalog_preview.preview(service, "id")
    assert shown.sms == checklist.checklist_sms(service, "id") and not shown.sms_cut
    many = {"id": [f"Syarat nomor {n} yang cukup panjang untuk dibaca warga" for n in range(12)],
            "en": [f"Requirement number {n} long enough to read" for n in range(12)]}
    fields = catalog_edit.clean(values_of(service, requirements=many))
    long = catalog_preview.preview(catalog_preview.unsaved("KTP", fields), "id")
    assert long.sms_cut and long.sms_segments <= checklist.MAX_SEGMENTS
    assert len(long.screens) > len(shown.screens)
    assert all(len(screen) <= 156 for screen in long.screens)
