//! The ASN.1 types we write ourselves on der 0.8 (docs/signatures-design.md §2): the released
//! x509-tsp/x509-ocsp crates are of the der 0.7 generation, and der's own `GeneralizedTime`
//! refuses the fractional seconds real TSAs write (pyHanko's dummy TSA: `…37.522675Z`).
//!
//! - ESS `SigningCertificateV2` (RFC 5035) and v1 (RFC 2634): bind the signer's certificate
//!   into the signed attributes, so it cannot be swapped for another with the same key.
//! - RFC 3161 `TSTInfo` with [`GenTime`].
//! - `RSASSA-PSS-params` (RFC 8017 A.2.3).
//! - RFC 6960 OCSP requests and responses, RFC 3161 `TimeStampReq`/`TimeStampResp`.
//! - [`WideOid`]: an OBJECT IDENTIFIER whose arcs may exceed 32 bits, such as the demo CA's
//!   `2.25.<uuid>` policy, which const-oid 0.10 (32-bit arcs) refuses to decode.
//!
//! DEFAULT fields are read as `Option`s: absent means the default, and an explicit default
//! value (not DER, but written by some tools) is accepted too.

use der::asn1::{BitString, Int, Null, ObjectIdentifier, OctetString};
use der::{
    Any, DateTime, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag,
    Writer,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

/// Object identifiers used by this crate, written out so each is checked in one place.
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
    /// CMS `OtherRevocationInfoFormat` holding an OCSP response (RFC 5940).
    pub const RI_OCSP_RESPONSE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.16.2");
    pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
    pub const KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
    pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
    /// Adobe's `adbe-revocationInfoArchival` signed attribute.
    pub const ADBE_REVOCATION_INFO: Oid = Oid::new_unwrap("1.2.840.113583.1.1.8");
    pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
    pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");
    pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");
    pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
    /// id-kp-documentSigning (RFC 9336).
    pub const KP_DOCUMENT_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.36");
    pub const CE_CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    pub const CE_CRL_REASONS: Oid = Oid::new_unwrap("2.5.29.21");
    pub const AT_COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
    pub const AT_SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
    pub const AT_COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
    pub const AT_ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
    pub const AT_ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {id-sha256},
/// certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

impl EssCertIdV2 {
    /// The hash algorithm, SHA-256 when absent (the DEFAULT).
    pub fn hash_oid(&self) -> ObjectIdentifier {
        self.hash_algorithm.as_ref().map_or(oid::SHA256, |a| a.oid)
    }
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE OF
/// PolicyInformation OPTIONAL }`. The first `certs` entry names the signer's certificate.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// `ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EssCertId {
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies … OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificate {
    pub certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

/// `RSASSA-PSS-params` (RFC 8017): every field DEFAULT, explicitly tagged.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RsaPssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub mask_gen_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub trailer_field: Option<u8>,
}

/// PSS parameters with their defaults applied, the MGF's hash read out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PssParams {
    pub hash: ObjectIdentifier,
    pub mgf: ObjectIdentifier,
    /// The MGF1 hash; `None` when the MGF is not MGF1 or its parameters are unreadable.
    pub mgf_hash: Option<ObjectIdentifier>,
    pub salt_length: u32,
    pub trailer_field: u8,
}

impl RsaPssParams {
    /// The effective parameters (SHA-1, MGF1-SHA-1, salt 20, trailer 1 by default).
    pub fn effective(&self) -> PssParams {
        let mgf = self.mask_gen_algorithm.as_ref();
        let mgf_oid = mgf.map_or(oid::MGF1, |m| m.oid);
        let mgf_hash = match mgf {
            None => Some(oid::SHA1),
            Some(m) if m.oid == oid::MGF1 => m
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok())
                .map(|a| a.oid),
            Some(_) => None,
        };
        PssParams {
            hash: self.hash_algorithm.as_ref().map_or(oid::SHA1, |a| a.oid),
            mgf: mgf_oid,
            mgf_hash,
            salt_length: self.salt_length.unwrap_or(20),
            trailer_field: self.trailer_field.unwrap_or(1),
        }
    }
}

/// `MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL,
/// micros [1] INTEGER (1..999) OPTIONAL }` (RFC 3161's module has IMPLICIT tags).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// RFC 3161 `TSTInfo`, the content a timestamp token signs.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TstInfo {
    pub version: u8,
    pub policy: WideOid,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    pub gen_time: GenTime,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(optional = "true")]
    pub ordering: Option<bool>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// A GeneralizedTime in UTC with optional fractional seconds, as RFC 3161 allows
