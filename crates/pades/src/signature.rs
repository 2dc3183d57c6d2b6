//! One signature's integrity (docs/signatures-design.md §6.1–6.2), its chain aside: the byte
//! range against the `/Contents` token and the revisions, then the CMS: the message digest
//! over the signed bytes, the ESS signing-certificate against the signer's certificate, and
//! the signature over the **original** signed-attributes bytes.

use crate::asn1::{SigningCertificate, SigningCertificateV2, oid};
use crate::ber::{self, Tlv};
use crate::cert::Cert;
use crate::crypto::{DigestAlgorithm, PublicKey, SignatureScheme};
use crate::pdf::lexer::{Dict, Object};
use crate::pdf::{Document, Location, SignatureDictionary, text_string};
use crate::report::{CertificateInfo, Coverage, Integrity, Problem, SignatureReport};
use crate::revocation;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::ext::pkix::name::GeneralName;

/// The report for one signature dictionary of `doc`, and what the later checks need when
/// its integrity holds.
pub fn verify(doc: &Document, sig: &SignatureDictionary) -> (SignatureReport, Option<Signed>) {
    let mut report = SignatureReport::new(
        sig.field_name.clone(),
        sig.object,
        sig.dict.name(b"SubFilter").map(text_string),
        pdf_date(&sig.dict),
    );
    match check(doc, sig, &mut report) {
        Ok(signed) => (report, Some(signed)),
        Err(reason) => {
            report.integrity = Integrity::Failed { reason };
            (report, None)
        }
    }
}

/// What an intact signature leaves for the chain, timestamp and revocation checks.
pub struct Signed {
    /// The end of the signed bytes (a revision end).
    pub signed_end: usize,
    pub kind: SignedKind,
}

pub enum SignedKind {
    /// A CMS signature (`ETSI.CAdES.detached`, `adbe.pkcs7.*`).
    Cms(Box<SignedCms>),
    /// A document timestamp (`ETSI.RFC3161`): its token, checked over the signed bytes.
    DocumentTimestamp {
        token: Vec<u8>,
        digest_parts: Vec<Vec<u8>>,
    },
}

/// A verified CMS signature's parts.
pub struct SignedCms {
    pub signer: Cert,
    pub certificates: Vec<Cert>,
    pub signature_value: Vec<u8>,
    /// `id-aa-signatureTimeStampToken` values (ContentInfo DER).
    pub timestamp_tokens: Vec<Vec<u8>>,
    pub revocation: Vec<revocation::Raw>,
}

fn check(
    doc: &Document,
    sig: &SignatureDictionary,
    report: &mut SignatureReport,
) -> Result<Signed, Problem> {
    let range = signed_range(doc, sig, report)?;
    let contents = hex_contents(doc.bytes, &range)?;
    let parts = [
        &doc.bytes[..range.gap_start],
        &doc.bytes[range.gap_end..range.end],
    ];
    let kind = if report.sub_filter.as_deref() == Some("ETSI.RFC3161") {
        // The token is checked with the timestamps (its imprint covers the signed bytes).
        let outer =
            ber::read(&contents, 0).map_err(|_| Problem::CmsUnreadable("cấu trúc ASN.1 sai"))?;
        if contents[outer.end..].iter().any(|b| *b != 0) {
            return Err(Problem::ContentsTrailingData);
        }
        SignedKind::DocumentTimestamp {
            token: contents[..outer.end].to_vec(),
            digest_parts: parts.iter().map(|p| p.to_vec()).collect(),
        }
    } else {
        SignedKind::Cms(Box::new(check_cms(&contents, &parts, report)?))
    };
    Ok(Signed {
        signed_end: range.end,
        kind,
    })
}

/// A checked `/ByteRange [0 b c d]`: signed bytes `[0, b)` and `[c, c + d)`.
struct SignedRange {
    gap_start: usize,
    gap_end: usize,
    end: usize,
}

