"""Hypothesis strategies the fuzzers share: text as outsiders send it, lone UTF-16 surrogates included.

Hypothesis leaves surrogates out of text unless asked, and JSON can spell one ("\\ud800"), so every
fuzzer draws its text from here.
"""
from urllib.parse import urlencode

from hypothesis import strategies as st

surrogates = st.characters(categories=["Cs"])


def texts(max_size: int = 200, min_size: int = 0) -> st.SearchStrategy[str]:
    """Any text up to `max_size` characters, often with a lone surrogate somewhere in it."""
    anything = st.text(st.characters(exclude_categories=()), min_size=min_size, max_size=max_size)
    with_surrogate = st.builds(lambda head, odd, tail: (head + odd + tail)[:max(max_size, 1)],
                               st.text(max_size=max_size // 2), surrogates, st.text(max_size=max_size // 2))
    return st.one_of(anything, with_surrogate) if max_size else anything


def form_body(form: dict) -> bytes:
    """`form` URL-encoded as a client would send it; a surrogate goes out as the bytes UTF-8 would give it."""
    return urlencode(form, encoding="utf-8", errors="surrogatepass").encode("ascii")


def as_received(value: str) -> str:
    """`value` as a telco webhook reads it from such a body: each surrogate's bytes become replacement
    marks, and NUL characters are dropped (gateway.drop_nul_characters)."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\x00", "")


FORM = "application/x-www-form-urlencoded"
