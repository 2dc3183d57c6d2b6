//! The edXML exchange with other platforms (docs/signatures-design.md §7, slice 10): the peers
//! of `exchange.peers`, this platform's exchange key, the request signature of
//! `POST /exchange/v1/messages`, receiving packages and statuses ([`receive`]) and sending them
//! from the job queue ([`deliver`]). The rules here are pure; SQL is in [`store`].

pub mod admin;
pub mod answer;
pub mod arrival;
pub mod deliver;
pub mod failures;
pub mod recall;
pub mod receive;
pub mod statuses;
pub mod store;

use base64::Engine;
use sha2::{Digest, Sha256};
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_edxml::{SigningKey, VerifyingKey};
use tinhso_kernel::Ctx;
use tinhso_kernel::config::PeerConfig;

/// Deliveries past their window marked failed ("gửi thất bại"), every ten minutes on every
/// node (each once: [`failures::sweep`]).
pub const FAILURE_SWEEP: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "documents.exchange_failures",
    every: |_| Some(std::time::Duration::from_secs(600)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            failures::sweep(ctx, tinhso_kernel::time::now()).await?;
            Ok(())
        })
    },
};

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

/// A configured peer with its keys read: one, or two while it rotates its key (the old one
/// and the new one, each accepted).
#[derive(Debug, Clone)]
pub struct Peer {
    pub id: String,
    pub base_url: String,
    pub organ_ids: Vec<String>,
    pub keys: Vec<VerifyingKey>,
}

impl Peer {
    /// Whether this peer speaks for agency `code`.
    pub fn serves(&self, code: &str) -> bool {
        self.organ_ids.iter().any(|p| organ_matches(p, code))
    }
}

/// `000.00.00.G22` matches itself; `*.H38` matches any code ending in `.H38`.
pub fn organ_matches(pattern: &str, code: &str) -> bool {
    tinhso_kernel::config::organ_pattern_matches(pattern, code)
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

/// The receiver's processing statuses in the order of QCVN 102 (01 arrived, 03 registered,
/// 04 assigned, 05 in progress, 06 done); 02 (rejected, returned to its sender) ends it.
const PROCESSING_ORDER: [&str; 5] = ["01", "03", "04", "05", "06"];

/// Whether processing status `new` moves a recipient on from `current`: never back (statuses
/// arrive out of order, jobs run side by side), the same one again is harmless, a refusal (02)
/// only before the handling started (after 01 or 03) and nothing after it. The recall's codes
/// (13, 15, 16) are not processing statuses: they are kept apart ([`recall_outcome`]).
pub fn status_advances(current: Option<&str>, new: &str) -> bool {
    let rank = |c: &str| PROCESSING_ORDER.iter().position(|o| *o == c);
    match (current, new) {
        (_, "02") => matches!(current, None | Some("01" | "02" | "03")),
        (Some("02"), _) => false,
        (None, new) => rank(new).is_some(),
        (Some(current), new) => match (rank(current), rank(new)) {
            (Some(current), Some(new)) => new >= current,
            (None, Some(_)) => true,
            (_, None) => false,
        },
    }
}

/// The status the receiving platform sends back when an incoming document that came through
/// the exchange moves to `state`: 04 directed, 05 in progress, 06 done (or closed), 02 returned
/// to its sender; none for the steps the sender need not hear of (presented) or that have their
/// own answer (recalled: 15).
pub fn status_for_incoming(state: IncomingState) -> Option<&'static str> {
    match state {
        IncomingState::Directed => Some("04"),
        IncomingState::InProgress => Some("05"),
        IncomingState::Done | IncomingState::Closed => Some("06"),
        IncomingState::Returned => Some("02"),
        IncomingState::Registered | IncomingState::Presented | IncomingState::Recalled => None,
    }
}

/// How the receiver answers a recall (13) of an incoming document in `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecallOutcome {
    /// Waits for the receiving agency's document clerk, who accepts (15) or refuses it with a
    /// reason (16): [`answer`].
    AskClerk,
    /// Withdrawn before (a retried or repeated request): 15 again, nothing changes.
    AlreadyRecalled,
    /// It went back to its sender already, so there is nothing to withdraw: 16 with why.
    Refuse(&'static str),
}

pub fn recall_outcome(state: IncomingState) -> RecallOutcome {
    match state {
        IncomingState::Recalled => RecallOutcome::AlreadyRecalled,
        IncomingState::Returned => {
            RecallOutcome::Refuse("Văn bản đã được trả lại nơi gửi nên không còn để thu hồi.")
        }
        _ => RecallOutcome::AskClerk,
    }
}

