import itertools

import pytest

from gateway.sms import keywords
from gateway.sms.keywords import parse


@pytest.mark.parametrize("text, action, lang", [
    ("SYARAT KTP", keywords.SYARAT, "id"),
    ("info ktp", keywords.SYARAT, None),
    ("Req KK", keywords.SYARAT, "en"),
    ("STATUS 1234567890", keywords.STATUS, None),
    ("cek 1234567890", keywords.STATUS, "id"),
    ("DAFTAR Menteng", keywords.DAFTAR, "id"),
    ("join", keywords.DAFTAR, "en"),
    ("STOP", keywords.STOP, None),
    ("berhenti", keywords.STOP, "id"),
    ("UNREG", keywords.STOP, None),
    ("SARAN antrean lama", keywords.FEEDBACK, "id"),
    ("aduan petugas tidak ada", keywords.FEEDBACK, "id"),
    ("feedback queue too long", keywords.FEEDBACK, "en"),
    ("BAHASA EN", keywords.BAHASA, "id"),
    ("lang id", keywords.BAHASA, "en"),
    ("BANTUAN", keywords.HELP, "id"),
    ("help", keywords.HELP, "en"),
    ("Menu", keywords.HELP, None),
])
def test_every_keyword_is_recognised_with_its_language(text, action, lang):
    command = parse(text)
    assert (command.action, command.lang, command.recognised) == (action, lang, True)


@pytest.mark.parametrize("text", [
    "syarat ktp", "SYARAT#KTP", "syarat*ktp", "Syarat.ktp", "syarat,ktp", "  SYARAT   KTP  ", "#SYARAT#KTP#",
    "*syarat*ktp*", "Syarat: KTP", "syarat!! ktp", "\tSYARAT\nKTP", "ＳＹＡＲＡＴ ＫＴＰ",
])
def test_case_separators_and_extra_punctuation_do_not_matter(text):
    command = parse(text)
    assert command.action == keywords.SYARAT
    assert command.argument.strip("#*.").upper() == "KTP"


@pytest.mark.parametrize("typo, action", [
    ("SYARAR ktp", keywords.SYARAT),  # one letter wrong
    ("SYRAT ktp", keywords.SYARAT),  # one letter missing
    ("STATSU 1234567890", keywords.STATUS),  # two letters swapped
    ("DAFFTAR", keywords.DAFTAR),  # one letter too many
    ("SRAN antrean", keywords.FEEDBACK),
    ("ADUANN jalan rusak", keywords.FEEDBACK),
    ("FEEDBAK slow", keywords.FEEDBACK),
    ("BAHASE en", keywords.BAHASA),
    ("BANTUN", keywords.HELP),
    ("HELPP", keywords.HELP),
    ("JION", keywords.DAFTAR),
])
def test_one_wrong_letter_in_a_keyword_is_forgiven(typo, action):
    assert parse(typo).action == action
    assert parse(typo).recognised


@pytest.mark.parametrize("text", [
    "halo pak", "", "   ", "!!!", "SYARRAATT ktp", "top", "rq ktp", "ce 1234567890", "مرحبا", "😀😀", "12345",
    "STOPSTOP", "terima kasih",
])
def test_anything_else_is_an_unrecognised_request_for_help(text):
    command = parse(text)
    assert command.action == keywords.HELP
    assert not command.recognised


@pytest.mark.parametrize("near_miss", [
    "STOK KTP habis?", "STOK", "SHOP", "SETOP", "SIOP", "ATOP", "STPO", "SOTP", "STOPP", "STO", "TOP",
    "SLOP", "STOB", "STEP", "BERHENTII", "BERHENT", "BRHENTI", "BERHETNI", "UNRGE", "UNREGG", "UNRE",
])
def test_a_near_miss_of_stop_is_never_an_opt_out(near_miss):
    command = parse(near_miss)
    assert command.action == keywords.HELP and not command.recognised


