//! The edXML exchange with other platforms (docs/signatures-design.md §7, slice 10): the peers
//! of `exchange.peers`, this platform's exchange key, the request signature of
//! `POST /exchange/v1/messages`, receiving packages and statuses ([`receive`]) and sending them
//! from the job queue ([`deliver`]). The rules here are pure; SQL is in [`store`].

pub mod deliver;
pub mod receive;
pub mod store;

use base64::Engine;
use sha2::{Digest, Sha256};
use tinhso_edxml::{SigningKey, VerifyingKey};
use tinhso_kernel::Ctx;
use tinhso_kernel::config::PeerConfig;

/// The path peers post to.
pub const MESSAGES_PATH: &str = "/exchange/v1/messages";
/// Largest clock difference accepted between a request's `Tinhso-Date` and ours.
pub const MAX_SKEW_SECONDS: i64 = 300;
/// How long a nonce is remembered (a replay within it is refused; older dates fail the skew).
pub const NONCE_KEEP_SECONDS: i64 = 600;

pub const HEADER_PEER: &str = "tinhso-peer";
pub const HEADER_DATE: &str = "tinhso-date";
pub const HEADER_NONCE: &str = "tinhso-nonce";
pub const HEADER_SIGNATURE: &str = "tinhso-signature";

/// The DER prefix of a P-256 public key's SubjectPublicKeyInfo (id-ecPublicKey, prime256v1,
/// an uncompressed point follows): the same bytes in a PEM public key and in a certificate.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// A configured peer with its key read.
#[derive(Debug, Clone)]
pub struct Peer {
    pub id: String,
    pub base_url: String,
    pub organ_ids: Vec<String>,
    pub key: VerifyingKey,
}

impl Peer {
    /// Whether this peer speaks for agency `code`.
    pub fn serves(&self, code: &str) -> bool {
        self.organ_ids.iter().any(|p| organ_matches(p, code))
    }
}

/// `000.00.00.G22` matches itself; `*.H38` matches any code ending in `.H38`.
pub fn organ_matches(pattern: &str, code: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => !suffix.is_empty() && code.ends_with(suffix) && code.len() > suffix.len(),
        None => pattern == code,
    }
}

/// What a request's signature covers: `method\npath\ndate\nnonce\nhex(sha256(body))`.
pub fn signing_string(method: &str, path: &str, date: &str, nonce: &str, body: &[u8]) -> String {
    format!(
        "{method}\n{path}\n{date}\n{nonce}\n{}",
        hex::encode(Sha256::digest(body))
    )
}

