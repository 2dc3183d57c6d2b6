//! The datastore's statements (docs/opendata-design.md §3.2): one typed table per loaded
//! version, `od_<version id>` with columns `c1…cN`, `_id` (the row's number in the file) and
//! `_full` (the row's words, folded); the registry `opendata_tables`. Identifiers in the SQL
//! are only ours (`od_…`, `c<k>`, checked by [`ident`]); every value is bound.

use crate::datastore::{Column, Search, SortKey};
use sqlx::Row;
use sqlx::any::AnyArguments;
use tinhso_kernel::db::{Backend, Db, Value};
use tinhso_kernel::error::AppError;
use tinhso_tabular::{Cell, ColumnType};

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, AnyArguments>;

/// One of our identifiers: `od_`/`c` and ASCII letters, digits and `_` only. Anything else is a
/// bug, refused rather than put in SQL.
fn ident(name: &str) -> Result<&str, AppError> {
    let ok = !name.is_empty()
        && name.len() <= 60
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(name)
    } else {
        Err(AppError::Internal(anyhow::anyhow!(
            "not a datastore identifier: {name:?}"
        )))
    }
}

fn sql_type(backend: Backend, kind: ColumnType) -> &'static str {
    match (backend, kind) {
        (Backend::Postgres, ColumnType::Int) => "BIGINT",
        (Backend::Postgres, ColumnType::Numeric) => "DOUBLE PRECISION",
        // Byte order on both databases (SQLite's BINARY), so both answer in the same order.
        (Backend::Postgres, _) => "TEXT COLLATE \"C\"",
        (Backend::Sqlite, ColumnType::Int) => "INTEGER",
        (Backend::Sqlite, ColumnType::Numeric) => "REAL",
        (Backend::Sqlite, _) => "TEXT",
    }
}

fn bind<'q>(q: Query<'q>, kind: ColumnType, value: &Cell) -> Query<'q> {
    match (value, kind) {
        (Cell::Int(i), _) => q.bind(*i),
        (Cell::Numeric(f), _) => q.bind(*f),
        (Cell::Text(t), _) => q.bind(t.clone()),
        (Cell::Null, ColumnType::Int) => q.bind(None::<i64>),
        (Cell::Null, ColumnType::Numeric) => q.bind(tinhso_kernel::db::Double(None)),
        (Cell::Null, _) => q.bind(None::<String>),
    }
}

/// Starts loading a version: an empty table (and, on SQLite, its full-text index over
/// `_full`) and the registry's row, `loading`. A table left by an earlier attempt is dropped.
pub async fn create(
    db: &Db,
    version_id: &str,
    table: &str,
    columns: &[Column],
    now: &str,
) -> Result<(), AppError> {
    let t = ident(table)?;
    let mut defs = Vec::with_capacity(columns.len() + 2);
    defs.push(match db.backend {
        Backend::Postgres => "_id BIGINT PRIMARY KEY".to_owned(),
        Backend::Sqlite => "_id INTEGER PRIMARY KEY".to_owned(),
    });
    for c in columns {
        defs.push(format!(
            "{} {}",
            ident(&c.column)?,
            sql_type(db.backend, c.kind)
        ));
    }
    defs.push("_full TEXT NOT NULL".to_owned());
    if db.backend == Backend::Postgres {
        // Stored, so a full-text count reads it rather than recomputing it for each row.
        defs.push(
            "_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', _full)) STORED".to_owned(),
        );
    }
    let columns_json = serde_json::to_string(columns).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = db.begin().await?;
    drop_tables(db, &mut tx, t).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE {t} ({})",
        defs.join(", ")
    )))
    .execute(&mut *tx)
    .await?;
    if db.backend == Backend::Sqlite {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE VIRTUAL TABLE {t}_fts USING fts5(_full, content='{t}', content_rowid='_id')"
        )))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM opendata_tables WHERE version_id = $1")
        .bind(version_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO opendata_tables (version_id, table_name, columns, row_count, state, created_at)
         VALUES ($1, $2, $3, 0, 'loading', $4)",
    )
    .bind(version_id)
    .bind(t)
    .bind(columns_json)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn drop_tables(db: &Db, tx: &mut tinhso_kernel::db::Conn, t: &str) -> Result<(), AppError> {
    if db.backend == Backend::Sqlite {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {t}_fts")))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {t}")))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// One row to insert: its number, its cells in column order and its folded words.
