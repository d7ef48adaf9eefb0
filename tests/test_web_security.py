"""Security headers on every kind of answer, HSTS over HTTPS only, the proxy believed only when configured,
Secure cookies in production, and pages that run in Chromium with no Content-Security-Policy violation."""
import pytest

import web_security
from tests.helpers import signed_in_page

# One of each kind of answer: pages, JSON, the telco's plain text, static files, errors, redirects.
ANSWERS = [
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/staff/login"),
    ("GET", "/staff/"),  # a redirect to the sign-in page
    ("GET", "/layanan"),
    ("GET", "/kiosk/"),
    ("GET", "/kiosk/display"),
    ("GET", "/api/v1/applications"),  # refused without a key
    ("POST", "/ussd"),
    ("GET", "/staff/static/console.css"),
    ("GET", "/no-such-page"),
]


@pytest.mark.parametrize(("method", "path"), ANSWERS)
def test_every_kind_of_answer_carries_the_security_headers(client, method, path):
    with client.open(path, method=method,
                     data={"sessionId": "h1", "phoneNumber": "+6281234567890", "text": ""}) as answer:
        assert answer.status_code < 500
        for name, value in web_security.HEADERS.items():
            assert answer.headers.get(name) == value, name
        assert "Strict-Transport-Security" not in answer.headers


def test_the_policy_allows_no_inline_script_or_style_and_no_framing():
    policy = dict(part.split(" ", 1) for part in web_security.CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


def test_https_answers_ask_the_browser_to_keep_to_https(client):
    answer = client.get("/layanan", base_url="https://lekas.example")
    assert answer.headers["Strict-Transport-Security"] == web_security.HSTS


def test_forwarded_headers_are_ignored_unless_a_proxy_is_configured(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = make_app().test_client().get("/layanan", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers
    behind_nginx = make_app({"PROXY_HOPS": 1})
    assert "Strict-Transport-Security" in behind_nginx.test_client().get("/layanan", headers=forwarded).headers


def test_behind_the_proxy_the_client_address_is_the_forwarded_one(make_app):
    seen = []
    app = make_app({"PROXY_HOPS": 1})
    app.before_request(lambda: seen.append(__import__("flask").request.remote_addr))
    app.test_client().get("/layanan", headers={"X-Forwarded-For": "203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == ["203.0.113.9"]


def test_in_production_cookies_are_secure_http_only_and_same_site(make_app, production):
    client = make_app().test_client()
    session_cookie = client.get("/staff/login", base_url="https://lekas.example").headers["Set-Cookie"]
    language_cookie = client.get("/layanan?lang=en", base_url="https://lekas.example").headers["Set-Cookie"]
    for cookie in (session_cookie, language_cookie):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_outside_production_cookies_also_work_over_plain_http(client):
    assert "Secure" not in client.get("/layanan?lang=en").headers["Set-Cookie"]


# Pages whose scripts do the most: a violation would show as a console error and as an event.
BROWSED = ["/staff/", "/staff/broadcasts/new", "/staff/applications", "/staff/intake", "/staff/counter",
           "/staff/inbox", "/staff/catalog", "/staff/report", "/kiosk/", "/kiosk/display", "/layanan", "/cek"]


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy_in_chromium(browser, live_server, make_staff):
    page = signed_in_page(browser, live_server, make_staff("admin"))
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and violations.append(f"{page.url}: {message.text[:160]}"))
    page.add_init_script("document.addEventListener('securitypolicyviolation',"
                         " e => console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))")
    for path in BROWSED:
        answer = page.goto(f"{live_server.url}{path}")
        assert answer.status < 400, path
        page.wait_for_load_state("networkidle")
    assert violations == []