/// What becomes of a recall request still waiting for the clerk when its copy moves to `to`
/// by another step: `None` while the clerk can still decide (the copy can still be withdrawn);
/// otherwise the answer the sender gets at once, as a 13 received in that state would get it
/// ([`recall_outcome`]): a copy returned to its sender has nothing left to withdraw (16, why).
pub fn pending_recall_after(to: IncomingState) -> Option<(&'static str, Option<&'static str>)> {
    match recall_outcome(to) {
        RecallOutcome::AskClerk => None,
        RecallOutcome::AlreadyRecalled => Some(("15", None)),
        RecallOutcome::Refuse(why) => Some(("16", Some(why))),
    }
}

/// The sender's record of a recall answered with status `code` (15 accepted, 16 refused).
pub fn recall_state_of(code: &str) -> Option<&'static str> {
    match code {
        "15" => Some("accepted"),
        "16" => Some("refused"),
        _ => None,
    }
}

/// Whether a delivery queued at `queued_at` and still not accepted is failed at `now`, after
/// `hours` ("gửi thất bại").
pub fn delivery_overdue(
    queued_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    hours: u32,
) -> bool {
    now - queued_at >= chrono::Duration::hours(i64::from(hours))
}

/// The parts of a package's DocumentId (`OrganId,yyyy/MM/dd,Number/Notation`): the sender's
/// code, the date as `YYYY-MM-DD`, the number and the notation.
pub fn parse_document_id(id: &str) -> Option<(String, String, String, String)> {
    let mut parts = id.splitn(3, ',');
    let (organ, date, code) = (parts.next()?, parts.next()?, parts.next()?);
    let (number, notation) = code.split_once('/')?;
    let date = chrono::NaiveDate::parse_from_str(date, "%Y/%m/%d").ok()?;
    (!organ.is_empty() && !number.is_empty() && !notation.is_empty()).then(|| {
        (
            organ.to_owned(),
            date.to_string(),
            number.to_owned(),
            notation.to_owned(),
        )
    })
}

