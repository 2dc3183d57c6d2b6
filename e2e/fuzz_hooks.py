"""Schemathesis hooks for the API fuzz run (fuzz_api.mjs).

The fuzzer lists the administrator's tokens and may then revoke one of them: revoking the token
it runs with would leave the rest of the run at 401. That one id is swapped for an unknown one
(answered 404); every other token, and the operation itself, is fuzzed as usual.
"""

import os

import schemathesis

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
