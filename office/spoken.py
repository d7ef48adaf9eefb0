"""Numbers and queue calls as they are said aloud in Bahasa Indonesia, for the lobby's announcements."""

_ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
         "sebelas")


def number_words(n: int) -> str:
    """`n` (0 to 999,999) in words: 12 -> "dua belas", 101 -> "seratus satu", 1000 -> "seribu"."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"{n} is out of range")
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
        return head + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
    return head + (f" {number_words(rest)}" if rest else "")


def queue_call(letter: str, seq: int, counter: str) -> str:
    """The sentence the display speaks: "Nomor antrian A dua belas, silakan ke loket dua".

    `counter` is the counter's code; a code of digits is said as a number, any other code letter by letter.
    """
    place = number_words(int(counter)) if counter.isdigit() else " ".join(counter)
    return f"Nomor antrian {letter} {number_words(seq)}, silakan ke loket {place}"