/// (`YYYYMMDDHHMMSS[.f+]Z`, no trailing zeros in the fraction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GenTime {
    pub date_time: DateTime,
    /// Nanoseconds; digits past the ninth are refused rather than rounded.
    pub nanos: u32,
}

/// Up to `YYYYMMDDHHMMSS.` + 9 digits + `Z`.
const GEN_TIME_MAX_LEN: usize = 25;

impl GenTime {
    /// Seconds and nanoseconds since the Unix epoch.
    pub fn unix_duration(&self) -> std::time::Duration {
        self.date_time.unix_duration() + std::time::Duration::from_nanos(u64::from(self.nanos))
    }

    fn parse(text: &[u8]) -> Option<GenTime> {
        let (&last, body) = text.split_last()?;
        if last != b'Z' || body.len() < 14 {
            return None;
        }
        let (whole, fraction) = body.split_at(14);
        if !whole.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let number = |range: std::ops::Range<usize>| {
            whole[range]
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        };
        let date_time = DateTime::new(
            u16::try_from(number(0..4)).ok()?,
            u8::try_from(number(4..6)).ok()?,
            u8::try_from(number(6..8)).ok()?,
            u8::try_from(number(8..10)).ok()?,
            u8::try_from(number(10..12)).ok()?,
            u8::try_from(number(12..14)).ok()?,
        )
        .ok()?;
        let nanos = match fraction {
            [] => 0,
            [b'.', digits @ ..] => Self::fraction_nanos(digits)?,
            _ => return None,
        };
        Some(GenTime { date_time, nanos })
    }

    /// `digits` as nanoseconds: 1 to 9 digits, the last one not zero (DER).
    fn fraction_nanos(digits: &[u8]) -> Option<u32> {
        if digits.is_empty()
            || digits.len() > 9
            || digits.last() == Some(&b'0')
            || !digits.iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        Some(value * 10u32.pow(9 - digits.len() as u32))
    }

    fn text(&self) -> String {
        let d = &self.date_time;
        let mut text = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minutes(),
            d.seconds()
        );
        if self.nanos > 0 {
            let fraction = format!("{:09}", self.nanos);
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        text.push('Z');
        text
    }
}

impl<'a> DecodeValue<'a> for GenTime {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let len = usize::try_from(header.length())?;
        if len > GEN_TIME_MAX_LEN {
            return Err(reader.error(Self::TAG.value_error()));
        }
        let mut bytes = [0u8; GEN_TIME_MAX_LEN];
        let text = reader.read_into(&mut bytes[..len])?;
        GenTime::parse(text).ok_or_else(|| reader.error(Self::TAG.value_error()))
    }
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        self.text().len().try_into()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.text().as_bytes())
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

/// `OCSPResponseStatus ::= ENUMERATED` (RFC 6960 §4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, der::Enumerated)]
#[repr(u32)]
pub enum OcspResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// `OCSPResponse ::= SEQUENCE { responseStatus, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspResponse {
    pub response_status: OcspResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// `ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ResponseBytes {
    pub response_type: ObjectIdentifier,
    pub response: OctetString,
}

/// `BasicOCSPResponse` (RFC 6960 §4.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct BasicOcspResponse {
    pub tbs_response_data: ResponseData,
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// `ResponseData`: version `[0]` DEFAULT v1, responder, producedAt, the answers.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub version: Option<u8>,
    pub responder_id: ResponderId,
    pub produced_at: GenTime,
    pub responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<Extensions>,
}

/// `ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }` (explicit tags).
#[derive(Clone, Debug, PartialEq, Eq, der::Choice)]
pub enum ResponderId {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    /// SHA-1 of the responder's public key (the BIT STRING's value).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// `SingleResponse`: the status of one certificate.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SingleResponse {
    pub cert_id: CertId,
    pub cert_status: CertStatus,
    pub this_update: GenTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<GenTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub single_extensions: Option<Extensions>,
}

/// `CertID`: hashes of the issuer's name and key, and the serial number.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CertId {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub issuer_name_hash: OctetString,
    pub issuer_key_hash: OctetString,
    pub serial_number: SerialNumber,
}