fn signed_range(
    doc: &Document,
    sig: &SignatureDictionary,
    report: &mut SignatureReport,
) -> Result<SignedRange, Problem> {
    let Location::File(_) = sig.location else {
        return Err(Problem::InObjectStream);
    };
    let [a, b, c, d] = byte_range(&sig.dict).ok_or(Problem::ByteRangeMissing)?;
    report.byte_range = Some([a, b, c, d]);
    let Some(Object::String {
        hex: true, span, ..
    }) = sig.dict.get(b"Contents")
    else {
        return Err(Problem::ContentsMissing);
    };
    if a != 0 {
        return Err(Problem::ByteRangeNotAtStart);
    }
    if c <= b {
        return Err(Problem::ByteRangeOverlap);
    }
    let len = doc.bytes.len() as u64;
    let end = c
        .checked_add(d)
        .filter(|e| *e <= len)
        .ok_or(Problem::ByteRangeBeyondFile)?;
    let (gap_start, gap_end, end) = (b as usize, c as usize, end as usize);
    if (gap_start, gap_end) != (span.start, span.end) {
        // A gap wider than the token leaves unsigned bytes the reader would still show.
        return Err(if gap_start <= span.start && gap_end >= span.end {
            Problem::ByteRangeGap
        } else {
            Problem::ByteRangeNotContents
        });
    }
    report.coverage = Some(coverage(doc, end, b + d)?);
    Ok(SignedRange {
        gap_start,
        gap_end,
        end,
    })
}

fn byte_range(dict: &Dict) -> Option<[u64; 4]> {
    let Some(Object::Array(items)) = dict.get(b"ByteRange") else {
        return None;
    };
    let numbers: Vec<u64> = items
        .iter()
        .map(|i| match i {
            Object::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    numbers.try_into().ok()
}

/// Where the signed bytes end: the end of the file (up to two end-of-line bytes after it), or
/// the end of an earlier revision; anywhere else is refused.
fn coverage(doc: &Document, end: usize, signed_bytes: u64) -> Result<Coverage, Problem> {
    let ends = doc.revision_ends();
    let tail = &doc.bytes[end..];
    let whole_file = tail.len() <= 2 && tail.iter().all(|b| *b == b'\r' || *b == b'\n');
    let signed_revision = if whole_file {
        ends.len()
    } else {
        ends.iter()
            .position(|e| *e == end)
            .map(|i| i + 1)
            .ok_or(Problem::ByteRangeNotRevisionEnd)?
    };
    Ok(Coverage {
        signed_revision,
        later_revisions: ends.len() - signed_revision,
        whole_file,
        signed_bytes,
    })
}

/// The CMS bytes: hex digits only between the brackets, zeros after the CMS itself.
fn hex_contents(bytes: &[u8], range: &SignedRange) -> Result<Vec<u8>, Problem> {
    let digits = &bytes[range.gap_start + 1..range.gap_end - 1];
    if !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(Problem::ContentsNotHex);
    }
    hex::decode(digits).map_err(|_| Problem::ContentsNotHex)
}

/// The CMS checks, over the signed byte ranges `parts`.
fn check_cms(
    contents: &[u8],
    parts: &[&[u8]],
    report: &mut SignatureReport,
) -> Result<SignedCms, Problem> {
    let cms = RawCms::read(contents)?;
    let signer_info = cms.signer_info(Content::DetachedData)?;
    let ess = if report.sub_filter.as_deref() == Some("ETSI.CAdES.detached") {
        Ess::Required
    } else {
        Ess::Optional
    };
    let verified = verify_signer(&cms, signer_info, oid::DATA, parts, ess, report)?;
    if report.claimed_signing_time.is_none() {
        report.claimed_signing_time = verified.attributes.signing_time.clone();
    }
    let mut revocation = cms.revocation.clone();
    revocation.extend(verified.attributes.adbe_revocation.iter().cloned());
    Ok(SignedCms {
        signer: verified.signer,
        certificates: cms.certificates.iter().map(|(_, c)| c.clone()).collect(),
        signature_value: signer_info.signature.as_bytes().to_vec(),
        timestamp_tokens: timestamp_tokens(signer_info),
        revocation,
    })
}

/// What the content must be.
pub(crate) enum Content {
    /// Detached id-data (a PDF signature).
    DetachedData,
    /// Encapsulated content of this type (a timestamp token's TSTInfo).
    Encapsulated(ObjectIdentifier),
}

/// Whether the ESS signing-certificate attribute must be there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ess {
    Required,
    Optional,
}

