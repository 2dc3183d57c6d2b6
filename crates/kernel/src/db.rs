//! One storage layer for both databases. Queries are written once in the SQL that SQLite and
//! PostgreSQL share (`$1` placeholders, `TEXT` timestamps in RFC 3339 UTC, `BIGINT` counters)
//! and run through sqlx's `Any` driver; the few statements that differ are chosen by `Backend`.

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::time::Duration;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
pub type Conn = sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Connections a node keeps to the database.
    pub const fn pool_size(self) -> u32 {
        match self {
            Backend::Sqlite => 4,
            Backend::Postgres => 16,
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The key that seals each audit row (`audit::record`); loaded from configuration by
    /// `Ctx::new`, never stored in the database.
    pub audit_key: Option<std::sync::Arc<[u8; 32]>>,
    /// The node's embedded search index, once attached (`search::sync::attach`).
    pub search: crate::search::sync::Slot,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:");
        };
        let (url, synchronous) = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => (url.to_owned(), Synchronous::Full),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(backend.pool_size())
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            synchronous.pragma(),
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 10000",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot connect to the {backend:?} database"))?;
        Ok(Db {
            pool,
            backend,
            audit_key: None,
            search: Default::default(),
        })
    }

    /// The same handle, sealing audit rows with `key`.
    pub fn with_audit_key(mut self, key: [u8; 32]) -> Db {
        self.audit_key = Some(std::sync::Arc::new(key));
        self
    }

    /// The audit key, which every audit write and check needs.
    pub fn audit_key(&self) -> anyhow::Result<&[u8; 32]> {
        self.audit_key
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("the audit key is not loaded (start through Ctx)"))
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so two writers queue on the busy timeout instead of failing on upgrade.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Refreshes the query planner's statistics after a bulk change (the sample loader, an
    /// import). PostgreSQL's autovacuum does it by itself only when it is on; SQLite never
    /// does. Stale statistics cost dearly: after a million documents were loaded with
    /// autovacuum off, PostgreSQL read every facet row to find 400 entries' (1.7 s a query,
    /// 20 ms once analysed). On PostgreSQL the tables are vacuumed too: rows fresh from a bulk
    /// load carry no hint bits and no visibility map, so the first reads write pages back; at
    /// 1,000,000 documents search's p99 was 120 ms before `VACUUM` and 31 ms after
    /// (docs/benchmarks.md, fifth round).
    pub async fn refresh_statistics(&self) -> sqlx::Result<()> {
        let mut conn = self.pool.acquire().await?;
        match self.backend {
            Backend::Postgres => {
                sqlx::query("VACUUM (ANALYZE)").execute(&mut *conn).await?;
            }
            Backend::Sqlite => {
                // A sample of rows per index is enough for the planner, and keeps it quick.
                sqlx::query("PRAGMA analysis_limit = 1000")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA optimize = 0x10002")
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Warns the operator of database settings that will hurt later: PostgreSQL without
    /// autovacuum keeps the planner's statistics from the tables' first rows.
    pub async fn warn_about_settings(&self) {
        if self.backend != Backend::Postgres {
            return;
        }
        let autovacuum: Result<String, _> =
            sqlx::query_scalar("SELECT current_setting('autovacuum')")
                .fetch_one(&self.pool)
                .await;
        if autovacuum.is_ok_and(|v| v == "off") {
            tracing::warn!(
                "PostgreSQL runs with autovacuum off: the planner's statistics go stale as tables \
                 grow and queries slow down; turn it on, or run ANALYZE after bulk changes \
                 (README, Configuration)"
            );
        }
    }

    pub async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// The clause that locks the rows a `SELECT` reads until the transaction ends (`FOR UPDATE
    /// OF alias` on PostgreSQL). Empty on SQLite, where `begin`'s write lock already excludes
    /// every other writer.
    pub fn lock_rows(&self, alias: &str) -> String {
        match self.backend {
            Backend::Postgres => format!(" FOR UPDATE OF {alias}"),
            Backend::Sqlite => String::new(),
        }
    }

    /// Takes a transaction-scoped lock named by `key` so that a read-then-write (a sequence,
    /// the audit chain) cannot interleave with another node doing the same.
    pub async fn lock(&self, tx: &mut Conn, key: i64) -> sqlx::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }
}

/// When SQLite reports a commit done. `Full` (the default) syncs the write-ahead log at every
/// commit, so a transaction acknowledged to a citizen survives a power failure; `Normal` syncs
/// only at checkpoints, faster, but a power failure (not a crash) can undo the last commits.
/// Chosen with `?synchronous=normal` on the database URL; docs/benchmarks.md has the cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    Full,
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "PRAGMA synchronous = FULL",
            Synchronous::Normal => "PRAGMA synchronous = NORMAL",
        }
    }
}

/// Creates the folder of a file database, asks SQLite to create the file, and takes our own
/// `synchronous` parameter off the URL.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<(String, Synchronous)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let path = base
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    if path != ":memory:"
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut synchronous = Synchronous::Full;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("synchronous", "full" | "FULL")) => synchronous = Synchronous::Full,
            Some(("synchronous", "normal" | "NORMAL")) => synchronous = Synchronous::Normal,
            Some(("synchronous", other)) => {
                anyhow::bail!("synchronous={other}: use full (the default) or normal")
            }
            _ => kept.push(pair),
        }
    }
    if !kept.iter().any(|p| p.starts_with("mode=")) {
        kept.push("mode=rwc");
    }
    Ok((format!("{base}?{}", kept.join("&")), synchronous))
}

