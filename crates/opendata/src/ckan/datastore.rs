//! `datastore_search` and `datastore_info` (docs/opendata-design.md §7): CKAN 2.11's
//! parameters read and checked against the table's columns, no SQL exposed — `filters`
//! (equality, or membership for a list, values coerced to the column's type), `q` (words
//! without diacritics, all of which a row must hold), `fields`, `sort` (`"col asc, col2
//! desc"`, quoted names allowed), `limit` (100 by default, at most [`MAX_LIMIT`]), `offset`,
//! `include_total`, `distinct`, `records_format` (`objects` or `lists`). A resource that is not
//! public, not tabular or not loaded is `Not Found`; anything the table does not have is a
//! `Validation Error` naming the parameter.

use super::{CkanError, Params, bool_param, int_param, invalid, list_param, text_param};
use crate::datastore::{self, Filter, SCAN_ROWS, Search, SortKey, Table};
use serde_json::{Map, Value, json};
use tinhso_kernel::Ctx;
use tinhso_tabular::{Cell, ColumnType};

/// The most rows one request returns (CKAN's `ckan.datastore.search.rows_max` default). CKAN
/// clamps a larger `limit`; we refuse it, as the issue asks of a `rows` of 10⁹.
pub const MAX_LIMIT: i64 = 32_000;
pub const DEFAULT_LIMIT: i64 = 100;
/// The most values one filter may list.
pub const MAX_FILTER_VALUES: usize = 100;
/// The most words `q` may hold.
pub const MAX_WORDS: usize = 20;

fn not_in_table(param: &str, name: &str) -> CkanError {
    invalid(param, &format!("field \"{name}\" not in table"))
}

/// A column's position by its CKAN id; `None` is `_id`.
fn position(table: &Table, name: &str) -> Option<Option<usize>> {
    if name == "_id" {
        return Some(None);
    }
    table.columns.iter().position(|c| c.id == name).map(Some)
}

/// In a large table, only indexed columns may filter or sort.
fn check_indexed(table: &Table, param: &str, column: Option<usize>) -> Result<(), CkanError> {
    let Some(i) = column else { return Ok(()) };
    if table.rows <= SCAN_ROWS || table.columns[i].indexed {
        return Ok(());
    }
    let indexed: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.indexed)
        .map(|c| format!("\"{}\"", c.id))
        .collect();
    Err(invalid(
        param,
        &format!(
            "field \"{}\" is not indexed; in a table of more than {SCAN_ROWS} rows use _id or one of: {}",
            table.columns[i].id,
            indexed.join(", ")
        ),
    ))
}

/// A JSON object given as itself (POST) or as JSON text (GET).
fn object_param(p: &Params, key: &str) -> Result<Option<Map<String, Value>>, CkanError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        Some(_) => match text_param(p, key) {
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(map)) => Ok(Some(map)),
                _ => Err(invalid(key, "Could not parse as valid JSON object")),
            },
            None => Ok(None),
        },
    }
}

/// A filter value as the column's type.
fn coerce(kind: ColumnType, name: &str, v: &Value) -> Result<Cell, CkanError> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => {
            return Err(invalid(
                "filters",
                &format!("invalid value for field \"{name}\": a string or number is expected"),
            ));
        }
    };
    let cell = match kind {
        // Values are compared as stored: numbers written plainly (`12.5`), dates as ISO or
        // DD/MM/YYYY.
        ColumnType::Text => Cell::Text(text.clone()),
        other => tinhso_tabular::cell_value(other, false, &text),
    };
    if cell == Cell::Null {
        return Err(invalid(
            "filters",
            &format!(
                "invalid value for field \"{name}\" of type {}: {text}",
                kind_name(kind)
            ),
        ));
    }
    Ok(cell)
}

fn kind_name(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Int => "int",
        ColumnType::Numeric => "numeric",
        ColumnType::Date => "date",
        ColumnType::Timestamp => "timestamp",
        ColumnType::Text => "text",
    }
}

