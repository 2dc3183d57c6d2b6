//! CSV import and export of the agency directory (UTF-8, header row, one agency per row).
//!
//! Import is all-or-nothing by default: every row is checked, and if any row is bad nothing is
//! written and the report lists every bad row. With `partial`, good rows are written and bad
//! rows reported. Rows may come in any order: parents are written before their children.

use super::model::AgencyInput;
use super::store;
use serde::Serialize;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::db::Db;
use tinhso_kernel::error::AppError;

pub const HEADER: [&str; 9] = [
    "code",
    "name",
    "kind",
    "parent_code",
    "admin_unit_code",
    "address",
    "phone",
    "email",
    "website",
];

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub code: String,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub created_or_updated: usize,
    pub errors: Vec<RowError>,
    /// False when nothing was written because of errors (all-or-nothing mode).
    pub committed: bool,
}

/// Parses the file into inputs with their line numbers; encoding and shape errors become
/// row errors, never panics.
pub fn parse(bytes: &[u8]) -> (Vec<(u64, AgencyInput)>, Vec<RowError>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let header: Vec<String> = match reader.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_lowercase())
            .collect(),
        Err(e) => {
            errors.push(row_error(
                1,
                "",
                "",
                format!("Không đọc được dòng tiêu đề: {e}"),
            ));
            return (rows, errors);
        }
    };
    for required in ["code", "name", "kind"] {
        if !header.iter().any(|h| h == required) {
            errors.push(row_error(
                1,
                "",
                required,
                format!("Thiếu cột “{required}” ở dòng tiêu đề."),
            ));
        }
    }
    if !errors.is_empty() {
        return (rows, errors);
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    for record in reader.byte_records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(row_error(line, "", "", format!("Dòng không đọc được: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut fields = Vec::with_capacity(HEADER.len());
        let mut bad_encoding = false;
        for name in HEADER {
            let raw = column(name).and_then(|i| record.get(i)).unwrap_or(b"");
            match std::str::from_utf8(raw) {
                // An export neutralised formula-like cells with an apostrophe: take it off.
                Ok(s) => fields.push(tinhso_domain::spreadsheet::restore(s.trim()).to_owned()),
                Err(_) => {
                    bad_encoding = true;
                    fields.push(String::new());
                }
            }
        }
        if bad_encoding {
            errors.push(row_error(
                line,
                &fields[0],
                "",
                "Dòng không phải văn bản UTF-8. Hãy lưu tệp dưới dạng “CSV UTF-8”.".into(),
            ));
            continue;
        }
        let mut it = fields.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let input = AgencyInput {
            code: next(),
            name: next(),
            kind: next(),
            parent_code: Some(next()),
            admin_unit_code: Some(next()),
            address: next(),
            phone: next(),
            email: next(),
            website: next(),
        };
        rows.push((line, input));
    }
    (rows, errors)
}

fn row_error(line: u64, code: &str, field: &str, message: String) -> RowError {
    RowError {
        line,
        code: code.to_owned(),
        field: field.to_owned(),
        message,
    }
}

/// Orders rows so that a parent given in the file comes before its children.
fn parents_first(rows: &mut [(u64, AgencyInput)]) {
    rows.sort_by_key(|(line, input)| {
        let level = input
            .code
            .parse::<tinhso_domain::agency_code::AgencyCode>()
            .map(|c| c.level())
            .unwrap_or(9);
        (level, *line)
    });
}

pub async fn import(
    ctx: &tinhso_kernel::Ctx,
    actor: &Actor,
    bytes: &[u8],
    partial: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport, AppError> {
    let (mut rows, mut errors) = parse(bytes);
    parents_first(&mut rows);
    let mut report = ImportReport {
        rows: rows.len() + errors.len(),
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    let mut tx = ctx.db.begin().await?;
    for (line, input) in &rows {
        progress(1);
        if !seen.insert(input.code.trim().to_owned()) {
            errors.push(row_error(
                *line,
                &input.code,
                "code",
                "Mã định danh bị lặp lại trong tệp.".into(),
            ));
            continue;
        }
        // Each row in a savepoint: a bad row in partial mode leaves no trace of itself.
        let mut row_tx = sqlx::Connection::begin(&mut *tx).await?;
        match super::service::upsert(ctx, &mut row_tx, actor, input, true).await {
            Ok(_) => {
                row_tx.commit().await?;
                report.created_or_updated += 1;
            }
            Err(AppError::Validation(fields)) => {
                row_tx.rollback().await?;
                for f in fields {
                    errors.push(row_error(*line, &input.code, &f.field, f.message));
                }
            }
            Err(other) => return Err(other),
        }
    }
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    if report.errors.is_empty() || partial {
        tx.commit().await?;
        tinhso_kernel::events::committed(ctx);
        report.committed = true;
    } else {
        tx.rollback().await?;
        report.created_or_updated = 0;
    }
    Ok(report)
}

pub async fn export(db: &Db) -> Result<Vec<u8>, AppError> {
    let mut writer = tinhso_kernel::tables::SafeCsv::new();
    writer.record(HEADER)?;
    for a in store::all(db).await? {
        let parent_code = a.parent_code.map(|c| c.to_string()).unwrap_or_default();
        writer.record([
            &a.code.to_string(),
            &a.name,
            a.kind.as_str(),
            &parent_code,
            a.admin_unit_code.as_deref().unwrap_or(""),
            &a.address,
            &a.phone,
            &a.email,
            &a.website,
        ])?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_with_bom_and_reordered_columns() {
        let file = "\u{feff}name,code,kind,parent_code\nSở Tư pháp,000.00.14.H56,department,000.00.00.H56\n";
        let (rows, errors) = parse(file.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.name, "Sở Tư pháp");
        assert_eq!(rows[0].1.code, "000.00.14.H56");
    }

    #[test]
    fn reports_missing_columns_and_broken_encoding() {
        let (_, errors) = parse(b"code,label\n");
        assert_eq!(errors[0].field, "name");
        let mut latin1 = b"code,name,kind\n000.00.14.H56,S\xf4 T\xfa,department\n".to_vec();
        latin1.extend_from_slice(b"000.00.15.H56,Ok,department\n");
        let (rows, errors) = parse(&latin1);
        assert_eq!(rows.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }

    #[test]
    fn never_panics_on_garbage() {
        for garbage in [
            &b""[..],
            b"\x00\xff\xfe",
            b"code\n\"unterminated",
            b",,,,\n,,,,,,,,,,,,,\n",
        ] {
            let _ = parse(garbage);
        }
    }
}
