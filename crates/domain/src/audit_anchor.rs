//! Anchoring the audit chain outside the database. The hash chain alone cannot show that
//! someone with write access to the database deleted the newest rows, appended a correctly
//! hashed row, or edited a row and re-hashed every row after it: anyone can recompute SHA-256.
//! A checkpoint records the chain's head (sequence number and hash) at a moment, with an
//! HMAC-SHA256 under a key that is *not* in the database, and is written outside it (the object
//! store and the log). Verifying then checks every checkpoint's MAC, that the row at its
//! sequence number still has the recorded hash (so no row up to it was edited, inserted or
//! deleted), and that the chain is not shorter than the newest checkpoint (truncation).
//!
//! What it cannot do: rows appended after the newest checkpoint are covered only once the next
//! checkpoint is taken; and deleting the newest checkpoint files as well needs write access to
//! the anchor store, which the log lines (shipped elsewhere) then contradict.

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The format version written into each checkpoint and covered by its MAC.
pub const VERSION: u32 = 1;
const MAC_LABEL: &str = "tinhso-audit-checkpoint-v1";
const KEY_ID_LABEL: &str = "tinhso-audit-anchor-key-id";

/// A signed statement: "the audit chain had `rows` rows and row `seq` had hash `hash` at `at`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// Sequence number of the chain's head when the checkpoint was taken.
    pub seq: i64,
    /// Hash of that row.
    pub hash: String,
    /// Number of rows in the chain (equal to `seq` for an intact chain).
    pub rows: i64,
    /// When the checkpoint was taken (RFC 3339 UTC).
    pub at: String,
    /// The node that took it.
    pub node: String,
    /// Identifies the key without revealing it, so a checkpoint made with another key is told
    /// apart from a forged one.
    pub key_id: String,
    /// HMAC-SHA256 (hex) over every field above.
    pub mac: String,
}

/// Identifies a key: the first 8 bytes of HMAC(key, label), in hex.
pub fn key_id(key: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key");
    mac.update(KEY_ID_LABEL.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..8])
}

impl Checkpoint {
    /// A checkpoint of the head `seq`/`hash`, signed with `key`.
    pub fn sign(key: &[u8], seq: i64, hash: &str, rows: i64, at: &str, node: &str) -> Checkpoint {
        let mut cp = Checkpoint {
            version: VERSION,
            seq,
            hash: hash.to_owned(),
            rows,
            at: at.to_owned(),
            node: node.to_owned(),
            key_id: key_id(key),
            mac: String::new(),
        };
        cp.mac = hex::encode(cp.keyed(key).finalize().into_bytes());
        cp
    }

    /// Length-prefixed fields, so that moving text from one field to the next changes the MAC.
    fn keyed(&self, key: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key");
        let version = self.version.to_string();
        let seq = self.seq.to_string();
        let rows = self.rows.to_string();
        for field in [
            MAC_LABEL,
            &version,
            &seq,
            &self.hash,
            &rows,
            &self.at,
            &self.node,
            &self.key_id,
        ] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac
    }

    /// Checks the MAC in constant time.
    pub fn verify(&self, key: &[u8]) -> Result<(), AnchorBreak> {
        let expected = key_id(key);
        if self.key_id != expected {
            return Err(AnchorBreak::OtherKey {
                seq: self.seq,
                key_id: self.key_id.clone(),
                expected,
            });
        }
        let tag = hex::decode(&self.mac).map_err(|_| AnchorBreak::Forged { seq: self.seq })?;
        if self.version != VERSION || self.keyed(key).verify_slice(&tag).is_err() {
            return Err(AnchorBreak::Forged { seq: self.seq });
        }
        Ok(())
    }
}

/// What checking the chain against its checkpoints found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorBreak {
    #[error(
        "checkpoint at row {seq}: its MAC is wrong (a forged or altered checkpoint, or a key that changed)"
    )]
    Forged { seq: i64 },
    #[error(
        "checkpoint at row {seq} was made with another anchor key (key id {key_id}; the configured key is {expected})"
    )]
    OtherKey {
        seq: i64,
        key_id: String,
        expected: String,
    },
    #[error(
        "row {seq} no longer has the hash its checkpoint recorded (rows up to it were edited, inserted or deleted and the chain re-hashed)"
    )]
    Mismatch { seq: i64 },
    #[error(
        "the chain ends at row {rows} but a checkpoint recorded row {seq} (the newest rows were deleted)"
    )]
    Truncated { rows: i64, seq: i64 },
}

/// The checkpoints whose MACs were verified, by sequence number.
#[derive(Debug, Default)]
pub struct Anchors {
    by_seq: BTreeMap<i64, BTreeSet<String>>,
    count: usize,
}

