"""Signs a fresh one-page PDF with a given key and certificate (PAdES B-B, no revocation data
embedded), for platform tests whose signer is the demo CA's.

usage: sign_with.py KEY.pem CERT.pem CHAIN.pem OUT.pdf
"""
import sys
from io import BytesIO

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from classic_pdf import classic_pdf

key, cert, chain, out = sys.argv[1:5]
signer = signers.SimpleSigner(
    signing_cert=load_cert_from_pemder(cert),
    signing_key=load_private_key_from_pemder(key, passphrase=None),
    cert_registry=SimpleCertificateStore.from_certs([load_cert_from_pemder(chain)]))
meta = signers.PdfSignatureMetadata(field_name="Sig1", md_algorithm="sha256",
                                    subfilter=fields.SigSeedSubFilter.PADES)
with open(out, "wb") as o:
    signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(classic_pdf(b"1.7"))), meta, signer=signer, output=o)