/// `CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo,
/// unknown [2] IMPLICIT UnknownInfo }`.
#[derive(Clone, Debug, PartialEq, Eq, der::Choice)]
pub enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT
/// CRLReason OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RevokedInfo {
    pub revocation_time: GenTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub revocation_reason: Option<CrlReason>,
}

/// An OBJECT IDENTIFIER kept as its encoded arcs, so that arcs wider than 32 bits (the
/// `2.25.<uuid>` form of ITU-T X.667) read and write; const-oid's `ObjectIdentifier` cannot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WideOid {
    /// The content octets: base-128 arcs, the first two merged (X.690 §8.19).
    ber: Vec<u8>,
}

/// Longer OIDs are refused (a `2.25.<uuid>` takes 20 octets).
const WIDE_OID_MAX_LEN: usize = 64;

impl WideOid {
    /// `2.25.<value>`: an OID made from a UUID read as one 128-bit integer.
    pub fn from_uuid(uuid: u128) -> WideOid {
        let mut ber = vec![2 * 40 + 25];
        push_base128(&mut ber, uuid);
        WideOid { ber }
    }

    /// From the content octets; `None` unless they are well-formed base-128 arcs.
    pub fn from_ber(ber: &[u8]) -> Option<WideOid> {
        let well_formed = !ber.is_empty()
            && ber.len() <= WIDE_OID_MAX_LEN
            && ber.last().is_some_and(|b| b & 0x80 == 0)
            // No arc may start with a 0x80 octet (a non-minimal encoding).
            && ber
                .iter()
                .enumerate()
                .all(|(i, b)| *b != 0x80 || (i > 0 && ber[i - 1] & 0x80 != 0));
        well_formed.then(|| WideOid { ber: ber.to_vec() })
    }

    pub fn as_ber(&self) -> &[u8] {
        &self.ber
    }

    /// The same OID as const-oid's type, when every arc fits in 32 bits.
    pub fn to_object_identifier(&self) -> Option<ObjectIdentifier> {
        ObjectIdentifier::from_bytes(&self.ber).ok()
    }

    /// The arcs, each at most 128 bits wide (`None` beyond).
    fn arcs(&self) -> Option<Vec<u128>> {
        let mut arcs = Vec::new();
        let mut value: u128 = 0;
        for byte in &self.ber {
            value = value.checked_mul(128)? | u128::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.extend([first, value - first * 40]);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        Some(arcs)
    }
}

fn push_base128(out: &mut Vec<u8>, value: u128) {
    let mut groups = vec![(value & 0x7f) as u8];
    let mut rest = value >> 7;
    while rest > 0 {
        groups.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.extend(groups.iter().rev());
}

impl From<ObjectIdentifier> for WideOid {
    fn from(oid: ObjectIdentifier) -> WideOid {
        WideOid {
            ber: oid.as_bytes().to_vec(),
        }
    }
}

impl std::fmt::Display for WideOid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.arcs() {
            Some(arcs) => {
                let text: Vec<String> = arcs.iter().map(u128::to_string).collect();
                f.write_str(&text.join("."))
            }
            None => write!(f, "OID {}", hex::encode(&self.ber)),
        }
    }
}

impl<'a> DecodeValue<'a> for WideOid {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let len = usize::try_from(header.length())?;
        if len > WIDE_OID_MAX_LEN {
            return Err(reader.error(Self::TAG.value_error()));
        }
        let mut bytes = [0u8; WIDE_OID_MAX_LEN];
        let ber = reader.read_into(&mut bytes[..len])?;
        WideOid::from_ber(ber).ok_or_else(|| reader.error(Self::TAG.value_error()))
    }
}

impl EncodeValue for WideOid {
    fn value_len(&self) -> der::Result<Length> {
        self.ber.len().try_into()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(&self.ber)
    }
}

impl FixedTag for WideOid {
    const TAG: Tag = Tag::ObjectIdentifier;
}

/// `PolicyInformation` with a [`WideOid`] and no qualifiers (x509-cert's type holds a
/// const-oid `ObjectIdentifier`, too narrow for `2.25.<uuid>`).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PolicyInformation {
    pub policy_identifier: WideOid,
    #[asn1(optional = "true")]
    pub policy_qualifiers: Option<Any>,
}

/// `OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature
/// OPTIONAL }` (RFC 6960 §4.1.1).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspRequest {
    pub tbs_request: TbsRequest,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<OcspSignature>,
}

