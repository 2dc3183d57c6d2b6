//! The platform's full-text search (docs/documents-design.md §5): every module indexes what
//! people look for — documents, procedures, agencies, feedback — into one index kept in the
//! database, written inside the module's own transaction, so that every node sharing one
//! PostgreSQL sees the same index at the same time as the rows, and SQLite needs nothing more.
//!
//! Words are folded by the application ([`terms::words`]: `Quyết định` → `quyet dinh`) before
//! either database sees them; PostgreSQL keeps them in a `tsvector` with the `simple`
//! configuration (GIN index, `ts_rank`), SQLite in an FTS5 table (`unicode61
//! remove_diacritics 2`, `bm25`). Who may find an entry is part of the query: an entry is
//! public, or names the grants (`agency:<id>`, `user:<id>`…) of those who may read it, and the
//! searcher brings theirs — so totals and facet counts never include what the searcher may
//! not see. Snippets are cut and marked in Rust on the original text ([`snippet`]).

pub mod snippet;
pub mod sync;
pub mod terms;

use crate::db::{Backend, Conn, Db};
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;
pub use terms::{Require, Terms};

/// The original text kept for snippets: the start of a long body.
const KEPT_BODY_CHARS: usize = 200_000;
/// The folded text indexed: well under PostgreSQL's 1 MB `tsvector` limit.
const INDEXED_BODY_CHARS: usize = 300_000;

/// One thing to find, as its module describes it.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    /// What it is (`document`, `procedure`…): queries name the kinds they search.
    pub kind: &'a str,
    pub id: &'a str,
    /// Anyone may find it (the public catalog, published feedback).
    pub public: bool,
    /// Otherwise, who may: grants such as `agency:<id>`, `user:<id>`.
    pub readers: Vec<String>,
    /// Facet values, e.g. `("year", "2026")`; a facet may hold several values.
    pub facets: Vec<(&'a str, String)>,
    /// Shown and matched first (weighted above the body).
    pub title: &'a str,
    /// Shown as a snippet and matched.
    pub body: &'a str,
    /// Matched but never shown: codes, notations, other spellings.
    pub keys: &'a str,
}

/// An entry as it is stored: texts folded and cut, grants as tokens, readers and facets
/// sorted and deduplicated.
struct Stored<'a> {
    e: &'a Entry<'a>,
    body: String,
    title_folded: String,
    body_folded: String,
    grants: String,
    readers: Vec<&'a String>,
    facets: Vec<&'a (&'a str, String)>,
}

impl<'a> Stored<'a> {
    fn of(e: &'a Entry<'a>) -> Stored<'a> {
        let title_folded = format!(
            "{} {}",
            terms::indexed_text(e.title),
            terms::joined_pairs(e.title)
        );
        let body_folded: String = format!(
            "{} {}",
            terms::indexed_text(e.keys),
            terms::indexed_text(e.body)
        )
        .chars()
        .take(INDEXED_BODY_CHARS)
        .collect();
        let mut grants: Vec<String> = e.readers.iter().map(|r| terms::grant_token(r)).collect();
        if e.public {
            grants.push(terms::grant_token(terms::PUBLIC));
        }
        let mut readers: Vec<&String> = e.readers.iter().collect();
        readers.sort();
        readers.dedup();
        let mut facets: Vec<&(&str, String)> = e.facets.iter().collect();
        facets.sort();
        facets.dedup();
        Stored {
            e,
            body: e.body.chars().take(KEPT_BODY_CHARS).collect(),
            title_folded: title_folded.trim().to_owned(),
            body_folded: body_folded.trim().to_owned(),
            grants: grants.join(" "),
            readers,
            facets,
        }
    }
}

