import re


def test_services_list_has_the_catalog_in_both_languages(api):
    response = api.get("/api/v1/services")
    assert response.status_code == 200
    services = response.get_json()["services"]
    assert len(services) >= 12
    ktp = next(s for s in services if s["code"] == "KTP")
    assert ktp["name"]["id"] and ktp["name"]["en"] and ktp["requirements"]
    assert ktp["fee"]["id"] == "Gratis"


def test_one_service_by_code_case_insensitively(api):
    assert api.get("/api/v1/services/kk").get_json()["code"] == "KK"


def test_unknown_service_is_a_json_404(api):
    response = api.get("/api/v1/services/NOPE")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_requests_without_a_valid_key_are_refused(client):
    for headers in ({}, {"Authorization": "Bearer lk_nope_nope"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer"}):
        response = client.get("/api/v1/services", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_unknown_api_route_is_a_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_document_needs_no_key_and_lists_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    documented = {"/api/v1" + p.replace("{", "<").replace("}", ">") for p in doc["paths"]}
    # A converter such as <int(max=...):broadcast_id> is Flask's detail; the document names the parameter.
    routes = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/")}
    routes.discard("/api/v1/openapi.json")
    assert routes <= documented, routes - documented
