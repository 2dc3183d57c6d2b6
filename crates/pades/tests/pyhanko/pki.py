"""Slice 3 fixtures for tinhso-pades: a throw-away PKI (root → issuing CA → signers; a TSA and a
delegated OCSP responder) made with `cryptography`, PDFs signed by pyHanko with timestamps from
pyHanko's offline DummyTimeStamper (RSA TSA key, critical EKU timeStamping, `fixed_dt` for a
chosen genTime), and revocation data (OCSP responses and CRLs built with `cryptography`)
embedded in a /DSS by pyHanko's DocumentSecurityStore.add_dss. No network at all.

usage: pki.py OUT_DIR -> root.pem, other-root.pem, issuing.pem, revoked.crl and the PDFs listed at
the end, and token.der (a bare timestamp token).
"""
import asyncio
import datetime
import hashlib
import io
import sys
from pathlib import Path

from asn1crypto import crl as asn1_crl, ocsp as asn1_ocsp, x509 as asn1_x509, keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, AuthorityInformationAccessOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from classic_pdf import classic_pdf

out = Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
day = datetime.timedelta(days=1)
OCSP_URL = "http://127.0.0.1:9/ocsp"
CRL_URL = "http://127.0.0.1:9/issuing.crl"


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tỉnh Số TEST"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def pem(path, cert):
    (out / path).write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ca_cert(cn, key, issuer=None, issuer_key=None, path_length=None, ski=True):
    builder = (x509.CertificateBuilder().subject_name(name(cn))
               .issuer_name(issuer.subject if issuer else name(cn))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - 400 * day).not_valid_after(now + 3650 * day)
               .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True))
    if ski:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


root_key = ec.generate_private_key(ec.SECP256R1())
root = ca_cert("Tỉnh Số TEST Root CA", root_key)
issuing_key = ec.generate_private_key(ec.SECP256R1())
issuing = ca_cert("Tỉnh Số TEST Issuing CA", issuing_key, root, root_key, path_length=0)
other_key = ec.generate_private_key(ec.SECP256R1())
other_root = ca_cert("Tỉnh Số TEST Other Root", other_key)
pem("root.pem", root)
pem("issuing.pem", issuing)
pem("other-root.pem", other_root)
# The root's name on another key, no key identifier: only a signature check tells it apart.
impostor = ca_cert("Tỉnh Số TEST Root CA", ec.generate_private_key(ec.SECP256R1()), ski=False)
pem("impostor-root.pem", impostor)


def end_entity(cn, key, not_before, not_after, issuer=issuing, issuer_key=issuing_key,
               eku=ExtendedKeyUsageOID.EMAIL_PROTECTION, eku_critical=False, extra=None):
    builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
               .add_extension(x509.ExtendedKeyUsage([eku]), critical=eku_critical))
    if eku != ExtendedKeyUsageOID.TIME_STAMPING:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
    if issuer is issuing:
        builder = (builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(OCSP_URL))]), critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(CRL_URL)], None, None, None)]), critical=False))
    for ext, critical in extra or []:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


