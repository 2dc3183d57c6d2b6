//! A certificate as sent (its DER, hashed and verified as is) with its decoded form, and the
//! few questions path validation and revocation ask of it.

use crate::ber;
use crate::crypto::{CryptoError, PublicKey, SignatureScheme};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, CrlDistributionPoints, ExtendedKeyUsage,
    SubjectKeyIdentifier,
};

#[derive(Clone, Debug)]
pub struct Cert {
    pub der: Vec<u8>,
    pub cert: Certificate,
}

impl Cert {
    /// From DER as received; `None` when it does not decode.
    pub fn from_der(der: &[u8]) -> Option<Cert> {
        Certificate::from_der(der).ok().map(|cert| Cert {
            der: der.to_vec(),
            cert,
        })
    }

    /// From a decoded certificate (configuration): its DER is the re-encoding.
    pub fn from_certificate(cert: Certificate) -> Option<Cert> {
        cert.to_der().ok().map(|der| Cert { der, cert })
    }

    pub fn subject_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate()
            .subject()
            .to_der()
            .unwrap_or_default()
    }

    pub fn issuer_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate()
            .issuer()
            .to_der()
            .unwrap_or_default()
    }

    pub fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    pub fn serial_hex(&self) -> String {
        hex::encode_upper(self.cert.tbs_certificate().serial_number().as_bytes())
    }

    /// The public key's BIT STRING contents (what OCSP's key hashes cover).
    pub fn public_key_bits(&self) -> &[u8] {
        self.cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
    }

    pub fn spki_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap_or_default()
    }

    pub fn public_key(&self) -> Result<PublicKey, CryptoError> {
        PublicKey::from_spki(self.cert.tbs_certificate().subject_public_key_info())
    }

    pub fn ski(&self) -> Option<Vec<u8>> {
        match self
            .cert
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
        {
            Ok(Some((_, ski))) => Some(ski.0.as_bytes().to_vec()),
            _ => None,
        }
    }

    pub fn aki(&self) -> Option<Vec<u8>> {
        match self
            .cert
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
        {
            Ok(Some((_, aki))) => aki.key_identifier.map(|k| k.as_bytes().to_vec()),
            _ => None,
        }
    }

    /// Whether `issuer` may have issued this certificate by name and key identifiers (the
    /// signature is checked separately).
    pub fn names_issuer(&self, issuer: &Cert) -> bool {
        if self.issuer_der() != issuer.subject_der() {
            return false;
        }
        match (self.aki(), issuer.ski()) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
    }

    /// The certificate's signature checks with `issuer_key`.
    pub fn signed_by(&self, issuer_key: &PublicKey) -> bool {
        let Some(tbs) = tbs_bytes(&self.der) else {
            return false;
        };
        verify_with(
            issuer_key,
            self.cert.signature_algorithm(),
            tbs,
            self.cert.signature().raw_bytes(),
        )
    }

    /// Validity at `at` (Unix time): `Ok`, or `Err(true)` when not yet valid, `Err(false)`
    /// when expired.
    pub fn valid_at(&self, at: Duration) -> Result<(), bool> {
        let validity = self.cert.tbs_certificate().validity();
        if at < validity.not_before.to_unix_duration() {
            Err(true)
        } else if at > validity.not_after.to_unix_duration() {
            Err(false)
        } else {
            Ok(())
        }
    }

    /// The extended key usages and whether the extension is critical.
    pub fn extended_key_usage(&self) -> Option<(bool, Vec<ObjectIdentifier>)> {
        match self
            .cert
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
        {
            Ok(Some((critical, eku))) => Some((critical, eku.0)),
            _ => None,
        }
    }

    /// OCSP responder URLs from the AIA extension.
    pub fn ocsp_urls(&self) -> Vec<String> {
        let Ok(Some((_, aia))) = self
            .cert
            .tbs_certificate()
            .get_extension::<AuthorityInfoAccessSyntax>()
        else {
            return Vec::new();
        };
        aia.0
            .iter()
            .filter(|d| d.access_method == crate::asn1::oid::AD_OCSP)
            .filter_map(|d| uri(&d.access_location))
            .collect()
    }

    /// CRL URLs from the CRL distribution points.
    pub fn crl_urls(&self) -> Vec<String> {
        use x509_cert::ext::pkix::name::DistributionPointName;
        let Ok(Some((_, points))) = self
            .cert
            .tbs_certificate()
            .get_extension::<CrlDistributionPoints>()
        else {
            return Vec::new();
        };
        points
            .0
            .iter()
            .filter_map(|p| match &p.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(names),
                _ => None,
            })
            .flatten()
            .filter_map(uri)
            .collect()
    }

    /// `not_before` .. `not_after` as ISO 8601.
    pub fn period(&self) -> (String, String) {
        let validity = self.cert.tbs_certificate().validity();
        (
            validity.not_before.to_date_time().to_string(),
            validity.not_after.to_date_time().to_string(),
        )
    }
}

fn uri(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
        _ => None,
    }
}

/// The first element of a DER SEQUENCE, as sent: the signed part of a certificate, CRL or
/// OCSP response.
pub fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    let outer = ber::read(der, 0).ok()?;
    let first = ber::children(der, &outer).ok()?.into_iter().next()?;
    Some(first.bytes(der))
}

/// Whether `signature` over `message` checks with `key` under `algorithm`.
pub fn verify_with(
    key: &PublicKey,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> bool {
    SignatureScheme::from_algorithm(algorithm)
        .and_then(|scheme| key.verify(scheme, message, signature))
        .is_ok()
}

/// Unix time as ISO 8601 (`2026-11-29T08:15:30Z`).
pub fn iso(at: Duration) -> String {
    der::DateTime::from_unix_duration(at)
        .map(|d| d.to_string())
        .unwrap_or_default()
}
