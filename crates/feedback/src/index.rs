//! Feedback in the platform's search index (`kernel::search`): a report is indexed by its
//! title, description and address when it is filed, public, and leaves the index when it is
//! hidden; the portal's search box asks the index (every word, best match first).

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;
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
    let body = format!("{description}\n{address}");
    search::index(
        tx,
        &Entry {
            kind: KIND,
            id,
            public: true,
            readers: Vec::new(),
            facets: vec![("category", category.to_owned())],
            title,
            body: &body,
            keys: "",
        },
    )
    .await
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

/// The ids of the visible reports not indexed yet.
pub async fn unindexed(db: &Db) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(
        search::unindexed_ids(db, KIND, "feedback_reports", "id", "hidden_reason IS NULL")
            .await?
            .into_iter()
            .collect(),
    )
}
