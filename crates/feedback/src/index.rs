//! Feedback in the platform's search index (`kernel::search`): a report is indexed by its
//! title, description and address when it is filed, public, and leaves the index when it is
//! hidden; the portal's search box asks the index (every word, best match first).

use tinhso_kernel::Ctx;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::Backfill;
use tinhso_kernel::search::{self, Entry, Require, Visible};

/// The kind of the index's report entries (keyed by the report's id).
pub const KIND: &str = "feedback";

/// Indexes a report, in the caller's transaction.
pub async fn report(
    tx: &mut Conn,
    id: &str,
    title: &str,
    description: &str,
    address: &str,
    category: &str,
) -> Result<(), AppError> {
    let body = body(description, address);
    search::index(tx, &entry(id, title, &body, category)).await
}

fn body(description: &str, address: &str) -> String {
    format!("{description}\n{address}")
}

/// A public report's entry: found by its words, filtered by its category.
fn entry<'a>(id: &'a str, title: &'a str, body: &'a str, category: &str) -> Entry<'a> {
    Entry {
        kind: KIND,
        id,
        public: true,
        readers: Vec::new(),
        facets: vec![("category", category.to_owned())],
        title,
        body,
        keys: "",
    }
}

/// A hidden report is found no more.
pub async fn hidden(tx: &mut Conn, id: &str) -> Result<(), AppError> {
    search::remove(tx, KIND, id).await
}

/// The ids of the public reports holding every word of `query`, best first.
pub async fn matching(db: &Db, query: &str, limit: usize) -> Result<Vec<String>, AppError> {
    let found = search::query(
        db,
        &search::Query {
            kinds: &[KIND],
            text: query,
            require: Require::All,
            filters: Vec::new(),
            count: &[],
            visible: Visible::public(),
            page: 1,
            per_page: limit as i64,
            snippet_chars: 0,
            // Only the ids are used: the rows are read by id.
            texts: search::Texts::Caller,
        },
    )
    .await?;
    Ok(found.hits.into_iter().map(|h| h.id).collect())
}

const BACKFILL_NAME: &str = "feedback.search";

/// Mends the reports filed or loaded before search: folds their search text and indexes the
/// public ones, a batch at a time in the background; nothing to do once all are.
pub const BACKFILL: Backfill = Backfill {
    name: BACKFILL_NAME,
    step: |ctx, after, limit| Box::pin(backfill_step(ctx, after, limit)),
};

async fn backfill_step(
    ctx: &Ctx,
    after: Option<String>,
    limit: usize,
) -> anyhow::Result<Option<String>> {
    let mut tx = ctx.db.begin().await?;
    ctx.db
        .lock(&mut tx, tinhso_kernel::backfill::lock_key(BACKFILL_NAME))
        .await?;
    let reports = crate::store::unsearchable(&ctx.db, &mut tx, after.as_deref(), limit).await?;
    for r in reports.iter().filter(|r| r.folded == 0) {
        crate::store::save_search_text(&mut tx, r).await?;
    }
    let missing: Vec<_> = reports
        .iter()
        .filter(|r| r.public == 1 && r.indexed == 0)
        .collect();
    let bodies: Vec<String> = missing
        .iter()
        .map(|r| body(&r.description, &r.address))
        .collect();
    let entries: Vec<Entry> = missing
        .iter()
        .zip(&bodies)
        .map(|(r, body)| entry(&r.id, &r.title, body, &r.category_code))
        .collect();
    search::index_new(&mut tx, ctx.db.backend, &entries).await?;
    tx.commit().await?;
    Ok(reports.last().map(|r| r.id.clone()))
}
