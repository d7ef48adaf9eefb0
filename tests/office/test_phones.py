import pytest

from office.phones import InvalidPhone
from office.phones import normalize
from office.phones import normalize_mobile
from office.privacy import mask_name
from office.privacy import mask_phone


@pytest.mark.parametrize("raw", [
    "081234567890", "0812-3456-7890", "6281234567890", "+6281234567890", "+62 812-3456-7890",
    " 0812 3456 7890 ", "(0812) 3456 7890", "62 812 3456 7890",
])
def test_indonesian_mobile_forms_become_e164(raw):
    assert normalize(raw) == "+6281234567890"


def test_landline_of_palangka_raya_is_accepted():
    assert normalize("(0536) 3222639") == "+625363222639"


@pytest.mark.parametrize("raw", ["", None, "12", "08", "abc", "0812", "+1 555", "9" * 40, "081234567890123456"])
def test_invalid_numbers_get_a_clear_error(raw):
    with pytest.raises(InvalidPhone) as info:
        normalize(raw)
    assert info.value.code == "invalid_phone"
    assert info.value.message


@pytest.mark.parametrize("raw", ["081234567890", "+62 811-520-1234", "0857 9876 0005", "62895123456789"])
def test_applicants_indonesian_mobiles_are_accepted(raw):
    assert normalize_mobile(raw) == normalize(raw)


@pytest.mark.parametrize("raw", [
    "+14155552671",  # a valid number, but abroad: the receipt SMS would go overseas
    "0536 3221234",  # a Palangka Raya landline: no SMS arrives
    "(0536) 3222639", "+62 21 5550 1234", "+60 12-345 6789", "+442079460958",
])
def test_applicants_foreign_and_landline_numbers_are_refused_with_a_clear_error(raw):
    with pytest.raises(InvalidPhone) as info:
        normalize_mobile(raw)
    assert info.value.code == "invalid_phone"
    assert "Indonesian mobile number" in info.value.message


def test_masking_hides_the_middle_of_names_and_numbers():
    assert mask_name("Budi Santoso") == "B*** S******"
    assert mask_phone("+6281234567890") == "+62812****7890"