signer_key = rsa_key()
signer = end_entity("Nguyễn Văn An", signer_key, now - 30 * day, now + 700 * day)
expired_key = rsa_key()
expired = end_entity("Lê Hết Hạn", expired_key, now - 100 * day, now - 10 * day)
future_key = rsa_key()
future = end_entity("Phạm Chưa Tới", future_key, now + 10 * day, now + 100 * day)
revoked_key = rsa_key()
revoked = end_entity("Hoàng Bị Thu Hồi", revoked_key, now - 30 * day, now + 700 * day)
odd_key = rsa_key()
odd = end_entity("Vũ Lạ", odd_key, now - 30 * day, now + 700 * day, extra=[
    (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"), True)])
tsa_key = rsa_key()
tsa = end_entity("Tỉnh Số TEST TSA", tsa_key, now - 365 * day, now + 3650 * day, issuer=root,
                 issuer_key=root_key, eku=ExtendedKeyUsageOID.TIME_STAMPING, eku_critical=True)
responder_key = ec.generate_private_key(ec.SECP256R1())
responder = end_entity("Tỉnh Số TEST OCSP", responder_key, now - 30 * day, now + 700 * day,
                       eku=ExtendedKeyUsageOID.OCSP_SIGNING)


def asn1_cert(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def asn1_key(key):
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def timestamper(at=None):
    return DummyTimeStamper(tsa_cert=asn1_cert(tsa), tsa_key=asn1_key(tsa_key), fixed_dt=at,
                            certs_to_embed=SimpleCertificateStore.from_certs([asn1_cert(tsa)]))


def unsigned_pdf():
    return classic_pdf(b"1.7", b"BT /F1 12 Tf 72 720 Td (A) Tj ET")


def sign(pdf, cert, key, field="Sig1", ts=None):
    signer_obj = signers.SimpleSigner(
        signing_cert=asn1_cert(cert), signing_key=asn1_key(key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(issuing)]))
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    output = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer_obj,
                     timestamper=ts, output=output)
    return output.getvalue()


def ocsp_response(cert, status=ocsp.OCSPCertStatus.GOOD, revoked_at=None, this_update=None):
    this_update = this_update or now
    builder = (ocsp.OCSPResponseBuilder()
               .add_response(cert=cert, issuer=issuing, algorithm=hashes.SHA1(), cert_status=status,
                             this_update=this_update, next_update=this_update + 7 * day,
                             revocation_time=revoked_at, revocation_reason=None)
               .responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
               .certificates([responder]))
    return builder.sign(responder_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def crl(issuer, issuer_key, revoked_serials=()):
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
               .last_update(now).next_update(now + 7 * day))
    for serial, at in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build())
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def with_dss(pdf, ocsps=(), crls=(), certs=()):
    contents = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].pkcs7_content
    stream = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        stream, contents,
        certs=[asn1_cert(c) for c in certs],
        ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in ocsps],
        crls=[asn1_crl.CertificateList.load(c) for c in crls])
    return stream.getvalue()


def redefine_object(pdf, number, body):
    """An incremental update by hand: object `number` redefined, a classic xref section."""
    prev = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
    size = int(PdfFileReader(io.BytesIO(pdf)).trailer["/Size"])
    root = PdfFileReader(io.BytesIO(pdf)).trailer.raw_get("/Root")
    at = len(pdf)
    update = b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = at + len(update)
    update += b"xref\n%d 1\n%010d 00000 n \n" % (number, at)
    update += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root.idnum, prev, xref)
    return pdf + update


def write(name_, data):
    (out / name_).write_bytes(data)


base = unsigned_pdf()
write("unsigned.pdf", base)
bt = sign(base, signer, signer_key, ts=timestamper())
write("bt.pdf", bt)
write("bb.pdf", sign(base, signer, signer_key))
root_crl = crl(root, root_key)
bt_lt = with_dss(bt, ocsps=[ocsp_response(signer)], crls=[root_crl], certs=[issuing, responder])
write("bt-lt.pdf", bt_lt)
write("good.ocsp", ocsp_response(signer))
lta = io.BytesIO()
signers.PdfTimeStamper(timestamper()).timestamp_pdf(
    IncrementalPdfFileWriter(io.BytesIO(bt_lt)), "sha256", output=lta,
    dss_settings=signers.pdf_signer.TimestampDSSContentSettings(include_vri=False, skip_if_unneeded=True))
write("bt-lta.pdf", lta.getvalue())

# Expired now, valid when the (back-dated) timestamp says it signed; and without a timestamp.
write("expired.pdf", sign(base, expired, expired_key))
write("expired-ts.pdf", sign(base, expired, expired_key, ts=timestamper(now - 50 * day)))
write("not-yet-valid.pdf", sign(base, future, future_key, ts=timestamper()))
write("unknown-critical.pdf", sign(base, odd, odd_key, ts=timestamper()))

