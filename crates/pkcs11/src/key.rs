//! A private key on the token, its certificate, and the [`Signer`] PAdES signing uses.
//!
//! The key is found by `CKA_ID` and/or `CKA_LABEL` (exactly one must match: token labels
//! are not unique), must be allowed to sign (`CKA_SIGN`), and must be RSA of at least 2048 bits
//! or EC on P-256 (Circular 15). Its certificate is the `CKO_CERTIFICATE` with the same
//! `CKA_ID` (or label, for a key without id); when several carry it (a renewal kept beside the
//! old one), the one whose public key is the key's is taken. That is checked, like a
//! certificate given from elsewhere ([`Pkcs11Key::adopt_certificate`]), by one signature made
//! on the token and verified with the certificate's key: it works for every key type and
//! module, and proves the key usable before anything is signed with it.
//!
//! **Mechanisms** (design §2): RSASSA-PSS as `CKM_SHA256_RSA_PKCS_PSS` over the signed
//! attributes, or `CKM_RSA_PKCS_PSS` over their SHA-256 when the token cannot hash (both with
//! MGF1-SHA-256 and a 32-byte salt); PKCS#1 v1.5 as `CKM_SHA256_RSA_PKCS`, or `CKM_RSA_PKCS`
//! over the DER DigestInfo; ECDSA as `CKM_ECDSA_SHA256`, or `CKM_ECDSA` over the digest
//! (SoftHSM2 2.6 has only this one). ECDSA mechanisms return `r ‖ s`, which CMS wants as a DER
//! `ECDSA-Sig-Value`: converted here.

use crate::Pkcs11Error;
use crate::token::Token;
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use der::Decode;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tinhso_pades::crypto::{DigestAlgorithm, PublicKey, SignatureScheme};
use tinhso_pades::sign::{SignError, SignatureAlgorithm, Signer, ToBeSigned};

/// Which key: its `CKA_ID`, its `CKA_LABEL`, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySelector {
    pub id: Option<Vec<u8>>,
    pub label: Option<String>,
}

impl KeySelector {
    /// By `CKA_ID` written in hex (`01`, `a1b2…`), as `pkcs11-tool --id` takes it.
    pub fn id_hex(hex: &str) -> Result<KeySelector, Pkcs11Error> {
        let bad = || Pkcs11Error::KeyNotFound(format!("CKA_ID={hex}"));
        if hex.is_empty() || !hex.len().is_multiple_of(2) {
            return Err(bad());
        }
        let id = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(KeySelector {
            id: Some(id),
            label: None,
        })
    }

    pub fn label(label: &str) -> KeySelector {
        KeySelector {
            id: None,
            label: Some(label.to_owned()),
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.id {
            parts.push(format!("CKA_ID={}", hex(id)));
        }
        if let Some(label) = &self.label {
            parts.push(format!("CKA_LABEL=“{label}”"));
        }
        parts.join(" ")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kind of key: what it can sign with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa { bits: usize },
    P256,
}

/// Where the SHA-256 of the signed attributes is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hashing {
    /// By the token (`CKM_SHA256_RSA_PKCS_PSS`, `CKM_SHA256_RSA_PKCS`, `CKM_ECDSA_SHA256`).
    OnToken,
    /// Here; the token signs the digest (`CKM_RSA_PKCS_PSS`, `CKM_RSA_PKCS`, `CKM_ECDSA`).
    Here,
}

/// A private key on an open token, with its certificate. Cheap to clone; keeps the token
/// open (logged in) while it lives.
#[derive(Clone)]
pub struct Pkcs11Key {
    inner: Arc<KeyInner>,
}

struct KeyInner {
    token: Token,
    handle: ObjectHandle,
    id: Vec<u8>,
    label: String,
    kind: KeyKind,
    certificate: Option<Vec<u8>>,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("token", &self.inner.token.label())
            .field("id", &hex(&self.inner.id))
            .field("label", &self.inner.label)
            .field("kind", &self.inner.kind)
            .finish()
    }
}

