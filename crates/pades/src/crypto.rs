//! Verification primitives: digests (SHA-256/384/512, SHA-1 for legacy), and signatures with
//! RSA PKCS#1 v1.5, RSASSA-PSS (salt length from the parameters: pyHanko signs with salt 222
//! on 2048-bit keys) and ECDSA P-256/P-384. Signing is in [`crate::sign`].

use crate::asn1::{RsaPssParams, oid};
use der::Decode;
use der::asn1::ObjectIdentifier;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use serde::Serialize;
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// A digest algorithm we compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DigestAlgorithm {
    /// Legacy: read and reported, never enough for a valid signature on its own.
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub fn from_oid(oid: ObjectIdentifier) -> Option<DigestAlgorithm> {
        Some(match oid {
            oid::SHA1 => DigestAlgorithm::Sha1,
            oid::SHA256 => DigestAlgorithm::Sha256,
            oid::SHA384 => DigestAlgorithm::Sha384,
            oid::SHA512 => DigestAlgorithm::Sha512,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// The digest of the parts, in order, as one message.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }
        match self {
            DigestAlgorithm::Sha1 => run::<sha1::Sha1>(parts),
            DigestAlgorithm::Sha256 => run::<sha2::Sha256>(parts),
            DigestAlgorithm::Sha384 => run::<sha2::Sha384>(parts),
            DigestAlgorithm::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
}

/// How a signature value is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum SignatureScheme {
    RsaPkcs1v15 {
        digest: DigestAlgorithm,
    },
    RsaPss {
        digest: DigestAlgorithm,
        salt_length: u32,
    },
    Ecdsa {
        digest: DigestAlgorithm,
    },
}

/// Why a signature could not be checked or did not verify (Vietnamese, shown to users).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("thuật toán băm không được hỗ trợ ({0})")]
    UnsupportedDigest(ObjectIdentifier),
    #[error("thuật toán chữ ký không được hỗ trợ ({0})")]
    UnsupportedSignature(ObjectIdentifier),
    #[error("tham số RSASSA-PSS không hợp lệ: {0}")]
    BadPssParams(&'static str),
    #[error("thuật toán băm của chữ ký ({0}) khác thuật toán băm đã khai báo ({1})")]
    DigestMismatch(&'static str, &'static str),
    #[error("khóa công khai không đọc được hoặc không được hỗ trợ")]
    UnsupportedKey,
    #[error("loại khóa công khai không khớp thuật toán chữ ký")]
    KeyMismatch,
    #[error("giá trị chữ ký không khớp với khóa công khai của chứng thư số")]
    BadSignature,
}

impl SignatureScheme {
    /// The scheme a CMS `SignerInfo` names: its `signatureAlgorithm`, with the digest of its
    /// `digestAlgorithm` (which the signature algorithm's own hash, if any, must equal).
    pub fn from_cms(
        algorithm: &AlgorithmIdentifierOwned,
        digest: DigestAlgorithm,
    ) -> Result<SignatureScheme, CryptoError> {
        let same = |named: DigestAlgorithm| {
            if named == digest {
                Ok(named)
            } else {
                Err(CryptoError::DigestMismatch(named.name(), digest.name()))
            }
        };
        Ok(match algorithm.oid {
            oid::RSA_ENCRYPTION => SignatureScheme::RsaPkcs1v15 { digest },
            oid::SHA1_WITH_RSA => SignatureScheme::RsaPkcs1v15 {
                digest: same(DigestAlgorithm::Sha1)?,
            },
            oid::SHA256_WITH_RSA => SignatureScheme::RsaPkcs1v15 {
                digest: same(DigestAlgorithm::Sha256)?,
            },
            oid::SHA384_WITH_RSA => SignatureScheme::RsaPkcs1v15 {
                digest: same(DigestAlgorithm::Sha384)?,
            },
            oid::SHA512_WITH_RSA => SignatureScheme::RsaPkcs1v15 {
                digest: same(DigestAlgorithm::Sha512)?,
            },
            oid::RSASSA_PSS => Self::pss(algorithm, digest)?,
            // Some signers name the key type rather than the signature algorithm.
            oid::EC_PUBLIC_KEY => SignatureScheme::Ecdsa { digest },
            oid::ECDSA_WITH_SHA256 => SignatureScheme::Ecdsa {
                digest: same(DigestAlgorithm::Sha256)?,
            },
            oid::ECDSA_WITH_SHA384 => SignatureScheme::Ecdsa {
                digest: same(DigestAlgorithm::Sha384)?,
            },
            oid::ECDSA_WITH_SHA512 => SignatureScheme::Ecdsa {
                digest: same(DigestAlgorithm::Sha512)?,
            },
            other => return Err(CryptoError::UnsupportedSignature(other)),
        })
    }

    /// The scheme of a signature that names its own hash (certificates, CRLs, OCSP responses,
    /// timestamp tokens' issuers): no separate digest algorithm to agree with.
    pub fn from_algorithm(
        algorithm: &AlgorithmIdentifierOwned,
    ) -> Result<SignatureScheme, CryptoError> {
        let digest = match algorithm.oid {
            oid::SHA1_WITH_RSA => DigestAlgorithm::Sha1,
            oid::SHA256_WITH_RSA | oid::ECDSA_WITH_SHA256 => DigestAlgorithm::Sha256,
            oid::SHA384_WITH_RSA | oid::ECDSA_WITH_SHA384 => DigestAlgorithm::Sha384,
            oid::SHA512_WITH_RSA | oid::ECDSA_WITH_SHA512 => DigestAlgorithm::Sha512,
            oid::RSASSA_PSS => {
                let hash = algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<RsaPssParams>().ok())
                    .map(|p| p.effective().hash)
                    .ok_or(CryptoError::BadPssParams("không đọc được"))?;
                DigestAlgorithm::from_oid(hash).ok_or(CryptoError::UnsupportedDigest(hash))?
            }
            other => return Err(CryptoError::UnsupportedSignature(other)),
        };
        Self::from_cms(algorithm, digest)
    }

    /// PSS with explicit parameters: the hash must be the digest, MGF1 over that same hash,
    /// trailer 1 (RFC 4056 §3).
    fn pss(
        algorithm: &AlgorithmIdentifierOwned,
        digest: DigestAlgorithm,
    ) -> Result<SignatureScheme, CryptoError> {
        let params = algorithm
            .parameters
            .as_ref()
            .ok_or(CryptoError::BadPssParams("thiếu tham số"))?
            .decode_as::<RsaPssParams>()
            .map_err(|_| CryptoError::BadPssParams("không đọc được"))?
            .effective();
        let hash = DigestAlgorithm::from_oid(params.hash)
            .ok_or(CryptoError::UnsupportedDigest(params.hash))?;
        if hash != digest {
            return Err(CryptoError::DigestMismatch(hash.name(), digest.name()));
        }
        if params.mgf != oid::MGF1 || params.mgf_hash != Some(params.hash) {
            return Err(CryptoError::BadPssParams(
                "MGF phải là MGF1 với cùng hàm băm",
            ));
        }
        if params.trailer_field != 1 {
            return Err(CryptoError::BadPssParams("trường trailer phải là 1"));
        }
        Ok(SignatureScheme::RsaPss {
            digest,
            salt_length: params.salt_length,
        })
    }

    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureScheme::RsaPkcs1v15 { digest }
            | SignatureScheme::RsaPss { digest, .. }
            | SignatureScheme::Ecdsa { digest } => digest,
        }
    }

    /// A short name for reports, e.g. `RSASSA-PSS SHA-256 (salt 32)`.
    pub fn describe(self) -> String {
        match self {
            SignatureScheme::RsaPkcs1v15 { digest } => {
                format!("RSA PKCS#1 v1.5 {}", digest.name())
            }
            SignatureScheme::RsaPss {
                digest,
                salt_length,
            } => format!("RSASSA-PSS {} (salt {salt_length})", digest.name()),
            SignatureScheme::Ecdsa { digest } => format!("ECDSA {}", digest.name()),
        }
    }
}

