"""SMS part counting inside the simulator (GSM-7 and UCS-2)."""
import pytest

from simulator.segments import count_segments


@pytest.mark.parametrize("text, parts", [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("€" * 80, 1),          # 160 septets: each extension character costs two
    ("€" * 81, 2),
    ("a" * 152 + "€", 1),   # 154 septets still fit one 160-septet message
    ("a" * 159 + "€", 2),   # 161 septets
    ("é" * 160, 1),         # é is in the GSM-7 alphabet
    ("ê" * 70, 1),          # ê is not: UCS-2
    ("ê" * 71, 2),
    ("ê" * 134, 2),
    ("ê" * 135, 3),
    ("😀" * 35, 1),         # each emoji is two UTF-16 units
    ("😀" * 36, 2),
])
def test_count_segments(text, parts):
    assert count_segments(text) == parts


def test_escape_pair_never_straddles_two_parts():
    # 152 plain + one extension char = 154 septets in the first 153-septet part: it moves whole.
    assert count_segments("a" * 152 + "€" + "a" * 10) == 2
    assert count_segments("a" * 152 + "€" + "a" * 152) == 3

