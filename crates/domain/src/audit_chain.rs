//! The audit trail is append-only and hash-chained: each row's hash covers its content and the
//! previous row's hash, so editing, inserting or deleting a row breaks every hash after it.
//!
//! The chain is keyed: each row's hash is an HMAC-SHA256 under the audit key, which lives
//! outside the database (configuration), written as `k1:<hex>`. Someone who can write to the
//! database but does not hold the key cannot append a forged row nor re-hash the rows after an
//! edit. Rows written before the chain was keyed carry a plain SHA-256 hash and still verify,
//! but once a keyed row appears every later row must be keyed. Deleting the newest rows leaves
//! a valid chain: the signed checkpoints of `audit_anchor` catch that.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The hash that precedes the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Marks a keyed row hash (HMAC-SHA256 under the audit key).
pub const KEYED: &str = "k1:";
const ROW_LABEL: &str = "tinhso-audit-row-v1";

/// The fields of an audit row that the chain protects, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub ip: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

impl AuditRecord<'_> {
    /// Length-prefixed fields, so that moving text from one field to the next changes the hash.
    fn feed(&self, prev_hash: &str, mut update: impl FnMut(&[u8])) {
        let seq = self.seq.to_string();
        for field in [
            prev_hash,
            &seq,
            self.at,
            self.actor,
            self.ip,
            self.action,
            self.entity_type,
            self.entity_id,
            self.before,
            self.after,
        ] {
            update(&(field.len() as u64).to_be_bytes());
            update(field.as_bytes());
        }
    }

    /// The unkeyed SHA-256 hash of rows written before the chain was keyed.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        self.feed(prev_hash, |b| hasher.update(b));
        hex::encode(hasher.finalize())
    }

    /// The keyed hash every new row gets: `k1:` and the HMAC-SHA256 under the audit key.
    pub fn keyed_hash(&self, key: &[u8], prev_hash: &str) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(ROW_LABEL.as_bytes());
        self.feed(prev_hash, |b| mac.update(b));
        format!("{KEYED}{}", hex::encode(mac.finalize().into_bytes()))
    }
}

/// What `audit verify` found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("row {seq}: expected sequence number {expected} (a row was deleted or inserted)")]
    Gap { seq: i64, expected: i64 },
    #[error("row {seq}: its previous-hash does not match the row before it")]
    Link { seq: i64 },
    #[error(
        "row {seq}: its content does not match its hash (the row was edited, or written without the audit key)"
    )]
    Content { seq: i64 },
    #[error(
        "row {seq}: not sealed with the audit key although rows before it are (a row forged without the key)"
    )]
    Unkeyed { seq: i64 },
}

/// Walks rows in sequence order, each given with its stored previous hash and hash.
pub struct ChainVerifier {
    key: Vec<u8>,
    expected_seq: i64,
    last_hash: String,
    keyed_seen: bool,
}

impl ChainVerifier {
    /// Verifies a chain from its first row, with the audit key.
    pub fn new(key: &[u8]) -> Self {
        Self::resume(key, 0, GENESIS)
    }

    /// Continues a chain already verified up to row `seq` whose hash is `hash` (a checkpoint),
    /// so that only the rows after it need checking.
    pub fn resume(key: &[u8], seq: i64, hash: &str) -> Self {
        Self {
            key: key.to_vec(),
            expected_seq: seq + 1,
            last_hash: hash.to_owned(),
            keyed_seen: hash.starts_with(KEYED),
        }
    }