fn filters(p: &Params, table: &Table) -> Result<Vec<Filter>, CkanError> {
    let Some(map) = object_param(p, "filters")? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, v) in &map {
        let Some(column) = position(table, name) else {
            return Err(not_in_table("filters", name));
        };
        check_indexed(table, "filters", column)?;
        let values: Vec<&Value> = match v {
            Value::Array(list) => list.iter().collect(),
            one => vec![one],
        };
        if values.is_empty() || values.len() > MAX_FILTER_VALUES {
            return Err(invalid(
                "filters",
                &format!("field \"{name}\": between 1 and {MAX_FILTER_VALUES} values"),
            ));
        }
        let kind = column.map_or(ColumnType::Int, |i| table.columns[i].kind);
        let cells = values
            .into_iter()
            .map(|v| coerce(kind, name, v))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Filter {
            column,
            values: cells,
        });
    }
    Ok(out)
}

/// `"col1, col2 desc"`: commas outside double quotes separate keys; a key ends with an
/// optional `asc`/`desc`; a name may be quoted.
pub fn sort_keys(text: &str) -> Vec<(String, bool)> {
    let mut items = Vec::new();
    let (mut current, mut quoted) = (String::new(), false);
    for ch in text.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                current.push(ch);
            }
            ',' if !quoted => items.push(std::mem::take(&mut current)),
            _ => current.push(ch),
        }
    }
    items.push(current);
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|item| {
            let lower = item.to_lowercase();
            let (name, desc) = if lower.ends_with(" desc") {
                (&item[..item.len() - 5], true)
            } else if lower.ends_with(" asc") {
                (&item[..item.len() - 4], false)
            } else {
                (item, false)
            };
            let name = name.trim();
            let name = name
                .strip_prefix('"')
                .and_then(|n| n.strip_suffix('"'))
                .unwrap_or(name);
            (name.to_owned(), desc)
        })
        .collect()
}

fn sort(p: &Params, table: &Table) -> Result<Vec<SortKey>, CkanError> {
    let text = match p.get("sort") {
        Some(Value::Array(_)) => list_param(p, "sort")?.join(","),
        _ => text_param(p, "sort").unwrap_or_default(),
    };
    let mut out = Vec::new();
    for (name, desc) in sort_keys(&text) {
        let Some(column) = position(table, &name) else {
            return Err(not_in_table("sort", &name));
        };
        check_indexed(table, "sort", column)?;
        out.push(SortKey { column, desc });
    }
    Ok(out)
}

fn fields(p: &Params, table: &Table) -> Result<Vec<Option<usize>>, CkanError> {
    let mut names = list_param(p, "fields")?;
    if names.len() == 1 && names[0].contains(',') {
        names = names[0].split(',').map(|s| s.trim().to_owned()).collect();
    }
    names.retain(|n| !n.trim().is_empty());
    if names.is_empty() {
        let mut all = vec![None];
        all.extend((0..table.columns.len()).map(Some));
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in &names {
        let Some(column) = position(table, name.trim()) else {
            return Err(not_in_table("fields", name));
        };
        if !out.contains(&column) {
            out.push(column);
        }
    }
    Ok(out)
}

fn words(p: &Params) -> Result<Vec<String>, CkanError> {
    let mut out = Vec::new();
    for key in ["q", "full_text"] {
        match p.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(_)) => {
                return Err(invalid(
                    key,
                    "a search per field is not supported: give q as text, or use filters",
                ));
            }
            Some(_) => {
                let text = text_param(p, key).unwrap_or_default();
                if text.trim_start().starts_with('{') {
                    return Err(invalid(
                        key,
                        "a search per field is not supported: give q as text, or use filters",
                    ));
                }
                out.extend(datastore::words(&text));
            }
        }
    }
    out.dedup();
    if out.len() > MAX_WORDS {
        return Err(invalid("q", &format!("at most {MAX_WORDS} words")));
    }
    Ok(out)
}

