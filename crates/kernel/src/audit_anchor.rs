//! Checkpoints of the audit chain outside the database (`tinhso_domain::audit_anchor` holds the
//! rules). A checkpoint is taken by the job runner every `audit.checkpoint_minutes` when the
//! chain moved, and by `tinhso audit checkpoint`: it first checks the rows added since the last
//! checkpoint (so a tampered chain is never signed), then signs the head with the anchor key
//! (from configuration, never in the database), writes it to the object store as
//! `audit-anchors/<seq>.json` and logs it in full, so a second copy lives wherever logs are
//! shipped. `verify` checks the chain against every checkpoint.

use crate::db::{Backend, Db};
use crate::error::AppError;
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::path::Path;
use sqlx::Row;
use tinhso_domain::audit_anchor::{AnchorBreak, Anchors, Checkpoint};
use tinhso_domain::audit_chain::{ChainBreak, ChainVerifier};

/// Folder of the checkpoints in the object store.
pub const PREFIX: &str = "audit-anchors";
/// Advisory-lock key so that two nodes do not take the same checkpoint at once.
const CHECKPOINT_LOCK: i64 = 7232004;
/// Where the newest checkpoint's sequence number is remembered (only a hint: it is checked
/// against the signed file before it is trusted).
const LAST_SETTING: &str = "audit_last_checkpoint";

/// Object name of the checkpoint at row `seq` (zero-padded, so names sort by row).
pub fn object_key(seq: i64) -> String {
    format!("{PREFIX}/{seq:016}.json")
}

/// What `verify` found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error(transparent)]
    Chain(#[from] ChainBreak),
    #[error(transparent)]
    Anchor(#[from] AnchorBreak),
    #[error("checkpoint file {name} cannot be read: {error}")]
    Unreadable { name: String, error: String },
}

/// What an intact trail looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Rows of the chain, all verified.
    pub rows: i64,
    /// Checkpoints whose MAC and row hash were verified.
    pub checkpoints: usize,
    /// Row of the newest checkpoint.
    pub newest: Option<i64>,
}

/// Re-computes the whole chain and checks it against every checkpoint in `store`.
pub async fn verify(
    db: &Db,
    store: &dyn ObjectStore,
    key: &[u8],
) -> anyhow::Result<Result<Report, Broken>> {
    let mut checkpoints = Vec::new();
    for name in list(store).await? {
        match read(store, &name).await? {
            Ok(cp) => checkpoints.push(cp),
            Err(error) => return Ok(Err(Broken::Unreadable { name, error })),
        }
    }
    let anchors = match Anchors::verified(key, checkpoints) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e.into())),
    };
    let walked = crate::audit::walk(db, ChainVerifier::new(key), |seq, hash| {
        anchors.check_row(seq, hash).map_err(Broken::from)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = match walked {
        Ok(v) => v.verified(),
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = anchors.check_length(rows) {
        return Ok(Err(e.into()));
    }
    Ok(Ok(Report {
        rows,
        checkpoints: anchors.len(),
        newest: anchors.newest(),
    }))
}

/// Takes a checkpoint when the chain moved since the last one; returns it. Refuses (with the
/// reason) when the rows since the last checkpoint do not verify.
pub async fn checkpoint(
    db: &Db,
    store: &dyn ObjectStore,
    key: &[u8],
    node: &str,
) -> anyhow::Result<Option<Checkpoint>> {
    // On PostgreSQL a transaction holds the advisory lock; SQLite has one writer process anyway.
    let mut guard = None;
    if db.backend == Backend::Postgres {
        let mut tx = db.pool.begin().await?;
        db.lock(&mut tx, CHECKPOINT_LOCK).await?;
        guard = Some(tx);
    }
    let last = last_checkpoint(db).await?;
    let start = trusted_start(db, store, key, last).await?;
    let walked = crate::audit::walk(db, start, |_, _| Ok::<(), ChainBreak>(()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let head = match walked {
        Ok(v) => v,
        Err(e) => {
            metrics::counter!("tinhso_audit_checkpoint_refused_total").increment(1);
            anyhow::bail!("AUDIT TRAIL BROKEN, no checkpoint taken: {e}");
        }
    };
    let seq = head.verified();
    if seq == 0 || last == Some(seq) {
        return Ok(None);
    }
    let cp = Checkpoint::sign(
        key,
        seq,
        head.head_hash(),
        seq,
        &crate::time::now_text(),
        node,
    );
    let json = serde_json::to_string(&cp)?;
    crate::storage::put(store, &object_key(seq), json.clone().into_bytes().into()).await?;
    tracing::info!(
        target: "tinhso::audit_anchor",
        seq,
        hash = %cp.hash,
        checkpoint = %json,
        "audit checkpoint"
    );
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(LAST_SETTING)
    .bind(seq.to_string())
    .execute(&db.pool)
    .await?;
    drop(guard);
    Ok(Some(cp))
}

/// The job runner's periodic checkpoint: errors are logged, never fatal.
pub async fn periodic(state: &crate::Ctx) {
    match checkpoint(
        &state.db,
        state.storage.as_ref(),
        &state.keys.audit,
        &state.config.node_name,
    )
    .await
    {
        Ok(_) => {}
        Err(e) => {
            metrics::counter!("tinhso_audit_checkpoint_failures_total").increment(1);
            tracing::error!(error = %e, "audit checkpoint failed");
        }
    }
}

async fn last_checkpoint(db: &Db) -> Result<Option<i64>, AppError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(LAST_SETTING)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<String, _>("value")?.parse().ok(),
        None => None,
    })
}

/// Where to resume checking: the last checkpoint when its file is there, signed with our key
/// and its row still has its hash; otherwise the start of the chain.
async fn trusted_start(
    db: &Db,
    store: &dyn ObjectStore,
    key: &[u8],
    last: Option<i64>,
) -> anyhow::Result<ChainVerifier> {
    let Some(seq) = last else {
        return Ok(ChainVerifier::new(key));
    };
    let cp = match read(store, &object_key(seq)).await {
        Ok(Ok(cp)) if cp.seq == seq && cp.verify(key).is_ok() => cp,
        _ => return Ok(ChainVerifier::new(key)),
    };
    match crate::audit::hash_at(db, seq)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        Some(hash) if hash == cp.hash => Ok(ChainVerifier::resume(key, seq, &hash)),
        Some(_) => anyhow::bail!(
            "AUDIT TRAIL BROKEN, no checkpoint taken: {}",
            AnchorBreak::Mismatch { seq }
        ),
        None => {
            let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM audit_log")
                .fetch_one(&db.pool)
                .await?;
            let rows: i64 = row.try_get("n")?;
            anyhow::bail!(
                "AUDIT TRAIL BROKEN, no checkpoint taken: {}",
                AnchorBreak::Truncated { rows, seq }
            )
        }
    }
}

/// Names of the checkpoint files, oldest first.
pub async fn list(store: &dyn ObjectStore) -> anyhow::Result<Vec<String>> {
    let prefix = Path::from(PREFIX);
    let mut names: Vec<String> = store
        .list(Some(&prefix))
        .map_ok(|meta| meta.location.to_string())
        .try_collect()
        .await?;
    names.retain(|n| n.ends_with(".json"));
    names.sort();
    Ok(names)
}

/// One checkpoint file: `Ok(Err(reason))` when it is missing or not a checkpoint.
async fn read(store: &dyn ObjectStore, name: &str) -> anyhow::Result<Result<Checkpoint, String>> {
    Ok(match crate::storage::get(store, name).await? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
        None => Err("missing".into()),
    })
}
