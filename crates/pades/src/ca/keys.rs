//! Key pairs and authorities. Keys leave this module only as PKCS#8 DER, which the platform
//! seals (`pki_key`, docs/signatures-design.md §1) before storing; an [`Authority`] is loaded
//! back from its certificate and that DER, and refuses a key that is not the certificate's.

use super::CaError;
use der::{Decode, Encode};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

/// The key types the demo CA issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// ECDSA P-256: the authorities, the OCSP responder, the TSA, clerks.
    P256,
    /// RSA-2048 (signing with PSS): leaders, as on today's national tokens.
    Rsa2048,
}

/// A private key with its public half.
#[derive(Clone)]
pub enum KeyPair {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.write_str(match self {
            KeyPair::P256(_) => "KeyPair::P256(..)",
            KeyPair::Rsa(_) => "KeyPair::Rsa(..)",
        })
    }
}

impl KeyPair {
    /// A new key from the operating system's generator (RSA takes about a second).
    pub fn generate(algorithm: KeyAlgorithm) -> Result<KeyPair, CaError> {
        match algorithm {
            KeyAlgorithm::P256 => {
                let secret = super::random_bytes(32)?;
                // A 256-bit string below the group order; retried in the (2^-32) other case.
                match p256::ecdsa::SigningKey::from_slice(&secret) {
                    Ok(key) => Ok(KeyPair::P256(key)),
                    Err(_) => KeyPair::generate(algorithm),
                }
            }
            KeyAlgorithm::Rsa2048 => rsa::PrivateKey::new(&mut getrandom::SysRng, 2048)
                .map(|key| KeyPair::Rsa(Box::new(key)))
                .map_err(|e| CaError::KeyGeneration(e.to_string())),
        }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            KeyPair::P256(_) => KeyAlgorithm::P256,
            KeyPair::Rsa(_) => KeyAlgorithm::Rsa2048,
        }
    }

    /// The private key as PKCS#8 DER (to be sealed by the caller).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, CaError> {
        let document = match self {
            KeyPair::P256(key) => key.to_pkcs8_der(),
            KeyPair::Rsa(key) => key.to_pkcs8_der(),
        }
        .map_err(|e| CaError::Encoding(e.to_string()))?;
        Ok(document.as_bytes().to_vec())
    }

    /// A P-256 or RSA key from PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<KeyPair, CaError> {
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(KeyPair::P256(key));
        }
        rsa::PrivateKey::from_pkcs8_der(der)
            .map(|key| KeyPair::Rsa(Box::new(key)))
            .map_err(|_| CaError::BadKey)
    }

    /// The public key as it goes into a certificate.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, CaError> {
        let document = match self {
            KeyPair::P256(key) => key.verifying_key().to_public_key_der(),
            KeyPair::Rsa(key) => key.to_public_key().to_public_key_der(),
        }
        .map_err(|e| CaError::Encoding(e.to_string()))?;
        Ok(SubjectPublicKeyInfoOwned::from_der(document.as_bytes())?)
    }
}

/// A certificate and the P-256 key that signs in its name: the root, the issuing CA, the
/// OCSP responder, the TSA.
#[derive(Clone)]
pub struct Authority {
    pub certificate: Certificate,
    /// The certificate's DER as issued (hashed into ESS and OCSP identifiers).
    pub der: Vec<u8>,
    key: p256::ecdsa::SigningKey,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("subject", &self.certificate.tbs_certificate().subject())
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// From a certificate and its key; the key must be P-256 and match the certificate.
    pub fn new(certificate: Certificate, key: &KeyPair) -> Result<Authority, CaError> {
        let KeyPair::P256(signing) = key else {
            return Err(CaError::NotP256);
        };
        if *certificate.tbs_certificate().subject_public_key_info() != key.public_key_info()? {
            return Err(CaError::KeyMismatch);
        }
        Ok(Authority {
            der: certificate.to_der()?,
            certificate,
            key: signing.clone(),
        })
    }

    /// From stored DER: the certificate and the PKCS#8 key (once unsealed).
    pub fn from_der(certificate: &[u8], pkcs8: &[u8]) -> Result<Authority, CaError> {
        let certificate = Certificate::from_der(certificate)?;
        Authority::new(certificate, &KeyPair::from_pkcs8_der(pkcs8)?)
    }

    pub fn signing_key(&self) -> &p256::ecdsa::SigningKey {
        &self.key
    }

    /// An ECDSA P-256 SHA-256 signature over `message`, DER-encoded (as X.509 and CMS want).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature: p256::ecdsa::Signature = self.key.sign(message);
        signature.to_der().as_bytes().to_vec()
    }

    /// `ecdsa-with-SHA256`, no parameters (RFC 5758 §3.2).
    pub fn signature_algorithm(&self) -> spki::AlgorithmIdentifierOwned {
        spki::AlgorithmIdentifierOwned {
            oid: crate::asn1::oid::ECDSA_WITH_SHA256,
            parameters: None,
        }
    }
}
