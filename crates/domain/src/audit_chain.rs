//! The audit trail is append-only and hash-chained: each row's hash covers its content and the
//! previous row's hash, so editing, inserting or deleting a row breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash that precedes the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
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
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// What `audit verify` found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("row {seq}: expected sequence number {expected} (a row was deleted or inserted)")]
    Gap { seq: i64, expected: i64 },
    #[error("row {seq}: its previous-hash does not match the row before it")]
    Link { seq: i64 },
    #[error("row {seq}: its content does not match its hash (the row was edited)")]
    Content { seq: i64 },
}

/// Walks rows in sequence order, each given with its stored previous hash and hash.
pub struct ChainVerifier {
    expected_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            last_hash: GENESIS.to_owned(),
        }
    }
}

impl ChainVerifier {
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
        if record.hash(stored_prev) != stored_hash {
            return Err(ChainBreak::Content { seq });
        }
        self.expected_seq += 1;
        self.last_hash = stored_hash.to_owned();
        Ok(())
    }

    /// Continues a chain already verified up to row `seq` whose hash is `hash` (a checkpoint),
    /// so that only the rows after it need checking.
    pub fn resume(seq: i64, hash: &str) -> Self {
        Self {
            expected_seq: seq + 1,
            last_hash: hash.to_owned(),
        }
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

    fn chain(n: i64) -> Vec<(String, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let after = format!("{{\"n\":{seq}}}");
                let hash = record(seq, &after).hash(&prev);
                let row = (after, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[(i64, String, String, String)]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
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
        let forged_hash = record(3, "{}").hash(&inserted[1].3);
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
