//! The datastore (docs/opendata-design.md §3.2, §7): each version of a tabular resource (CSV,
//! XLSX) that passed its check is loaded, right after its upload commits, into a typed table
//! of its own, streamed from the file in transactions of [`BATCH_ROWS`] rows, then indexed
//! and marked ready in one row; `datastore_search` reads the table of the resource's
//! *published* version, so a new version replaces the rows the public sees at once, when its
//! dataset is approved again. [`Search`] is a query already checked against the table's
//! columns (the CKAN parameters are read in `ckan::datastore`); [`store::datastore`] runs it.

use crate::store::datastore::{self as sql, NewRow};
use serde::{Deserialize, Serialize};
use tinhso_domain::opendata::codes::FileFormat;
use tinhso_domain::text::fold;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_tabular::{Cell, ColumnType, Report};

/// Rows per transaction while loading (SQLite's writer lock is held for one batch at a time).
pub const BATCH_ROWS: usize = 5_000;
/// The most columns indexed per table.
pub const MAX_INDEXES: usize = 8;
/// A text column is indexed only if no value is longer (bytes): long text gains nothing from
/// a B-tree and PostgreSQL refuses index entries over about 2,700 bytes.
pub const INDEXED_TEXT_BYTES: usize = 200;
/// Above this many rows, `filters` and `sort` may only name indexed columns: no request scans
/// a large table.
pub const SCAN_ROWS: i64 = 100_000;

/// A column of a loaded table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The header in the file (the report's name for it).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Our identifier in SQL: `c1`, `c2`, …
    pub column: String,
    pub indexed: bool,
    #[serde(default)]
    pub vietnamese_numbers: bool,
}

impl Column {
    /// CKAN's name for the type.
    pub fn ckan_type(&self) -> &'static str {
        match self.kind {
            ColumnType::Int => "int",
            ColumnType::Numeric => "numeric",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Text => "text",
        }
    }
}

/// A ready table: its name in the database, columns and rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: i64,
}

/// Equality (one value) or membership (several) on a column (`None` = `_id`), values of its
/// type.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: Option<usize>,
    pub values: Vec<Cell>,
}

/// A sort key: a column by position, `None` for `_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: Option<usize>,
    pub desc: bool,
}

/// A checked query over one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The fields returned, in order (`None` = `_id`).
    pub fields: Vec<Option<usize>>,
    pub filters: Vec<Filter>,
    /// Folded words, every one of which a row must contain.
    pub words: Vec<String>,
    pub sort: Vec<SortKey>,
    pub limit: i64,
    pub offset: i64,
    pub distinct: bool,
}

/// The words of a text as the full-text index keeps them: folded, split at anything not a
/// letter or digit (both databases then see the same simple words).
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The table's name for a version: `od_` and the version id's hex digits.
pub fn table_name(version_id: &str) -> String {
    let hex: String = version_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("od_{hex}")
}

/// The columns of a table for a checked file, none indexed yet.
pub fn columns_of(report: &Report) -> Vec<Column> {
    report
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            id: c.name.clone(),
            kind: c.kind,
            column: format!("c{}", i + 1),
            indexed: false,
            vietnamese_numbers: c.vietnamese_numbers,
        })
        .collect()
}

/// Which columns get an index: the first [`MAX_INDEXES`] in the file's order that are not
/// text, or whose longest value is at most [`INDEXED_TEXT_BYTES`].
pub fn choose_indexes(columns: &mut [Column], longest: &[usize]) {
    let mut chosen = 0;
    for (c, long) in columns.iter_mut().zip(longest) {
        let fits = c.kind != ColumnType::Text || *long <= INDEXED_TEXT_BYTES;
        c.indexed = fits && chosen < MAX_INDEXES;
        chosen += usize::from(c.indexed);
    }
}