@pytest.mark.parametrize("typed", [
    "stop", "Stop", " STOP ", "STOP.", "stop!!", "#stop#", "*STOP*", "ＳＴＯＰ", "Berhenti!", "unreg#",
    "STOP semua sms",
])
def test_stop_typed_exactly_is_an_opt_out_whatever_the_case_spacing_or_punctuation(typed):
    assert parse(typed).action == keywords.STOP


def test_two_typos_or_a_short_keyword_with_a_typo_are_not_guessed():
    assert not parse("SYRAAD ktp").recognised  # two edits
    assert not parse("REK ktp").recognised  # REQ is too short to guess
    assert not parse("CEX 1234567890").recognised


def test_a_word_one_letter_from_two_keywords_is_not_guessed():
    # SARAT is one letter from SYARAT and from SARAN: guessing either could file a complaint by mistake.
    assert not parse("SARAT ktp").recognised


def test_fuzzy_keywords_are_far_enough_apart_that_one_typo_names_at_most_one():
    long_ones = [k for k in keywords.KEYWORDS if len(k) >= keywords.FUZZY_MIN_LENGTH]
    for a, b in itertools.combinations(long_ones, 2):
        if keywords.KEYWORDS[a].action != keywords.KEYWORDS[b].action:
            assert keywords.edit_distance(a, b, limit=5) >= 2, (a, b)


@pytest.mark.parametrize("text", ["1234567890", "123-456-7890", "123 456 7890", "  1234.567.890 ", "#1234567890#"])
def test_a_bare_reference_is_a_status_request(text):
    command = parse(text)
    assert command.action == keywords.STATUS
    assert keywords.reference_in(command.argument).replace("-", "").replace(" ", "").replace(".", "") == "1234567890"


def test_status_argument_keeps_digits_and_drops_surrounding_words():
    assert keywords.reference_in(parse("STATUS no. 123-456 7890 tolong").argument) == "123-456 7890"
    assert keywords.reference_in(parse("STATUS1234567890").argument) == "1234567890"
    assert keywords.reference_in(parse("STATUS").argument) == ""
    assert keywords.reference_in(parse("STATUS saya").argument) == ""


def test_feedback_keeps_the_citizen_text_and_its_category():
    command = parse("Saran: Antrean di loket 2 terlalu lama, mohon tambah petugas!")
    assert command.category == "saran"
    assert command.argument == "Antrean di loket 2 terlalu lama, mohon tambah petugas!"
    assert parse("ADUAN jalan rusak").category == "aduan"
    assert parse("FEEDBACK nice").category == "lainnya"


@pytest.mark.parametrize("argument, lang", [
    ("EN", "en"), ("en", "en"), ("english", "en"), ("Inggris", "en"), ("ENGLSH", "en"),
    ("ID", "id"), ("indo", "id"), ("Indonesia", "id"), ("INDONESA", "id"), ("#id#", "id"),
    ("", None), ("FR", None), ("jawa", None), ("123", None),
])
def test_language_argument(argument, lang):
    assert keywords.language_in(argument) == lang


def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert keywords.edit_distance("STATUS", "STAUTS") == 1
    assert keywords.edit_distance("STOP", "STOP") == 0
    assert keywords.edit_distance("STOP", "SHOP") == 1
    assert keywords.edit_distance("DAFTAR", "DFATRA") == 2
    assert keywords.edit_distance("A", "ABCDEFG") == 2  # capped at the limit


@pytest.mark.parametrize(("text", "plain"), [
    ("Sudah beres pak", True),
    ("12345", True),
    ("STOPP", False),  # a near miss of a keyword that must be typed exactly
    ("STOK habis", False),
    ("", False),
    ("   ", False),
    ("SARAN antrean lama", False),
    ("HELPP", False),
])
def test_plain_text_is_marked_so_it_may_answer_a_ticket(text, plain):
    command = parse(text)
    assert command.plain is plain
    assert command.argument == (text.strip() if plain else command.argument)
