"""pyHanko's verdict on a PDF, for differential tests: one JSON line per signature with its
field name, bottom_line, modification level, whether its timestamp is valid, its coverage
(ENTIRE_FILE, ENTIRE_REVISION, …) and its signature mechanism (rsassa_pss, sha256_ecdsa, …).

usage: validate.py FILE ROOT.pem   (no fetching; revocation soft-fail, as our checks without data)
"""
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

root = load_cert_from_pemder(sys.argv[2])
with open(sys.argv[1], "rb") as f:
    reader = PdfFileReader(f)
    for sig in reader.embedded_regular_signatures:
        vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(sig, vc, ts_validation_context=vc)
        print(json.dumps({
            "field": sig.field_name,
            "bottom_line": bool(status.bottom_line),
            "modification_level": str(status.modification_level),
            "timestamp_valid": bool(status.timestamp_validity and status.timestamp_validity.valid
                                    and status.timestamp_validity.intact),
            "coverage": status.coverage.name if status.coverage is not None else None,
            "mechanism": status.pkcs7_signature_mechanism,
        }))