/// Loads the file of version `version_id` (which passed its check, `report`) into its table.
/// Formats other than CSV and XLSX, and refused files, are not loaded. A failure is logged and
/// leaves the registry's row `failed` with no table: the upload itself stands.
pub async fn load(
    ctx: &Ctx,
    version_id: &str,
    format: FileFormat,
    report: &Report,
    bytes: bytes::Bytes,
) {
    if !matches!(format, FileFormat::Csv | FileFormat::Xlsx) || !report.passed() {
        return;
    }
    let table = table_name(version_id);
    if let Err(e) = try_load(ctx, version_id, &table, format, report, bytes).await {
        tracing::error!(error = %e, version = version_id, "datastore load failed");
        if let Err(e) = sql::fail(&ctx.db, version_id, &table).await {
            tracing::error!(error = %e, version = version_id, "datastore cleanup failed");
        }
    }
}

async fn try_load(
    ctx: &Ctx,
    version_id: &str,
    table: &str,
    format: FileFormat,
    report: &Report,
    bytes: bytes::Bytes,
) -> Result<(), AppError> {
    let mut columns = columns_of(report);
    let now = tinhso_kernel::time::now_text();
    sql::create(&ctx.db, version_id, table, &columns, &now).await?;
    // The file is read on a blocking thread and its rows sent in batches: a bounded channel
    // keeps at most a few batches in memory however large the file.
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(4);
    let width = columns.len();
    let reader = tokio::task::spawn_blocking(move || {
        let mut batch: Vec<Vec<String>> = Vec::with_capacity(1_000);
        let mut closed = false;
        let report = tinhso_tabular::read_table(
            format,
            std::io::Cursor::new(bytes),
            &tinhso_tabular::Limits::default(),
            &mut |cells| {
                if closed {
                    return;
                }
                batch.push(cells.iter().take(width).cloned().collect());
                if batch.len() == 1_000 {
                    closed = send.blocking_send(std::mem::take(&mut batch)).is_err();
                }
            },
        );
        if !batch.is_empty() && !closed {
            let _ = send.blocking_send(batch);
        }
        report
    });
    let mut longest = vec![0usize; width];
    let mut pending: Vec<NewRow> = Vec::with_capacity(BATCH_ROWS);
    let mut next_id = 1i64;
    while let Some(batch) = receive.recv().await {
        for raw in batch {
            pending.push(new_row(&columns, &raw, next_id, &mut longest));
            next_id += 1;
        }
        if pending.len() >= BATCH_ROWS {
            sql::insert_rows(&ctx.db, table, &columns, &pending).await?;
            pending.clear();
        }
    }
    if !pending.is_empty() {
        sql::insert_rows(&ctx.db, table, &columns, &pending).await?;
    }
    let read = reader
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("datastore reader: {e}")))?;
    if !read.passed() || read.columns.len() != width {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the stored file no longer passes its check"
        )));
    }
    choose_indexes(&mut columns, &longest);
    sql::finish(&ctx.db, version_id, table, &columns, next_id - 1, &now).await
}

/// One row of a table from its cells as text (`longest`: each column's longest text so far,
/// for the choice of indexes).
pub(crate) fn new_row(
    columns: &[Column],
    raw: &[String],
    id: i64,
    longest: &mut [usize],
) -> NewRow {
    let mut cells = Vec::with_capacity(columns.len());
    let mut full = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let text = raw.get(i).map_or("", String::as_str);
        longest[i] = longest[i].max(text.len());
        full.extend(words(text));
        cells.push(tinhso_tabular::cell_value(
            c.kind,
            c.vietnamese_numbers,
            text,
        ));
    }
    NewRow {
        id,
        cells,
        full: full.join(" "),
    }
}

/// The columns of a table whose types are declared (the platform's own datasets,
/// `crate::live`): each keeps its type in every version, whatever the values of the day.
pub fn declared_columns(columns: &[tinhso_kernel::module::Column]) -> Vec<Column> {
    use tinhso_kernel::module::ColumnKind;
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| Column {
            id: c.name.to_owned(),
            kind: match c.kind {
                ColumnKind::Text => ColumnType::Text,
                ColumnKind::Integer => ColumnType::Int,
                ColumnKind::Number => ColumnType::Numeric,
            },
            column: format!("c{}", i + 1),
            indexed: false,
            vietnamese_numbers: false,
        })
        .collect()
}