/// A SignerInfo checked: its signer and attributes.
pub(crate) struct VerifiedSigner {
    pub signer: Cert,
    pub attributes: Attributes,
}

/// The SignerInfo's checks: digest algorithm, content type, message digest over `parts`, the
/// signer's certificate and its ESS binding, the signature over the signed attributes. Fills
/// the report's signer, algorithms and warnings.
pub(crate) fn verify_signer(
    cms: &RawCms,
    signer_info: &SignerInfo,
    content_type: ObjectIdentifier,
    parts: &[&[u8]],
    ess: Ess,
    report: &mut SignatureReport,
) -> Result<VerifiedSigner, Problem> {
    let digest = DigestAlgorithm::from_oid(signer_info.digest_alg.oid).ok_or(Problem::Crypto(
        crate::crypto::CryptoError::UnsupportedDigest(signer_info.digest_alg.oid),
    ))?;
    report.digest_algorithm = Some(digest);
    if digest == DigestAlgorithm::Sha1 {
        report
            .warnings
            .push("Thuật toán băm SHA-1 đã lỗi thời, không còn an toàn".to_owned());
    }
    let attributes = signer_info
        .signed_attrs
        .as_ref()
        .ok_or(Problem::MissingAttribute("signedAttrs"))?;
    let attrs = Attributes::read(attributes.iter())?;
    if attrs.content_type != Some(content_type) {
        return Err(Problem::MissingAttribute("content-type"));
    }
    let message_digest = attrs
        .message_digest
        .as_ref()
        .ok_or(Problem::MissingAttribute("message-digest"))?;
    if message_digest.as_bytes() != digest.digest(parts).as_slice() {
        return Err(Problem::DigestMismatch);
    }
    let (cert_der, cert) = cms.signer_certificate(&signer_info.sid)?;
    let key = PublicKey::from_spki(cert.tbs_certificate().subject_public_key_info())?;
    report.signer = Some(certificate_info(cert, &key));
    report.legacy_algorithms |=
        digest == DigestAlgorithm::Sha1 || key.rsa_bits().is_some_and(|b| b < 2048);
    check_signing_certificate(&attrs, cert_der, cert, ess, report)?;
    let scheme = SignatureScheme::from_cms(&signer_info.signature_algorithm, digest)?;
    report.signature_algorithm = Some(scheme.describe());
    key.verify(
        scheme,
        &cms.signed_attrs_for_signature()?,
        signer_info.signature.as_bytes(),
    )?;
    Ok(VerifiedSigner {
        signer: Cert {
            der: cert_der.to_vec(),
            cert: cert.clone(),
        },
        attributes: attrs,
    })
}

/// The unsigned `id-aa-signatureTimeStampToken` values, as DER.
fn timestamp_tokens(signer_info: &SignerInfo) -> Vec<Vec<u8>> {
    signer_info
        .unsigned_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .filter(|a| a.oid == oid::SIGNATURE_TIME_STAMP_TOKEN)
        .flat_map(|a| a.values.iter())
        .filter_map(|v| v.to_der().ok())
        .collect()
}

