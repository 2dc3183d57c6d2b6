//! The public dataset page's questions to the datastore, read from its address and checked
//! against the table (docs/opendata-design.md §9), pure: the preview's page, sort (a column
//! header's link), a filter (a column and a value) and words; the chart's label column, value
//! column, measure and kind. What does not fit is a [`Refusal`] the page shows in the
//! reader's language, never an error page. The preview is then asked as `datastore_search`
//! parameters and read by the same function as the API (`ckan::datastore::read_search`).

use crate::ckan::Params;
use crate::datastore::Table;
use crate::views::{ChartKind, Measure};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tinhso_tabular::ColumnType;

/// Rows on a preview page.
pub const PREVIEW_ROWS: i64 = 20;
/// The last page one may ask (the offset stays bounded).
pub const MAX_PAGE: i64 = 10_000;
/// The longest `q` the page reads (bytes).
pub const MAX_Q_BYTES: usize = 200;
/// Above this many rows a chart groups only by an indexed column (the datastore's own
/// bound for filters and sorts).
pub const CHART_SCAN_ROWS: i64 = crate::datastore::SCAN_ROWS;

/// Why a question is not answered: a locale key of the module and the part that varies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub key: &'static str,
    pub arg: String,
}

fn refuse(key: &'static str, arg: &str) -> Refusal {
    Refusal {
        key,
        arg: arg.to_owned(),
    }
}

fn given<'a>(p: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    p.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn column(table: &Table, name: &str) -> Option<usize> {
    table.columns.iter().position(|c| c.id == name)
}

/// The preview's page number (1 when not given).
pub fn page_number(p: &BTreeMap<String, String>) -> Result<i64, Refusal> {
    match given(p, "page") {
        None => Ok(1),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| refuse("od_err_page", &MAX_PAGE.to_string())),
    }
}

/// The preview's question as `datastore_search` parameters: `sort` and `dir` (`asc`,
/// `desc`), `col` and `val` (a filter), `q`, `page`.
pub fn preview_params(p: &BTreeMap<String, String>, table: &Table) -> Result<Params, Refusal> {
    let page = page_number(p)?;
    let mut out = Params::new();
    out.insert("limit".into(), json!(PREVIEW_ROWS));
    out.insert("offset".into(), json!((page - 1) * PREVIEW_ROWS));
    if let Some(name) = given(p, "sort") {
        if name != "_id" && column(table, name).is_none() {
            return Err(refuse("od_err_sort", name));
        }
        let dir = match given(p, "dir").unwrap_or("asc") {
            "asc" => "asc",
            "desc" => "desc",
            other => return Err(refuse("od_err_dir", other)),
        };
        out.insert(
            "sort".into(),
            json!(format!("\"{}\" {dir}", name.replace('"', ""))),
        );
    }
    match (given(p, "col"), p.get("val").map(|v| v.trim())) {
        (None, _) => {}
        (Some(name), value) => {
            let Some(i) = column(table, name) else {
                return Err(refuse("od_err_filter_column", name));
            };
            let value = value.unwrap_or_default();
            let c = &table.columns[i];
            if value.is_empty() {
                return Err(refuse("od_err_filter_empty", name));
            }
            if c.kind != ColumnType::Text
                && tinhso_tabular::cell_value(c.kind, false, value) == tinhso_tabular::Cell::Null
            {
                return Err(Refusal {
                    key: match c.kind {
                        ColumnType::Date | ColumnType::Timestamp => "od_err_filter_date",
                        _ => "od_err_filter_number",
                    },
                    arg: name.to_owned(),
                });
            }
            let mut filters = serde_json::Map::new();
            filters.insert(name.to_owned(), Value::String(value.to_owned()));
            out.insert("filters".into(), Value::Object(filters));
        }
    }
    if let Some(q) = given(p, "q") {
        if q.len() > MAX_Q_BYTES {
            return Err(refuse("od_err_q", &MAX_Q_BYTES.to_string()));
        }
        out.insert("q".into(), json!(q));
    }
    Ok(out)
}

/// A chart asked for: the label column, the value column (numbers), how rows become a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartAsk {
    pub label: usize,
    pub value: Option<usize>,
    pub measure: Measure,
    pub kind: ChartKind,
}