/// Loads rows of declared columns into version `version_id`'s table, as an upload's are
/// (same table, registry, search words and indexes) but without reading a file: an empty
/// dataset gets an empty table. A failure leaves the registry's row `failed` and is returned.
pub async fn load_declared(
    ctx: &Ctx,
    version_id: &str,
    mut columns: Vec<Column>,
    rows: &[Vec<String>],
) -> Result<(), AppError> {
    let table = table_name(version_id);
    let result: Result<(), AppError> = async {
        let now = tinhso_kernel::time::now_text();
        sql::create(&ctx.db, version_id, &table, &columns, &now).await?;
        let mut longest = vec![0usize; columns.len()];
        let mut pending: Vec<NewRow> = Vec::with_capacity(BATCH_ROWS.min(rows.len()));
        for (i, raw) in rows.iter().enumerate() {
            pending.push(new_row(&columns, raw, i as i64 + 1, &mut longest));
            if pending.len() >= BATCH_ROWS {
                sql::insert_rows(&ctx.db, &table, &columns, &pending).await?;
                pending.clear();
            }
        }
        if !pending.is_empty() {
            sql::insert_rows(&ctx.db, &table, &columns, &pending).await?;
        }
        choose_indexes(&mut columns, &longest);
        sql::finish(
            &ctx.db,
            version_id,
            &table,
            &columns,
            rows.len() as i64,
            &now,
        )
        .await
    }
    .await;
    if result.is_err()
        && let Err(e) = sql::fail(&ctx.db, version_id, &table).await
    {
        tracing::error!(error = %e, version = version_id, "datastore cleanup failed");
    }
    result
}

/// The ready table behind a public resource, if it has one.
pub async fn public_table(ctx: &Ctx, resource_id: &str) -> Result<Option<Table>, AppError> {
    let Some(row) = sql::public_table(&ctx.db, resource_id).await? else {
        return Ok(None);
    };
    let columns: Vec<Column> = serde_json::from_str(&row.columns)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored datastore columns: {e}")))?;
    Ok(Some(Table {
        name: row.table_name,
        columns,
        rows: row.row_count,
    }))
}

/// How many rows a search matches, kept per table and question ([`crate::cache::COUNTS`]): a
/// ready table never changes, and a count is what a filtered or full-text search costs most
/// (every matching row visited; 0.9 s for 62,000 matches on PostgreSQL, docs/benchmarks.md).
async fn count(ctx: &Ctx, table: &Table, search: &Search) -> Result<i64, AppError> {
    let key = count_key(table, search);
    if let Some(n) = crate::cache::COUNTS.get(&key) {
        return Ok(*n);
    }
    let n = sql::count(&ctx.db, &table.name, &table.columns, search).await?;
    crate::cache::COUNTS.put(key, std::sync::Arc::new(n), size_of::<i64>());
    Ok(n)
}

/// What a count depends on: the table, the filters, the words, and the fields when distinct.
fn count_key(table: &Table, search: &Search) -> String {
    let fields = if search.distinct {
        Some(&search.fields)
    } else {
        None
    };
    format!(
        "{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}",
        table.name, search.filters, search.words, fields
    )
}

/// The page of rows a checked search asks for, and the total when asked (the table's count
/// when nothing narrows it).
pub async fn run(
    ctx: &Ctx,
    table: &Table,
    search: &Search,
    include_total: bool,
) -> Result<(Vec<Vec<Cell>>, Option<i64>), AppError> {
    let total = if search.filters.is_empty() && search.words.is_empty() && !search.distinct {
        Some(table.rows)
    } else if include_total {
        Some(count(ctx, table, search).await?)
    } else {
        None
    };
    let rows = if search.limit <= 0 {
        Vec::new()
    } else if let Some(reversed) = total.and_then(|total| from_the_end(search, total)) {
        let mut rows = if reversed.limit > 0 {
            sql::search(&ctx.db, &table.name, &table.columns, &reversed).await?
        } else {
            Vec::new()
        };
        rows.reverse();
        rows
    } else {
        sql::search(&ctx.db, &table.name, &table.columns, search).await?
    };
    Ok((rows, total.filter(|_| include_total)))
}

