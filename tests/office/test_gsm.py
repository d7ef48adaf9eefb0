import pytest
from hypothesis import given
from hypothesis import strategies as st

from office.gsm import GSM7_BASIC
from office.gsm import GSM7_EXTENDED
from office.gsm import SmsLength
from office.gsm import analyze
from office.gsm import fits_one_segment
from office.gsm import is_gsm7
from office.gsm import segments
from office.gsm import to_gsm
from tests.strategies import texts

EMOJI = "\U0001f600"  # outside the BMP: a surrogate pair, two UTF-16 units
TYPOGRAPHIC = "\u2018\u2019\u201a\u2032\u201c\u201d\u201e\u2033\u2013\u2014\u2012\u2212\u2026\u00a0\u2009\u202f\u2022"


def test_alphabet_tables_have_the_gsm_03_38_sizes():
    assert len(GSM7_BASIC) == 127  # 128 positions minus the escape
    assert GSM7_EXTENDED == frozenset("^{}\\[]~|€\f")
    assert not GSM7_BASIC & GSM7_EXTENDED


def test_empty_text_is_one_gsm_segment():
    assert analyze("") == SmsLength("GSM-7", 0, 1, 160)


@pytest.mark.parametrize(
    ("length", "expected"),
    [(160, SmsLength("GSM-7", 160, 1, 160)),
     (161, SmsLength("GSM-7", 161, 2, 153)),
     (306, SmsLength("GSM-7", 306, 2, 153)),
     (307, SmsLength("GSM-7", 307, 3, 153))],
)
def test_gsm7_segment_boundaries(length, expected):
    assert analyze("a" * length) == expected


@pytest.mark.parametrize(
    ("length", "expected"),
    [(70, SmsLength("UCS-2", 70, 1, 70)),
     (71, SmsLength("UCS-2", 71, 2, 67)),
     (134, SmsLength("UCS-2", 134, 2, 67)),
     (135, SmsLength("UCS-2", 135, 3, 67))],
)
def test_ucs2_segment_boundaries(length, expected):
    # One Cyrillic letter makes the message UCS-2; the rest are BMP letters of one unit.
    assert analyze("\u0416" * length) == expected


def test_extension_characters_cost_two_septets():
    assert analyze("[x]") == SmsLength("GSM-7", 5, 1, 160)
    assert analyze("€" * 80).units == 160
    assert fits_one_segment("€" * 80)
    assert not fits_one_segment("€" * 80 + "a")


def test_escaped_character_never_straddles_a_part_boundary():
    # 152 septets then a 2-septet char: it would end at septet 154, so it moves to part 2.
    text = "a" * 152 + "{" + "b" * 152
    result = analyze(text)
    assert result.units == 306  # would fit two 153-septet parts if splitting were allowed
    assert result.segments == 3


def test_escaped_character_exactly_filling_a_part_stays_in_it():
    text = "a" * 151 + "{" + "b" * 153
    assert analyze(text) == SmsLength("GSM-7", 306, 2, 153)


def test_emoji_forces_ucs2_and_counts_two_units():
    result = analyze("Halo " + EMOJI)
    assert result == SmsLength("UCS-2", 7, 1, 70)
    assert analyze(EMOJI * 35) == SmsLength("UCS-2", 70, 1, 70)
    assert analyze(EMOJI * 35 + "a").segments == 2


def test_surrogate_pair_never_straddles_a_part_boundary():
    text = "a" * 66 + EMOJI + "b" * 66
    result = analyze(text)
    assert result.units == 134  # would fit two 67-unit parts if splitting were allowed
    # Part one takes 66 units; the pair would end at unit 68, so it opens part two.
    assert result.segments == 3
    assert analyze("a" * 65 + EMOJI + "b" * 67).segments == 2


def test_one_curly_quote_turns_a_message_into_ucs2_and_to_gsm_fixes_it():
    text = "Berkas Anda \u201csiap diambil\u201d di loket 1 \u2013 terima kasih\u2026"
    assert analyze(text).encoding == "UCS-2"
    cleaned = to_gsm(text)
    assert cleaned == 'Berkas Anda "siap diambil" di loket 1 - terima kasih...'
    assert analyze(cleaned).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("\u2018a\u2019", "'a'"), ("\u201ca\u201d", '"a"'), ("\u201ea\u2033", '"a"'),
     ("5\u20327", "5'7"), ("a\u2014b\u2013c\u2212d\u2012e", "a-b-c-d-e"), ("\u2022 KK", "- KK"),
     ("08.00\u00a0WIB", "08.00 WIB"), ("a\u2009b\u202fc\tq", "a b c q"), ("tunggu\u2026", "tunggu...")],
)
def test_to_gsm_replaces_typographic_lookalikes(raw, clean):
    assert to_gsm(raw) == clean


def test_to_gsm_leaves_emoji_and_gsm_text_alone():
    assert to_gsm("Terima kasih " + EMOJI) == "Terima kasih " + EMOJI
    assert to_gsm("Biaya: Gratis [KTP] 100%") == "Biaya: Gratis [KTP] 100%"


def test_is_gsm7_and_segments_helpers():
    assert is_gsm7("SYARAT KTP @ loket 1, £ ¥ è Ä ñ §")
    assert not is_gsm7("caf\u00ea")  # ê is not in the default alphabet
    assert not is_gsm7("\u201c")
    assert segments("a" * 161) == 2


any_text = st.text(
    alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENDED) + list(TYPOGRAPHIC) + [EMOJI, "\u0416"]),
    max_size=400,
)


@given(any_text, texts(5, min_size=1))
def test_segments_never_drop_when_text_grows(text, suffix):
    assert segments(text + suffix) >= segments(text)


@given(texts(200))
def test_to_gsm_is_idempotent(text):
    once = to_gsm(text)
    assert to_gsm(once) == once


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC) + list(TYPOGRAPHIC)), max_size=300))
def test_to_gsm_of_replaceable_text_is_gsm7(text):
    assert is_gsm7(to_gsm(text))


@given(any_text)
def test_segments_fit_their_units(text):
    result = analyze(text)
    # Packing can only waste one unit per part (a 2-unit char pushed on), never more.
    assert result.segments * result.per_segment >= result.units
    assert (result.segments - 1) * (result.per_segment - 1) < max(result.units, 1)
