//! The catalog in the platform's search index (`kernel::search`): each procedure is indexed by
//! its name and code whenever it is written ([`super::store::upsert`]), public, with its field,
//! level and agencies as facets; a search by words asks the index (every word for one or two
//! words, one may be missing from three on, as the catalog always did; the name's words run
//! together match too, "khaisinh").

use super::Procedure;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::Backfill;
use tinhso_kernel::search::{self, Entry, Require, Visible};

/// The kind of the index's procedure entries (keyed by national code).
pub const KIND: &str = "procedure";

/// Indexes a procedure as it was just written, in the caller's transaction.
pub async fn procedure(tx: &mut Conn, p: &Procedure) -> Result<(), AppError> {
    let name = tinhso_domain::text::normalize(&p.name);
    let mut facets = vec![("field", p.field_code.clone()), ("level", p.level.clone())];
    facets.extend(p.agencies.iter().map(|a| ("agency", a.clone())));
    search::index(
        tx,
        &Entry {
            kind: KIND,
            id: &p.code,
            public: true,
            readers: Vec::new(),
            facets,
            title: &name,
            body: "",
            keys: &p.code,
        },
    )
    .await
}

/// The codes of the procedures matching `words` (already stripped of filler words) and the
/// filters, best first, for one page; and how many match in all.
pub async fn matching(
    db: &Db,
    words: &str,
    filters: Vec<(&str, String)>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<String>, i64), AppError> {
    let found = search::query(
        db,
        &search::Query {
            kinds: &[KIND],
            text: words,
            require: Require::AllButOneFromThree,
            filters,
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

const BACKFILL_NAME: &str = "onestop.catalog_search";

/// Indexes the active procedures the index does not hold (a catalog from before search), a
/// batch at a time in the background; nothing to do once every procedure is indexed.
pub const BACKFILL: Backfill = Backfill {
    name: BACKFILL_NAME,
    step: |ctx, after, limit| Box::pin(backfill_step(ctx, after, limit)),
};

const INDEXED: search::Indexed = search::Indexed {
    backfill: BACKFILL_NAME,
    kind: KIND,
    table: "procedures",
    id_column: "code",
    filter: "active = 1",
};

async fn backfill_step(
    ctx: &Ctx,
    after: Option<String>,
    limit: usize,
) -> anyhow::Result<Option<String>> {
    let (mut tx, codes) =
        search::next_unindexed(&ctx.db, &INDEXED, after.as_deref(), limit).await?;
    for code in &codes {
        if let Some(p) = super::store::by_code(&ctx.db, code).await? {
            procedure(&mut tx, &p).await?;
        }
    }
    tx.commit().await?;
    Ok(codes.last().cloned())
}
