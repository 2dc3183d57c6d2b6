"""Schemathesis hooks for the API fuzz run (fuzz_api.mjs).

The fuzzer lists the administrator's tokens and may then revoke one of them: revoking the token
it runs with would leave the rest of the run at 401. That one id is swapped for an unknown one
(answered 404); every other token, and the operation itself, is fuzzed as usual.
"""

import os

import schemathesis
from hypothesis import strategies as st

OWN_TOKEN_ID = os.environ.get("TINHSO_FUZZ_TOKEN_ID", "")


@schemathesis.hook
def before_call(context, case, kwargs):
    if (
        OWN_TOKEN_ID
        and case.method.upper() == "DELETE"
        and case.operation.path == "/api/v1/tokens/{id}"
        and (case.path_parameters or {}).get("id") == OWN_TOKEN_ID
    ):
        case.path_parameters["id"] = "not-the-fuzzers-own-token"


def is_multipart(operation):
    """Whether the operation's body is multipart: written as parts whose names go into each
    part's Content-Disposition header. Read from the document, so a new upload is covered
    without being listed here."""
    try:
        types = operation.get_request_payload_content_types()
    except Exception:  # an operation without a body, or another Schemathesis shape
        return False
    return any(t.startswith("multipart/") for t in types)


@schemathesis.hook
def filter_body(context, body):
    """Leaves out multipart bodies that cannot be written: the schema allows extra fields, and
    a generated field name holding a control character, a quote or a backslash cannot stand in
    a part's header (the request would be malformed, not the data). Every other body is kept."""
    operation = getattr(context, "operation", None)
    if operation is None or not is_multipart(operation) or not isinstance(body, dict):
        return True
    return all(
        isinstance(name, str) and name.isprintable() and '"' not in name and "\\" not in name
        for name in body
    )


# The task import's body is an XLSX workbook sent raw, a media type Schemathesis cannot write by
# itself: random bytes, and bytes that start as a zip archive does (refused as not a workbook).
schemathesis.openapi.media_type(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    st.binary(max_size=512) | st.binary(max_size=256).map(lambda b: b"PK\x03\x04" + b),
)
