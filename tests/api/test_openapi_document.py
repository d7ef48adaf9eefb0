"""The OpenAPI document's own promises: its patterns mean what the code does, and the changes partners were told
about (409 with current_status, invalid_text, Indonesian mobile phones) are documented."""
import re

import phonenumbers
from hypothesis import given
from hypothesis import strategies as st

from api.openapi import NOT_BLANK
from api.phones import MOBILE_PATTERN
from office.errors import DomainError
from office.fields import text_field
from office.phones import normalize


def error_codes(response: dict) -> list[str]:
    return response["content"]["application/json"]["schema"]["properties"]["error"]["properties"]["code"]["enum"]


def blank(text: str) -> bool:
    try:
        return text_field(text, "text", required=True) is None
    except DomainError:
        return True


def test_not_blank_is_exactly_what_a_required_text_refuses():
    for code_point in range(0x110000):
        char = chr(code_point)
        if 0xD800 <= code_point <= 0xDFFF:
            continue
        assert (re.search(NOT_BLANK, char) is None) == blank(char), hex(code_point)


@given(st.from_regex(re.compile(MOBILE_PATTERN)))
def test_every_number_of_the_documented_shape_is_an_indonesian_mobile(raw):
    number = phonenumbers.parse(normalize(raw))
    assert number.country_code == 62
    assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_the_document_lists_the_catalog_and_the_announced_changes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    assert "KTP" in schemas["ServiceCode"]["enum"] and "Menteng" in schemas["Kelurahan"]["enum"]
    conflict = paths["/applications/{reference}/status"]["post"]["responses"]["409"]
    assert {"illegal_transition", "conflict"} <= set(error_codes(conflict))
    assert "current_status" in conflict["content"]["application/json"]["schema"]["properties"]["error"]["required"]
    for path, method in [("/applications", "post"), ("/applications/{reference}/status", "post"),
                         ("/broadcasts", "post"), ("/broadcasts/preview", "post")]:
        assert "invalid_text" in error_codes(paths[path][method]["responses"]["400"]), path
    assert "invalid_phone" in error_codes(paths["/applications"]["post"]["responses"]["400"])
    assert schemas["NewApplication"]["properties"]["phone"] == {"$ref": "#/components/schemas/Phone"}