pub struct NewRow {
    pub id: i64,
    pub cells: Vec<Cell>,
    pub full: String,
}

/// Inserts rows in one transaction, as multi-row statements within both databases' limits on
/// bound values.
pub async fn insert_rows(
    db: &Db,
    table: &str,
    columns: &[Column],
    rows: &[NewRow],
) -> Result<(), AppError> {
    let t = ident(table)?;
    let mut names = vec!["_id"];
    for c in columns {
        names.push(ident(&c.column)?);
    }
    names.push("_full");
    let values: Vec<Vec<Value>> = rows.iter().map(|row| row_values(columns, row)).collect();
    let mut tx = db.begin().await?;
    tinhso_kernel::db::insert_rows(&mut tx, db.backend, t, &names, &values).await?;
    tx.commit().await?;
    Ok(())
}

/// A row's values in the table's order: its number, its cells as their columns' types (a
/// missing number bound as one), its folded words.
fn row_values(columns: &[Column], row: &NewRow) -> Vec<Value> {
    let mut values = Vec::with_capacity(columns.len() + 2);
    values.push(Value::Int(row.id));
    for (c, cell) in columns.iter().zip(&row.cells) {
        values.push(match (cell, c.kind) {
            (Cell::Int(i), _) => Value::Int(*i),
            (Cell::Numeric(f), _) => Value::MaybeReal(Some(*f)),
            (Cell::Text(t), _) => Value::Text(t.clone()),
            (Cell::Null, ColumnType::Int) => Value::MaybeInt(None),
            (Cell::Null, ColumnType::Numeric) => Value::MaybeReal(None),
            (Cell::Null, _) => Value::MaybeText(None),
        });
    }
    values.push(Value::Text(row.full.clone()));
    values
}

/// Ends a load: the chosen columns' indexes, the full-text index, fresh statistics, then the
/// registry's row `ready` with its columns and count (one row: readers see the whole table or
/// none of it).
pub async fn finish(
    db: &Db,
    version_id: &str,
    table: &str,
    columns: &[Column],
    rows: i64,
    now: &str,
) -> Result<(), AppError> {
    let t = ident(table)?;
    let mut conn = db.pool.acquire().await?;
    for c in columns.iter().filter(|c| c.indexed) {
        let col = ident(&c.column)?;
        let sql = match db.backend {
            // NULLs first, as SQLite sorts them, so that both databases answer in one order
            // and each walks its index for either direction.
            Backend::Postgres => format!("CREATE INDEX {t}_{col} ON {t} ({col} NULLS FIRST, _id)"),
            Backend::Sqlite => format!("CREATE INDEX {t}_{col} ON {t} ({col})"),
        };
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    match db.backend {
        Backend::Postgres => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE INDEX {t}_tsv ON {t} USING GIN (_tsv)"
            )))
            .execute(&mut *conn)
            .await?;
        }
        Backend::Sqlite => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {t}_fts({t}_fts) VALUES ('rebuild')"
            )))
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {t}")))
        .execute(&mut *conn)
        .await?;
    let columns_json = serde_json::to_string(columns).map_err(|e| AppError::Internal(e.into()))?;
    sqlx::query(
        "UPDATE opendata_tables SET columns = $2, row_count = $3, state = 'ready', loaded_at = $4
         WHERE version_id = $1",
    )
    .bind(version_id)
    .bind(columns_json)
    .bind(rows)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A load that failed: its table dropped, the registry's row `failed`.
