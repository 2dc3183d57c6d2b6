//! Counting items written in bulk (`tinhso load-sample-ops`, a migration from an earlier
//! system): items that were never counted and whose events will never be delivered get the
//! state deliveries would have left — their resolved marks in `ops_items`, their counters
//! added — in the caller's transaction, without an event each or a full rebuild. Marks shared by
//! many items (same source, day, scopes and key) are expanded once and added times their number,
//! so the cost is the rows written, not items × counters.
//!
//! The items must be new to the counting (a counted item would count twice): the loaders give
//! the items they just wrote, and [`Bulk::count_uncounted`] skips those `ops_items` holds.
//! `tinhso ops rebuild --check` (or [`crate::rebuild::rebuild`] with `check_only`) compares the
//! result with a recount from the rows.

use crate::count::{self, Lineage};
use crate::store;
use std::collections::{BTreeMap, HashMap, HashSet};
use tinhso_domain::ops::counters::{self, Mark};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{self, Counting};

/// Items read per page of a module's `scan`.
const PAGE: i64 = 1000;

/// A bulk count: the agencies' places in the tree, read once per agency.
#[derive(Debug, Default, Clone)]
pub struct Bulk {
    above: HashMap<String, Lineage>,
}

impl Bulk {
    pub fn new() -> Bulk {
        Bulk::default()
    }

    /// Counts new items of `kind` (`dossier`, `feedback`) with their marks as their module reads
    /// them: stores the resolved marks and adds them to the counters. Items that count for
    /// nothing are not stored, as a rebuild leaves them. Returns how many counters changed.
    pub async fn count_new(
        &mut self,
        tx: &mut Conn,
        kind: &str,
        items: Vec<(String, Vec<module::Mark>)>,
    ) -> Result<usize, AppError> {
        let now = tinhso_kernel::time::now_text();
        let mut page = Vec::with_capacity(items.len());
        let mut same: HashMap<Mark, i64> = HashMap::new();
        for (id, marks) in items {
            let marks = count::resolve(&mut *tx, marks, &mut self.above).await?;
            if marks.is_empty() {
                continue;
            }
            for m in &marks {
                *same.entry(m.clone()).or_insert(0) += 1;
            }
            page.push((id, marks));
        }
        store::insert_items(tx, kind, &page, &now).await?;
        let mut fold = BTreeMap::new();
        for (mark, n) in same {
            for (key, v) in counters::expand(std::slice::from_ref(&mark)) {
                *fold.entry(key).or_insert(0) += v * n;
            }
        }
        store::add(tx, &fold).await?;
        Ok(fold.len())
    }

    /// Counts the items of `counting` that `ops_items` does not hold yet, read through the
    /// module's own `scan` and `facts` (for a loader that gives no marks). Returns how many items
    /// were read.
    pub async fn count_uncounted(
        &mut self,
        ctx: &Ctx,
        tx: &mut Conn,
        counting: &Counting,
    ) -> Result<usize, AppError> {
        let counted: HashSet<String> = store::counted_items(tx, counting.item)
            .await?
            .into_iter()
            .collect();
        let mut after: Option<String> = None;
        let mut read = 0;
        loop {
            let ids = (counting.scan)(ctx, &mut *tx, after.as_deref(), PAGE).await?;
            let mut items = Vec::new();
            for id in &ids {
                if counted.contains(id) {
                    continue;
                }
                let marks = (counting.facts)(ctx, &mut *tx, id)
                    .await?
                    .unwrap_or_default();
                items.push((id.clone(), marks));
            }
            read += items.len();
            self.count_new(tx, counting.item, items).await?;
            match ids.last() {
                Some(last) if ids.len() as i64 == PAGE => after = Some(last.clone()),
                _ => break,
            }
        }
        Ok(read)
    }
}
