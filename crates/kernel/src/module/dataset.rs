//! Open datasets a module publishes about itself (the procedure catalog, the agency directory…):
//! a declared shape — stable column names and types — and a function that reads the rows live.
//! The binary serves them as JSON and CSV without knowing the modules; the open-data portal
//! lists them in its catalogue beside the datasets agencies upload.
//!
//! Only what anyone may read belongs here: a dataset is public, with no sign-in, so a module
//! publishes aggregates or public registers, never a person's data.

use super::BoxFut;
use crate::ctx::Ctx;
use crate::error::AppError;
use serde::Serialize;
use tinhso_documents::Cell;

/// One dataset a module declares.
pub struct Dataset {
    /// Short, stable, kebab-case: the dataset's address (`/api/v1/datasets/<name>`); never
    /// renamed, since harvesters and dashboards keep it.
    pub name: &'static str,
    /// Locale keys of its title and its one-paragraph description.
    pub title: &'static str,
    pub description: &'static str,
    /// Its columns, in order; every row has one value per column.
    pub columns: &'static [Column],
    /// The rows as they are now.
    pub rows: RowsFn,
    /// The event kinds after which its rows may have changed: the open-data portal keeps a
    /// copy of every declared dataset (a versioned CSV, JSON and datastore table) and makes a new
    /// one soon after one of these events (and once a day whatever happens, for the changes
    /// no event announces yet). Empty: the daily check only.
    pub refresh_on: &'static [&'static str],
}

/// The event kinds any of `datasets` refreshes on, each once and sorted: what the
/// subscription marking datasets stale wants (`Subscription::on_dataset_events`).
pub fn refresh_kinds<'a>(datasets: impl IntoIterator<Item = &'a Dataset>) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = datasets
        .into_iter()
        .flat_map(|d| d.refresh_on.iter().copied())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

pub type RowsFn = for<'a> fn(&'a Ctx) -> BoxFut<'a, Result<Vec<Vec<Value>>, AppError>>;

/// A column: a machine name (snake_case, as CKAN's datastore and CSV headers want) and a type.
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnKind,
}

impl Column {
    pub const fn text(name: &'static str) -> Column {
        Column {
            name,
            kind: ColumnKind::Text,
        }
    }

    pub const fn integer(name: &'static str) -> Column {
        Column {
            name,
            kind: ColumnKind::Integer,
        }
    }

    pub const fn number(name: &'static str) -> Column {
        Column {
            name,
            kind: ColumnKind::Number,
        }
    }
}

/// The types a dataset column holds, named as CKAN's datastore names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ColumnKind {
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "int")]
    Integer,
    #[serde(rename = "numeric")]
    Number,
}

/// One cell. `Null` is a value nobody knows or may publish (a withheld rate), not an empty text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Integer(i64),
    Number(f64),
    Null,
}

impl Value {
    pub fn kind(&self) -> Option<ColumnKind> {
        match self {
            Value::Text(_) => Some(ColumnKind::Text),
            Value::Integer(_) => Some(ColumnKind::Integer),
            Value::Number(_) => Some(ColumnKind::Number),
            Value::Null => None,
        }
    }

    /// The cell of a CSV or XLSX download (`Null` as an empty cell).
    pub fn cell(&self) -> Cell {
        match self {
            Value::Text(t) => Cell::Text(t.clone()),
            Value::Integer(n) => Cell::Number(*n as f64),
            Value::Number(n) => Cell::Number(*n),
            Value::Null => Cell::Text(String::new()),
        }
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Value {
        Value::Text(t.to_owned())
    }
}

impl From<String> for Value {
    fn from(t: String) -> Value {
        Value::Text(t)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Integer(n)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

/// Whether each row holds one value of its column's type (or `Null`) per column: what a
/// module's rows function must give; the binary's tests check every declared dataset.
pub fn rows_fit(columns: &[Column], rows: &[Vec<Value>]) -> Result<(), String> {
    for (i, row) in rows.iter().enumerate() {
        if row.len() != columns.len() {
            return Err(format!(
                "row {i} has {} values for {} columns",
                row.len(),
                columns.len()
            ));
        }
        for (value, column) in row.iter().zip(columns) {
            if value.kind().is_some_and(|k| k != column.kind) {
                return Err(format!(
                    "row {i}: column {} is {:?}, the value is {value:?}",
                    column.name, column.kind
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[Column::text("code"), Column::integer("count")];

    #[test]
    fn rows_of_the_declared_shape_fit_and_others_are_named() {
        assert_eq!(rows_fit(COLUMNS, &[vec!["a".into(), 3.into()]]), Ok(()));
        assert_eq!(rows_fit(COLUMNS, &[vec!["a".into(), Value::Null]]), Ok(()));
        let short = rows_fit(COLUMNS, &[vec!["a".into()]]).unwrap_err();
        assert!(short.contains("1 values for 2 columns"), "{short}");
        let wrong = rows_fit(COLUMNS, &[vec![1.into(), 3.into()]]).unwrap_err();
        assert!(wrong.contains("column code"), "{wrong}");
    }

    fn no_rows(_: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    #[test]
    fn refresh_kinds_are_the_union_of_the_declared_ones() {
        let of = |refresh_on: &'static [&'static str]| Dataset {
            name: "x",
            title: "",
            description: "",
            columns: COLUMNS,
            rows: no_rows,
            refresh_on,
        };
        let a = of(&["dossier.approved", "feedback.answered"]);
        let b = of(&["agency.created", "dossier.approved"]);
        let none = of(&[]);
        assert_eq!(
            refresh_kinds([&a, &b, &none]),
            vec!["agency.created", "dossier.approved", "feedback.answered"]
        );
        assert!(refresh_kinds([&none]).is_empty());
    }

    #[test]
    fn null_is_an_empty_cell_in_downloads_and_json_null() {
        assert_eq!(Value::Null.cell(), Cell::Text(String::new()));
        assert_eq!(serde_json::to_string(&Value::Null).unwrap(), "null");
        assert_eq!(serde_json::to_string(&Value::from(2)).unwrap(), "2");
    }
}
