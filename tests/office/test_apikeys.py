"""The scope table of API keys: every route of the API, generated from its URL map, asked with a key of each
scope, answers 403 insufficient_scope exactly when the key lacks the route's scope; and the rules of
office.apikeys (scopes, kelurahan, finding a key, counting uses)."""
import pytest

from extensions import db
from office import apikeys
from office.apikeys import Scope
from office.errors import DomainError
from office.errors import NotFound
from office.models import ApiKey

# The scope each route needs (None: any valid key). A new route missing here fails the first test.
EXPECTED = {
    "api.list_services": None,
    "api.get_service": None,
    "api.list_applications": Scope.READ,
    "api.get_application": Scope.READ,
    "api.create_application": Scope.APPLICATIONS_WRITE,
    "api.change_status": Scope.APPLICATIONS_WRITE,
    "api.preview_broadcast": Scope.BROADCAST,
    "api.create_broadcast": Scope.BROADCAST,
    "api.get_broadcast": Scope.READ,
    "api.cancel_broadcast": Scope.BROADCAST,
    "api.list_messages": Scope.MESSAGES_READ,
}
PUBLIC = {"api.openapi"}
SAMPLE_VALUES = {"reference": "1234567890", "broadcast_id": 1, "code": "KTP"}


def api_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every API route, its path parameters filled with sample values."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in PUBLIC:
            continue
        _, path = rule.build({name: SAMPLE_VALUES[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path))
    return routes


def test_every_api_route_has_a_scope_in_the_table(app):
    assert {endpoint for endpoint, _method, _path in api_routes(app)} == set(EXPECTED)
    for endpoint, scope in EXPECTED.items():
        assert app.view_functions[endpoint].required_scope == scope, endpoint


def key_with(scopes) -> str:
    _key, token = apikeys.create_key("scoped", scopes=scopes, actor="test")
    db.session.commit()
    return token


@pytest.mark.parametrize("scope", list(Scope))
def test_a_key_of_one_scope_reaches_exactly_the_routes_of_that_scope(app, client, scope):
    token = key_with([scope])
    for endpoint, method, path in api_routes(app):
        response = client.open(path, method=method, json={}, headers={"Authorization": f"Bearer {token}"})
        needed = EXPECTED[endpoint]
        if needed is None or needed == scope:
            assert response.status_code != 403, (endpoint, response.get_json())
        else:
            assert response.status_code == 403, endpoint
            assert response.get_json() == {"error": {
                "code": "insufficient_scope", "scope": needed.value,
                "message": f"This API key lacks the scope {needed.value!r} this request needs."}}


def test_a_key_from_before_scopes_reaches_every_route(app, client):
    db.session.execute(ApiKey.__table__.insert().values(name="old", prefix="0ld0ld00",
                                                        key_hash=apikeys._hash("lk_0ld0ld00_secret")))  # noqa: SLF001
    db.session.commit()
    key = apikeys.verify("lk_0ld0ld00_secret")
    assert key.scopes is None and apikeys.scopes_of(key) == list(Scope)
    for endpoint, method, path in api_routes(app):
        response = client.open(path, method=method, json={}, headers={"Authorization": "Bearer lk_0ld0ld00_secret"})
        assert response.status_code != 403, endpoint


@pytest.mark.parametrize(("scopes", "kelurahan", "field"), [
    ([], None, "scopes"),
    (["write"], None, "scopes"),
    ("read", None, "scopes"),
    ([Scope.READ, Scope.BROADCAST], "Menteng", "scopes"),
    ([Scope.READ], "Atlantis", "kelurahan"),
    ([Scope.READ], 42, "kelurahan"),
])
def test_a_key_is_refused_unknown_or_no_scopes_broadcast_with_a_kelurahan_and_an_unknown_kelurahan(
        app, scopes, kelurahan, field):
    with pytest.raises(DomainError) as caught:
        apikeys.create_key("Agency", scopes=scopes, kelurahan=kelurahan, actor="test")
    assert caught.value.details["field"] == field


def test_without_scopes_a_new_key_holds_every_scope_listed_and_a_kelurahan_key_all_but_broadcast(app):
    full, _token = apikeys.create_key("Full", actor="test")
    place, _token = apikeys.create_key("Menteng", scopes=[Scope.MESSAGES_READ, Scope.READ], kelurahan="menteng",
                                       actor="test")
    assert full.scopes == [scope.value for scope in Scope] and full.kelurahan_id is None
    assert place.scopes == ["read", "messages:read"] and place.kelurahan.name == "Menteng"
    assert apikeys.may(place, Scope.READ) and not apikeys.may(place, Scope.APPLICATIONS_WRITE)
    assert apikeys.kelurahan_of(place) == place.kelurahan_id and not apikeys.sees_broadcasts(place)


def test_a_key_is_found_by_its_id_or_its_prefix_as_listed(app):
    key, token = apikeys.create_key("Agency", actor="test")
    db.session.commit()
    for text in (str(key.id), key.prefix, f"lk_{key.prefix}", f" lk_{key.prefix}_ ", token):
        assert apikeys.find_key(text) is key, text
    for text in ("", "lk_", "99999", "lk_ffffffff", "1" * 40):
        with pytest.raises(NotFound):
            apikeys.find_key(text)


def test_each_verification_counts_one_use_in_redis_and_folding_moves_them_to_the_row_once(app, redis):
    key, token = apikeys.create_key("Agency", actor="test")
    other, _token = apikeys.create_key("Other", actor="test")
    db.session.commit()
    assert apikeys.usage([key])[key.id] == apikeys.Usage(0, None)
    for _ in range(3):
        apikeys.verify(token)
    assert apikeys.verify(token + "x") is None
    db.session.commit()
    assert (key.use_count, key.last_used_at) == (0, None)  # no write to the row per request
    counted = apikeys.usage([key, other])
    assert counted[key.id].count == 3 and counted[key.id].last_used_at is not None
    assert counted[other.id] == apikeys.Usage(0, None)
    assert apikeys.fold_uses() == 3
    assert (key.use_count, key.last_used_at) == (3, counted[key.id].last_used_at)
    assert redis.hgetall(apikeys.USES) == {} and redis.hgetall(apikeys.LAST_USED) == {}
    assert apikeys.fold_uses() == 0 and key.use_count == 3
    apikeys.verify(token)
    db.session.commit()
    assert apikeys.usage([key])[key.id].count == 4
    assert apikeys.fold_uses() == 1 and key.use_count == 4 and other.use_count == 0


def test_with_redis_down_a_use_is_counted_in_the_row(app, make_app):
    from tests.redis_server import free_port

    dead = make_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with dead.app_context():
        key, token = apikeys.create_key("Agency", actor="test")
        db.session.commit()
        key_id = key.id
    response = dead.test_client().get("/api/v1/services", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    row = db.session.get(ApiKey, key_id)
    assert row.use_count == 1 and row.last_used_at is not None


def test_the_workers_housekeeping_folds_the_counted_uses(app):
    from jobs import schedule

    key, token = apikeys.create_key("Agency", actor="test")
    db.session.commit()
    apikeys.verify(token)
    apikeys.verify(token)
    assert schedule.housekeeping()["api_key_uses"] == 2
    assert key.use_count == 2