/// The resource asked for (`resource_id`, or `id`).
fn resource_id(p: &Params) -> Result<String, CkanError> {
    text_param(p, "resource_id")
        .or_else(|| text_param(p, "id"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid("resource_id", "Missing value"))
}

async fn table_of(ctx: &Ctx, id: &str) -> Result<Table, CkanError> {
    datastore::public_table(ctx, id)
        .await?
        .ok_or_else(|| CkanError::NotFound(Some(format!("Resource \"{id}\" was not found."))))
}

/// The checked search and what the answer echoes.
pub(crate) fn read_search(p: &Params, table: &Table) -> Result<(Search, bool, bool), CkanError> {
    let limit = int_param(p, "limit", DEFAULT_LIMIT, "Must be a natural number")?;
    if limit > MAX_LIMIT {
        return Err(invalid("limit", &format!("Must be at most {MAX_LIMIT}")));
    }
    let offset = int_param(p, "offset", 0, "Must be a natural number")?;
    if p.get("plain").is_some() && !bool_param(p, "plain", true) {
        return Err(invalid(
            "plain",
            "only plain full-text queries are supported",
        ));
    }
    let lists = match text_param(p, "records_format").as_deref() {
        None | Some("objects") => false,
        Some("lists") => true,
        Some(_) => {
            return Err(invalid(
                "records_format",
                "Value must be one of: objects, lists",
            ));
        }
    };
    let distinct = bool_param(p, "distinct", false);
    let fields = fields(p, table)?;
    let sort = sort(p, table)?;
    if distinct {
        if fields.contains(&None) {
            return Err(invalid(
                "distinct",
                "_id is never distinct: list fields without it",
            ));
        }
        if let Some(k) = sort.iter().find(|k| !fields.contains(&k.column)) {
            let name = k.column.map_or("_id", |i| table.columns[i].id.as_str());
            return Err(invalid(
                "sort",
                &format!("with distinct, field \"{name}\" must be among the fields"),
            ));
        }
    }
    let search = Search {
        fields,
        filters: filters(p, table)?,
        words: words(p)?,
        sort,
        limit,
        offset,
        distinct,
    };
    Ok((search, lists, bool_param(p, "include_total", true)))
}

fn json_of(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => json!(i),
        Cell::Numeric(f) => json!(f),
        Cell::Text(t) => json!(t),
    }
}

fn field_dict(table: &Table, f: Option<usize>) -> Value {
    match f {
        None => json!({"id": "_id", "type": "int"}),
        Some(i) => {
            let c = &table.columns[i];
            json!({"id": c.id, "type": c.ckan_type(),
                   "info": {"label": c.id, "indexed": c.indexed}})
        }
    }
}

/// `_links`: the same search from its start, and its next page.
fn links(p: &Params, id: &str, limit: i64, offset: i64) -> Value {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs.append_pair("resource_id", id);
    for key in [
        "q",
        "full_text",
        "filters",
        "fields",
        "sort",
        "limit",
        "distinct",
        "include_total",
        "records_format",
    ] {
        let value = match p.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(list)) if key == "fields" || key == "sort" => list
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            Some(other) => other.to_string(),
        };
        pairs.append_pair(key, &value);
    }
    let start = format!("/api/3/action/datastore_search?{}", pairs.finish());
    json!({"start": start, "next": format!("{start}&offset={}", offset + limit)})
}

pub(crate) async fn datastore_search(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let id = resource_id(p)?;
    let table = table_of(ctx, &id).await?;
    let (search, lists, include_total) = read_search(p, &table)?;
    let (rows, total) = datastore::run(ctx, &table, &search, include_total).await?;
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            if lists {
                Value::Array(row.iter().map(json_of).collect())
            } else {
                let mut map = Map::new();
                for (f, cell) in search.fields.iter().zip(row) {
                    let name = f.map_or("_id", |i| table.columns[i].id.as_str());
                    map.insert(name.to_owned(), json_of(cell));
                }
                Value::Object(map)
            }
        })
        .collect();
    let mut result = json!({
        "include_total": include_total,
        "limit": search.limit,
        "records_format": if lists { "lists" } else { "objects" },
        "resource_id": id,
        "fields": search.fields.iter().map(|f| field_dict(&table, *f)).collect::<Vec<_>>(),
        "records": records,
        "_links": links(p, &id, search.limit, search.offset),
        "total_was_estimated": false,
    });
    if let Some(total) = total {
        result["total"] = json!(total);
    }
    for key in ["q", "filters", "sort", "offset", "distinct"] {
        if let Some(v) = p.get(key) {
            result[key] = v.clone();
        }
    }
    Ok(result)
}

