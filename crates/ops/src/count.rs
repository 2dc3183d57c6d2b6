//! Counting as events are delivered (docs/operations-design.md §3, "Applying a delivery"). The
//! subscription `ops.count` wants every event kind after which an item may count differently;
//! on each delivery it re-reads the item's marks through its module's `facts`, resolves their
//! scopes, and writes the difference from what it counted last, in the delivery's transaction.
//! A repeated, late or reordered delivery finds the stored marks already current and writes
//! nothing: idempotence without a table of applied event ids.

use crate::store;
use std::collections::HashMap;
use tinhso_domain::ops::counters::{self, Mark};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{BoxFut, Event, HandlerError, Subscription};
use tinhso_kernel::module::Counting;

/// The kinds `ops.count` wants, by name: the union of every module's `counting.events`
/// (`tests/app/architecture.rs` checks the two agree). A subscription's kinds are fixed when an
/// event is emitted, hence a list here rather than one computed at start.
pub const KINDS: &[&str] = &[
    "dossier.submitted",
    "dossier.accepted",
    "dossier.refused",
    "dossier.stopped",
    "dossier.supplement_requested",
    "dossier.supplemented",
    "dossier.step_completed",
    "dossier.approved",
    "dossier.returned",
    "dossier.forwarded",
    "dossier.apologised",
    "dossier.withdrawn",
    "dossier.rated",
    "feedback.submitted",
    "feedback.assigned",
    "feedback.accepted",
    "feedback.answered",
    "feedback.rejected",
    "feedback.marked_duplicate",
    "feedback.reopened",
    "feedback.rated",
    "feedback.hidden",
    "document.directed",
    "document.assignment_passed_down",
    "document.progress_reported",
    "document.assignment_closed",
    "document.done",
    "document.closed",
    "task.assigned",
    "task.accepted",
    "task.extension_granted",
];

pub static COUNT: Subscription = Subscription::new("ops.count", KINDS, handle);

fn handle<'a>(
    ctx: &'a Ctx,
    tx: &'a mut Conn,
    event: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        // A kind no installed module counts any more: nothing to do.
        let Some(counting) =
            crate::countings(ctx).find(|c| c.events.contains(&event.kind.as_str()))
        else {
            return Ok(());
        };
        let Some(item) = (counting.item_of)(event) else {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "event {} names no {}",
                event.id,
                counting.item
            )));
        };
        apply(ctx, tx, counting, &item, Some(&event.id)).await?;
        Ok(())
    })
}

/// Counts one item as it is now: its stored marks are replaced by its current ones and the
/// counters change by the difference. Returns how many counters changed.
pub async fn apply(
    ctx: &Ctx,
    tx: &mut Conn,
    counting: &Counting,
    item: &str,
    event_id: Option<&str>,
) -> Result<usize, AppError> {
    let now = tinhso_kernel::time::now_text();
    let old = store::lock_item(&ctx.db, tx, counting.item, item, &now).await?;
    let marks = (counting.facts)(ctx, &mut *tx, item)
        .await?
        .unwrap_or_default();
    let new = resolve(tx, marks, &mut HashMap::new()).await?;
    if new == old {
        return Ok(0);
    }
    let delta = counters::diff(&old, &new);
    store::add(tx, &delta).await?;
    store::put_item(tx, counting.item, item, &new, event_id, &now).await?;
    Ok(delta.len())
}

/// An agency's place in the tree, read once per agency while counting: itself and the agencies
/// above it, and the commune or district whose People's Committee it belongs to (none for the
/// province's own agencies: the province is the scope `p`).
#[derive(Debug, Clone)]
pub struct Lineage {
    pub agencies: Vec<String>,
    pub unit: Option<String>,
}

/// A module's marks with their scopes resolved: the province (`p`), the agency and each agency
/// above it (`a:<id>`), the administrative unit (`u:<code>`: the item's own place, else the
/// commune whose committee handled it); in canonical order.
pub async fn resolve(
    tx: &mut Conn,
    marks: Vec<tinhso_kernel::module::Mark>,
    above: &mut HashMap<String, Lineage>,
) -> Result<Vec<Mark>, AppError> {
    let mut out = Vec::with_capacity(marks.len());
    for m in marks {
        let mut scopes = vec!["p".to_owned()];
        let mut unit = m.unit.clone();
        if let Some(agency) = &m.agency_id {
            if !above.contains_key(agency) {
                let lineage = Lineage {
                    agencies: store::agency_and_above(tx, agency).await?,
                    unit: store::governing_unit(tx, agency).await?,
                };
                above.insert(agency.clone(), lineage);
            }
            let lineage = &above[agency];
            scopes.extend(lineage.agencies.iter().map(|id| format!("a:{id}")));
            // An item without a place of its own counts for the commune whose People's
            // Committee (or one of its offices) handled it: a ward leader's default page shows
            // the ward's one-stop dossiers.
            if unit.is_none() {
                unit = lineage.unit.clone();
            }
        }
        if let Some(unit) = &unit {
            scopes.push(format!("u:{unit}"));
        }
        out.push(Mark {
            source: m.source.to_owned(),
            day: m.day,
            scopes,
            key: m.key,
        });
    }
    Ok(counters::canonical(out))
}
