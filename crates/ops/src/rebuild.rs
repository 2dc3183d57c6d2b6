//! Recounting from the items themselves (docs/operations-design.md §3, "Rebuild"): every
//! module's items are walked through the same `facts`, scope resolution and counting as the
//! deliveries use, into an in-memory fold (bounded by scopes × periods × sources, not by the
//! number of items); the counters are then replaced, or, when only checking, compared.
//!
//! The rebuild runs in one transaction that keeps deliveries out (`store::lock_for_rebuild`),
//! so none interleaves with it; deliveries held meanwhile then find the marks it stored already
//! current. The first start with the module queues one as a job ([`first_build`]), because
//! deliveries exist only for events emitted after the subscription.

use crate::count;
use crate::store;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tinhso_domain::ops::counters::{self, CounterKey};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::jobs::{self, Job};
use tinhso_kernel::module::{BoxFut, JobKind};

/// The advisory lock of [`first_build`] ("opsb").
const FIRST_BUILD_LOCK: i64 = 0x6f70_7362;

/// The rules by which marks get their scopes (`count::resolve`); counters kept under other rules
/// are rebuilt once at start. 2: an item without a place counts for its committee's unit.
const SCOPE_RULES: &str = "2";

/// Items read per page of a module's `scan`.
const PAGE: i64 = 1000;

/// A counter whose stored value differs from the recount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub scope: String,
    pub grain: &'static str,
    pub key: String,
    pub period: String,
    pub source: String,
    pub stored: i64,
    pub counted: i64,
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub items: usize,
    pub counters: usize,
    /// The counters that differed from the recount before it (all of them were replaced,
    /// unless only checking).
    pub differences: Vec<Difference>,
}

/// Recounts every item; replaces the counters and items unless `check_only`, in which case
/// nothing is written. A rebuild that writes is audited in its own transaction, with how many
/// counters it found wrong: changed figures on a leader's dashboard must be traceable.
pub async fn rebuild(ctx: &Ctx, actor: &Actor, check_only: bool) -> Result<Outcome, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    store::lock_for_rebuild(&ctx.db, &mut tx).await?;
    let stored = store::counters(&mut tx).await?;
    if !check_only {
        store::clear(&mut tx).await?;
    }
    let mut fold: BTreeMap<CounterKey, i64> = BTreeMap::new();
    let mut above = HashMap::new();
    let mut items = 0;
    for counting in crate::countings(ctx) {
        let mut after: Option<String> = None;
        loop {
            let ids = (counting.scan)(ctx, &mut tx, after.as_deref(), PAGE).await?;
            let mut page = Vec::new();
            for id in &ids {
                let marks = (counting.facts)(ctx, &mut tx, id)
                    .await?
                    .unwrap_or_default();
                let marks = count::resolve(&mut tx, marks, &mut above).await?;
                if marks.is_empty() {
                    continue;
                }
                for (k, n) in counters::expand(&marks) {
                    *fold.entry(k).or_insert(0) += n;
                }
                page.push((id.clone(), marks));
            }
            items += page.len();
            if !check_only {
                store::insert_items(&mut tx, counting.item, &page, &now).await?;
            }
            match ids.last() {
                Some(last) if ids.len() as i64 == PAGE => after = Some(last.clone()),
                _ => break,
            }
        }
    }
    let differences = compare(&stored, &fold);
    if check_only {
        tx.rollback().await?;
    } else {
        store::add(&mut tx, &fold).await?;
        store::set_state(&mut tx, "build", &now, &now).await?;
        audit::record(
            &ctx.db,
            &mut tx,
            actor,
            Change {
                action: "ops.rebuild",
                entity_type: "ops_counters",
                entity_id: "all",
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "items": items, "counters": fold.len(), "differed": differences.len(),
                }),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            items,
            counters = fold.len(),
            differed = differences.len(),
            "ops counters rebuilt"
        );
    }
    Ok(Outcome {
        items,
        counters: fold.len(),
        differences,
    })
}

/// Every counter whose stored value is not the recounted one (a missing one is 0).
pub fn compare(
    stored: &BTreeMap<CounterKey, i64>,
    counted: &BTreeMap<CounterKey, i64>,
) -> Vec<Difference> {
    let mut keys: Vec<&CounterKey> = stored.keys().chain(counted.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let s = stored.get(k).copied().unwrap_or(0);
            let c = counted.get(k).copied().unwrap_or(0);
            (s != c).then(|| Difference {
                scope: k.scope.clone(),
                grain: k.grain.code(),
                key: k.key.clone(),
                period: k.period.clone(),
                source: k.source.clone(),
                stored: s,
                counted: c,
            })
        })
        .collect()
}

/// The job of a full rebuild (first start, an administrator's request).
pub static REBUILD: JobKind = JobKind {
    name: "ops.rebuild",
    run: run_job,
};

fn run_job(ctx: &Ctx, _payload: serde_json::Value) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        rebuild(ctx, &Actor::system(), false)
            .await
            .map_err(|e| anyhow::anyhow!("ops rebuild: {e}: {e:?}"))?;
        Ok(())
    })
}

/// At start, once (whichever node starts first): a database with items to count gets a full
/// build queued as a job; an empty one (a new installation) is built already.
pub fn first_build(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let now = tinhso_kernel::time::now_text();
        let mut tx = ctx.db.begin().await?;
        // Two nodes starting together: the second waits, then finds the state set.
        ctx.db.lock(&mut tx, FIRST_BUILD_LOCK).await?;
        let built = store::state_in(&mut tx, "build").await?;
        let rules = store::state_in(&mut tx, "scope_rules").await?;
        if built.is_none() {
            let mut empty = true;
            for counting in crate::countings(ctx) {
                empty &= (counting.scan)(ctx, &mut tx, None, 1).await?.is_empty();
            }
            if empty {
                store::set_state(&mut tx, "build", &now, &now).await?;
            } else {
                store::set_state(&mut tx, "build", "queued", &now).await?;
                jobs::enqueue(&mut tx, &Job::of(&REBUILD, serde_json::json!({}))).await?;
            }
        } else if rules.as_deref() != Some(SCOPE_RULES) && built.as_deref() != Some("queued") {
            // Counted under older scope rules: count everything again once.
            store::set_state(&mut tx, "build", "queued", &now).await?;
            jobs::enqueue(&mut tx, &Job::of(&REBUILD, serde_json::json!({}))).await?;
        }
        store::set_state(&mut tx, "scope_rules", SCOPE_RULES, &now).await?;
        tx.commit().await?;
        Ok(())
    })
}