/// The P-256 curve's OID as `CKA_EC_PARAMS` holds it (DER).
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// DigestInfo of a SHA-256 digest, before the digest (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl Token {
    /// The private key `selector` names, and its certificate when the token has it (checked
    /// to be the key's).
    pub fn key(&self, selector: &KeySelector) -> Result<Pkcs11Key, Pkcs11Error> {
        if selector.id.is_none() && selector.label.is_none() {
            return Err(Pkcs11Error::KeyNotFound(String::new()));
        }
        let token = self.inner();
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        if let Some(id) = &selector.id {
            template.push(Attribute::Id(id.clone()));
        }
        if let Some(label) = &selector.label {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        let handles = token.with_session(|s| s.find_objects(&template))?;
        let handle = match handles.as_slice() {
            [] => return Err(Pkcs11Error::KeyNotFound(selector.describe())),
            [one] => *one,
            many => {
                return Err(Pkcs11Error::KeyAmbiguous {
                    selector: selector.describe(),
                    count: many.len(),
                });
            }
        };
        let attributes = token.with_session(|s| {
            s.get_attributes(
                handle,
                &[
                    AttributeType::KeyType,
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Sign,
                    AttributeType::AlwaysAuthenticate,
                    AttributeType::Modulus,
                    AttributeType::EcParams,
                ],
            )
        })?;
        let mut key_type = None;
        let (mut id, mut label) = (Vec::new(), String::new());
        let (mut can_sign, mut always_authenticate) = (false, false);
        let (mut modulus, mut ec_params) = (None, None);
        for attribute in attributes {
            match attribute {
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                Attribute::Sign(v) => can_sign = v,
                Attribute::AlwaysAuthenticate(v) => always_authenticate = v,
                Attribute::Modulus(v) => modulus = Some(v),
                Attribute::EcParams(v) => ec_params = Some(v),
                _ => {}
            }
        }
        let kind = match key_type {
            Some(KeyType::RSA) => {
                let modulus = modulus.unwrap_or_default();
                let significant = modulus.iter().skip_while(|b| **b == 0).count();
                let bits = significant * 8;
                if bits < 2048 {
                    return Err(Pkcs11Error::UnsupportedKey(format!("RSA {bits} bit")));
                }
                KeyKind::Rsa { bits }
            }
            Some(KeyType::EC) if ec_params.as_deref() == Some(&P256_PARAMS[..]) => KeyKind::P256,
            Some(KeyType::EC) => {
                return Err(Pkcs11Error::UnsupportedKey(
                    "EC, đường cong khác P-256".to_owned(),
                ));
            }
            other => {
                return Err(Pkcs11Error::UnsupportedKey(format!("{other:?}")));
            }
        };
        if !can_sign {
            return Err(Pkcs11Error::UnsupportedKey(
                "khóa không được phép ký (CKA_SIGN)".to_owned(),
            ));
        }
        if always_authenticate {
            return Err(Pkcs11Error::AlwaysAuthenticate);
        }
        let key = Pkcs11Key {
            inner: Arc::new(KeyInner {
                token: self.clone(),
                handle,
                id,
                label,
                kind,
                certificate: None,
            }),
        };
        let candidates = key.certificates_on_token()?;
        if candidates.is_empty() {
            return Ok(key);
        }
        let chosen = key.matching(&candidates)?;
        Ok(key.with_certificate(chosen))
    }
}

impl Token {
    /// The one private key of the token that has its certificate beside it: what a person's
    /// USB token holds (`tinhso desk-sign` without `--key-id`). Keys that cannot sign here
    /// (RSA under 2048 bits, other curves) are passed over; none → `KeyNotFound`, several →
    /// `KeyAmbiguous` (then name the key by its `CKA_ID`).
    pub fn only_certified_key(&self) -> Result<Pkcs11Key, Pkcs11Error> {
        let handles = self
            .inner()
            .with_session(|s| s.find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)]))?;
        let mut selectors = Vec::new();
        for handle in handles {
            let attributes = self.inner().with_session(|s| {
                s.get_attributes(handle, &[AttributeType::Id, AttributeType::Label])
            })?;
            let mut selector = KeySelector::default();
            for attribute in attributes {
                match attribute {
                    Attribute::Id(id) if !id.is_empty() => selector.id = Some(id),
                    Attribute::Label(label) if !label.is_empty() => {
                        selector.label = Some(String::from_utf8_lossy(&label).into_owned());
                    }
                    _ => {}
                }
            }
            if selector.id.is_some() || selector.label.is_some() {
                selectors.push(selector);
            }
        }
        let mut found: Vec<Pkcs11Key> = Vec::new();
        for selector in &selectors {
            match self.key(selector) {
                Ok(key) if key.certificate().is_ok() => found.push(key),
                Ok(_)
                | Err(
                    Pkcs11Error::UnsupportedKey(_)
                    | Pkcs11Error::KeyAmbiguous { .. }
                    | Pkcs11Error::KeyMismatch
                    | Pkcs11Error::AlwaysAuthenticate,
                ) => {}
                Err(e) => return Err(e),
            }
        }
        match found.len() {
            0 => Err(Pkcs11Error::KeyNotFound("có chứng thư số".to_owned())),
            1 => Ok(found.remove(0)),
            count => Err(Pkcs11Error::KeyAmbiguous {
                selector: "“có chứng thư số”".to_owned(),
                count,
            }),
        }
    }
}

