import pytest

from office.phones import InvalidPhone
from office.phones import normalize
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


def test_masking_hides_the_middle_of_names_and_numbers():
    assert mask_name("Budi Santoso") == "B*** S******"
    assert mask_phone("+6281234567890") == "+62812****7890"