/// A page in the second half of `total` matched rows, asked the other way round: the same
/// rows, from the nearer end (to be put back in order). An `OFFSET` walks every row it skips,
/// so the last page of a million-row table read a million index entries
/// (docs/benchmarks.md, "Open data (issue 17)"). Every key is turned, `_id` too — the last
/// key of every order — so the reversed order is exactly the reverse.
fn from_the_end(search: &Search, total: i64) -> Option<Search> {
    if search.distinct || search.offset == 0 || search.offset.saturating_mul(2) <= total {
        return None;
    }
    let end = search.offset.saturating_add(search.limit).min(total);
    let mut sort: Vec<SortKey> = search
        .sort
        .iter()
        .map(|k| SortKey {
            column: k.column,
            desc: !k.desc,
        })
        .collect();
    if !search.sort.iter().any(|k| k.column.is_none()) {
        // `_id` follows the last key's direction (`store::datastore::order_by`).
        let desc = !search.sort.last().is_some_and(|k| k.desc);
        sort.push(SortKey { column: None, desc });
    }
    Some(Search {
        sort,
        offset: total - end,
        limit: (end - search.offset).max(0),
        ..search.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split_as_both_indexes_keep_them() {
        assert_eq!(
            words("Văn phòng công chứng Hạc Thành (CC-001), Đông Sơn"),
            [
                "van", "phong", "cong", "chung", "hac", "thanh", "cc", "001", "dong", "son"
            ]
        );
        assert!(words(" ,; ").is_empty());
    }

    #[test]
    fn a_page_near_the_end_is_read_from_the_end() {
        let search = |sort: Vec<SortKey>, offset, limit| Search {
            fields: vec![None],
            filters: Vec::new(),
            words: Vec::new(),
            sort,
            limit,
            offset,
            distinct: false,
        };
        let by = |column, desc| SortKey { column, desc };
        // The first half is read as asked.
        assert_eq!(from_the_end(&search(vec![], 400, 100), 1000), None);
        assert_eq!(from_the_end(&search(vec![], 0, 100), 50), None);
        // Rows 900..1000 of `_id` ascending are rows 0..100 of `_id` descending.
        let r = from_the_end(&search(vec![], 900, 100), 1000).unwrap();
        assert_eq!((r.offset, r.limit), (0, 100));
        assert_eq!(r.sort, [by(None, true)]);
        // A page running past the end is cut there; one beyond it is empty.
        let r = from_the_end(&search(vec![by(Some(1), true)], 950, 100), 1000).unwrap();
        assert_eq!((r.offset, r.limit), (0, 50));
        assert_eq!(r.sort, [by(Some(1), false), by(None, false)]);
        let r = from_the_end(&search(vec![], 1200, 100), 1000).unwrap();
        assert_eq!(r.limit, 0);
        // Every key turns, an explicit `_id` with the others.
        let r = from_the_end(
            &search(vec![by(Some(2), false), by(None, true)], 700, 10),
            1000,
        )
        .unwrap();
        assert_eq!((r.offset, r.limit), (290, 10));
        assert_eq!(r.sort, [by(Some(2), true), by(None, false)]);
    }

    #[test]
    fn table_names_are_our_identifiers() {
        assert_eq!(
            table_name("0193a4b2-7c1d-7e00-8f00-0123456789AB"),
            "od_0193a4b27c1d7e008f000123456789ab"
        );
    }

    #[test]
    fn indexes_go_to_short_columns_at_most_eight() {
        let column = |i: usize, kind| Column {
            id: format!("h{i}"),
            kind,
            column: format!("c{i}"),
            indexed: false,
            vietnamese_numbers: false,
        };
        let mut columns: Vec<Column> = (1..=10)
            .map(|i| {
                column(
                    i,
                    if i == 2 {
                        ColumnType::Text
                    } else {
                        ColumnType::Int
                    },
                )
            })
            .collect();
        let mut longest = vec![5; 10];
        longest[1] = 500;
        choose_indexes(&mut columns, &longest);
        let indexed: Vec<&str> = columns
            .iter()
            .filter(|c| c.indexed)
            .map(|c| c.column.as_str())
            .collect();
        assert_eq!(indexed, ["c1", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]);
    }
}