impl Pkcs11Key {
    pub fn kind(&self) -> KeyKind {
        self.inner.kind
    }

    /// `CKA_ID`.
    pub fn id(&self) -> &[u8] {
        &self.inner.id
    }

    /// `CKA_LABEL`.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    pub fn token(&self) -> &Token {
        &self.inner.token
    }

    /// The key's certificate (DER) from the token.
    pub fn certificate(&self) -> Result<&[u8], Pkcs11Error> {
        self.inner.certificate.as_deref().ok_or_else(|| {
            Pkcs11Error::CertificateNotFound(format!(
                "CKA_ID={} CKA_LABEL=“{}”",
                hex(&self.inner.id),
                self.inner.label
            ))
        })
    }

    /// The same key with `certificate` (DER, kept outside the token), once checked to be
    /// the key's.
    pub fn adopt_certificate(&self, certificate: &[u8]) -> Result<Pkcs11Key, Pkcs11Error> {
        let chosen = self.matching(&[certificate.to_vec()])?;
        Ok(self.with_certificate(chosen))
    }

    fn with_certificate(&self, certificate: Vec<u8>) -> Pkcs11Key {
        Pkcs11Key {
            inner: Arc::new(KeyInner {
                token: self.inner.token.clone(),
                handle: self.inner.handle,
                id: self.inner.id.clone(),
                label: self.inner.label.clone(),
                kind: self.inner.kind,
                certificate: Some(certificate),
            }),
        }
    }

    /// The algorithm the issue asks for: RSASSA-PSS for RSA, ECDSA for P-256.
    pub fn preferred_algorithm(&self) -> SignatureAlgorithm {
        match self.inner.kind {
            KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPssSha256,
            KeyKind::P256 => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }

    /// A signer with `algorithm`, hashing on the token when it can.
    pub fn signer(&self, algorithm: SignatureAlgorithm) -> Result<Pkcs11Signer, Pkcs11Error> {
        match self.signer_hashing(algorithm, Hashing::OnToken) {
            Err(Pkcs11Error::MechanismUnsupported(_)) => {
                self.signer_hashing(algorithm, Hashing::Here)
            }
            other => other,
        }
    }

    /// A signer with `algorithm`, the digest made where `hashing` says.
    pub fn signer_hashing(
        &self,
        algorithm: SignatureAlgorithm,
        hashing: Hashing,
    ) -> Result<Pkcs11Signer, Pkcs11Error> {
        use SignatureAlgorithm as A;
        let rsa = matches!(self.inner.kind, KeyKind::Rsa { .. });
        let (mechanism, name) = match (algorithm, hashing) {
            (A::RsaPssSha256, Hashing::OnToken) if rsa => (
                MechanismType::SHA256_RSA_PKCS_PSS,
                "CKM_SHA256_RSA_PKCS_PSS",
            ),
            (A::RsaPssSha256, Hashing::Here) if rsa => {
                (MechanismType::RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS")
            }
            (A::RsaPkcs1v15Sha256, Hashing::OnToken) if rsa => {
                (MechanismType::SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS")
            }
            (A::RsaPkcs1v15Sha256, Hashing::Here) if rsa => {
                (MechanismType::RSA_PKCS, "CKM_RSA_PKCS")
            }
            (A::EcdsaP256Sha256, Hashing::OnToken) if !rsa => {
                (MechanismType::ECDSA_SHA256, "CKM_ECDSA_SHA256")
            }
            (A::EcdsaP256Sha256, Hashing::Here) if !rsa => (MechanismType::ECDSA, "CKM_ECDSA"),
            _ => return Err(Pkcs11Error::AlgorithmMismatch),
        };
        if !self.inner.token.inner().mechanisms.contains(&mechanism) {
            return Err(Pkcs11Error::MechanismUnsupported(name));
        }
        Ok(Pkcs11Signer {
            key: self.clone(),
            algorithm,
            hashing,
            mechanism: name,
        })
    }

    /// The certificates on the token under the key's id (or label when it has none).
    fn certificates_on_token(&self) -> Result<Vec<Vec<u8>>, Pkcs11Error> {
        let mut template = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
        if self.inner.id.is_empty() {
            template.push(Attribute::Label(self.inner.label.as_bytes().to_vec()));
        } else {
            template.push(Attribute::Id(self.inner.id.clone()));
        }
        self.inner.token.inner().with_session(|s| {
            let mut out = Vec::new();
            for handle in s.find_objects(&template)? {
                for attribute in s.get_attributes(handle, &[AttributeType::Value])? {
                    if let Attribute::Value(der) = attribute {
                        out.push(der);
                    }
                }
            }
            Ok(out)
        })
    }

    /// The first of `candidates` whose public key verifies a signature made now by the key.
    fn matching(&self, candidates: &[Vec<u8>]) -> Result<Vec<u8>, Pkcs11Error> {
        let signer = self.signer(self.preferred_algorithm())?;
        let mut challenge = [0u8; 32];
        getrandom::fill(&mut challenge)
            .map_err(|e| Pkcs11Error::Device(format!("getrandom: {e}")))?;
        let message = [b"tinhso-pkcs11 key check ".as_slice(), &challenge].concat();
        let digest = Sha256::digest(&message);
        let signature = signer.sign_typed(&ToBeSigned {
            message: &message,
            digest: &digest,
        })?;
        let scheme = scheme(signer.algorithm)?;
        let mut unreadable = None;
        for der in candidates {
            match public_key_of(der) {
                Ok(key) => {
                    if key.verify(scheme, &message, &signature).is_ok() {
                        return Ok(der.clone());
                    }
                }
                Err(e) => unreadable = Some(e),
            }
        }
        Err(match (candidates.len(), unreadable) {
            (1, Some(e)) => e,
            _ => Pkcs11Error::KeyMismatch,
        })
    }
}

fn scheme(algorithm: SignatureAlgorithm) -> Result<SignatureScheme, Pkcs11Error> {
    let identifier = algorithm
        .identifier()
        .map_err(|e| Pkcs11Error::Device(e.to_string()))?;
    SignatureScheme::from_cms(&identifier, DigestAlgorithm::Sha256)
        .map_err(|_| Pkcs11Error::AlgorithmMismatch)
}

fn public_key_of(der: &[u8]) -> Result<PublicKey, Pkcs11Error> {
    let unreadable = |e: &dyn std::fmt::Display| Pkcs11Error::CertificateUnreadable(e.to_string());
    let certificate = x509_cert::Certificate::from_der(der).map_err(|e| unreadable(&e))?;
    PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info())
        .map_err(|e| unreadable(&e))
}

/// A key on a token with one algorithm: what [`tinhso_pades::sign::sign_pdf`] takes. `Send`
/// and `Sync`: each signature borrows a session of the token's pool.
#[derive(Clone, Debug)]
pub struct Pkcs11Signer {
    key: Pkcs11Key,
    algorithm: SignatureAlgorithm,
    hashing: Hashing,
    mechanism: &'static str,
}

impl Pkcs11Signer {
    pub fn key(&self) -> &Pkcs11Key {
        &self.key
    }

    pub fn hashing(&self) -> Hashing {
        self.hashing
    }

    /// The PKCS#11 mechanism's name (`CKM_ECDSA`, …).
    pub fn mechanism(&self) -> &'static str {
        self.mechanism
    }

    /// [`Signer::sign`] with the PKCS#11 error kept.
    pub fn sign_typed(&self, input: &ToBeSigned<'_>) -> Result<Vec<u8>, Pkcs11Error> {
        let pss = PkcsPssParams {
            hash_alg: MechanismType::SHA256,
            mgf: PkcsMgfType::MGF1_SHA256,
            s_len: 32.into(),
        };
        let digest_info;
        let (mechanism, data): (Mechanism<'_>, &[u8]) = match (self.algorithm, self.hashing) {
            (SignatureAlgorithm::RsaPssSha256, Hashing::OnToken) => {
                (Mechanism::Sha256RsaPkcsPss(pss), input.message)
            }
            (SignatureAlgorithm::RsaPssSha256, Hashing::Here) => {
                (Mechanism::RsaPkcsPss(pss), input.digest)
            }
            (SignatureAlgorithm::RsaPkcs1v15Sha256, Hashing::OnToken) => {
                (Mechanism::Sha256RsaPkcs, input.message)
            }
            (SignatureAlgorithm::RsaPkcs1v15Sha256, Hashing::Here) => {
                digest_info = [&SHA256_DIGEST_INFO[..], input.digest].concat();
                (Mechanism::RsaPkcs, &digest_info)
            }
            (SignatureAlgorithm::EcdsaP256Sha256, Hashing::OnToken) => {
                (Mechanism::EcdsaSha256, input.message)
            }
            (SignatureAlgorithm::EcdsaP256Sha256, Hashing::Here) => {
                (Mechanism::Ecdsa, input.digest)
            }
        };
        if self.hashing == Hashing::Here && input.digest.len() != 32 {
            return Err(Pkcs11Error::BadSignature(
                "bản tóm tắt không phải SHA-256".to_owned(),
            ));
        }
        let key = &self.key.inner;
        let raw = key
            .token
            .inner()
            .with_session(|s| s.sign(&mechanism, key.handle, data))?;
        match key.kind {
            KeyKind::Rsa { bits } if raw.len() == bits.div_ceil(8) => Ok(raw),
            KeyKind::Rsa { .. } => Err(Pkcs11Error::BadSignature(format!(
                "chữ ký RSA dài {} byte",
                raw.len()
            ))),
            KeyKind::P256 => ecdsa_der(&raw),
        }
    }
}

