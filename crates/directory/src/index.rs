//! The directory in the platform's search index (`kernel::search`): each agency is indexed by
//! its name and code whenever it is written, public, with its parent's code as a facet (the
//! directory's "within this agency" filter).

use crate::model::{Agency, ValidAgency};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::Backfill;
use tinhso_kernel::search::{self, Entry, Require, Visible};

/// The kind of the index's agency entries (keyed by the agency's id).
pub const KIND: &str = "agency";

/// Indexes an agency as it was just written, in the caller's transaction.
pub async fn agency(
    tx: &mut Conn,
    id: &str,
    name: &str,
    code: &str,
    parent_code: Option<&str>,
) -> Result<(), AppError> {
    search::index(
        tx,
        &Entry {
            kind: KIND,
            id,
            public: true,
            readers: Vec::new(),
            facets: parent_code
                .map(|p| vec![("parent", p.to_owned())])
                .unwrap_or_default(),
            title: name,
            body: "",
            keys: code,
        },
    )
    .await
}

/// [`agency`] for an agency just written from `v`, under `parent`.
pub async fn written(
    tx: &mut Conn,
    id: &str,
    v: &ValidAgency,
    parent: Option<&Agency>,
) -> Result<(), AppError> {
    let parent = parent.map(|p| p.code.to_string());
    agency(tx, id, &v.name, &v.code.to_string(), parent.as_deref()).await
}

/// The ids of the agencies holding every word of `query` (and under `parent`, by code), best
/// first, for one page; and how many in all.
pub async fn matching(
    db: &Db,
    query: &str,
    parent: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<String>, i64), AppError> {
    let found = search::query(
        db,
        &search::Query {
            kinds: &[KIND],
            text: query,
            require: Require::All,
            filters: parent
                .map(|p| vec![("parent", p.to_owned())])
                .unwrap_or_default(),
            count: &[],
            visible: Visible::public(),
            page,
            per_page,
            snippet_chars: 0,
            // Only the ids are used: the rows are read by id.
            texts: search::Texts::Caller,
        },
    )
    .await?;
    Ok((found.hits.into_iter().map(|h| h.id).collect(), found.total))
}

const BACKFILL_NAME: &str = "directory.search";

/// Indexes the agencies the index does not hold (a directory from before search), a batch at a
/// time in the background; nothing to do once every agency is indexed.
pub const BACKFILL: Backfill = Backfill {
    name: BACKFILL_NAME,
    step: |ctx, after, limit| Box::pin(backfill_step(ctx, after, limit)),
};

const INDEXED: search::Indexed = search::Indexed {
    backfill: BACKFILL_NAME,
    kind: KIND,
    table: "agencies",
    id_column: "id",
    filter: "1 = 1",
};

async fn backfill_step(
    ctx: &Ctx,
    after: Option<String>,
    limit: usize,
) -> anyhow::Result<Option<String>> {
    let (mut tx, ids) = search::next_unindexed(&ctx.db, &INDEXED, after.as_deref(), limit).await?;
    for id in &ids {
        let Some(a) = crate::store::by_id(&ctx.db, id).await? else {
            continue;
        };
        let parent = a.parent_code.as_ref().map(ToString::to_string);
        agency(
            &mut tx,
            &a.id,
            &a.name,
            &a.code.to_string(),
            parent.as_deref(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.last().cloned())
}
