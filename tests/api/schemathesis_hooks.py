"""What schemathesis needs to know beyond JSON Schema to judge the Lekas API (loaded through schemathesis.toml).

A few rules cannot be stated in JSON Schema, so the OpenAPI document states them in prose and answers them with
their own error codes. A reference's Damm check digit has a `format`, drawn here so that schema-valid references
reach the lookup. The others (a broadcast text's SMS segments, a send time's form and window, an audience that
reaches no one right now) are recognised by their documented code instead.
"""
import schemathesis
from hypothesis import strategies as st

from office.references import BODY_DIGITS
from office.references import check_digit

# Codes of the rules the document states only in prose: a schema-valid request may still be refused with them.
PROSE_RULE_CODES = {"text_too_long", "invalid_send_at", "empty_audience"}

schemathesis.openapi.format("reference", st.from_regex(rf"\A[0-9]{{{BODY_DIGITS}}}\Z").map(
    lambda body: body + check_digit(body)))


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure except a schema-valid request refused by a rule the document states in prose."""
    if failure.code != "ST202" or response.status_code != 400:
        return True
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return True
    return code not in PROSE_RULE_CODES