/// `r ‖ s` (64 bytes) as a DER `ECDSA-Sig-Value`; a module that already answers in DER
/// is accepted too.
pub fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
    let signature = if raw.len() == 64 {
        p256::ecdsa::Signature::from_slice(raw)
    } else {
        p256::ecdsa::Signature::from_der(raw)
    }
    .map_err(|_| Pkcs11Error::BadSignature(format!("chữ ký ECDSA dài {} byte", raw.len())))?;
    Ok(signature.to_der().as_bytes().to_vec())
}

impl Signer for Pkcs11Signer {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign(&self, input: &ToBeSigned<'_>) -> Result<Vec<u8>, SignError> {
        self.sign_typed(input)
            .map_err(|e| SignError::Signer(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_and_s_become_der_integers() {
        let mut raw = [0u8; 64];
        raw[31] = 1; // r = 1
        raw[32] = 0x80; // s with its high bit set: a leading zero in DER
        raw[63] = 2;
        let der = ecdsa_der(&raw).unwrap();
        assert_eq!(&der[..7], &[0x30, 0x26, 0x02, 0x01, 0x01, 0x02, 0x21]);
        assert_eq!(der[7], 0x00);
        assert_eq!(der.len(), 2 + 3 + 2 + 33);
        // Already DER: accepted and re-encoded the same.
        assert_eq!(ecdsa_der(&der).unwrap(), der);
        // Zero r or s, or a wrong length: refused.
        assert!(ecdsa_der(&[0u8; 64]).is_err());
        assert!(ecdsa_der(&[1u8; 63]).is_err());
    }

    #[test]
    fn key_ids_are_read_as_pkcs11_tool_writes_them() {
        assert_eq!(KeySelector::id_hex("01").unwrap().id, Some(vec![1]));
        assert_eq!(
            KeySelector::id_hex("A1b2").unwrap().id,
            Some(vec![0xa1, 0xb2])
        );
        for bad in ["", "1", "0g", "é1"] {
            assert!(matches!(
                KeySelector::id_hex(bad),
                Err(Pkcs11Error::KeyNotFound(_))
            ));
        }
        assert_eq!(
            KeySelector {
                id: Some(vec![2]),
                label: Some("vanthu".into())
            }
            .describe(),
            "CKA_ID=02 CKA_LABEL=“vanthu”"
        );
    }
}
