"""The API's limit: counted per key (per address without one), answered with the API's own JSON error and a
Retry-After, and one partner's burst never slows another's key."""
from extensions import db
from office import apikeys


def test_a_key_over_its_limit_gets_a_json_429_with_retry_after_and_other_keys_carry_on(api, client, settings):
    settings(API_RATE_LIMIT="3 per minute")
    assert [api.get("/api/v1/services").status_code for _ in range(3)] == [200] * 3
    refused = api.get("/api/v1/services")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests" and int(refused.headers["Retry-After"]) > 0
    _key, other = apikeys.create_key("other-agency", actor="test")
    db.session.commit()
    assert client.get("/api/v1/services", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_without_a_key_requests_are_counted_per_address(client, settings):
    settings(API_RATE_LIMIT="2 per minute")
    assert [client.get("/api/v1/services").status_code for _ in range(3)] == [401, 401, 429]
    assert client.get("/api/v1/services", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 401


def test_every_operation_in_the_document_lists_the_429(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert all("429" in operation["responses"] for operations in paths.values() for operation in operations.values())