/// CKAN's `datastore_info`: the table's columns and size.
pub(crate) async fn datastore_info(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let id = resource_id(p)?;
    let table = table_of(ctx, &id).await?;
    let fields: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            json!({"id": c.id, "type": c.ckan_type(), "info": {"label": c.id},
                   "schema": {"native_type": c.ckan_type(), "is_index": c.indexed,
                              "notnull": false, "uniquekey": false}})
        })
        .collect();
    Ok(json!({
        "meta": {"id": id, "count": table.rows, "table_type": "BASE TABLE", "aliases": []},
        "fields": fields,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datastore::Column;

    fn table(rows: i64) -> Table {
        let column = |i: usize, id: &str, kind, indexed| Column {
            id: id.to_owned(),
            kind,
            column: format!("c{i}"),
            indexed,
            vietnamese_numbers: false,
        };
        Table {
            name: "od_x".into(),
            columns: vec![
                column(1, "Mã xã", ColumnType::Text, true),
                column(2, "Số ca", ColumnType::Int, true),
                column(3, "Ghi chú", ColumnType::Text, false),
                column(4, "Ngày", ColumnType::Date, true),
            ],
            rows,
        }
    }

    fn params(v: Value) -> Params {
        v.as_object().unwrap().clone()
    }

    fn refused(v: Value, rows: i64) -> (String, String) {
        match read_search(&params(v), &table(rows)) {
            Err(CkanError::Validation(f)) => f[0].clone(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn sort_keys_split_outside_quotes() {
        assert_eq!(
            sort_keys("Mã xã asc, \"Số, ca\" DESC,Ngày"),
            [
                ("Mã xã".to_owned(), false),
                ("Số, ca".to_owned(), true),
                ("Ngày".to_owned(), false)
            ]
        );
        assert!(sort_keys(" , ").is_empty());
    }

    #[test]
    fn a_search_is_read_against_the_columns() {
        let (s, lists, total) = read_search(
            &params(json!({
                "filters": "{\"Số ca\": [\"3\", 4], \"Ngày\": \"31/12/2025\"}",
                "q": "Hạc  Thành", "sort": "Số ca desc", "fields": "Mã xã,Số ca",
                "limit": "5", "offset": 10, "records_format": "lists",
            })),
            &table(10),
        )
        .unwrap();
        assert!(lists && total);
        assert_eq!(s.fields, [Some(0), Some(1)]);
        assert_eq!(
            s.filters,
            [
                Filter {
                    column: Some(3),
                    values: vec![Cell::Text("2025-12-31".into())]
                },
                Filter {
                    column: Some(1),
                    values: vec![Cell::Int(3), Cell::Int(4)]
                }
            ],
            "in the order of the object's keys"
        );
        assert_eq!(s.words, ["hac", "thanh"]);
        assert_eq!(
            s.sort,
            [SortKey {
                column: Some(1),
                desc: true
            }]
        );
        assert_eq!((s.limit, s.offset), (5, 10));
        let all = read_search(&Params::new(), &table(10)).unwrap().0;
        assert_eq!(all.fields, [None, Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(all.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn what_the_table_does_not_have_is_refused_by_name() {
        let cases = [
            (
                json!({"filters": {"Màu": "đỏ"}}),
                "filters",
                "field \"Màu\" not in table",
            ),
            (
                json!({"filters": "{not json"}),
                "filters",
                "Could not parse as valid JSON object",
            ),
            (
                json!({"filters": "[1]"}),
                "filters",
                "Could not parse as valid JSON object",
            ),
            (
                json!({"sort": "Màu desc"}),
                "sort",
                "field \"Màu\" not in table",
            ),
            (
                json!({"fields": ["Màu"]}),
                "fields",
                "field \"Màu\" not in table",
            ),
            (
                json!({"limit": 1_000_000_000}),
                "limit",
                "Must be at most 32000",
            ),
            (json!({"limit": "-1"}), "limit", "Must be a natural number"),
            (json!({"limit": "abc"}), "limit", "Invalid integer"),
            (
                json!({"q": {"Mã xã": "1"}}),
                "q",
                "a search per field is not supported: give q as text, or use filters",
            ),
            (
                json!({"records_format": "csv"}),
                "records_format",
                "Value must be one of: objects, lists",
            ),
        ];
        for (v, field, message) in cases {
            assert_eq!(
                refused(v.clone(), 10),
                (field.to_owned(), message.to_owned()),
                "{v}"
            );
        }
        let (field, message) = refused(json!({"filters": {"Số ca": "ba"}}), 10);
        assert_eq!(field, "filters");
        assert!(message.contains("Số ca"), "{message}");
        // A large table: only indexed columns filter or sort.
        let (field, message) = refused(json!({"sort": "Ghi chú"}), SCAN_ROWS + 1);
        assert_eq!(field, "sort");
        assert!(
            message.contains("\"Mã xã\", \"Số ca\", \"Ngày\""),
            "{message}"
        );
        assert!(read_search(&params(json!({"sort": "Ghi chú"})), &table(SCAN_ROWS)).is_ok());
    }
}
