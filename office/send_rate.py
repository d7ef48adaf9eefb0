"""How fast the provider in use sends, and so how long a broadcast takes: a modem sends a few SMS a minute,
and a broadcast preview must say so before anyone confirms it."""
import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Duration:
    """About how long sending `segments` SMS takes at `per_minute` SMS (segments) a minute."""

    minutes: int  # rounded up; at least 1
    per_minute: float


def per_minute(config: Mapping) -> float | None:
    """The SMS (segments) per minute the provider in use sends: GAMMU_SEND_RATE for the office's modem,
    SMS_RATE_LIMIT (per second) for Africa's Talking; None when nothing limits it."""
    if config.get("SMS_PROVIDER") == "gammu":
        return config.get("GAMMU_SEND_RATE")
    per_second = config.get("SMS_RATE_LIMIT") or 0
    return per_second * 60 or None


def duration(segments: int, config: Mapping) -> Duration | None:
    """How long `segments` SMS take with the provider in use; None when its speed is not limited."""
    rate = per_minute(config)
    if not rate or segments <= 0:
        return None
    return Duration(max(1, math.ceil(segments / rate)), rate)


def broadcast_segments(by_language: Mapping[str, int], segments: Mapping[str, int]) -> int:
    """The SMS a broadcast sends: each language's recipients times its text's segments."""
    return sum(count * (segments.get(lang) or 0) for lang, count in by_language.items())
