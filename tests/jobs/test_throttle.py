"""The shared sending rate limit in Redis."""
import threading

from jobs import throttle


def test_without_a_limit_nothing_waits(app, settings):
    assert throttle.reserve(1000) == 0.0
    assert throttle.batch_size(3, 500) == 500


def test_reservations_queue_up_by_segments_at_the_configured_rate(app, settings):
    settings(SMS_RATE_LIMIT=10)
    waits = [throttle.reserve(5) for _ in range(4)]  # 5 segments = half a second each
    assert waits[0] < 0.05
    for previous, current in zip(waits, waits[1:]):
        assert 0.45 < current - previous < 0.55


def test_workers_share_one_budget(app, settings):
    settings(SMS_RATE_LIMIT=20)
    waits = []

    def take():
        with app.app_context():
            waits.append(throttle.reserve(10))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(wait * 2) / 2 for wait in waits) == [0.0, 0.5, 1.0, 1.5]


def test_a_request_carries_a_seconds_worth_of_segments(app, settings):
    settings(SMS_RATE_LIMIT=10)
    assert throttle.batch_size(1, 500) == 10
    assert throttle.batch_size(3, 500) == 3
    assert throttle.batch_size(20, 500) == 1
    assert throttle.batch_size(1, 4) == 4
