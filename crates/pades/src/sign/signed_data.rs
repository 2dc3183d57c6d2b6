//! The CMS SignedData of a PAdES signature (ETSI EN 319 142-1 B-B, built on the `cms` types,
//! without its `builder` feature; design §2 and §3.2–3.4), in two steps so that any key can
//! sign in between:
//!
//! 1. [`SignedAttributes::new`]: content-type id-data, message-digest (SHA-256 of the byte
//!    ranges) and ESS signing-certificate-v2 (the certificate's SHA-256 with issuer and
//!    serial, so it cannot be swapped). No signing-time: PAdES forbids it, `/M` holds the
//!    claimed time. The DER `SET OF` is what the key signs.
//! 2. A [`Signer`] signs it; [`assemble`] checks the value against the certificate's key and
//!    builds the SignedData v1: SHA-256, detached id-data, the signer's certificate and chain,
//!    `sid` issuerAndSerialNumber, and (B-T) the signature timestamp token as the unsigned
//!    attribute `id-aa-signatureTimeStampToken`.

use super::SignError;
use crate::asn1::{EssCertIdV2, IssuerSerial, RsaPssParams, SigningCertificateV2, oid};
use crate::ca::KeyPair;
use crate::crypto::{DigestAlgorithm, PublicKey, SignatureScheme};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Null, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

/// The signature algorithms we sign with, all over SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5: still what most tokens do; accepted, PSS preferred.
    RsaPkcs1v15Sha256,
    /// RSASSA-PSS, MGF1-SHA-256, salt 32 (explicit parameters).
    RsaPssSha256,
    /// ECDSA on P-256, DER-encoded `(r, s)`.
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The `signatureAlgorithm` of the SignerInfo.
    pub fn identifier(self) -> Result<AlgorithmIdentifierOwned, SignError> {
        let sha256_null = || -> der::Result<AlgorithmIdentifierOwned> {
            // RFC 4055 §2.1 lists SHA-256 inside PSS parameters with a NULL.
            Ok(AlgorithmIdentifierOwned {
                oid: oid::SHA256,
                parameters: Some(Any::encode_from(&Null)?),
            })
        };
        Ok(match self {
            SignatureAlgorithm::RsaPkcs1v15Sha256 => AlgorithmIdentifierOwned {
                oid: oid::SHA256_WITH_RSA,
                parameters: Some(Any::encode_from(&Null)?),
            },
            SignatureAlgorithm::RsaPssSha256 => {
                let params = RsaPssParams {
                    hash_algorithm: Some(sha256_null()?),
                    mask_gen_algorithm: Some(AlgorithmIdentifierOwned {
                        oid: oid::MGF1,
                        parameters: Some(Any::encode_from(&sha256_null()?)?),
                    }),
                    salt_length: Some(32),
                    trailer_field: None,
                };
                AlgorithmIdentifierOwned {
                    oid: oid::RSASSA_PSS,
                    parameters: Some(Any::encode_from(&params)?),
                }
            }
            SignatureAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
                oid: oid::ECDSA_WITH_SHA256,
                parameters: None,
            },
        })
    }

    fn is_rsa(self) -> bool {
        !matches!(self, SignatureAlgorithm::EcdsaP256Sha256)
    }
}

/// What a key signs: the DER signed attributes and their SHA-256. A software key or a
/// PKCS#11 mechanism with hashing signs `message`; a remote signer or a raw mechanism signs
/// `digest`.
#[derive(Clone, Copy, Debug)]
pub struct ToBeSigned<'a> {
    pub message: &'a [u8],
    pub digest: &'a [u8],
}

/// A key that signs: software (demo), PKCS#11, or a remote service (later slices).
pub trait Signer {
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The signature value: PKCS#1 or PSS octets for RSA, a DER `ECDSA-Sig-Value` for ECDSA.
    fn sign(&self, input: &ToBeSigned<'_>) -> Result<Vec<u8>, SignError>;
}

/// A software key of the crate's demo CA ([`KeyPair`]): for the demo only (design §4).
#[derive(Clone, Debug)]
pub struct SoftwareSigner {
    key: KeyPair,
    algorithm: SignatureAlgorithm,
}

impl SoftwareSigner {
    /// `key` with `algorithm`, which must suit it.
    pub fn new(key: KeyPair, algorithm: SignatureAlgorithm) -> Result<SoftwareSigner, SignError> {
        if matches!(key, KeyPair::Rsa(_)) != algorithm.is_rsa() {
            return Err(SignError::AlgorithmMismatch);
        }
        Ok(SoftwareSigner { key, algorithm })
    }

