//! Recording and verifying the audit trail. Every state change calls `record` inside the same
//! transaction as the change, so there is no change without its audit row and no audit row
//! for a change that was rolled back.

pub mod http;

use crate::db::{Conn, Db};
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;
use tinhso_domain::audit_chain::{AuditRecord, ChainBreak, ChainVerifier, GENESIS};

/// Advisory-lock key that serialises appends to the chain across nodes.
const AUDIT_LOCK: i64 = 7232003;

/// Who did it and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub label: String,
    pub ip: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            label: "system".into(),
            ip: String::new(),
        }
    }
}

pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

pub async fn record(
    db: &Db,
    tx: &mut Conn,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), AppError> {
    db.lock(tx, AUDIT_LOCK).await?;
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    let (prev_seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")?,
            row.try_get::<String, _>("hash")?,
        ),
        None => (0, GENESIS.to_owned()),
    };
    let at = crate::time::now_text();
    let before = compact(&change.before);
    let after = compact(&change.after);
    let rec = AuditRecord {
        seq: prev_seq + 1,
        at: &at,
        actor: &actor.label,
        ip: &actor.ip,
        action: change.action,
        entity_type: change.entity_type,
        entity_id: change.entity_id,
        before: &before,
        after: &after,
    };
    let hash = rec.keyed_hash(db.audit_key()?, &prev_hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, ip, action, entity_type, entity_id, before_json, after_json, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(rec.seq)
    .bind(&at)
    .bind(&actor.label)
    .bind(&actor.ip)
    .bind(change.action)
    .bind(change.entity_type)
    .bind(change.entity_id)
    .bind(&before)
    .bind(&after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn compact(value: &serde_json::Value) -> String {
    if value.is_null() {
        String::new()
    } else {
        value.to_string()
    }
}

/// Re-computes the whole chain. Returns the number of rows verified or the first break.
pub async fn verify(db: &Db) -> Result<Result<i64, ChainBreak>, AppError> {
    let verifier = ChainVerifier::new(db.audit_key()?);
    Ok(walk(db, verifier, |_, _| Ok::<(), ChainBreak>(()))
        .await?
        .map(|v| v.verified()))
}

/// Checks every row after those `verifier` has already seen (all rows for a fresh verifier,
/// the rows after a checkpoint for a resumed one), in order, and hands each verified row's
/// sequence number and hash to `each`. Returns the verifier at the end of the chain, or the
/// first break.
pub async fn walk<E: From<ChainBreak>>(
    db: &Db,
    mut verifier: ChainVerifier,
    mut each: impl FnMut(i64, &str) -> Result<(), E>,
) -> Result<Result<ChainVerifier, E>, AppError> {
    let mut after_seq = verifier.verified();
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor, ip, action, entity_type, entity_id, before_json, after_json, prev_hash, hash
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000",
        )
        .bind(after_seq)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Ok(verifier));
        }
        for row in &rows {
            let entry = AuditEntry::from_row(row)?;
            let rec = entry.record();
            if let Err(e) = verifier.check(&rec, &entry.prev_hash, &entry.hash) {
                return Ok(Err(e.into()));
            }
            if let Err(e) = each(entry.seq, &entry.hash) {
                return Ok(Err(e));
            }
            after_seq = entry.seq;
        }
    }
}

/// The stored hash of row `seq`, if the row exists.
pub async fn hash_at(db: &Db, seq: i64) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("hash")?),
        None => None,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

impl AuditEntry {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, sqlx::Error> {
        Ok(AuditEntry {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            ip: row.try_get("ip")?,
            action: row.try_get("action")?,
            entity_type: row.try_get("entity_type")?,
            entity_id: row.try_get("entity_id")?,
            before: row.try_get("before_json")?,
            after: row.try_get("after_json")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }

    fn record(&self) -> AuditRecord<'_> {
        AuditRecord {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            ip: &self.ip,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            before: &self.before,
            after: &self.after,
        }
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    /// Exact actor label, e.g. `user:0193…`.
    pub actor: Option<String>,
    /// Action prefix, e.g. `agency.` or `user.create`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Return entries with a sequence number below this (the next page's cursor).
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

/// Newest first, filtered, paged by sequence number.
pub async fn search(db: &Db, f: &AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
    let limit = f.limit.unwrap_or(50).clamp(1, 500);
    let rows = sqlx::query(
        "SELECT seq, at, actor, ip, action, entity_type, entity_id, before_json, after_json, prev_hash, hash
         FROM audit_log
         WHERE ($1 = '' OR actor = $1)
           AND ($2 = '' OR action LIKE $2 || '%')
           AND ($3 = '' OR entity_type = $3)
           AND ($4 = '' OR entity_id = $4)
           AND seq < $5
         ORDER BY seq DESC LIMIT $6",
    )
    .bind(f.actor.clone().unwrap_or_default())
    .bind(f.action.clone().unwrap_or_default())
    .bind(f.entity_type.clone().unwrap_or_default())
    .bind(f.entity_id.clone().unwrap_or_default())
    .bind(f.before_seq.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(AuditEntry::from_row)
        .collect::<Result<_, _>>()?)
}
