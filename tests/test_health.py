def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_is_503_when_redis_is_unreachable(make_app):
    from tests.redis_server import free_port

    app = make_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    app.extensions["redis"] = type(app.extensions["redis"]).from_url(
        app.config["REDIS_URL"], socket_connect_timeout=0.5)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unavailable"
