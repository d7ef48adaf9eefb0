"""The role table of office.roles, tried exhaustively: every role against every guarded console view.

The cases are generated from the table and from the views themselves (each carries the action it needs,
set by `access.requires`), so a new view is covered the day it is added, and an unguarded one fails here.
"""
import re

import pytest

from app import create_app
from extensions import db
from office import apikeys
from office import roles
from tests.helpers import new_application

# Console views every signed-in account may use whatever its role: its own account and session.
OWN_ACCOUNT = {"staff.password", "staff.logout", "staff.language"}
PUBLIC = {"staff.login", "staff.static"}


def guarded_rules():
    """(rule, the action its view needs) of every console view, from a fresh app's URL map."""
    app = create_app({"TESTING": True})
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") and rule.endpoint not in PUBLIC | OWN_ACCOUNT:
            found.append((rule, getattr(app.view_functions[rule.endpoint], "required_action", None)))
    return sorted(found, key=lambda item: (item[0].endpoint, item[0].rule))


RULES = guarded_rules()
CASES = [(role, rule, action) for role in roles.Role for rule, action in RULES]


def test_every_console_view_says_which_action_it_needs():
    unguarded = [rule.endpoint for rule, action in RULES if action is None]
    assert not unguarded, f"views without @access.requires(...): {unguarded}"


def test_every_action_of_the_table_is_used_by_some_view():
    assert {action for _rule, action in RULES} == set(roles.Action)


@pytest.fixture
def world(make_staff):
    """One application in the user's kelurahan (Menteng), another account and an API key to act on."""
    application = new_application(kelurahan="Menteng")
    other = make_staff("viewer", username="someone-else")
    key, _token = apikeys.create_key("Mitra", actor="test")
    db.session.commit()
    return {"reference": application.reference, "username": other.username, "key_id": key.id, "id": key.id,
            "format": "csv", "filename": "console.css"}


def url_for_rule(rule, world) -> str:
    """The rule's path with every variable filled from `world`."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(world[m.group(1)]), rule.rule)


def method_of(rule) -> str:
    """The method a test calls the rule with: GET when it has one, else its only other method."""
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def rule_id(rule) -> str:
    return f"{rule.endpoint}-{method_of(rule)}-{rule.rule}"


@pytest.mark.parametrize("role, rule, action", CASES, ids=[f"{role}-{rule_id(rule)}" for role, rule, _a in CASES])
def test_each_role_reaches_exactly_the_views_the_table_gives_it(staff_client, world, role, rule, action):
    client = staff_client(role, kelurahan="Menteng" if role == roles.Role.KELURAHAN else None)
    path = url_for_rule(rule, world)
    response = client.open(path, method=method_of(rule), data={})
    allowed = roles.may(role, action)
    if allowed:
        assert response.status_code not in (403, 500), (role, path, response.status_code)
    else:
        assert response.status_code == 403, (role, path, response.status_code)


REFERENCE_RULES = [rule for rule, _action in RULES if "<reference>" in rule.rule]


@pytest.mark.parametrize("rule", REFERENCE_RULES, ids=[rule_id(rule) for rule in REFERENCE_RULES])
def test_a_kelurahan_user_gets_not_found_for_another_kelurahans_application_by_url(staff_client, world, rule):
    client = staff_client("kelurahan", kelurahan="Menteng")
    elsewhere = new_application(kelurahan="Palangka")
    path = url_for_rule(rule, {**world, "reference": elsewhere.reference})
    assert client.open(path, method=method_of(rule), data={}).status_code == 404


def test_a_kelurahan_account_sees_only_its_kelurahan_in_lists_search_and_exports(staff_client):
    new_application(kelurahan="Menteng", name="Ani Menteng")
    theirs = new_application(kelurahan="Palangka", name="Ani Palangka")
    client = staff_client("kelurahan", kelurahan="Menteng")
    for query in ({}, {"q": "Ani"}, {"q": theirs.reference}, {"q": theirs.phone}, {"kelurahan": "Palangka"}):
        for path in ("/staff/applications", "/staff/applications/export.csv"):
            answer = client.get(path, query_string=query).get_data(as_text=True)
            assert "Ani Palangka" not in answer, (path, query)
    for path in ("/staff/applications", "/staff/applications/export.csv"):
        assert "Ani Menteng" in client.get(path).get_data(as_text=True)