/// A public key we verify with.
#[derive(Clone, Debug)]
pub enum PublicKey {
    Rsa(rsa::PublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// The key of a certificate. RSA keys may be labelled rsaEncryption or id-RSASSA-PSS.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, CryptoError> {
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(CryptoError::UnsupportedKey)?;
        match spki.algorithm.oid {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
                let pkcs1 = rsa::pkcs1::RsaPublicKeyRef::from_der(bits)
                    .map_err(|_| CryptoError::UnsupportedKey)?;
                let key =
                    rsa::PublicKey::try_from(pkcs1).map_err(|_| CryptoError::UnsupportedKey)?;
                Ok(PublicKey::Rsa(key))
            }
            oid::EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                match curve {
                    Some(oid::SECP256R1) => p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P256)
                        .map_err(|_| CryptoError::UnsupportedKey),
                    Some(oid::SECP384R1) => p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                        .map(PublicKey::P384)
                        .map_err(|_| CryptoError::UnsupportedKey),
                    _ => Err(CryptoError::UnsupportedKey),
                }
            }
            _ => Err(CryptoError::UnsupportedKey),
        }
    }

    /// The modulus size of an RSA key.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self {
            PublicKey::Rsa(key) => Some(rsa::traits::PublicKeyParts::size(key) * 8),
            _ => None,
        }
    }

    /// e.g. `RSA 2048`, `ECDSA P-256`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa(key) => format!("RSA {}", rsa::traits::PublicKeyParts::size(key) * 8),
            PublicKey::P256(_) => "ECDSA P-256".to_owned(),
            PublicKey::P384(_) => "ECDSA P-384".to_owned(),
        }
    }

    /// Checks `signature` over `message` with `scheme`.
    pub fn verify(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let hashed = scheme.digest().digest(&[message]);
        match (self, scheme) {
            (PublicKey::Rsa(key), SignatureScheme::RsaPkcs1v15 { digest }) => {
                verify_pkcs1v15(key, digest, &hashed, signature)
            }
            (
                PublicKey::Rsa(key),
                SignatureScheme::RsaPss {
                    digest,
                    salt_length,
                },
            ) => verify_pss(key, digest, salt_length as usize, &hashed, signature),
            (PublicKey::P256(key), SignatureScheme::Ecdsa { .. }) => {
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|_| CryptoError::BadSignature)?;
                key.verify_prehash(&hashed, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
            (PublicKey::P384(key), SignatureScheme::Ecdsa { .. }) => {
                let sig = p384::ecdsa::Signature::from_der(signature)
                    .map_err(|_| CryptoError::BadSignature)?;
                key.verify_prehash(&hashed, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
            _ => Err(CryptoError::KeyMismatch),
        }
    }
}

fn verify_pkcs1v15(
    key: &rsa::PublicKey,
    digest: DigestAlgorithm,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    use rsa::Pkcs1v15Sign;
    let scheme = match digest {
        DigestAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    };
    key.verify(scheme, hashed, signature)
        .map_err(|_| CryptoError::BadSignature)
}

fn verify_pss(
    key: &rsa::PublicKey,
    digest: DigestAlgorithm,
    salt: usize,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    use rsa::Pss;
    let result = match digest {
        DigestAlgorithm::Sha1 => {
            key.verify(Pss::<sha1::Sha1>::new_with_salt(salt), hashed, signature)
        }
        DigestAlgorithm::Sha256 => {
            key.verify(Pss::<sha2::Sha256>::new_with_salt(salt), hashed, signature)
        }
        DigestAlgorithm::Sha384 => {
            key.verify(Pss::<sha2::Sha384>::new_with_salt(salt), hashed, signature)
        }
        DigestAlgorithm::Sha512 => {
            key.verify(Pss::<sha2::Sha512>::new_with_salt(salt), hashed, signature)
        }
    };
    result.map_err(|_| CryptoError::BadSignature)
}