/// Adds or replaces an entry, in the caller's transaction.
pub async fn index(tx: &mut Conn, e: &Entry<'_>) -> Result<(), AppError> {
    let s = Stored::of(e);
    sqlx::query(
        "INSERT INTO search_entries (kind, entry_id, public, title, body, title_folded, body_folded,
            scope_tokens, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8)
         ON CONFLICT (kind, entry_id) DO UPDATE SET public = excluded.public, title = excluded.title,
            body = excluded.body, title_folded = excluded.title_folded,
            body_folded = excluded.body_folded, scope_tokens = excluded.scope_tokens,
            updated_at = excluded.updated_at",
    )
    .bind(e.kind)
    .bind(e.id)
    .bind(i64::from(e.public))
    .bind(e.title)
    .bind(&s.body)
    .bind(&s.title_folded)
    .bind(&s.body_folded)
    .bind(crate::time::now_text())
    .bind(&s.grants)
    .execute(&mut *tx)
    .await?;
    remove_details(tx, e.kind, e.id).await?;
    log_change(tx, e.kind, e.id).await?;
    if !s.readers.is_empty() {
        let rows: Vec<String> = (0..s.readers.len())
            .map(|i| format!("($1, $2, ${})", i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO search_readers (kind, entry_id, reader) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(e.kind)
            .bind(e.id);
        for reader in &s.readers {
            q = q.bind(reader.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    if !s.facets.is_empty() {
        let rows: Vec<String> = (0..s.facets.len())
            .map(|i| format!("($1, $2, ${}, ${})", 2 * i + 3, 2 * i + 4))
            .collect();
        let sql = format!(
            "INSERT INTO search_facets (kind, entry_id, facet, value) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(e.kind)
            .bind(e.id);
        for (facet, value) in &s.facets {
            q = q.bind(*facet).bind(value.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Adds entries that the index does not hold (a backfill's batch, found missing in the same
/// transaction under its lock), many rows a statement: four statements for the batch where
/// [`index`] takes five an entry. A backfill of 500,000 feedback reports on PostgreSQL went
/// from about 400 entries a second to 934 (docs/benchmarks.md, operations centre, third round).
pub async fn index_new(
    tx: &mut Conn,
    backend: Backend,
    entries: &[Entry<'_>],
) -> Result<(), AppError> {
    use crate::db::{Value, insert_rows};
    let now = crate::time::now_text();
    let stored: Vec<Stored> = entries.iter().map(Stored::of).collect();
    let text = |v: &str| Value::Text(v.to_owned());
    let rows: Vec<Vec<Value>> = stored
        .iter()
        .map(|s| {
            vec![
                text(s.e.kind),
                text(s.e.id),
                Value::Int(i64::from(s.e.public)),
                text(s.e.title),
                text(&s.body),
                text(&s.title_folded),
                text(&s.body_folded),
                text(&s.grants),
                text(&now),
            ]
        })
        .collect();
    let columns = [
        "kind",
        "entry_id",
        "public",
        "title",
        "body",
        "title_folded",
        "body_folded",
        "scope_tokens",
        "updated_at",
    ];
    insert_rows(tx, backend, "search_entries", &columns, &rows).await?;
    let readers: Vec<Vec<Value>> = stored
        .iter()
        .flat_map(|s| {
            s.readers
                .iter()
                .map(|r| vec![text(s.e.kind), text(s.e.id), text(r)])
        })
        .collect();
    insert_rows(
        tx,
        backend,
        "search_readers",
        &["kind", "entry_id", "reader"],
        &readers,
    )
    .await?;
    let facets: Vec<Vec<Value>> = stored
        .iter()
        .flat_map(|s| {
            s.facets
                .iter()
                .map(|(f, v)| vec![text(s.e.kind), text(s.e.id), text(f), text(v)])
        })
        .collect();
    insert_rows(
        tx,
        backend,
        "search_facets",
        &["kind", "entry_id", "facet", "value"],
        &facets,
    )
    .await?;
    let changes: Vec<Vec<Value>> = entries
        .iter()
        .map(|e| vec![text(e.kind), text(e.id), text(&now)])
        .collect();
    insert_rows(
        tx,
        backend,
        "search_changes",
        &["kind", "entry_id", "at"],
        &changes,
    )
    .await
}

async fn remove_details(tx: &mut Conn, kind: &str, id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM search_readers WHERE kind = $1 AND entry_id = $2")
        .bind(kind)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM search_facets WHERE kind = $1 AND entry_id = $2")
        .bind(kind)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Records, in the writer's transaction, that an entry changed: each node's embedded index
/// reads it from there ([`sync`]).
async fn log_change(tx: &mut Conn, kind: &str, id: &str) -> Result<(), AppError> {
    sqlx::query("INSERT INTO search_changes (kind, entry_id, at) VALUES ($1, $2, $3)")
        .bind(kind)
        .bind(id)
        .bind(crate::time::now_text())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Takes an entry out of the index (nothing happens if it was not there).
pub async fn remove(tx: &mut Conn, kind: &str, id: &str) -> Result<(), AppError> {
    remove_details(tx, kind, id).await?;
    log_change(tx, kind, id).await?;
    sqlx::query("DELETE FROM search_entries WHERE kind = $1 AND entry_id = $2")
        .bind(kind)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The ids in `table`'s `id_column`, of the rows that pass `filter` (SQL, `1 = 1` for all),
/// that have no entry of `kind`, in key order: at most `limit` of them after the key `after`,
/// the next batch a module's backfill (`crate::backfill`) indexes. The database compares, so a large table's ids never cross to the node (at 1,000,000
/// documents reading both lists took 2.7 s each at every start).
pub async fn unindexed_ids(
    tx: &mut Conn,
    kind: &str,
    table: &'static str,
    id_column: &'static str,
    filter: &'static str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, AppError> {
    // The key range is written only when there is one, so the planner walks the key's index
    // from it (and stops after `limit`) rather than from the first row.
    let from = if after.is_some() {
        format!("AND t.{id_column} > $2")
    } else {
        "AND $2 IS NULL".to_owned()
    };
    let sql = format!(
        "SELECT t.{id_column} AS id FROM {table} t WHERE ({filter}) {from} AND NOT EXISTS
            (SELECT 1 FROM search_entries e WHERE e.kind = $1 AND e.entry_id = t.{id_column})
         ORDER BY t.{id_column} LIMIT {limit}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(after)
        .fetch_all(&mut *tx)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>("id").map_err(AppError::from))
        .collect()
}

/// The rows of one kind a module indexes: what [`next_unindexed`] looks for.
pub struct Indexed {
    /// The backfill's name (`module.what`), which names its lock.
    pub backfill: &'static str,
    pub kind: &'static str,
    pub table: &'static str,
    pub id_column: &'static str,
    /// SQL on the table's alias `t`: the rows that have an entry (`1 = 1` for all).
    pub filter: &'static str,
}

/// Opens the transaction of a backfill's batch (`crate::module::Backfill`) and finds in it the
/// next ids it must index: the caller indexes them and commits. The lock makes a second node
/// wait for the batch and then find those rows done.
pub async fn next_unindexed(
    db: &Db,
    rows: &Indexed,
    after: Option<&str>,
    limit: usize,
) -> Result<(crate::db::Tx, Vec<String>), AppError> {
    let mut tx = db.begin().await?;
    db.lock(&mut tx, crate::backfill::lock_key(rows.backfill))
        .await?;
    let ids = unindexed_ids(
        &mut tx,
        rows.kind,
        rows.table,
        rows.id_column,
        rows.filter,
        after,
        limit,
    )
    .await?;
    Ok((tx, ids))
}

/// What the searcher may see.
#[derive(Debug, Clone, Default)]
pub struct Visible {
    /// Public entries.
    pub public: bool,
    /// Entries naming one of these grants.
    pub grants: Vec<String>,
}

impl Visible {
    pub fn public() -> Visible {
        Visible {
            public: true,
            grants: Vec::new(),
        }
    }
}

/// A search.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pub kinds: &'a [&'a str],
    /// What the person typed; empty lists every visible entry, newest first.
    pub text: &'a str,
    pub require: Require,
    /// Only entries holding each of these facet values.
    pub filters: Vec<(&'a str, String)>,
    /// The facets to count over the matching, visible entries.
    pub count: &'a [&'a str],
    pub visible: Visible,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
    /// The snippet's length in characters (0: no snippet).
    pub snippet_chars: usize,
    /// Who reads the page's titles and bodies.
    pub texts: Texts,
}

/// Where the titles and bodies of a page of hits (for the marked title and the snippet) come
/// from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Texts {
    /// The search reads them from the entries.
    #[default]
    Read,
    /// The caller reads them with its own rows of the page, or needs none: one statement
    /// fewer per search (the documents' search joins each entry's body to its document). It
    /// marks each hit with [`Found::mark`]; until then a hit's title, marked title and
    /// snippet are empty.
    Caller,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub kind: String,
    pub id: String,
    /// The title as stored (plain text).
    pub title: String,
    /// The title, HTML-escaped, matched words in `<mark>`.
    pub title_marked: String,
    /// A part of the body, HTML-escaped, matched words (of the original, diacritic-bearing
    /// text) in `<mark>`.
    pub snippet: String,
    /// Higher is better; comparable within one query only.
    pub score: f64,
}

/// How many matching, visible entries hold one facet value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    #[serde(rename = "Facet")]
    pub facet: String,
    #[serde(rename = "Value")]
    pub value: String,
    #[serde(rename = "Count")]
    pub count: i64,
}

/// A page of results, the total and the facet counts.
#[derive(Debug, Clone)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub total: i64,
    pub facets: Vec<FacetCount>,
    /// Whether `total` and the facet counts are estimates: past 10,000 matches the embedded
    /// index counts an even sample of them (docs/search.md).
    pub estimated: bool,
    pub page: i64,
    pub per_page: i64,
    /// The query's words, for [`Found::mark`].
    pub terms: Terms,
    /// The snippet's length asked for.
    pub snippet_chars: usize,
}

impl Found {
    /// Fills a hit's title, marked title and snippet from its stored title and body (what
    /// the search leaves to the caller with [`Texts::Caller`]).
    pub fn mark(&self, hit: &mut Hit, title: &str, body: &str) {
        hit.title_marked = snippet::highlight(title, &self.terms);
        hit.snippet = if self.snippet_chars == 0 {
            String::new()
        } else {
            snippet::snippet(body, &self.terms, self.snippet_chars)
        };
        hit.title = title.to_owned();
    }
}

/// The SQL shared by a query's count, page and facets: `FROM`, `WHERE`, the score, and the
/// values bound to its placeholders in order.
struct Plan {
    from: &'static str,
    /// How more tables join `from`: SQLite's `CROSS JOIN` keeps the FTS5 table the outer
    /// loop (without statistics its planner would otherwise run the match once per row).
    join: &'static str,
    filter: String,
    score: &'static str,
    binds: Vec<String>,
}

/// The grants the searcher finds entries by (public entries carry [`terms::PUBLIC`]).
fn searcher_grants(v: &Visible) -> Vec<String> {
    let mut grants = v.grants.clone();
    if v.public {
        grants.push(terms::PUBLIC.to_owned());
    }
    grants.sort();
    grants.dedup();
    grants
}

fn plan(backend: Backend, q: &Query<'_>, terms: &Terms, grants: &[String]) -> Plan {
    let mut binds = Vec::new();
    let mut clauses = Vec::new();
    let bind = |binds: &mut Vec<String>, value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    // The words and the searcher's grants in one full-text match: the index reads only the
    // postings of entries the searcher may see, however common the words.
    let ranked = !terms.is_empty();
    let (from, score) = match backend {
        Backend::Postgres => {
            let words = ranked.then(|| terms.tsquery(q.require));
            let p = bind(&mut binds, terms::tsquery_scoped(words, grants));
            clauses.push(format!("e.tsv @@ to_tsquery('simple', {p})"));
            (
                "search_entries e",
                if ranked {
                    // Weights D, C, B, A: the grants' words (D) count for nothing.
                    "CAST(ts_rank('{0, 0.2, 0.4, 1.0}', e.tsv, to_tsquery('simple', $1), 1) AS DOUBLE PRECISION)"
                } else {
                    "CAST(0 AS DOUBLE PRECISION)"
                },
            )
        }
        Backend::Sqlite => {
            let words = ranked.then(|| terms.fts5(q.require));
            let p = bind(&mut binds, terms::fts5_scoped(words, grants));
            clauses.push(format!("search_fts MATCH {p}"));
            (
                "search_fts CROSS JOIN search_entries e ON e.seq = search_fts.rowid",
                if ranked {
                    "-bm25(search_fts, 10.0, 1.0, 0.0)"
                } else {
                    "CAST(0 AS DOUBLE PRECISION)"
                },
            )
        }
    };
    let kinds: Vec<String> = q
        .kinds
        .iter()
        .map(|k| bind(&mut binds, (*k).to_owned()))
        .collect();
    clauses.push(if kinds.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("e.kind IN ({})", kinds.join(", "))
    });
    // The grants themselves decide, not only their hashed words.
    let mut visible = Vec::new();
    if q.visible.public {
        visible.push("e.public = 1".to_owned());
    }
    if !q.visible.grants.is_empty() {
        let grants: Vec<String> = q
            .visible
            .grants
            .iter()
            .map(|g| bind(&mut binds, g.clone()))
            .collect();
        visible.push(format!(
            "EXISTS (SELECT 1 FROM search_readers r WHERE r.kind = e.kind AND r.entry_id = e.entry_id AND r.reader IN ({}))",
            grants.join(", ")
        ));
    }
    clauses.push(format!("({})", visible.join(" OR ")));
    for (facet, value) in &q.filters {
        let f = bind(&mut binds, (*facet).to_owned());
        let v = bind(&mut binds, value.clone());
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM search_facets sf WHERE sf.kind = e.kind AND sf.entry_id = e.entry_id AND sf.facet = {f} AND sf.value = {v})"
        ));
    }
    Plan {
        from,
        join: match backend {
            Backend::Sqlite => "CROSS JOIN",
            Backend::Postgres => "JOIN",
        },
        filter: clauses.join(" AND "),
        score,
        binds,
    }
}

fn bound<'q>(
    sql: String,
    binds: &'q [String],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b.as_str());
    }
    query
}

/// Runs a search: the page of hits (best first, then newest), the total and the facet counts,
/// all over what `q.visible` lets the searcher see. Any text is a valid query.
pub async fn query(db: &Db, q: &Query<'_>) -> Result<Found, AppError> {
    let terms = Terms::parse(q.text);
    let per_page = q.per_page.clamp(1, 100);
    let page = q.page.clamp(1, 10_000);
    let grants = searcher_grants(&q.visible);
    if grants.is_empty() {
        // Someone who may see nothing finds nothing.
        return Ok(Found {
            hits: Vec::new(),
            total: 0,
            facets: Vec::new(),
            page,
            per_page,
            estimated: false,
            terms,
            snippet_chars: q.snippet_chars,
        });
    }
    if let Some(embedded) = sync::current(db).await {
        return query_embedded(db, embedded, q, &terms, &grants).await;
    }
    let p = plan(db.backend, q, &terms, &grants);
    let total: i64 = bound(
        format!("SELECT COUNT(*) AS n FROM {} WHERE {}", p.from, p.filter),
        &p.binds,
    )
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
    let rows = bound(
        format!(
            "SELECT e.kind, e.entry_id, e.title, e.body, {} AS score FROM {} WHERE {}
             ORDER BY score DESC, e.updated_at DESC, e.entry_id LIMIT {per_page} OFFSET {}",
            p.score,
            p.from,
            p.filter,
            (page - 1) * per_page
        ),
        &p.binds,
    )
    .fetch_all(&db.pool)
    .await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let hit = Hit {
            kind: row.try_get("kind")?,
            id: row.try_get("entry_id")?,
            title: String::new(),
            title_marked: String::new(),
            snippet: String::new(),
            score: row.try_get("score")?,
        };
        hits.push((
            hit,
            row.try_get::<String, _>("title")?,
            row.try_get::<String, _>("body")?,
        ));
    }
    let facets = if q.count.is_empty() {
        Vec::new()
    } else {
        let mut binds = p.binds.clone();
        let names: Vec<String> = q
            .count
            .iter()
            .map(|f| {
                binds.push((*f).to_owned());
                format!("${}", binds.len())
            })
            .collect();
        let rows = bound(
            format!(
                "SELECT f.facet, f.value, COUNT(*) AS n FROM {} {} search_facets f ON f.kind = e.kind AND f.entry_id = e.entry_id
                 WHERE {} AND f.facet IN ({}) GROUP BY f.facet, f.value ORDER BY f.facet, n DESC, f.value",
                p.from,
                p.join,
                p.filter,
                names.join(", ")
            ),
            &binds,
        )
        .fetch_all(&db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FacetCount {
                    facet: r.try_get("facet")?,
                    value: r.try_get("value")?,
                    count: r.try_get("n")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
    };
    let mut found = Found {
        hits: Vec::new(),
        total,
        facets,
        page,
        per_page,
        estimated: false,
        terms,
        snippet_chars: q.snippet_chars,
    };
    for (mut hit, title, body) in hits {
        if q.texts == Texts::Read {
            found.mark(&mut hit, &title, &body);
        }
        found.hits.push(hit);
    }
    Ok(found)
}

/// The same search on the node's embedded index (when it is current): ranks, counts and
/// facets there, then reads the page's titles and bodies from the entries for the snippets.
async fn query_embedded(
    db: &Db,
    embedded: &std::sync::Arc<sync::Embedded>,
    q: &Query<'_>,
    terms: &Terms,
    grants: &[String],
) -> Result<Found, AppError> {
    let per_page = q.per_page.clamp(1, 100);
    let page = q.page.clamp(1, 10_000);
    let groups: Vec<Vec<(String, bool)>> = terms
        .groups(q.require)
        .into_iter()
        .map(|g| g.into_iter().map(|(w, p)| (w.to_owned(), p)).collect())
        .collect();
    let tokens: Vec<String> = grants.iter().map(|g| terms::grant_token(g)).collect();
    let filters: Vec<(String, String)> = q
        .filters
        .iter()
        .map(|(f, v)| ((*f).to_owned(), v.clone()))
        .collect();
    let found = sync::search(
        embedded,
        &tinhso_searchindex::Query {
            kinds: q.kinds,
            groups: &groups,
            grants: &tokens,
            filters: &filters,
            count: q.count,
            offset: ((page - 1) * per_page) as usize,
            limit: per_page as usize,
        },
    )
    .await?;
    let mut out = Found {
        hits: Vec::with_capacity(found.hits.len()),
        total: found.total as i64,
        facets: found
            .facets
            .into_iter()
            .map(|(facet, value, count)| FacetCount {
                facet,
                value,
                count: count as i64,
            })
            .collect(),
        page,
        per_page,
        estimated: found.estimated,
        terms: terms.clone(),
        snippet_chars: q.snippet_chars,
    };
    let hits = found.hits.into_iter().map(|hit| Hit {
        kind: hit.kind,
        id: hit.id,
        title: String::new(),
        title_marked: String::new(),
        snippet: String::new(),
        score: hit.score,
    });
    if q.texts == Texts::Caller {
        out.hits.extend(hits);
        return Ok(out);
    }
    let hits: Vec<Hit> = hits.collect();
    let mut texts = texts_of(db, &hits).await?;
    for mut hit in hits {
        let Some((title, body)) = texts.remove(&(hit.kind.clone(), hit.id.clone())) else {
            // Removed since the index was read.
            continue;
        };
        out.mark(&mut hit, &title, &body);
        out.hits.push(hit);
    }
    Ok(out)
}

/// The stored title and body of each hit.
async fn texts_of(
    db: &Db,
    hits: &[Hit],
) -> Result<std::collections::HashMap<(String, String), (String, String)>, AppError> {
    let mut by_kind: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for h in hits {
        by_kind.entry(&h.kind).or_default().push(&h.id);
    }
    let mut texts = std::collections::HashMap::new();
    for (kind, ids) in by_kind {
        let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT entry_id, title, body FROM search_entries WHERE kind = $1 AND entry_id IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind);
        for id in &ids {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&db.pool).await? {
            texts.insert(
                (kind.to_owned(), row.try_get("entry_id")?),
                (row.try_get("title")?, row.try_get("body")?),
            );
        }
    }
    Ok(texts)
}