/// The CMS as decoded by `cms`, with the raw bytes that must not be re-encoded.
pub(crate) struct RawCms<'a> {
    pub signed_data: SignedData,
    signed_attrs_raw: Option<&'a [u8]>,
    pub certificates: Vec<(&'a [u8], Cert)>,
    /// CRLs and OCSP responses of the `crls` field.
    pub revocation: Vec<revocation::Raw>,
}

impl<'a> RawCms<'a> {
    pub fn read(contents: &'a [u8]) -> Result<RawCms<'a>, Problem> {
        let unreadable = |_| Problem::CmsUnreadable("cấu trúc ASN.1 sai");
        let outer = ber::read(contents, 0).map_err(unreadable)?;
        if contents[outer.end..].iter().any(|b| *b != 0) {
            return Err(Problem::ContentsTrailingData);
        }
        let info = ber::children(contents, &outer).map_err(unreadable)?;
        let [content_type, explicit] = &info[..] else {
            return Err(Problem::CmsUnreadable("ContentInfo sai"));
        };
        let content_type = ObjectIdentifier::from_der(content_type.bytes(contents))
            .map_err(|_| Problem::CmsUnreadable("ContentInfo sai"))?;
        if content_type != oid::SIGNED_DATA || explicit.tag != 0xa0 {
            return Err(Problem::CmsUnsupported("không phải SignedData"));
        }
        let inner = ber::children(contents, explicit).map_err(unreadable)?;
        let [signed_data_tlv] = &inner[..] else {
            return Err(Problem::CmsUnreadable("ContentInfo sai"));
        };
        let signed_data = SignedData::from_ber(signed_data_tlv.bytes(contents))
            .map_err(|_| Problem::CmsUnreadable("SignedData sai"))?;
        let fields = ber::children(contents, signed_data_tlv).map_err(unreadable)?;
        Ok(RawCms {
            signed_data,
            signed_attrs_raw: signed_attrs_raw(contents, &fields)?,
            certificates: raw_certificates(contents, &fields)?,
            revocation: raw_revocation(contents, &fields),
        })
    }

    /// The one SignerInfo, the content being what `content` says.
    pub fn signer_info(&self, content: Content) -> Result<&SignerInfo, Problem> {
        let sd = &self.signed_data;
        let info = &sd.encap_content_info;
        match content {
            Content::DetachedData => {
                if info.econtent_type != oid::DATA {
                    return Err(Problem::CmsUnsupported("nội dung không phải id-data"));
                }
                if info.econtent.is_some() {
                    return Err(Problem::CmsUnsupported("chữ ký phải tách rời (detached)"));
                }
            }
            Content::Encapsulated(expected) => {
                if info.econtent_type != expected || info.econtent.is_none() {
                    return Err(Problem::CmsUnsupported("nội dung không đúng loại"));
                }
            }
        }
        match sd.signer_infos.0.as_slice() {
            [one] => Ok(one),
            [] => Err(Problem::CmsUnsupported("không có SignerInfo")),
            _ => Err(Problem::CmsUnsupported("nhiều hơn một SignerInfo")),
        }
    }

    /// The signer's certificate, as sent and as decoded, found by the SignerInfo's sid.
    fn signer_certificate(
        &self,
        sid: &SignerIdentifier,
    ) -> Result<(&'a [u8], &Certificate), Problem> {
        self.certificates
            .iter()
            .find(|(_, c)| identifies(sid, &c.cert))
            .map(|(raw, c)| (*raw, &c.cert))
            .ok_or(Problem::SignerCertificateMissing)
    }

    /// RFC 5652 §5.4: the signature covers the DER of `SET OF Attribute`, i.e. the bytes as
    /// sent with their `[0] IMPLICIT` tag replaced by the SET tag.
    fn signed_attrs_for_signature(&self) -> Result<Vec<u8>, Problem> {
        let raw = self
            .signed_attrs_raw
            .ok_or(Problem::MissingAttribute("signedAttrs"))?;
        let mut bytes = raw.to_vec();
        bytes[0] = 0x31;
        Ok(bytes)
    }
}

/// SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates
/// OPTIONAL, [1] crls OPTIONAL, signerInfos }: the first SignerInfo's `[0]` signedAttrs TLV.
fn signed_attrs_raw<'a>(contents: &'a [u8], fields: &[Tlv]) -> Result<Option<&'a [u8]>, Problem> {
    let unreadable = |_| Problem::CmsUnreadable("SignerInfo sai");
    let infos = fields
        .last()
        .filter(|t| t.tag == 0x31)
        .ok_or(Problem::CmsUnreadable("SignerInfos sai"))?;
    let first = ber::children(contents, infos).map_err(unreadable)?;
    let Some(info) = first.first() else {
        return Ok(None);
    };
    let parts = ber::children(contents, info).map_err(unreadable)?;
    match parts.get(3) {
        Some(attrs) if attrs.tag == 0xa0 => {
            if attrs.indefinite {
                // The signer signed DER; a BER form here is not what was signed.
                return Err(Problem::CmsUnsupported("signedAttrs không ở dạng DER"));
            }
            Ok(Some(attrs.bytes(contents)))
        }
        _ => Ok(None),
    }
}

