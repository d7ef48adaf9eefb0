import itertools
import random

from hypothesis import given

from office import references
from tests.strategies import texts


def sample_references(n=300, seed=7):
    rng = random.Random(seed)
    bodies = {"".join(rng.choice("0123456789") for _ in range(references.BODY_DIGITS)) for _ in range(n)}
    return [b + references.check_digit(b) for b in sorted(bodies)]


def test_generated_references_are_ten_digits_with_a_valid_check_digit():
    for _ in range(500):
        ref = references.generate()
        assert len(ref) == 10 and ref.isdigit() and ref[0] != "0"
        assert references.is_valid(ref)


def test_every_single_digit_error_is_caught():
    for ref in sample_references():
        for position, wrong in itertools.product(range(len(ref)), "0123456789"):
            if wrong != ref[position]:
                typo = ref[:position] + wrong + ref[position + 1:]
                assert not references.is_valid(typo), (ref, typo)


def test_every_adjacent_swap_is_caught():
    for ref in sample_references():
        for i in range(len(ref) - 1):
            if ref[i] != ref[i + 1]:
                swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
                assert not references.is_valid(swapped), (ref, swapped)


def test_generated_references_are_not_sequential():
    refs = [int(references.generate()[:-1]) for _ in range(200)]
    gaps = {b - a for a, b in itertools.pairwise(refs)}
    assert len(set(refs)) == 200 and len(gaps) > 150


def test_classify_says_what_is_wrong():
    ref = references.generate()
    wrong_last = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    assert references.classify(ref) == "ok"
    assert references.classify(ref[:3] + " " + ref[3:6] + "-" + ref[6:]) == "ok"
    assert references.classify(wrong_last) == "check_digit"
    assert references.classify(ref[:-1]) == "format"
    assert references.classify("12345abcde") == "format"
    assert references.classify("١٢٣٤٥٦٧٨٩٠") == "format"


@given(texts(30))
def test_classify_never_crashes_on_any_text(text):
    assert references.classify(text) in {"ok", "format", "check_digit"}