/// The chart's question: `label` (any column; an indexed one above [`CHART_SCAN_ROWS`] rows),
/// `value` (a number column, needed to sum or
/// average), `measure` (`count`, `sum`, `avg`; `sum` when a value is chosen, else `count`),
/// `kind` (`bar`, `line`, `pie`). `None` when no label column is chosen.
pub fn chart_ask(p: &BTreeMap<String, String>, table: &Table) -> Result<Option<ChartAsk>, Refusal> {
    let Some(label) = given(p, "label") else {
        return Ok(None);
    };
    let label = column(table, label).ok_or_else(|| refuse("od_err_chart_label", label))?;
    // A large table is grouped only by an indexed column: the groups come from the index in
    // order rather than from a hash of the whole table, and a public page never reads a large
    // table's every row for a column nobody indexed. Small tables group by any column.
    if table.rows > CHART_SCAN_ROWS && !table.columns[label].indexed {
        let indexed: Vec<&str> = table
            .columns
            .iter()
            .filter(|c| c.indexed)
            .map(|c| c.id.as_str())
            .collect();
        let arg = if indexed.is_empty() {
            "—".to_owned()
        } else {
            indexed.join(", ")
        };
        return Err(Refusal {
            key: "od_err_chart_not_indexed",
            arg,
        });
    }
    let value = match given(p, "value") {
        None => None,
        Some(name) => {
            let i = column(table, name).ok_or_else(|| refuse("od_err_chart_value", name))?;
            if !matches!(table.columns[i].kind, ColumnType::Int | ColumnType::Numeric) {
                return Err(refuse("od_err_chart_value", name));
            }
            Some(i)
        }
    };
    let measure = match given(p, "measure") {
        None if value.is_some() => Measure::Sum,
        None => Measure::Count,
        Some(m) => Measure::parse(m).ok_or_else(|| refuse("od_err_chart_measure", m))?,
    };
    if measure != Measure::Count && value.is_none() {
        return Err(refuse("od_err_chart_needs_value", ""));
    }
    let kind = match given(p, "kind") {
        None => ChartKind::Bar,
        Some(k) => ChartKind::parse(k).ok_or_else(|| refuse("od_err_chart_kind", k))?,
    };
    Ok(Some(ChartAsk {
        label,
        value,
        measure,
        kind,
    }))
}

