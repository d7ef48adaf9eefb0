"""The sending rate limit (SMS_RATE_LIMIT messages per second, counted in segments), shared by all workers.

Telcos limit throughput in message parts, so a three-segment text costs three. Every worker reserves
its share of the rate in Redis before a provider call and waits until its reserved moment: a leaky
bucket kept as one "next free moment" number, advanced atomically by a Lua script on Redis's own
clock so workers on different machines agree. 0 turns the limit off.
"""
import time

from flask import current_app

from jobs.queues import connection

KEY = "lekas:sms:next-free"

# Returns how long the caller waits before its reserved slot starts (seconds, as text).
_RESERVE = """
local rate = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free < now then free = now end
local after = free + cost / rate
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', math.ceil((after - now) * 1000) + 1000)
return string.format('%.6f', free - now)
"""


def rate() -> float:
    """Messages (segments) per second allowed, 0 when unlimited."""
    return current_app.config["SMS_RATE_LIMIT"]


def batch_size(segments: int, limit: int) -> int:
    """How many recipients of a `segments`-part text one request may carry: a second's worth, at most `limit`."""
    per_second = rate()
    if not per_second:
        return limit
    return max(1, min(limit, int(per_second // max(segments, 1))))


def reserve(cost: int) -> float:
    """Reserve `cost` segments of the shared rate; returns the seconds to wait before sending (0 if unlimited)."""
    per_second = rate()
    if not per_second or cost <= 0:
        return 0.0
    script = connection().register_script(_RESERVE)
    return float(script(keys=[KEY], args=[per_second, cost]))


def wait_for(cost: int) -> float:
    """Reserve `cost` segments and sleep until they may be sent; returns the time slept."""
    delay = reserve(cost)
    if delay > 0:
        time.sleep(delay)
    return delay
