"""Phones' languages in Redis follow the citizens table: written after a commit, never after a rollback, and a
fill from the database never overwrites a change."""
from extensions import db
from office import catalog
from office import citizens
from office import language_cache

PHONE = "+6281234567890"


def cached(redis, phone=PHONE):
    return redis.get(language_cache.key(phone))


def test_a_committed_change_of_language_is_cached_for_a_day(app, redis):
    citizens.set_language(PHONE, "en")
    assert cached(redis) is None
    db.session.commit()
    assert cached(redis) == "en"
    assert 0 < redis.ttl(language_cache.key(PHONE)) <= language_cache.TTL_SECONDS == 24 * 3600


def test_a_new_citizen_is_cached_with_the_language_it_was_given(app, redis):
    citizens.subscribe(PHONE)
    db.session.commit()
    assert cached(redis) == "id"
    redis.delete(language_cache.key(PHONE))
    citizens.subscribe(PHONE, catalog.find_kelurahan("Menteng"))
    db.session.commit()
    # A change that leaves the language alone has nothing to cache.
    assert cached(redis) is None


def test_a_rolled_back_change_is_not_cached(app, redis):
    citizens.set_language(PHONE, "en")
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert cached(redis) is None


def test_a_phone_without_a_record_is_read_as_unknown_and_takes_the_default(app):
    assert language_cache.from_database(PHONE) == language_cache.UNKNOWN_PHONE
    assert language_cache.resolve(language_cache.UNKNOWN_PHONE, "en") == "en"
    citizens.set_language(PHONE, "id")
    assert language_cache.resolve(language_cache.from_database(PHONE), "en") == "id"


def test_a_fill_leaves_a_change_cached_meanwhile(app, redis):
    # A reader read "id" from the database; before it fills the cache, the phone switches to English.
    citizens.set_language(PHONE, "en")
    db.session.commit()
    with redis.pipeline(transaction=False) as pipe:
        language_cache.fill(pipe, PHONE, "id")
        pipe.execute()
    assert cached(redis) == "en"
    with redis.pipeline(transaction=False) as pipe:
        language_cache.fill(pipe, "+6281234567891", "")
        pipe.execute()
    assert cached(redis, "+6281234567891") == language_cache.UNKNOWN_PHONE
