"""Screen fitting: GSM-7 cleaning and paging that never cuts a word nor overflows a page."""
from hypothesis import given
from hypothesis import strategies as st

from gateway.ussd.text import clean
from gateway.ussd.text import page_options
from gateway.ussd.text import page_text
from gateway.ussd.text import shorten_label
from gateway.ussd.text import width
from office.gsm import is_gsm7
from tests.strategies import texts as any_text

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.,:-", min_size=1, max_size=12)
lines = st.lists(words, min_size=0, max_size=30).map(" ".join)
texts = st.lists(lines, min_size=1, max_size=8).map("\n".join)


def test_clean_turns_typographic_and_foreign_characters_into_gsm7():
    cleaned = clean("Caf\u00e9 \u201cok\u201d \u2014 Pe\u015fte 😀\r\n  two   spaces")
    assert is_gsm7(cleaned)
    assert cleaned == 'Caf\u00e9 "ok" - Peste ?\ntwo spaces'


@given(any_text(300))
def test_clean_always_gives_gsm7(text):
    assert is_gsm7(clean(text))


@given(texts, st.integers(min_value=20, max_value=156))
def test_pages_fit_the_room_and_keep_every_word_whole(text, room):
    pages = page_text(text, room)
    assert all(width(page) <= room for page in pages)
    assert " ".join(" ".join(pages).split()) == " ".join(text.split())


def test_a_line_that_fits_a_page_is_not_split_across_pages():
    text = "Title\n" + "x" * 50 + "\nDisdukcapil Kota Palangka Raya: (0536) 3222639"
    pages = page_text(text, 60)
    assert pages == ["Title\n" + "x" * 50, "Disdukcapil Kota Palangka Raya: (0536) 3222639"]


def test_a_line_longer_than_a_page_breaks_between_words():
    pages = page_text("one two three four five six seven", 14)
    assert pages == ["one two three", "four five six", "seven"]


def test_only_a_word_longer_than_a_page_is_cut():
    assert page_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_options_are_numbered_from_one_on_every_page():
    pages = page_options([f"Service number {n}" for n in range(10)], 60)
    assert len(pages) > 1
    for page in pages:
        assert [line.split(".")[0] for _, line in page] == [str(n) for n in range(1, len(page) + 1)]
        assert sum(width(line) for _, line in page) + len(page) - 1 <= 60
    assert [index for page in pages for index, _ in page] == list(range(10))


def test_a_label_too_long_for_a_page_is_shortened_at_a_word():
    [[(_, line)]] = page_options(["word " * 30], 40)
    assert line.endswith("word...")
    assert width(line) <= 40


def test_shorten_label_leaves_short_text_alone_and_cuts_long_text_at_a_word():
    assert shorten_label("short", 10) == "short"
    assert shorten_label("Surat keterangan tidak mampu", 20) == "Surat keterangan..."