/// `TBSRequest`: version `[0]` DEFAULT v1, requestorName `[1]`, the list, extensions `[2]`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TbsRequest {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub version: Option<u8>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<GeneralName>,
    pub request_list: Vec<OcspSingleRequest>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Extensions>,
}

/// `Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions
/// OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspSingleRequest {
    pub req_cert: CertId,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Extensions>,
}

/// `Signature ::= SEQUENCE { signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT
/// SEQUENCE OF Certificate OPTIONAL }` (a signed request; read, not checked).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspSignature {
    pub signature_algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Certificate>>,
}

/// RFC 3161 `TimeStampReq`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<WideOid>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// DEFAULT FALSE.
    #[asn1(optional = "true")]
    pub cert_req: Option<bool>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// RFC 3161 `TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo
/// OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<cms::content_info::ContentInfo>,
}

/// `PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
/// failInfo PKIFailureInfo OPTIONAL }` (RFC 3161 §2.4.2, from RFC 4210).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PkiStatusInfo {
    /// 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning, 5 revocationNotification.
    pub status: u8,
    /// `PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String`.
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    fn tlv(text: &str) -> Vec<u8> {
        let mut out = vec![0x18, text.len() as u8];
        out.extend_from_slice(text.as_bytes());
        out
    }

    #[test]
    fn gen_time_reads_fractions_and_writes_them_back() {
        let t = GenTime::from_der(&tlv("20261129081537.522675Z")).unwrap();
        assert_eq!(t.nanos, 522_675_000);
        assert_eq!(t.date_time.seconds(), 37);
        assert_eq!(t.to_der().unwrap(), tlv("20261129081537.522675Z"));
        let whole = GenTime::from_der(&tlv("20261129081537Z")).unwrap();
        assert_eq!(whole.nanos, 0);
        assert_eq!(whole.to_der().unwrap(), tlv("20261129081537Z"));
        assert!(t > whole);
    }

    #[test]
    fn gen_time_refuses_what_der_forbids() {
        for bad in [
            "20261129081537.50Z",
            "20261129081537.Z",
            "20261129081537",
            "20261129081537+0700",
            "2026112908153Z",
            "20261329081537Z",
            "20261129081537.1234567891Z",
        ] {
            assert!(GenTime::from_der(&tlv(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn wide_oid_holds_a_uuid_arc() {
        let uuid = 0xf81d4fae_7dec_11d0_a765_00a0c91e6bf6_u128;
        let oid = WideOid::from_uuid(uuid);
        assert_eq!(
            oid.to_string(),
            "2.25.329800735698586629295641978511506172918"
        );
        assert!(oid.to_object_identifier().is_none());
        let der = oid.to_der().unwrap();
        assert_eq!(WideOid::from_der(&der).unwrap(), oid);
        let narrow = WideOid::from(oid::SHA256);
        assert_eq!(narrow.to_string(), "2.16.840.1.101.3.4.2.1");
        assert_eq!(narrow.to_object_identifier(), Some(oid::SHA256));
        for bad in [&[][..], &[0x2a, 0x80, 0x01], &[0x2a, 0x86]] {
            assert!(WideOid::from_ber(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn pss_params_defaults_and_explicit_values() {
        // SEQUENCE {} — all defaults.
        let defaults = RsaPssParams::from_der(&[0x30, 0x00]).unwrap().effective();
        assert_eq!(defaults.hash, oid::SHA1);
        assert_eq!(defaults.mgf_hash, Some(oid::SHA1));
        assert_eq!((defaults.salt_length, defaults.trailer_field), (20, 1));
        let sha256 = AlgorithmIdentifierOwned {
            oid: oid::SHA256,
            parameters: None,
        };
        let params = RsaPssParams {
            hash_algorithm: Some(sha256.clone()),
            mask_gen_algorithm: Some(AlgorithmIdentifierOwned {
                oid: oid::MGF1,
                parameters: Some(Any::encode_from(&sha256).unwrap()),
            }),
            salt_length: Some(222),
            trailer_field: None,
        };
        let read = RsaPssParams::from_der(&params.to_der().unwrap()).unwrap();
        let effective = read.effective();
        assert_eq!(effective.hash, oid::SHA256);
        assert_eq!(effective.mgf_hash, Some(oid::SHA256));
        assert_eq!(effective.salt_length, 222);
    }
}