# Revoked a day ago: signed now (after) and a fortnight ago (before the revocation).
revocation = [(revoked.serial_number, now - day)]
issuing_crl = crl(issuing, issuing_key, revocation)
write("revoked.crl", issuing_crl)
revoked_now = sign(base, revoked, revoked_key, ts=timestamper())
write("revoked.pdf", with_dss(revoked_now, crls=[issuing_crl, root_crl]))
write("revoked-ocsp.pdf", with_dss(revoked_now, ocsps=[ocsp_response(
    revoked, ocsp.OCSPCertStatus.REVOKED, now - day)], crls=[root_crl]))
write("revoked-later.pdf", sign(base, revoked, revoked_key, ts=timestamper(now - 14 * day)))

# After signing: the page's content stream redefined (a shadow attack), and a second signature.
w = IncrementalPdfFileWriter(io.BytesIO(bt))
content = w.add_object(generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (B) Tj ET"))
page_ref = w.root["/Pages"]["/Kids"][0]
page = page_ref.get_object()
page["/Contents"] = content
w.update_container(page)
tampered = io.BytesIO()
w.write(tampered)
write("tampered-content.pdf", tampered.getvalue())
write("tampered-stream.pdf", redefine_object(bt, 4, b"<< /Length 32 >>\nstream\nBT /F1 12 Tf 72 720 Td (C) Tj ET\nendstream"))
write("two-signatures.pdf", sign(bt, signer, signer_key, field="Sig2", ts=timestamper()))

# A new annotation that is no signature (a shadow attack's "hide" or "replace" step).
w = IncrementalPdfFileWriter(io.BytesIO(bt))
page = w.root["/Pages"]["/Kids"][0].get_object()
note = w.add_object(generic.DictionaryObject({
    generic.NameObject("/Type"): generic.NameObject("/Annot"),
    generic.NameObject("/Subtype"): generic.NameObject("/Text"),
    generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(x) for x in (72, 700, 92, 720)]),
    generic.NameObject("/Contents"): generic.TextStringObject("ghi chú thêm sau khi ký"),
}))
page["/Annots"].append(note)
w.update_container(page)
annotated = io.BytesIO()
w.write(annotated)
write("annotated.pdf", annotated.getvalue())


# DocMDP: a certification signature with P=1 and P=2, then what follows it.
def certify(pdf, permission):
    signer_obj = signers.SimpleSigner(
        signing_cert=asn1_cert(signer), signing_key=asn1_key(signer_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(issuing)]))
    meta = signers.PdfSignatureMetadata(field_name="Cert1", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, certify=True,
                                        docmdp_permissions=permission)
    output = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer_obj,
                     timestamper=timestamper(), output=output)
    return output.getvalue()


certified_p1 = certify(base, fields.MDPPerm.NO_CHANGES)
write("certified-p1-dss.pdf", with_dss(certified_p1, ocsps=[ocsp_response(signer)], crls=[root_crl]))
certified_p2 = certify(base, fields.MDPPerm.FILL_FORMS)
write("certified-p2-signed.pdf", sign(certified_p2, signer, signer_key, field="Sig2", ts=timestamper()))
# pyHanko refuses to sign after P=1 ("Author signature forbids all changes"): lift its check
# to make the forbidden file.
for cls in vars(signers.pdf_signer).values():
    if isinstance(cls, type) and "_enforce_certification_constraints" in vars(cls):
        cls._enforce_certification_constraints = lambda self, reader: None
write("certified-p1-signed.pdf", sign(certified_p1, signer, signer_key, field="Sig2", ts=timestamper()))

# A bare token over sha256(b"tinhso"), genTime with microseconds (fractional seconds).
token = asyncio.run(timestamper().async_timestamp(hashlib.sha256(b"tinhso").digest(), "sha256"))
write("token.der", token.dump())