/// Signs a request: the `Tinhso-Signature` value (base64 of the raw r‖s ECDSA P-256/SHA-256).
pub fn sign_request(key: &SigningKey, text: &str) -> String {
    use p256::ecdsa::signature::Signer;
    let signature: p256::ecdsa::Signature = key.sign(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(signature.to_bytes())
}

/// Checks a request's `Tinhso-Signature` against any of the peer's keys (during its rotation,
/// the old one and the new one).
pub fn request_signature_ok_any(keys: &[VerifyingKey], text: &str, signature: &str) -> bool {
    keys.iter()
        .any(|key| request_signature_ok(key, text, signature))
}

/// Checks a package's or status's XML signature against any of the peer's keys: the first
/// key's refusal when none verifies.
pub fn xml_signature_ok_any(
    root: &tinhso_edxml::dom::Element,
    keys: &[VerifyingKey],
) -> Result<(), tinhso_edxml::EdxmlError> {
    let mut refusal = None;
    for key in keys {
        match tinhso_edxml::dsig::verify(root, key) {
            Ok(()) => return Ok(()),
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    Err(refusal.unwrap_or_else(|| {
        tinhso_edxml::EdxmlError::Signature("nền tảng gửi chưa được cấu hình khóa".into())
    }))
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

/// Reads each of a configured peer's key files: the file and its key, or why it is unusable.
pub fn peer_keys(config: &PeerConfig) -> Vec<(std::path::PathBuf, anyhow::Result<VerifyingKey>)> {
    config
        .cert_file
        .iter()
        .map(|path| {
            let key = std::fs::read_to_string(path)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "exchange peer {}: cannot read {}: {e}",
                        config.id,
                        path.display()
                    )
                })
                .and_then(|pem| {
                    read_public_key(&pem).map_err(|e| {
                        anyhow::anyhow!("exchange peer {}: {}: {e}", config.id, path.display())
                    })
                });
            (path.clone(), key)
        })
        .collect()
}

/// Reads one configured peer's keys from their files. A file that does not read is left out
/// (and logged); none that reads makes the peer unusable.
pub fn load_peer(config: &PeerConfig) -> anyhow::Result<Peer> {
    anyhow::ensure!(
        !config.legacy_sha1,
        "exchange peer {}: legacy_sha1 is not supported yet",
        config.id
    );
    let mut keys = Vec::new();
    let mut first_error = None;
    for (_, key) in peer_keys(config) {
        match key {
            Ok(key) => keys.push(key),
            Err(e) => {
                tracing::warn!(error = %e, "exchange peer key unusable");
                first_error.get_or_insert(e);
            }
        }
    }
    if keys.is_empty() {
        return Err(first_error
            .unwrap_or_else(|| anyhow::anyhow!("exchange peer {}: no cert_file", config.id)));
    }
    Ok(Peer {
        id: config.id.clone(),
        base_url: config.base_url.trim_end_matches('/').to_owned(),
        organ_ids: config.organ_ids.clone(),
        keys,
    })
}

/// This platform's next exchange key during a rotation, when there is one (its public half
/// is announced; it signs nothing until the operator switches).
pub fn next_key(state: &Ctx) -> Option<SigningKey> {
    state
        .keys
        .exchange_next
        .and_then(|k| SigningKey::from_slice(&k).ok())
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
        // (current, new, moves on)
        let table: &[(Option<&str>, &str, bool)] = &[
            (None, "01", true),
            (None, "03", true),
            (None, "06", true),
            (None, "02", true),
            (None, "99", false),
            (None, "13", false),
            (Some("01"), "01", true),
            (Some("01"), "03", true),
            (Some("01"), "02", true),
            (Some("01"), "04", true),
            (Some("03"), "01", false),
            (Some("03"), "03", true),
            (Some("03"), "02", true),
            (Some("03"), "04", true),
            (Some("03"), "99", false),
            (Some("04"), "03", false),
            (Some("04"), "02", false),
            (Some("04"), "05", true),
            (Some("04"), "06", true),
            (Some("05"), "04", false),
            (Some("05"), "06", true),
            (Some("06"), "05", false),
            (Some("06"), "01", false),
            (Some("06"), "02", false),
            (Some("06"), "06", true),
            (Some("02"), "02", true),
            (Some("02"), "03", false),
            (Some("02"), "06", false),
            (Some("02"), "01", false),
            (Some("06"), "15", false),
            // An unknown stored value (a future code) gives way to a known one.
            (Some("zz"), "03", true),
        ];
        for (current, new, expected) in table {
            assert_eq!(
                status_advances(*current, new),
                *expected,
                "{current:?} → {new}"
            );
        }
    }

    #[test]
    fn incoming_steps_give_their_status() {
        use IncomingState::*;
        let table = [
            (Registered, None),
            (Presented, None),
            (Directed, Some("04")),
            (InProgress, Some("05")),
            (Done, Some("06")),
            (Closed, Some("06")),
            (Returned, Some("02")),
            (Recalled, None),
        ];
        for (state, code) in table {
            assert_eq!(status_for_incoming(state), code, "{state:?}");
            // Each code sent is one the sender accepts after 03.
            if let Some(code) = code {
                assert!(status_advances(Some("03"), code), "{code}");
            }
        }
    }

    #[test]
    fn recall_answers() {
        use IncomingState::*;
        for state in [Registered, Presented, Directed, InProgress, Done, Closed] {
            assert_eq!(recall_outcome(state), RecallOutcome::AskClerk, "{state:?}");
        }
        assert_eq!(recall_outcome(Recalled), RecallOutcome::AlreadyRecalled);
        assert!(matches!(recall_outcome(Returned), RecallOutcome::Refuse(_)));
        // A request left waiting when its copy moves on: settled only where a 13 would be
        // answered at once, with the same answer.
        for state in [Registered, Presented, Directed, InProgress, Done, Closed] {
            assert_eq!(pending_recall_after(state), None, "{state:?}");
        }
        assert_eq!(pending_recall_after(Recalled), Some(("15", None)));
        let (code, why) = pending_recall_after(Returned).unwrap();
        assert_eq!(code, "16");
        assert!(why.unwrap().contains("trả lại nơi gửi"));
        assert_eq!(recall_state_of("15"), Some("accepted"));
        assert_eq!(recall_state_of("16"), Some("refused"));
        assert_eq!(recall_state_of("13"), None);
        assert_eq!(recall_state_of("03"), None);
    }

    #[test]
    fn deliveries_fail_after_the_window() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let table = [(0, false), (71, false), (72, true), (100, true)];
        for (hours, failed) in table {
            let now = start + chrono::Duration::hours(hours);
            assert_eq!(delivery_overdue(start, now, 72), failed, "{hours} h");
        }
        assert!(delivery_overdue(
            start,
            start + chrono::Duration::hours(1),
            1
        ));
    }

    #[test]
    fn document_ids() {
        assert_eq!(
            parse_document_id("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"),
            Some((
                "000.00.00.G22".into(),
                "2015-09-30".into(),
                "7816".into(),
                "VPCP-TTĐT".into()
            ))
        );
        assert_eq!(
            parse_document_id("000.00.14.H56,2026/11/30,05/QĐ-UBND"),
            Some((
                "000.00.14.H56".into(),
                "2026-11-30".into(),
                "05".into(),
                "QĐ-UBND".into()
            ))
        );
        for bad in [
            "",
            "000.00.00.G22",
            "000.00.00.G22,2015-09-30,7816/VPCP",
            "000.00.00.G22,2015/09/30,7816",
            "000.00.00.G22,2015/13/30,7816/VPCP",
            ",2015/09/30,7816/VPCP",
        ] {
            assert_eq!(parse_document_id(bad), None, "{bad}");
        }
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