/// The certificates in `[0] certificates`, raw and decoded; other choices are skipped.
fn raw_certificates<'a>(
    contents: &'a [u8],
    fields: &[Tlv],
) -> Result<Vec<(&'a [u8], Cert)>, Problem> {
    let Some(set) = fields.iter().skip(3).find(|t| t.tag == 0xa0) else {
        return Ok(Vec::new());
    };
    let items =
        ber::children(contents, set).map_err(|_| Problem::CmsUnreadable("certificates sai"))?;
    Ok(items
        .iter()
        .filter(|t| t.tag == 0x30)
        .filter_map(|t| {
            let raw = t.bytes(contents);
            Cert::from_der(raw).map(|c| (raw, c))
        })
        .collect())
}

/// `[1] crls`: CRLs (SEQUENCE) and `[1] OtherRevocationInfoFormat` OCSP responses (RFC 5940).
/// Unreadable entries are skipped: they only ever add evidence.
fn raw_revocation(contents: &[u8], fields: &[Tlv]) -> Vec<revocation::Raw> {
    let Some(set) = fields.iter().skip(3).find(|t| t.tag == 0xa1) else {
        return Vec::new();
    };
    let items = ber::children(contents, set).unwrap_or_default();
    items
        .iter()
        .filter_map(|item| match item.tag {
            0x30 => Some((revocation::Kind::Crl, item.bytes(contents).to_vec())),
            0xa1 => other_revocation(contents, item),
            _ => None,
        })
        .map(|(kind, der)| revocation::Raw {
            source: revocation::Source::Cms,
            kind,
            der,
        })
        .collect()
}

fn other_revocation(contents: &[u8], item: &Tlv) -> Option<(revocation::Kind, Vec<u8>)> {
    let parts = ber::children(contents, item).ok()?;
    let [format, value] = &parts[..] else {
        return None;
    };
    let format = ObjectIdentifier::from_der(format.bytes(contents)).ok()?;
    (format == oid::RI_OCSP_RESPONSE)
        .then(|| (revocation::Kind::Ocsp, value.bytes(contents).to_vec()))
}

/// Adobe's `RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL,
/// ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, otherRevInfo [2] … OPTIONAL }`.
fn adbe_revocation(value: &[u8]) -> Vec<revocation::Raw> {
    let mut out = Vec::new();
    let Ok(outer) = ber::read(value, 0) else {
        return out;
    };
    for part in ber::children(value, &outer).unwrap_or_default() {
        let kind = match part.tag {
            0xa0 => revocation::Kind::Crl,
            0xa1 => revocation::Kind::Ocsp,
            _ => continue,
        };
        let sequences = ber::children(value, &part).unwrap_or_default();
        for sequence in sequences {
            for item in ber::children(value, &sequence).unwrap_or_default() {
                out.push(revocation::Raw {
                    source: revocation::Source::Cms,
                    kind,
                    der: item.bytes(value).to_vec(),
                });
            }
        }
    }
    out
}

fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.serial_number == *tbs.serial_number()
                && isn.issuer.to_der().ok() == tbs.issuer().to_der().ok()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
            tbs.get_extension::<SubjectKeyIdentifier>(),
            Ok(Some((_, own))) if own == *ski
        ),
    }
}

/// The signed attributes we read, each present at most once.
pub(crate) struct Attributes {
    adbe_revocation: Vec<revocation::Raw>,
    content_type: Option<ObjectIdentifier>,
    message_digest: Option<OctetString>,
    signing_time: Option<String>,
    signing_certificate_v2: Option<SigningCertificateV2>,
    signing_certificate: Option<SigningCertificate>,
}

impl Attributes {
    fn read<'x>(attributes: impl Iterator<Item = &'x Attribute>) -> Result<Attributes, Problem> {
        let mut out = Attributes {
            adbe_revocation: Vec::new(),
            content_type: None,
            message_digest: None,
            signing_time: None,
            signing_certificate_v2: None,
            signing_certificate: None,
        };
        let mut seen = Vec::new();
        for attribute in attributes {
            if seen.contains(&attribute.oid) {
                return Err(Problem::CmsUnsupported("thuộc tính ký lặp lại"));
            }
            seen.push(attribute.oid);
            let [value] = attribute.values.as_slice() else {
                return Err(Problem::CmsUnsupported(
                    "thuộc tính ký phải có đúng một giá trị",
                ));
            };
            let bad = |_| Problem::CmsUnreadable("thuộc tính ký sai");
            match attribute.oid {
                oid::CONTENT_TYPE => out.content_type = Some(value.decode_as().map_err(bad)?),
                oid::MESSAGE_DIGEST => out.message_digest = Some(value.decode_as().map_err(bad)?),
                oid::SIGNING_TIME => {
                    let time: x509_cert::time::Time = value.decode_as().map_err(bad)?;
                    out.signing_time = Some(time.to_date_time().to_string());
                }
                oid::SIGNING_CERTIFICATE_V2 => {
                    out.signing_certificate_v2 = Some(value.decode_as().map_err(bad)?)
                }
                oid::SIGNING_CERTIFICATE => {
                    out.signing_certificate = Some(value.decode_as().map_err(bad)?)
                }
                oid::ADBE_REVOCATION_INFO => {
                    out.adbe_revocation = adbe_revocation(&value.to_der().map_err(bad)?)
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// ESS: the first certificate named in signing-certificate(-v2) must be the signer's: its hash
/// over the certificate as sent, and its issuer and serial when given. Mandatory for PAdES
/// (`ETSI.CAdES.detached`); the older `adbe.pkcs7.*` signatures may lack it (a warning).
fn check_signing_certificate(
    attrs: &Attributes,
    cert_der: &[u8],
    cert: &Certificate,
    ess: Ess,
    report: &mut SignatureReport,
) -> Result<(), Problem> {
    let (hash_oid, hash, issuer_serial) = if let Some(v2) = &attrs.signing_certificate_v2 {
        let first = v2
            .certs
            .first()
            .ok_or(Problem::SigningCertificateMismatch)?;
        (first.hash_oid(), &first.cert_hash, &first.issuer_serial)
    } else if let Some(v1) = &attrs.signing_certificate {
        let first = v1
            .certs
            .first()
            .ok_or(Problem::SigningCertificateMismatch)?;
        (oid::SHA1, &first.cert_hash, &first.issuer_serial)
    } else if ess == Ess::Required {
        return Err(Problem::MissingAttribute("signing-certificate-v2"));
    } else {
        report.warnings.push(
            "Chữ ký không có thuộc tính signing-certificate: chứng thư số không được gắn vào chữ ký"
                .to_owned(),
        );
        return Ok(());
    };
    let algorithm = DigestAlgorithm::from_oid(hash_oid)
        .ok_or(crate::crypto::CryptoError::UnsupportedDigest(hash_oid))?;
    if hash.as_bytes() != algorithm.digest(&[cert_der]).as_slice() {
        return Err(Problem::SigningCertificateMismatch);
    }
    if let Some(issuer_serial) = issuer_serial {
        let tbs = cert.tbs_certificate();
        let issuer_named = issuer_serial.issuer.iter().any(|name| {
            matches!(name, GeneralName::DirectoryName(n) if n.to_der().ok() == tbs.issuer().to_der().ok())
        });
        if !issuer_named || issuer_serial.serial_number != *tbs.serial_number() {
            return Err(Problem::SigningCertificateMismatch);
        }
    }
    Ok(())
}

fn certificate_info(cert: &Certificate, key: &PublicKey) -> CertificateInfo {
    let tbs = cert.tbs_certificate();
    // `CN=…` as RFC 4514 writes it, the type and `=` dropped.
    let attribute = |wanted: ObjectIdentifier| {
        tbs.subject()
            .iter()
            .find(|atv| atv.oid == wanted)
            .map(|atv| atv.to_string())
            .and_then(|text| text.split_once('=').map(|(_, v)| v.to_owned()))
    };
    CertificateInfo {
        common_name: attribute(const_oid::db::rfc4519::CN),
        organization: attribute(const_oid::db::rfc4519::O),
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: hex::encode_upper(tbs.serial_number().as_bytes()),
        not_before: tbs.validity().not_before.to_date_time().to_string(),
        not_after: tbs.validity().not_after.to_date_time().to_string(),
        key: key.describe(),
    }
}

/// `/M (D:YYYYMMDDHHmmSSOHH'mm')` as ISO 8601 (`2026-11-29T08:15:30+07:00`); missing parts
/// take their defaults (ISO 32000-1 §7.9.4).
fn pdf_date(dict: &Dict) -> Option<String> {
    let Some(Object::String { bytes, .. }) = dict.get(b"M") else {
        return None;
    };
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 || digits.len() > 14 || !digits.len().is_multiple_of(2) {
        return None;
    }
    let part = |from: usize, default: &'static str| digits.get(from..from + 2).unwrap_or(default);
    let zone = &text[digits.len()..];
    let offset = match zone.as_bytes().first() {
        None | Some(b'Z') => "Z".to_owned(),
        Some(sign @ (b'+' | b'-')) => {
            let zone_digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let hours = zone_digits.get(0..2)?;
            let minutes = zone_digits.get(2..4).unwrap_or("00");
            format!("{}{hours}:{minutes}", char::from(*sign))
        }
        Some(_) => return None,
    };
    Some(format!(
        "{}-{}-{}T{}:{}:{}{offset}",
        &digits[0..4],
        part(4, "01"),
        part(6, "01"),
        part(8, "00"),
        part(10, "00"),
        part(12, "00"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &[u8]) -> Option<String> {
        let dict = Dict(vec![(
            b"M".to_vec(),
            Object::String {
                bytes: text.to_vec(),
                hex: false,
                span: 0..0,
            },
        )]);
        pdf_date(&dict)
    }

    #[test]
    fn pdf_dates_become_iso_8601() {
        assert_eq!(
            date(b"D:20261129081530+07'00'").as_deref(),
            Some("2026-11-29T08:15:30+07:00")
        );
        assert_eq!(
            date(b"D:20261129015246Z").as_deref(),
            Some("2026-11-29T01:52:46Z")
        );
        assert_eq!(date(b"D:2026").as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(date(b"D:2026112X"), None);
    }
}