/// A nonce as we accept it: 16 to 64 characters of `[A-Za-z0-9_-]`.
pub fn nonce_is_valid(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `date` (RFC 3339) is within [`MAX_SKEW_SECONDS`] of `now`.
pub fn date_is_fresh(date: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(date).is_ok_and(|d| {
        (now - d.with_timezone(&chrono::Utc)).num_seconds().abs() <= MAX_SKEW_SECONDS
    })
}

/// Whether status `new` moves a recipient on from `current`: codes in the order of
/// QCVN 102 (01 arrived … 06 done, then the recall's 13, 15, 16).
pub fn status_advances(current: Option<&str>, new: &str) -> bool {
    const ORDER: [&str; 9] = ["01", "02", "03", "04", "05", "06", "13", "15", "16"];
    let rank = |c: &str| ORDER.iter().position(|o| *o == c);
    match (current.and_then(rank), rank(new)) {
        (Some(current), Some(new)) => new >= current,
        (None, Some(_)) => true,
        (_, None) => false,
    }
}

/// Signs a request: the `Tinhso-Signature` value (base64 of the raw r‖s ECDSA P-256/SHA-256).
pub fn sign_request(key: &SigningKey, text: &str) -> String {
    use p256::ecdsa::signature::Signer;
    let signature: p256::ecdsa::Signature = key.sign(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(signature.to_bytes())
}

/// Checks a request's `Tinhso-Signature` against the peer's key.
pub fn request_signature_ok(key: &VerifyingKey, text: &str, signature: &str) -> bool {
    use p256::ecdsa::signature::Verifier;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(signature) = p256::ecdsa::Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(text.as_bytes(), &signature).is_ok()
}

/// The public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), what a peer configures.
pub fn public_key_pem(key: &VerifyingKey) -> String {
    let mut der = P256_SPKI_PREFIX.to_vec();
    der.extend_from_slice(key.to_sec1_point(false).as_bytes());
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

/// The public key PEM of the exchange key's private scalar (`tinhso exchange key`).
pub fn public_key_pem_of(secret: &[u8; 32]) -> anyhow::Result<String> {
    let key = SigningKey::from_slice(secret)
        .map_err(|_| anyhow::anyhow!("the exchange key is not a valid P-256 private key"))?;
    Ok(public_key_pem(key.verifying_key()))
}

/// Reads a P-256 key from a PEM `PUBLIC KEY` or `CERTIFICATE` (its SubjectPublicKeyInfo).
pub fn read_public_key(pem: &str) -> anyhow::Result<VerifyingKey> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| anyhow::anyhow!("not a PEM public key or certificate"))?;
    let at = der
        .windows(P256_SPKI_PREFIX.len())
        .position(|w| w == P256_SPKI_PREFIX)
        .ok_or_else(|| anyhow::anyhow!("no P-256 public key in it"))?;
    let point = der
        .get(at + P256_SPKI_PREFIX.len()..at + P256_SPKI_PREFIX.len() + 65)
        .ok_or_else(|| anyhow::anyhow!("the P-256 public key is cut short"))?;
    VerifyingKey::from_sec1_bytes(point).map_err(|_| anyhow::anyhow!("not a P-256 point"))
}

/// This platform's exchange key (`exchange.key`, generated at first start).
pub fn own_key(state: &Ctx) -> anyhow::Result<SigningKey> {
    SigningKey::from_slice(&state.keys.exchange)
        .map_err(|_| anyhow::anyhow!("the exchange key is not a valid P-256 private key"))
}

/// Reads one configured peer's key from its file.
pub fn load_peer(config: &PeerConfig) -> anyhow::Result<Peer> {
    anyhow::ensure!(
        !config.legacy_sha1,
        "exchange peer {}: legacy_sha1 is not supported yet",
        config.id
    );
    let pem = std::fs::read_to_string(&config.cert_file).map_err(|e| {
        anyhow::anyhow!(
            "exchange peer {}: cannot read {}: {e}",
            config.id,
            config.cert_file.display()
        )
    })?;
    let key =
        read_public_key(&pem).map_err(|e| anyhow::anyhow!("exchange peer {}: {e}", config.id))?;
    Ok(Peer {
        id: config.id.clone(),
        base_url: config.base_url.trim_end_matches('/').to_owned(),
        organ_ids: config.organ_ids.clone(),
        key,
    })
}

/// The peer named `id`, its key read now (a changed file applies at once).
pub fn peer(state: &Ctx, id: &str) -> Option<Peer> {
    let config = state.config.exchange.peers.iter().find(|p| p.id == id)?;
    match load_peer(config) {
        Ok(peer) => Some(peer),
        Err(e) => {
            tracing::warn!(error = %e, "exchange peer unusable");
            None
        }
    }
}

/// The peer that speaks for agency `code`, if any.
pub fn peer_for(state: &Ctx, code: &str) -> Option<Peer> {
    let config = state
        .config
        .exchange
        .peers
        .iter()
        .find(|p| p.organ_ids.iter().any(|o| organ_matches(o, code)))?;
    peer(state, &config.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organ_patterns() {
        assert!(organ_matches("000.00.00.G22", "000.00.00.G22"));
        assert!(!organ_matches("000.00.00.G22", "000.00.01.G22"));
        assert!(organ_matches("*.H38", "000.00.14.H38"));
        assert!(!organ_matches("*.H38", "000.00.14.H56"));
        assert!(!organ_matches("*", "000.00.14.H56"));
        assert!(!organ_matches("*.H38", ".H38"));
    }

    #[test]
    fn statuses_never_step_back() {
        assert!(status_advances(None, "01"));
        assert!(status_advances(Some("01"), "03"));
        assert!(!status_advances(Some("03"), "01"));
        assert!(status_advances(Some("03"), "03"));
        assert!(!status_advances(Some("03"), "99"));
    }

    #[test]
    fn nonces_and_dates() {
        assert!(nonce_is_valid("abcdefghijklmnop"));
        assert!(!nonce_is_valid("short"));
        assert!(!nonce_is_valid("abcdefghijklmnop\n"));
        let now = chrono::Utc::now();
        assert!(date_is_fresh(&now.to_rfc3339(), now));
        let old = now - chrono::Duration::seconds(MAX_SKEW_SECONDS + 1);
        assert!(!date_is_fresh(&old.to_rfc3339(), now));
        let ahead = now + chrono::Duration::seconds(MAX_SKEW_SECONDS + 1);
        assert!(!date_is_fresh(&ahead.to_rfc3339(), now));
        assert!(!date_is_fresh("yesterday", now));
    }

    #[test]
    fn request_signatures_and_pem_round_trip() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let text = signing_string("POST", MESSAGES_PATH, "d", "n", b"body");
        let signature = sign_request(&key, &text);
        let public = read_public_key(&public_key_pem(key.verifying_key())).unwrap();
        assert!(request_signature_ok(&public, &text, &signature));
        let other = signing_string("POST", MESSAGES_PATH, "d", "n", b"bodY");
        assert!(!request_signature_ok(&public, &other, &signature));
        assert!(!request_signature_ok(&public, &text, "not base64!"));
    }
}
