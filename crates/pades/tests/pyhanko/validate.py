"""pyHanko's verdict on a PDF, for differential tests: one JSON line per signature with its
field name, bottom_line, modification level, whether its timestamp is valid, its coverage
(ENTIRE_FILE, ENTIRE_REVISION, …) and its signature mechanism (rsassa_pss, sha256_ecdsa, …).

usage: validate.py FILE ROOT.pem[,ROOT2.pem…] [--lt]
  without --lt: no fetching; revocation soft-fail, as our checks without data;
  with --lt: the long-term (B-LT) check, offline: the validation context is built from the
  document's DSS only (its certificates, OCSP responses and CRLs), revocation hard-fail, no
  fetching, for the signature and its timestamp alike; a signature valid this way carries its
  validation data ("LTV-enabled"). "dss" then says what the DSS holds.
"""
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

roots = [load_cert_from_pemder(path) for path in sys.argv[2].split(",")]
long_term = "--lt" in sys.argv[3:]
with open(sys.argv[1], "rb") as f:
    reader = PdfFileReader(f)
    dss_info = None
    if long_term:
        dss = DocumentSecurityStore.read_dss(reader)
        dss_info = {"certs": len(dss.certs), "ocsps": len(dss.ocsps), "crls": len(dss.crls),
                    "vri": len(dss.vri_entries)}
    for sig in reader.embedded_regular_signatures:
        if long_term:
            vc = DocumentSecurityStore.read_dss(reader).as_validation_context(
                {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"})
        else:
            vc = ValidationContext(trust_roots=roots, allow_fetching=False,
                                   revocation_mode="soft-fail")
        status = validate_pdf_signature(sig, vc, ts_validation_context=vc)
        print(json.dumps({
            "field": sig.field_name,
            "bottom_line": bool(status.bottom_line),
            "modification_level": str(status.modification_level),
            "timestamp_valid": bool(status.timestamp_validity and status.timestamp_validity.valid
                                    and status.timestamp_validity.intact),
            "coverage": status.coverage.name if status.coverage is not None else None,
            "mechanism": status.pkcs7_signature_mechanism,
            "dss": dss_info,
        }))
