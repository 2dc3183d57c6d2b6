//! The modules' background upgrades of stored rows ([`crate::module::Backfill`]). Work that
//! grows with the data (indexing a million reports loaded from an earlier system) must not hold
//! a node's start: the node serves at once while this walks the rows a batch at a time, each
//! batch its own short transaction, with a pause between batches so that requests' writes get
//! the database in turn (on SQLite a batch holds the one write lock).

use crate::ctx::Ctx;
use crate::module::Backfill;
use std::time::Duration;

/// Rows a batch does.
pub const BATCH: usize = 500;

/// The pause between two batches.
const PAUSE: Duration = Duration::from_millis(20);

/// Runs every backfill to its end, one after the other; a failing one is logged and left for
/// the next start.
pub async fn run(ctx: Ctx, backfills: Vec<&'static Backfill>) {
    for backfill in backfills {
        let started = std::time::Instant::now();
        match run_to_end(&ctx, backfill, BATCH, PAUSE).await {
            Ok(0) => {}
            Ok(batches) => tracing::info!(
                backfill = backfill.name,
                batches,
                seconds = started.elapsed().as_secs_f64(),
                "backfill done"
            ),
            Err(e) => tracing::error!(backfill = backfill.name, error = %e, "backfill failed"),
        }
    }
}

/// Steps one backfill, `batch` rows at a time, until no row is left; answers how many batches
/// did some work.
pub async fn run_to_end(
    ctx: &Ctx,
    backfill: &Backfill,
    batch: usize,
    pause: Duration,
) -> anyhow::Result<u64> {
    let mut after = None;
    let mut batches = 0;
    while let Some(last) = (backfill.step)(ctx, after.take(), batch).await? {
        after = Some(last);
        batches += 1;
        tokio::time::sleep(pause).await;
    }
    Ok(batches)
}

/// A lock key of its own for each backfill, so that two nodes starting together take turns
/// batch by batch instead of doing the same rows twice.
pub fn lock_key(name: &str) -> i64 {
    // FNV-1a: stable across builds and platforms, unlike `DefaultHasher`.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_backfill_has_a_stable_lock_of_its_own() {
        let a = super::lock_key("feedback.search");
        assert_eq!(a, super::lock_key("feedback.search"));
        assert_ne!(a, super::lock_key("directory.search"));
    }
}