    /// RSASSA-PSS for an RSA key, ECDSA for a P-256 one (what the issue asks for).
    pub fn preferred(key: KeyPair) -> SoftwareSigner {
        let algorithm = match key {
            KeyPair::Rsa(_) => SignatureAlgorithm::RsaPssSha256,
            KeyPair::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
        };
        SoftwareSigner { key, algorithm }
    }
}

impl Signer for SoftwareSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign(&self, input: &ToBeSigned<'_>) -> Result<Vec<u8>, SignError> {
        let failed = |e: &dyn std::fmt::Display| SignError::Signer(e.to_string());
        match (&self.key, self.algorithm) {
            (KeyPair::P256(key), SignatureAlgorithm::EcdsaP256Sha256) => {
                use p256::ecdsa::signature::hazmat::PrehashSigner;
                let signature: p256::ecdsa::Signature =
                    key.sign_prehash(input.digest).map_err(|e| failed(&e))?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            (KeyPair::Rsa(key), SignatureAlgorithm::RsaPssSha256) => key
                .sign_with_rng(
                    &mut getrandom::SysRng,
                    rsa::Pss::<sha2::Sha256>::new(),
                    input.digest,
                )
                .map_err(|e| failed(&e)),
            (KeyPair::Rsa(key), SignatureAlgorithm::RsaPkcs1v15Sha256) => key
                .sign_with_rng(
                    &mut getrandom::SysRng,
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    input.digest,
                )
                .map_err(|e| failed(&e)),
            _ => Err(SignError::AlgorithmMismatch),
        }
    }
}

/// The signer's certificate and the chain sent with it (intermediates; the root may be left
/// out: validators have it as their anchor).
#[derive(Clone, Debug)]
pub struct Credential {
    /// DER, exactly as issued (hashed into ESS).
    pub certificate: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
}

impl Credential {
    pub fn new(certificate: Vec<u8>, chain: Vec<Vec<u8>>) -> Credential {
        Credential { certificate, chain }
    }

    fn decoded(&self) -> Result<Certificate, SignError> {
        Certificate::from_der(&self.certificate).map_err(|e| SignError::Certificate(e.to_string()))
    }

    /// The public key of the certificate.
    fn public_key(&self) -> Result<PublicKey, SignError> {
        let certificate = self.decoded()?;
        PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info())
            .map_err(|e| SignError::Certificate(e.to_string()))
    }

    /// Refuses a key the algorithm does not suit, and RSA under 2048 bits (Circular 15).
    pub fn check_algorithm(&self, algorithm: SignatureAlgorithm) -> Result<(), SignError> {
        let key = self.public_key()?;
        match (&key, algorithm.is_rsa()) {
            (PublicKey::Rsa(_), true) => {
                if key.rsa_bits().unwrap_or(0) < 2048 {
                    return Err(SignError::WeakKey);
                }
                Ok(())
            }
            (PublicKey::P256(_), false) => Ok(()),
            _ => Err(SignError::AlgorithmMismatch),
        }
    }

    /// The largest signature value the key makes.
    pub fn max_signature_len(&self) -> usize {
        match self.public_key() {
            Ok(PublicKey::Rsa(key)) => rsa::traits::PublicKeyParts::size(&key),
            _ => 72,
        }
    }

    fn all_der(&self) -> impl Iterator<Item = &Vec<u8>> {
        std::iter::once(&self.certificate).chain(self.chain.iter())
    }
}

/// The signed attributes, as signed.
#[derive(Clone, Debug)]
pub struct SignedAttributes {
    attributes: SetOfVec<Attribute>,
    /// The DER `SET OF Attribute` (tag 31), what the key signs.
    der: Vec<u8>,
}