impl Anchors {
    /// Verifies every checkpoint's MAC; the first bad one is the answer.
    pub fn verified(
        key: &[u8],
        checkpoints: impl IntoIterator<Item = Checkpoint>,
    ) -> Result<Anchors, AnchorBreak> {
        let mut anchors = Anchors::default();
        for cp in checkpoints {
            cp.verify(key)?;
            anchors.by_seq.entry(cp.seq).or_default().insert(cp.hash);
            anchors.count += 1;
        }
        Ok(anchors)
    }

    /// Called for each row of the chain in order: a checkpointed row must still have its hash.
    pub fn check_row(&self, seq: i64, hash: &str) -> Result<(), AnchorBreak> {
        match self.by_seq.get(&seq) {
            Some(hashes) if hashes.iter().any(|h| h != hash) => Err(AnchorBreak::Mismatch { seq }),
            _ => Ok(()),
        }
    }

    /// Called once the whole chain was read: it must reach the newest checkpoint.
    pub fn check_length(&self, rows: i64) -> Result<(), AnchorBreak> {
        match self.newest() {
            Some(seq) if seq > rows => Err(AnchorBreak::Truncated { rows, seq }),
            _ => Ok(()),
        }
    }

    /// The sequence number of the newest checkpoint.
    pub fn newest(&self) -> Option<i64> {
        self.by_seq.keys().next_back().copied()
    }

    /// How many checkpoints were verified.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn cp(seq: i64, hash: &str) -> Checkpoint {
        Checkpoint::sign(KEY, seq, hash, seq, "2026-11-24T12:00:00Z", "node-1")
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_survives_json() {
        let c = cp(5, "aa");
        let json = serde_json::to_string(&c).unwrap();
        let back: Checkpoint = serde_json::from_str(&json).unwrap();
        assert_eq!(back.verify(KEY), Ok(()));
    }

    #[test]
    fn any_altered_field_or_key_is_refused() {
        let good = cp(5, "aa");
        let altered = [
            Checkpoint {
                seq: 6,
                ..good.clone()
            },
            Checkpoint {
                hash: "ab".into(),
                ..good.clone()
            },
            Checkpoint {
                rows: 9,
                ..good.clone()
            },
            Checkpoint {
                at: "2026-11-25T12:00:00Z".into(),
                ..good.clone()
            },
            Checkpoint {
                node: "node-2".into(),
                ..good.clone()
            },
            Checkpoint {
                version: 2,
                ..good.clone()
            },
            Checkpoint {
                mac: "zz".into(),
                ..good.clone()
            },
        ];
        for bad in altered {
            assert_eq!(
                bad.verify(KEY),
                Err(AnchorBreak::Forged { seq: bad.seq }),
                "{bad:?}"
            );
        }
        // Someone who knows the format but not the key signs with their own key.
        let forged = Checkpoint::sign(b"attacker", 5, "aa", 5, "2026-11-24T12:00:00Z", "x");
        assert!(matches!(
            forged.verify(KEY),
            Err(AnchorBreak::OtherKey { seq: 5, .. })
        ));
        // …and claims the real key's id.
        let claimed = Checkpoint {
            key_id: key_id(KEY),
            ..forged
        };
        assert_eq!(claimed.verify(KEY), Err(AnchorBreak::Forged { seq: 5 }));
    }

    #[test]
    fn rows_are_checked_against_checkpoints() {
        let anchors = Anchors::verified(KEY, [cp(3, "h3"), cp(5, "h5")]).unwrap();
        assert_eq!(anchors.len(), 2);
        assert_eq!(anchors.newest(), Some(5));
        assert_eq!(anchors.check_row(3, "h3"), Ok(()));
        assert_eq!(anchors.check_row(4, "anything"), Ok(()));
        assert_eq!(
            anchors.check_row(5, "rehashed"),
            Err(AnchorBreak::Mismatch { seq: 5 })
        );
        assert_eq!(anchors.check_length(5), Ok(()));
        assert_eq!(anchors.check_length(7), Ok(()));
        assert_eq!(
            anchors.check_length(4),
            Err(AnchorBreak::Truncated { rows: 4, seq: 5 })
        );
        assert!(
            Anchors::verified(
                KEY,
                [
                    cp(3, "h3"),
                    Checkpoint {
                        seq: 4,
                        ..cp(5, "h5")
                    }
                ]
            )
            .is_err()
        );
    }

    #[test]
    fn key_ids_differ_by_key() {
        assert_ne!(key_id(KEY), key_id(b"another key"));
        assert_eq!(key_id(KEY).len(), 16);
    }
}