    pub fn check(
        &mut self,
        record: &AuditRecord<'_>,
        stored_prev: &str,
        stored_hash: &str,
    ) -> Result<(), ChainBreak> {
        let seq = record.seq;
        if seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                seq,
                expected: self.expected_seq,
            });
        }
        if stored_prev != self.last_hash {
            return Err(ChainBreak::Link { seq });
        }
        let keyed = stored_hash.starts_with(KEYED);
        if self.keyed_seen && !keyed {
            return Err(ChainBreak::Unkeyed { seq });
        }
        let computed = if keyed {
            record.keyed_hash(&self.key, stored_prev)
        } else {
            record.hash(stored_prev)
        };
        if computed != stored_hash {
            return Err(ChainBreak::Content { seq });
        }
        self.keyed_seen |= keyed;
        self.expected_seq += 1;
        self.last_hash = stored_hash.to_owned();
        Ok(())
    }

    /// Number of rows checked so far (including those before a resumed checkpoint).
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }

    /// The hash of the last row checked (or the resumed one, or `GENESIS`).
    pub fn head_hash(&self) -> &str {
        &self.last_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, after: &str) -> AuditRecord<'_> {
        AuditRecord {
            seq,
            at: "2026-11-24T12:00:00Z",
            actor: "user:1",
            ip: "127.0.0.1",
            action: "agency.update",
            entity_type: "agency",
            entity_id: "000.00.14.H56",
            before: "{}",
            after,
        }
    }

    const KEY: &[u8] = b"audit key for the tests";

    /// `n` rows; the first `legacy` of them with the unkeyed hash of older installations.
    fn chain_from(n: i64, legacy: i64) -> Vec<(String, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let after = format!("{{\"n\":{seq}}}");
                let rec = record(seq, &after);
                let hash = if seq <= legacy {
                    rec.hash(&prev)
                } else {
                    rec.keyed_hash(KEY, &prev)
                };
                let row = (after, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn chain(n: i64) -> Vec<(String, String, String)> {
        chain_from(n, 0)
    }

    fn verify(rows: &[(i64, String, String, String)]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new(KEY);
        for (seq, after, prev, hash) in rows {
            v.check(&record(*seq, after), prev, hash)?;
        }
        Ok(v.verified())
    }

    fn numbered(rows: Vec<(String, String, String)>) -> Vec<(i64, String, String, String)> {
        rows.into_iter()
            .enumerate()
            .map(|(i, (a, p, h))| (i as i64 + 1, a, p, h))
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&numbered(chain(5))), Ok(5));
    }

    #[test]
    fn detects_edit_delete_and_insert() {
        let mut edited = numbered(chain(5));
        edited[2].1 = "{\"n\":99}".into();
        assert_eq!(verify(&edited), Err(ChainBreak::Content { seq: 3 }));

        let mut deleted = numbered(chain(5));
        deleted.remove(1);
        assert_eq!(
            verify(&deleted),
            Err(ChainBreak::Gap {
                seq: 3,
                expected: 2
            })
        );

        // Inserting a forged row and renumbering the rest breaks the link to the next row.
        let mut inserted = numbered(chain(5));
        let forged_hash = record(3, "{}").keyed_hash(KEY, &inserted[1].3);
        inserted.insert(2, (3, "{}".into(), inserted[1].3.clone(), forged_hash));
        for (i, row) in inserted.iter_mut().enumerate() {
            row.0 = i as i64 + 1;
        }
        assert!(matches!(
            verify(&inserted),
            Err(ChainBreak::Link { seq: 4 })
        ));
    }

    #[test]
    fn without_the_key_rows_cannot_be_forged_or_re_hashed() {
        // Appending a row hashed the way anyone can compute.
        let mut appended = numbered(chain(4));
        let prev = appended[3].3.clone();
        let plain = record(5, "{}").hash(&prev);
        appended.push((5, "{}".into(), prev.clone(), plain));
        assert_eq!(verify(&appended), Err(ChainBreak::Unkeyed { seq: 5 }));
        // …or with a guessed key.
        appended[4].3 = record(5, "{}").keyed_hash(b"guess", &prev);
        assert_eq!(verify(&appended), Err(ChainBreak::Content { seq: 5 }));
        // Editing a row and re-hashing every row after it without the key.
        let mut rehashed = numbered(chain(5));
        rehashed[1].1 = "{\"n\":99}".into();
        let mut prev = rehashed[0].3.clone();
        for row in rehashed.iter_mut().skip(1) {
            row.2 = prev.clone();
            row.3 = record(row.0, &row.1).keyed_hash(b"guess", &prev);
            prev = row.3.clone();
        }
        assert_eq!(verify(&rehashed), Err(ChainBreak::Content { seq: 2 }));
    }

    #[test]
    fn rows_from_before_keying_still_verify_but_only_before_keyed_ones() {
        assert_eq!(verify(&numbered(chain_from(6, 3))), Ok(6));
        assert_eq!(verify(&numbered(chain_from(3, 3))), Ok(3));
        let mut mixed = numbered(chain_from(6, 3));
        let prev = mixed[3].3.clone();
        mixed[4].2 = prev.clone();
        mixed[4].3 = record(5, &mixed[4].1).hash(&prev);
        assert_eq!(verify(&mixed), Err(ChainBreak::Unkeyed { seq: 5 }));
    }

    #[test]
    fn resuming_from_a_checkpoint_checks_only_what_follows() {
        let rows = numbered(chain(6));
        let mut v = ChainVerifier::resume(KEY, 4, &rows[3].3);
        for (seq, after, prev, hash) in &rows[4..] {
            v.check(&record(*seq, after), prev, hash).unwrap();
        }
        assert_eq!(v.verified(), 6);
        assert_eq!(v.head_hash(), rows[5].3);
    }

    #[test]
    fn field_boundaries_matter() {
        let a = AuditRecord {
            actor: "ab",
            ip: "c",
            ..record(1, "")
        };
        let b = AuditRecord {
            actor: "a",
            ip: "bc",
            ..record(1, "")
        };
        assert_ne!(a.hash(GENESIS), b.hash(GENESIS));
    }
}