/// The address of the page with `changes` applied to `params` (an empty value removes a
/// key), in a stable order; `#anchor` appended when given.
pub fn link(
    path: &str,
    params: &BTreeMap<String, String>,
    changes: &[(&str, &str)],
    anchor: &str,
) -> String {
    let mut p = params.clone();
    for (k, v) in changes {
        if v.is_empty() {
            p.remove(*k);
        } else {
            p.insert((*k).to_owned(), (*v).to_owned());
        }
    }
    p.retain(|_, v| !v.trim().is_empty());
    let mut out = path.to_owned();
    if !p.is_empty() {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &p {
            s.append_pair(k, v);
        }
        out.push('?');
        out.push_str(&s.finish());
    }
    if !anchor.is_empty() {
        out.push('#');
        out.push_str(anchor);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datastore::Column;

    fn table(rows: i64) -> Table {
        let col = |id: &str, kind, n: usize| Column {
            id: id.into(),
            kind,
            column: format!("c{n}"),
            indexed: n <= 2,
            vietnamese_numbers: false,
        };
        Table {
            name: "od_x".into(),
            columns: vec![
                col("Tên", ColumnType::Text, 1),
                col("Số ca", ColumnType::Int, 2),
                col("Ngày", ColumnType::Date, 3),
                col("Tỷ lệ", ColumnType::Numeric, 4),
            ],
            rows,
        }
    }

    fn ask(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn preview_questions_become_datastore_parameters() {
        let t = table(300);
        let p = preview_params(&ask(&[]), &t).unwrap();
        assert_eq!(p["limit"], 20);
        assert_eq!(p["offset"], 0);
        assert!(!p.contains_key("sort") && !p.contains_key("filters"));
        let p = preview_params(
            &ask(&[
                ("sort", "Số ca"),
                ("dir", "desc"),
                ("col", "Tên"),
                ("val", " Đông Sơn "),
                ("q", "dong son"),
                ("page", "3"),
            ]),
            &t,
        )
        .unwrap();
        assert_eq!(p["sort"], "\"Số ca\" desc");
        assert_eq!(p["filters"], json!({"Tên": "Đông Sơn"}));
        assert_eq!(p["q"], "dong son");
        assert_eq!(p["offset"], 40);
        // The same parameters pass the API's reader.
        let (search, _, total) = crate::ckan::datastore::read_search(&p, &t).unwrap();
        assert_eq!((search.limit, search.offset, total), (20, 40, true));
        assert_eq!(search.sort[0].column, Some(1));
        assert!(search.sort[0].desc);
        assert_eq!(search.words, vec!["dong", "son"]);
        let p = preview_params(&ask(&[("col", "Ngày"), ("val", "05/03/2025")]), &t).unwrap();
        assert!(crate::ckan::datastore::read_search(&p, &t).is_ok());
    }

    #[test]
    fn bad_preview_questions_are_refused_by_name() {
        let t = table(300);
        for (pairs, key, arg) in [
            (vec![("page", "0")], "od_err_page", "10000"),
            (vec![("page", "abc")], "od_err_page", "10000"),
            (vec![("page", "10001")], "od_err_page", "10000"),
            (vec![("sort", "Không có")], "od_err_sort", "Không có"),
            (vec![("sort", "Tên"), ("dir", "up")], "od_err_dir", "up"),
            (
                vec![("col", "Huyện"), ("val", "x")],
                "od_err_filter_column",
                "Huyện",
            ),
            (
                vec![("col", "Tên"), ("val", "")],
                "od_err_filter_empty",
                "Tên",
            ),
            (
                vec![("col", "Số ca"), ("val", "nhiều")],
                "od_err_filter_number",
                "Số ca",
            ),
            (
                vec![("col", "Ngày"), ("val", "hôm qua")],
                "od_err_filter_date",
                "Ngày",
            ),
        ] {
            assert_eq!(
                preview_params(&ask(&pairs), &t),
                Err(Refusal {
                    key,
                    arg: arg.into()
                }),
                "{pairs:?}"
            );
        }
        let long = "a ".repeat(150);
        assert_eq!(
            preview_params(&ask(&[("q", &long)]), &t).unwrap_err().key,
            "od_err_q"
        );
    }

    #[test]
    fn chart_questions() {
        let t = table(10);
        assert_eq!(chart_ask(&ask(&[]), &t), Ok(None));
        assert_eq!(
            chart_ask(&ask(&[("label", "Tên")]), &t),
            Ok(Some(ChartAsk {
                label: 0,
                value: None,
                measure: Measure::Count,
                kind: ChartKind::Bar
            }))
        );
        assert_eq!(
            chart_ask(
                &ask(&[("label", "Tên"), ("value", "Tỷ lệ"), ("kind", "pie")]),
                &t
            ),
            Ok(Some(ChartAsk {
                label: 0,
                value: Some(3),
                measure: Measure::Sum,
                kind: ChartKind::Pie
            }))
        );
        assert_eq!(
            chart_ask(
                &ask(&[
                    ("label", "Ngày"),
                    ("value", "Số ca"),
                    ("measure", "avg"),
                    ("kind", "line")
                ]),
                &t
            )
            .unwrap()
            .unwrap()
            .measure,
            Measure::Avg
        );
        // A large table: only indexed columns (the first two here) group.
        let large = table(CHART_SCAN_ROWS + 1);
        assert!(chart_ask(&ask(&[("label", "Số ca")]), &large).is_ok());
        assert_eq!(
            chart_ask(&ask(&[("label", "Ngày")]), &large),
            Err(Refusal {
                key: "od_err_chart_not_indexed",
                arg: "Tên, Số ca".into()
            })
        );
        assert!(chart_ask(&ask(&[("label", "Ngày")]), &table(CHART_SCAN_ROWS)).is_ok());
        for (pairs, key) in [
            (vec![("label", "X")], "od_err_chart_label"),
            (
                vec![("label", "Tên"), ("value", "Tên")],
                "od_err_chart_value",
            ),
            (vec![("label", "Tên"), ("value", "Y")], "od_err_chart_value"),
            (
                vec![("label", "Tên"), ("measure", "sum")],
                "od_err_chart_needs_value",
            ),
            (
                vec![("label", "Tên"), ("measure", "max")],
                "od_err_chart_measure",
            ),
            (
                vec![("label", "Tên"), ("kind", "radar")],
                "od_err_chart_kind",
            ),
        ] {
            assert_eq!(
                chart_ask(&ask(&pairs), &t).unwrap_err().key,
                key,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn links_change_one_thing_and_keep_the_rest() {
        let p = ask(&[("q", "đông sơn"), ("page", "2"), ("tag", "")]);
        assert_eq!(
            link("/opendata", &p, &[], ""),
            "/opendata?page=2&q=%C4%91%C3%B4ng+s%C6%A1n"
        );
        assert_eq!(
            link("/opendata", &p, &[("page", ""), ("field", "y-te")], "kq"),
            "/opendata?field=y-te&q=%C4%91%C3%B4ng+s%C6%A1n#kq"
        );
        assert_eq!(link("/x", &BTreeMap::new(), &[], ""), "/x");
    }
}