/// Next value of a named counter, inside the caller's transaction: no gap, no duplicate,
/// also with several app nodes on one database.
pub async fn next_sequence(db: &Db, tx: &mut Conn, name: &str) -> sqlx::Result<i64> {
    db.lock(tx, 7232002).await?;
    let row = sqlx::query(
        "INSERT INTO sequences (name, value) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1
         RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    row.try_get("value")
}

/// Takes `count` consecutive values of a named counter at once, inside the caller's
/// transaction (a bulk load numbering many records): returns the first; the counter then
/// stands at the last, so [`next_sequence`] continues after them.
pub async fn take_sequence(db: &Db, tx: &mut Conn, name: &str, count: i64) -> sqlx::Result<i64> {
    db.lock(tx, 7232002).await?;
    let row = sqlx::query(
        "INSERT INTO sequences (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = sequences.value + $2
         RETURNING value",
    )
    .bind(name)
    .bind(count)
    .fetch_one(&mut *tx)
    .await?;
    let last: i64 = row.try_get("value")?;
    Ok(last - count + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_are_durable_unless_the_url_says_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let (plain, sync) = prepare_sqlite_url(&url).unwrap();
        assert_eq!(sync, Synchronous::Full);
        assert!(plain.ends_with("t.db?mode=rwc"));
        let (fast, sync) = prepare_sqlite_url(&format!("{url}?synchronous=normal")).unwrap();
        assert_eq!(sync, Synchronous::Normal);
        assert!(!fast.contains("synchronous"));
        assert!(prepare_sqlite_url(&format!("{url}?synchronous=off")).is_err());
    }
}

/// A nullable `DOUBLE PRECISION` value to bind. Bind this, never an `Option<f64>`: sqlx
/// 0.9.0's `Any` driver sends a NULL `f64` to PostgreSQL typed as `float4` (the NULL float
/// kinds are swapped in `AnyArguments::convert_into`, sqlx issue #4284), and PostgreSQL's
/// prepared statement, cached per connection by its text, keeps that type: the next row on
/// that connection with a number answers "incorrect binary data format in bind parameter".
/// A NULL is sent here as sqlx's NULL `f32`, which the swap turns into the right `float8`.
/// `integrity::a_missing_number_then_a_number_bind_on_one_connection` (app tests) fails if
/// sqlx changes either way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Double(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for Double {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Double {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(v) => <f64 as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&v, buf),
            None => <Option<f32> as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
}

/// A value of a row that [`insert_rows`] writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
    /// A `DOUBLE PRECISION` that may be missing (bound as a [`Double`]).
    MaybeReal(Option<f64>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::MaybeText(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::MaybeInt(v)
    }
}

impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        Value::MaybeReal(v)
    }
}

/// The most values one statement binds (SQLite allows 32,766; PostgreSQL 65,535).
const MAX_VALUES: usize = 30_000;
/// The most rows one statement writes: beyond this a statement only grows, not speeds up.
const MAX_ROWS: usize = 1_000;

/// Inserts `rows` (each with a value per column of `columns`, in order) into `table`, many rows
/// a statement within both databases' limits on bound values. For bulk loads (the sample
/// loaders, the datastore); `table` and `columns` are the caller's own identifiers, never input.
///
/// On SQLite the values are anonymous `?`, not `$n`: SQLite takes `$n` for a name, and both its
/// parser (finding whether a name was seen) and sqlx (reading each parameter's name to find its
/// number) search the statement's names one by one, so a statement of 30,000 `$n` costs
/// 30,000²/2 comparisons twice: seconds a statement, which once made the SQLite load of tasks a
/// hundred times slower than PostgreSQL's (docs/benchmarks.md, "Tasks (issue 16)").
pub async fn insert_rows<R: AsRef<[Value]>>(
    tx: &mut Conn,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[R],
) -> Result<(), crate::error::AppError> {
    let per_statement = (MAX_VALUES / columns.len().max(1)).clamp(1, MAX_ROWS);
    for chunk in rows.chunks(per_statement) {
        let sql = insert_statement(backend, table, columns, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            let row = row.as_ref();
            if row.len() != columns.len() {
                return Err(crate::error::AppError::Internal(anyhow::anyhow!(
                    "a row of {table} has {} values for {} columns",
                    row.len(),
                    columns.len()
                )));
            }
            for value in row {
                q = match value {
                    Value::Text(v) => q.bind(v.clone()),
                    Value::MaybeText(v) => q.bind(v.clone()),
                    Value::Int(v) => q.bind(*v),
                    Value::MaybeInt(v) => q.bind(*v),
                    Value::MaybeReal(v) => q.bind(Double(*v)),
                };
            }
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for `rows` rows: `?` on SQLite, `$n` on
/// PostgreSQL.
fn insert_statement(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for i in 0..rows {
        sql.push_str(if i == 0 { "(" } else { ", (" });
        for j in 0..columns.len() {
            n += 1;
            let separator = if j == 0 { "" } else { ", " };
            let _ = match backend {
                Backend::Sqlite => write!(sql, "{separator}?"),
                Backend::Postgres => write!(sql, "{separator}${n}"),
            };
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod insert_tests {
    use super::*;

    #[test]
    fn each_backend_numbers_its_values_its_own_way() {
        assert_eq!(
            insert_statement(Backend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_statement(Backend::Sqlite, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