impl SignedAttributes {
    /// content-type id-data, message-digest `digest` (SHA-256 of the signed bytes) and
    /// signing-certificate-v2 for `credential`'s certificate.
    pub fn new(credential: &Credential, digest: &[u8]) -> Result<SignedAttributes, SignError> {
        let certificate = credential.decoded()?;
        let tbs = certificate.tbs_certificate();
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                // SHA-256 is the DEFAULT, left out as DER requires.
                hash_algorithm: None,
                cert_hash: OctetString::new(
                    DigestAlgorithm::Sha256.digest(&[&credential.certificate]),
                )?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                    serial_number: tbs.serial_number().clone(),
                }),
            }],
            policies: None,
        };
        let attributes = SetOfVec::try_from(vec![
            attribute(oid::CONTENT_TYPE, &oid::DATA)?,
            attribute(oid::MESSAGE_DIGEST, &OctetString::new(digest)?)?,
            attribute(oid::SIGNING_CERTIFICATE_V2, &ess)?,
        ])?;
        let der = attributes.to_der()?;
        Ok(SignedAttributes { attributes, der })
    }

    /// The DER the key signs.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Its SHA-256 (what a remote signer receives).
    pub fn digest(&self) -> Vec<u8> {
        DigestAlgorithm::Sha256.digest(&[&self.der])
    }
}

/// Checks `signature` against the certificate's key, as a validator will.
pub fn check_signature(
    credential: &Credential,
    attributes: &SignedAttributes,
    algorithm: SignatureAlgorithm,
    signature: &[u8],
) -> Result<(), SignError> {
    let scheme = SignatureScheme::from_cms(&algorithm.identifier()?, DigestAlgorithm::Sha256)
        .map_err(|_| SignError::AlgorithmMismatch)?;
    credential
        .public_key()?
        .verify(scheme, &attributes.der, signature)
        .map_err(|_| SignError::SignatureInvalid)
}

/// The DER ContentInfo: SignedData v1 with one SignerInfo, `timestamp_token` (a DER
/// ContentInfo) as its signature timestamp when given.
pub fn assemble(
    credential: &Credential,
    attributes: &SignedAttributes,
    algorithm: SignatureAlgorithm,
    signature: &[u8],
    timestamp_token: Option<&[u8]>,
) -> Result<Vec<u8>, SignError> {
    let certificate = credential.decoded()?;
    let tbs = certificate.tbs_certificate();
    let unsigned_attrs = match timestamp_token {
        None => None,
        Some(token) => {
            let value = Any::from_der(token).map_err(|_| {
                SignError::TimestampInvalid("mã thông báo không ở dạng DER".to_owned())
            })?;
            Some(SetOfVec::try_from(vec![Attribute {
                oid: oid::SIGNATURE_TIME_STAMP_TOKEN,
                values: SetOfVec::try_from(vec![value])?,
            }])?)
        }
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256(),
        signed_attrs: Some(attributes.attributes.clone()),
        signature_algorithm: algorithm.identifier()?,
        signature: OctetString::new(signature)?,
        unsigned_attrs,
    };
    let mut certificates = Vec::new();
    for der in credential.all_der() {
        let certificate =
            Certificate::from_der(der).map_err(|e| SignError::Certificate(e.to_string()))?;
        // The CMS carries the certificate re-encoded: it must be the bytes ESS hashed.
        if certificate.to_der()? != *der {
            return Err(SignError::Certificate(
                "chứng thư số không ở dạng DER chuẩn".to_owned(),
            ));
        }
        let choice = CertificateChoices::Certificate(certificate);
        if !certificates.contains(&choice) {
            certificates.push(choice);
        }
    }
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    }
    .to_der()?)
}

fn sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::SHA256,
        parameters: None,
    }
}

fn attribute(
    id: der::asn1::ObjectIdentifier,
    value: &(impl der::EncodeValue + der::Tagged),
) -> Result<Attribute, SignError> {
    Ok(Attribute {
        oid: id,
        values: SetOfVec::try_from(vec![Any::encode_from(value)?])?,
    })
}