pub async fn fail(db: &Db, version_id: &str, table: &str) -> Result<(), AppError> {
    let t = ident(table)?;
    let mut tx = db.begin().await?;
    drop_tables(db, &mut tx, t).await?;
    sqlx::query("UPDATE opendata_tables SET state = 'failed' WHERE version_id = $1")
        .bind(version_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A ready table as the registry describes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TableRow {
    pub table_name: String,
    pub columns: String,
    pub row_count: i64,
}

/// The ready table of the published version of a public resource of a published dataset;
/// `None` for anything else (a draft's resource, a link, a file not loaded).
pub async fn public_table(db: &Db, resource_id: &str) -> Result<Option<TableRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT t.table_name, t.columns, t.row_count
         FROM opendata_resources r
         JOIN opendata_datasets d ON d.id = r.dataset_id AND d.state = 'published'
         JOIN opendata_versions v ON v.resource_id = r.id AND v.n = r.published_version
         JOIN opendata_tables t ON t.version_id = v.id AND t.state = 'ready'
         WHERE r.published = 1 AND r.id = $1",
    )
    .bind(resource_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The `WHERE` clause of a search and its values, from `$first` on.
fn where_clause(
    db: &Db,
    table: &str,
    columns: &[Column],
    s: &Search,
) -> Result<(String, Vec<(ColumnType, Cell)>), AppError> {
    let mut parts = Vec::new();
    let mut binds: Vec<(ColumnType, Cell)> = Vec::new();
    for f in &s.filters {
        let col = column_sql(columns, f.column)?;
        let kind = f.column.map_or(ColumnType::Int, |i| columns[i].kind);
        let mut marks = Vec::new();
        for v in &f.values {
            binds.push((kind, v.clone()));
            marks.push(format!("${}", binds.len()));
        }
        parts.push(if marks.len() == 1 {
            format!("{col} = {}", marks[0])
        } else {
            format!("{col} IN ({})", marks.join(", "))
        });
    }
    if !s.words.is_empty() {
        match db.backend {
            Backend::Postgres => {
                binds.push((ColumnType::Text, Cell::Text(s.words.join(" "))));
                parts.push(format!(
                    "_tsv @@ plainto_tsquery('simple', ${})",
                    binds.len()
                ));
            }
            Backend::Sqlite => {
                // Folded words are letters and digits only: quoted, each is one FTS5 term.
                let terms: Vec<String> = s.words.iter().map(|w| format!("\"{w}\"")).collect();
                binds.push((ColumnType::Text, Cell::Text(terms.join(" "))));
                parts.push(format!(
                    "_id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ${})",
                    binds.len()
                ));
            }
        }
    }
    let sql = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    Ok((sql, binds))
}

fn column_sql(columns: &[Column], i: Option<usize>) -> Result<&str, AppError> {
    match i {
        None => Ok("_id"),
        Some(i) => ident(&columns[i].column),
    }
}

/// One key of `ORDER BY`: NULLs first ascending and last descending on both databases
/// (SQLite's own order; PostgreSQL's indexes are built `NULLS FIRST` to match).
fn sort_key(db: &Db, columns: &[Column], k: &SortKey) -> Result<String, AppError> {
    let col = column_sql(columns, k.column)?;
    let nulls = match (db.backend, k.column.is_some(), k.desc) {
        (Backend::Postgres, true, false) => " NULLS FIRST",
        (Backend::Postgres, true, true) => " NULLS LAST",
        _ => "",
    };
    Ok(format!(
        "{col} {}{nulls}",
        if k.desc { "DESC" } else { "ASC" }
    ))
}

/// The search's sort, then `_id` in the last key's direction (one order, and an index walk).
fn order_by(db: &Db, columns: &[Column], sort: &[SortKey]) -> Result<String, AppError> {
    let mut keys = Vec::new();
    for k in sort {
        keys.push(sort_key(db, columns, k)?);
    }
    if !sort.iter().any(|k| k.column.is_none()) {
        let desc = sort.last().is_some_and(|k| k.desc);
        keys.push(format!("_id {}", if desc { "DESC" } else { "ASC" }));
    }
    Ok(keys.join(", "))
}

/// On SQLite, a search by words alone in `_id` order (ascending or descending): the direction,
/// for [`search`] to page in the full-text index. Its only bound value is then the match.
fn fts_rowid_order(db: &Db, s: &Search) -> Option<&'static str> {
    let by_id = s.sort.iter().all(|k| k.column.is_none());
    let plain = db.backend == Backend::Sqlite && s.filters.is_empty() && !s.distinct;
    if !plain || s.words.is_empty() || !by_id {
        return None;
    }
    Some(if s.sort.last().is_some_and(|k| k.desc) {
        "DESC"
    } else {
        "ASC"
    })
}

/// The page of rows a search asks for: each row's values for `s.fields` in order.
pub async fn search(
    db: &Db,
    table: &str,
    columns: &[Column],
    s: &Search,
) -> Result<Vec<Vec<Cell>>, AppError> {
    let t = ident(table)?;
    let (where_sql, binds) = where_clause(db, t, columns, s)?;
    let mut selected = Vec::new();
    for f in &s.fields {
        selected.push(column_sql(columns, *f)?);
    }
    let n = binds.len();
    let sql = if s.distinct {
        // Distinct rows have no `_id`: the sort, then every field, gives one order.
        let mut order = Vec::new();
        for k in &s.sort {
            order.push(sort_key(db, columns, k)?);
        }
        for f in &s.fields {
            order.push(sort_key(
                db,
                columns,
                &SortKey {
                    column: *f,
                    desc: false,
                },
            )?);
        }
        format!(
            "SELECT DISTINCT {} FROM {t}{where_sql} ORDER BY {} LIMIT ${} OFFSET ${}",
            selected.join(", "),
            order.join(", "),
            n + 1,
            n + 2
        )
    } else if let Some(dir) = fts_rowid_order(db, s) {
        // The page taken from the full-text index itself, in its rowid (= `_id`) order: FTS5
        // stops after `offset + limit` matches instead of handing every match (62,000 for a
        // common word) to the outer query to sort (docs/benchmarks.md, open data).
        format!(
            "SELECT {} FROM {t} WHERE _id IN (SELECT rowid FROM {t}_fts WHERE {t}_fts MATCH $1 \
             ORDER BY rowid {dir} LIMIT ${} OFFSET ${}) ORDER BY _id {dir}",
            selected.join(", "),
            n + 1,
            n + 2
        )
    } else {
        format!(
            "SELECT {} FROM {t}{where_sql} ORDER BY {} LIMIT ${} OFFSET ${}",
            selected.join(", "),
            order_by(db, columns, &s.sort)?,
            n + 1,
            n + 2
        )
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (kind, v) in &binds {
        q = bind(q, *kind, v);
    }
    let rows = q.bind(s.limit).bind(s.offset).fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells = Vec::with_capacity(s.fields.len());
        for (i, f) in s.fields.iter().enumerate() {
            let kind = f.map_or(ColumnType::Int, |k| columns[k].kind);
            let cell = match kind {
                ColumnType::Int => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
                ColumnType::Numeric => row.try_get::<Option<f64>, _>(i)?.map(Cell::Numeric),
                _ => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
            };
            cells.push(cell.unwrap_or(Cell::Null));
        }
        out.push(cells);
    }
    Ok(out)
}

/// How many rows (or distinct rows of `s.fields`) a search matches.
pub async fn count(db: &Db, table: &str, columns: &[Column], s: &Search) -> Result<i64, AppError> {
    let t = ident(table)?;
    let (where_sql, binds) = where_clause(db, t, columns, s)?;
    let sql = if s.distinct {
        let mut selected = Vec::new();
        for f in &s.fields {
            selected.push(column_sql(columns, *f)?);
        }
        format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT {} FROM {t}{where_sql}) d",
            selected.join(", ")
        )
    } else {
        format!("SELECT COUNT(*) FROM {t}{where_sql}")
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (kind, v) in &binds {
        q = bind(q, *kind, v);
    }
    let row = q.fetch_one(&db.pool).await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// `CAST(x AS <float>)` in each dialect (an integer `SUM` read as a float).
fn real(db: &Db, expr: &str) -> String {
    match db.backend {
        Backend::Postgres => format!("CAST({expr} AS DOUBLE PRECISION)"),
        Backend::Sqlite => format!("CAST({expr} AS REAL)"),
    }
}

/// A chart's groups over the rows a search matches (its filters and words; its sort and page
/// ignored): the `limit` largest by `measure` (`count`, `sum` or `avg` of `value`), each with
/// its row count, the sum of `value` and how many rows had one; and the same over all the
/// matched rows. Labels are the column's values as text (`NULL` as an empty label).
pub async fn groups(
    db: &Db,
    table: &str,
    columns: &[Column],
    s: &Search,
    (label, value, measure): (usize, Option<usize>, crate::views::Measure),
    limit: i64,
) -> Result<(Vec<crate::views::Group>, crate::views::Group), AppError> {
    use crate::views::{Group, Measure};
    let t = ident(table)?;
    let (where_sql, binds) = where_clause(db, t, columns, s)?;
    let l = column_sql(columns, Some(label))?;
    // Without a value column only rows are counted.
    let (sum, valued, avg) = match value {
        Some(i) => {
            let v = column_sql(columns, Some(i))?;
            (
                real(db, &format!("SUM({v})")),
                format!("COUNT({v})"),
                real(db, &format!("AVG({v})")),
            )
        }
        None => (real(db, "0"), "CAST(0 AS BIGINT)".to_owned(), real(db, "0")),
    };
    let order = match measure {
        Measure::Count => "COUNT(*)".to_owned(),
        Measure::Sum => format!("COALESCE({sum}, 0)"),
        Measure::Avg => format!("COALESCE({avg}, 0)"),
    };
    let sql = format!(
        "SELECT CAST({l} AS TEXT), COUNT(*), {sum}, {valued} FROM {t}{where_sql}
         GROUP BY {l} ORDER BY {order} DESC, {l} ASC LIMIT ${}",
        binds.len() + 1
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (kind, v) in &binds {
        q = bind(q, *kind, v);
    }
    let read = |row: &sqlx::any::AnyRow| -> Result<Group, AppError> {
        Ok(Group {
            label: row.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
            rows: row.try_get::<i64, _>(1)?,
            sum: row.try_get::<Option<f64>, _>(2)?.unwrap_or(0.0),
            valued: row.try_get::<i64, _>(3)?,
        })
    };
    let mut top = Vec::new();
    for row in q.bind(limit).fetch_all(&db.pool).await? {
        top.push(read(&row)?);
    }
    let sql = format!("SELECT '', COUNT(*), {sum}, {valued} FROM {t}{where_sql}");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (kind, v) in &binds {
        q = bind(q, *kind, v);
    }
    let all = read(&q.fetch_one(&db.pool).await?)?;
    Ok((top, all))
}

/// The points of the rows a search matches whose `lat`/`lon` are on the Earth, in the file's
/// order, at most `limit`, each with `label`'s value as text; and how many rows have one.
pub async fn points(
    db: &Db,
    table: &str,
    columns: &[Column],
    s: &Search,
    (lat, lon): (usize, usize),
    label: Option<usize>,
    limit: i64,
) -> Result<(Vec<crate::views::Point>, i64), AppError> {
    let t = ident(table)?;
    let (where_sql, binds) = where_clause(db, t, columns, s)?;
    let (la, lo) = (
        column_sql(columns, Some(lat))?,
        column_sql(columns, Some(lon))?,
    );
    let range = format!("{la} BETWEEN -90 AND 90 AND {lo} BETWEEN -180 AND 180");
    let where_sql = if where_sql.is_empty() {
        format!(" WHERE {range}")
    } else {
        format!("{where_sql} AND {range}")
    };
    let name = match label {
        Some(i) => format!("CAST({} AS TEXT)", column_sql(columns, Some(i))?),
        None => "''".to_owned(),
    };
    let sql = format!(
        "SELECT {}, {}, {name} FROM {t}{where_sql} ORDER BY _id LIMIT ${}",
        real(db, la),
        real(db, lo),
        binds.len() + 1
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (kind, v) in &binds {
        q = bind(q, *kind, v);
    }
    let mut out = Vec::new();
    for row in q.bind(limit).fetch_all(&db.pool).await? {
        out.push(crate::views::Point {
            lat: row.try_get::<f64, _>(0)?,
            lon: row.try_get::<f64, _>(1)?,
            label: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
        });
    }
    let sql = format!("SELECT COUNT(*) FROM {t}{where_sql}");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (kind, v) in &binds {
        q = bind(q, *kind, v);
    }
    let total = q.fetch_one(&db.pool).await?.try_get::<i64, _>(0)?;
    Ok((out, total))
}
