"""Independent fixtures for tinhso-pades: pyHanko (PyPI, pinned in scripts/test-all) signs a
small PDF with a throw-away test CA, so our verifier is checked against another implementation.

usage: sign.py OUT_DIR   -> writes unsigned.pdf (xref stream), unsigned-table.pdf (xref table), rsa-pss.pdf,
   rsa-pkcs1.pdf (SHA-384), ecdsa.pdf (P-256), rsa-pss-table.pdf,
   rsa-pss-updated.pdf and rsa-pss-table-updated.pdf (an incremental update after signing), ca.pem, signer-{rsa,ec}.pem
"""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from classic_pdf import classic_pdf

out = Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc)


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tỉnh Số TEST"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def write_pem(path, cert=None, key=None):
    if cert is not None:
        path.with_suffix(".pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))


ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("Tỉnh Số TEST Root CA")).issuer_name(name("Tỉnh Số TEST Root CA"))
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
      .sign(ca_key, hashes.SHA256()))
write_pem(out / "ca", ca, ca_key)


def leaf(cn, key):
    cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=730))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    write_pem(out / ("signer-" + cn.split()[-1].lower()), cert, key)
    return cert


leaf("Nguyễn Văn An RSA", rsa.generate_private_key(public_exponent=65537, key_size=2048))
leaf("Trần Thị Bình EC", ec.generate_private_key(ec.SECP256R1()))

# The unsigned input: one page, a classic xref table (pyHanko's writer).
w = PdfFileWriter()
page = generic.DictionaryObject({
    generic.NameObject("/Type"): generic.NameObject("/Page"),
    generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(x) for x in (0, 0, 595, 842)]),
})
w.insert_page(page)
with open(out / "unsigned.pdf", "wb") as f:
    w.write(f)




(out / "unsigned-table.pdf").write_bytes(classic_pdf(b"1.4"))


def sign(cert_name, output, prefer_pss, md, source="unsigned.pdf"):
    signer = signers.SimpleSigner(
        signing_cert=load_cert_from_pemder(str(out / (cert_name + ".pem"))),
        signing_key=load_private_key_from_pemder(str(out / (cert_name + ".key")), passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([load_cert_from_pemder(str(out / "ca.pem"))]),
        prefer_pss=prefer_pss)
    meta = signers.PdfSignatureMetadata(field_name="Sig1", md_algorithm=md,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    with open(out / source, "rb") as i, open(out / output, "wb") as o:
        signers.sign_pdf(IncrementalPdfFileWriter(i), meta, signer=signer, output=o)


sign("signer-rsa", "rsa-pss.pdf", True, "sha256")
sign("signer-rsa", "rsa-pkcs1.pdf", False, "sha384")
sign("signer-ec", "ecdsa.pdf", False, "sha256")
sign("signer-rsa", "rsa-pss-table.pdf", True, "sha256", source="unsigned-table.pdf")

# An incremental update after signing (new document info), as any later editor would append.
for signed, updated in (("rsa-pss.pdf", "rsa-pss-updated.pdf"), ("rsa-pss-table.pdf", "rsa-pss-table-updated.pdf")):
    with open(out / signed, "rb") as i:
        w = IncrementalPdfFileWriter(i)
        w.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("sửa sau khi ký")}))
        with open(out / updated, "wb") as o:
            w.write(o)
