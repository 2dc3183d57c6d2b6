//! The platform's own data, live (docs/opendata-design.md §10): every dataset a module
//! declares (`Module::datasets`: the procedure catalog, the one-stop and feedback statistics by
//! month, the agency directory…) is published in the portal as a dataset of the platform's
//! publisher agency, frequency `UPDATE_CONT`, with no approval step (audited as the system):
//! a CSV resource (loaded into the datastore), a JSON resource, and a link to the live JSON
//! address dashboards read (`/api/v1/datasets/<name>`).
//!
//! An event a dataset refreshes on (`Dataset::refresh_on`) marks its copy stale
//! ([`MARK_STALE`]); the sweep [`REFRESH`] (every minute, on every node) claims each due copy by
//! a conditional update — stale, never checked, or not checked for a day, and published: a
//! copy a system administrator took down is left as it is until republished
//! (`service::republish`, which refreshes it at once) — reads its rows,
//! and when they differ from the current version's (SHA-256 of the CSV) stores a new version of
//! both files and their datastore table in one transaction, through the upload path's own
//! version, object-store and table code (the table typed as declared rather than guessed from
//! the file), so CKAN, DCAT and `datastore_search` see it.
//! Unchanged rows make no version.

use crate::store::live::{self as store, Live, NewLive, NewPublished};
use crate::store::{self as datasets_store, NewResource, NewVersion};
use crate::{Metadata, events};
use bytes::Bytes;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tinhso_domain::opendata::codes::{FileFormat, Frequency, Licence};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::change::{self, Entity, Step};
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{Event, HandlerError, Subscription};
use tinhso_kernel::module::{BoxFut, Column, Dataset, Sweep, Value};
use tinhso_kernel::web::i18n::{Lang, text};

/// Marks the copies of the datasets an event may have changed stale (its kinds: the union of
/// every `refresh_on`, given by the binary).
pub static MARK_STALE: Subscription =
    Subscription::on_dataset_events("opendata.mark_stale", mark_stale);

/// Re-makes the stale copies (and makes the missing ones) every minute.
pub static REFRESH: Sweep = Sweep {
    name: "opendata.refresh_live",
    every: every_minute,
    at_start: true,
    run: sweep,
};

fn every_minute(_: &Ctx) -> Option<Duration> {
    Some(Duration::from_secs(60))
}

fn sweep(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        refresh_live(ctx)
            .await
            .map_err(|e| anyhow::anyhow!("live datasets: {e}"))?;
        Ok(())
    })
}

/// How long a node holds a claim on a copy it refreshes (another takes it over after).
fn claim_for() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

/// A copy no event marked stale is read again after this long: a safety net for a change no
/// declared event announces (an agency renamed shows in the feedback and yearly service
/// statistics, whose datasets refresh on their own modules' events only), and for an event
/// delivery that went to the dead-letter list.
fn daily() -> chrono::Duration {
    chrono::Duration::hours(24)
}
/// The field every platform dataset is filed under.
const FIELD: &str = "hanh-chinh";

fn mark_stale<'a>(
    ctx: &'a Ctx,
    tx: &'a mut tinhso_kernel::db::Conn,
    event: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        let names = stale_names(ctx.datasets.iter().map(|(_, d)| *d), &event.kind);
        store::mark_stale(tx, &names, &tinhso_kernel::time::now_text()).await?;
        Ok(())
    })
}

/// The datasets an event of `kind` may have changed.
pub fn stale_names<'a>(
    datasets: impl IntoIterator<Item = &'a Dataset>,
    kind: &str,
) -> Vec<&'a str> {
    datasets
        .into_iter()
        .filter(|d| d.refresh_on.contains(&kind))
        .map(|d| d.name)
        .collect()
}

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Copies made (dataset, resources) this time.
    pub created: usize,
    /// Copies this node claimed and read.
    pub checked: usize,
    /// Of those, the ones whose rows changed: a new version.
    pub versioned: usize,
}

/// The sweep: makes the missing copies, then refreshes every due one this node can claim.
pub async fn refresh_live(ctx: &Ctx) -> Result<Outcome, AppError> {
    let mut outcome = Outcome {
        created: ensure(ctx).await?,
        ..Outcome::default()
    };
    for live in store::all(&ctx.db).await? {
        if let Some(changed) = claim_and_refresh(ctx, &live).await? {
            outcome.checked += 1;
            outcome.versioned += usize::from(changed);
        }
    }
    Ok(outcome)
}

/// Claims the copy `live` if it is due, published and free, and refreshes it: `None` when
/// it was not claimed (not declared any more, not due, taken down, held by another node),
/// else whether a version was made (a failed refresh is logged, released, and made none).
async fn claim_and_refresh(ctx: &Ctx, live: &Live) -> Result<Option<bool>, AppError> {
    let Some(dataset) = ctx
        .datasets
        .iter()
        .map(|(_, d)| *d)
        .find(|d| d.name == live.name)
    else {
        return Ok(None);
    };
    let now = tinhso_kernel::time::now();
    let at = tinhso_kernel::time::to_text;
    if !store::claim(
        &ctx.db,
        &live.name,
        &at(now),
        &at(now + claim_for()),
        &at(now - daily()),
    )
    .await?
    {
        return Ok(None);
    }
    match refresh(ctx, live, dataset, &at(now)).await {
        Ok(changed) => Ok(Some(changed)),
        Err(e) => {
            tracing::error!(error = %e, dataset = %live.name, "live dataset refresh failed");
            store::release(&ctx.db, &live.name).await?;
            Ok(Some(false))
        }
    }
}

/// Refreshes the copy behind portal dataset `dataset_id` now if it is due (a republished
/// one is: marked stale when republished); whether a version was made. What fails here is
/// left to the next sweep.
pub async fn refresh_dataset(ctx: &Ctx, dataset_id: &str) -> Result<bool, AppError> {
    for live in store::all(&ctx.db).await? {
        if live.dataset_id == dataset_id {
            return Ok(claim_and_refresh(ctx, &live).await?.unwrap_or(false));
        }
    }
    Ok(false)
}

/// Makes the portal dataset of every declared dataset that has none, published by the
/// configured publisher (none yet in an empty directory: tried again next time).
async fn ensure(ctx: &Ctx) -> Result<usize, AppError> {
    let existing: Vec<String> = store::all(&ctx.db)
        .await?
        .into_iter()
        .map(|l| l.name)
        .collect();
    let missing: Vec<&'static Dataset> = ctx
        .datasets
        .iter()
        .map(|(_, d)| *d)
        .filter(|d| !existing.iter().any(|n| n == d.name))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let configured = ctx.config.opendata.platform_publisher.as_deref();
    let Some(publisher) = store::publisher(&ctx.db, configured).await? else {
        if configured.is_some() {
            tracing::warn!(code = ?configured, "opendata.platform_publisher: no such agency");
        }
        return Ok(0);
    };
    let mut made = 0;
    for dataset in missing {
        match create(ctx, dataset, &publisher).await {
            Ok(done) => made += usize::from(done),
            Err(e) => {
                // Another node made it at the same time (the name is unique): fine.
                let mut conn = ctx.db.pool.acquire().await?;
                if !store::exists(&mut conn, dataset.name).await? {
                    return Err(e);
                }
            }
        }
    }
    Ok(made)
}

/// The metadata of a platform dataset.
pub fn metadata(dataset: &Dataset, publisher_name: &str, publisher_email: &str) -> Metadata {
    Metadata {
        title: text(Lang::Vi, dataset.title),
        notes: format!(
            "{} Dữ liệu động: tự cập nhật từ hoạt động của nền tảng; bản trực tiếp tại /api/v1/datasets/{}.",
            text(Lang::Vi, dataset.description),
            dataset.name
        ),
        field: FIELD.to_owned(),
        tags: vec!["dữ liệu động".to_owned(), "nền tảng".to_owned()],
        licence: Licence::default(),
        frequency: Frequency::Continuous,
        temporal_start: None,
        temporal_end: None,
        spatial: String::new(),
        contact_name: publisher_name.to_owned(),
        contact_email: publisher_email.to_owned(),
    }
}

async fn create(
    ctx: &Ctx,
    dataset: &Dataset,
    (agency_id, _code, agency_name, email): &(String, String, String, Option<String>),
) -> Result<bool, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    let csv_id = uuid::Uuid::now_v7().to_string();
    let json_id = uuid::Uuid::now_v7().to_string();
    let link_id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let m = metadata(dataset, agency_name, email.as_deref().unwrap_or_default());
    let metadata = serde_json::to_string(&m).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = ctx.db.begin().await?;
    if store::exists(&mut tx, dataset.name).await? {
        return Ok(false);
    }
    // The declared name, unless an agency's dataset has it.
    let name = if datasets_store::name_taken(&mut tx, dataset.name).await? {
        format!("{}-nen-tang", dataset.name)
    } else {
        dataset.name.to_owned()
    };
    store::insert_published(
        &mut tx,
        &NewPublished {
            id: &id,
            name: &name,
            agency_id,
            metadata: &metadata,
            created_by: tinhso_kernel::auth::PLATFORM_ACCOUNT,
            now: &now,
        },
    )
    .await?;
    let live_url = format!(
        "{}/api/v1/datasets/{}",
        ctx.config.public_url.trim_end_matches('/'),
        dataset.name
    );
    for (rid, rname, format, kind, url) in [
        (&csv_id, "Dữ liệu (CSV)", FileFormat::Csv, "upload", None),
        (&json_id, "Dữ liệu (JSON)", FileFormat::Json, "upload", None),
        (
            &link_id,
            "Địa chỉ kết nối dữ liệu động (JSON, luôn mới nhất)",
            FileFormat::Json,
            "link",
            Some(live_url.as_str()),
        ),
    ] {
        datasets_store::insert_resource(
            &mut tx,
            &NewResource {
                id: rid,
                dataset_id: &id,
                name: rname,
                format: format.as_str(),
                kind,
                url,
                now: &now,
            },
        )
        .await?;
    }
    datasets_store::publish_resources(&mut tx, &id).await?;
    if !store::insert(
        &mut tx,
        &NewLive {
            name: dataset.name,
            dataset_id: &id,
            csv_resource_id: &csv_id,
            json_resource_id: &json_id,
            now: &now,
        },
    )
    .await?
    {
        return Ok(false);
    }
    datasets_store::bump_catalogue_generation(&mut tx).await?;
    let step = Step {
        action: "opendata.live_create",
        before: Json::Null,
        after: json!({"name": name, "source": dataset.name, "agency_id": agency_id, "metadata": m}),
        event: &events::PUBLISHED,
        payload: json!({"dataset_id": id, "name": name, "agency_id": agency_id, "first": true}),
    };
    let entity = Entity {
        kind: "dataset",
        id: &id,
    };
    change::commit(ctx, tx, &Actor::system(), entity, step).await?;
    Ok(true)
}

/// The text of a cell in the CSV file (empty for `Null`).
fn cell_text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Integer(n) => n.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
    }
}

/// The rows as a CSV file: UTF-8 with a byte-order mark, a header line, and every cell through
/// the kernel's `SafeCsv` (a text starting `=`, `+`, `-`, `@`… cannot become a formula).
pub fn csv_bytes(columns: &[Column], rows: &[Vec<Value>]) -> Result<Vec<u8>, AppError> {
    let mut w = tinhso_kernel::tables::SafeCsv::new();
    w.record(columns.iter().map(|c| c.name))?;
    for row in rows {
        w.record(row.iter().map(cell_text))?;
    }
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(w.finish()?);
    Ok(bytes)
}

/// The rows as JSON: an array of objects keyed by column name (`null` for `Null`).
pub fn json_bytes(columns: &[Column], rows: &[Vec<Value>]) -> Result<Vec<u8>, AppError> {
    let records: Vec<serde_json::Map<String, Json>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .zip(row)
                .map(|(c, v)| {
                    (
                        c.name.to_owned(),
                        serde_json::to_value(v).unwrap_or(Json::Null),
                    )
                })
                .collect()
        })
        .collect();
    serde_json::to_vec(&records).map_err(|e| AppError::Internal(e.into()))
}

/// Reads the rows now; when they differ from the current version, stores a new version of the
/// CSV (with its datastore table) and the JSON. `started`: when this check began. Whether a
/// version was made.
async fn refresh(
    ctx: &Ctx,
    live: &Live,
    dataset: &Dataset,
    started: &str,
) -> Result<bool, AppError> {
    let read = std::time::Instant::now();
    let rows = (dataset.rows)(ctx).await?;
    tracing::debug!(
        dataset = %dataset.name,
        rows = rows.len(),
        ms = read.elapsed().as_millis() as u64,
        "live dataset read"
    );
    tinhso_kernel::module::dataset::rows_fit(dataset.columns, &rows)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("dataset {}: {e}", dataset.name)))?;
    let csv = Bytes::from(csv_bytes(dataset.columns, &rows)?);
    let json = Bytes::from(json_bytes(dataset.columns, &rows)?);
    let csv_sha = hex::encode(Sha256::digest(&csv));
    let current = store::current_sha256(&ctx.db, &live.csv_resource_id).await?;
    if current.as_deref() == Some(csv_sha.as_str()) {
        let mut conn = ctx.db.pool.acquire().await?;
        store::checked(&mut conn, &live.name, started).await?;
        return Ok(false);
    }
    let (csv_report, json_report) = {
        let (c, j) = (csv.clone(), json.clone());
        tokio::task::spawn_blocking(move || {
            let limits = tinhso_tabular::Limits::default();
            (
                tinhso_tabular::check(FileFormat::Csv, std::io::Cursor::new(c), &limits),
                tinhso_tabular::check(FileFormat::Json, std::io::Cursor::new(j), &limits),
            )
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("file check: {e}")))?
    };
    let csv_version = uuid::Uuid::now_v7().to_string();
    let json_version = uuid::Uuid::now_v7().to_string();
    let csv_key = format!("opendata/{}/{csv_version}", live.dataset_id);
    let json_key = format!("opendata/{}/{json_version}", live.dataset_id);
    tinhso_kernel::storage::put(ctx.storage.as_ref(), &csv_key, csv.clone())
        .await
        .map_err(AppError::Internal)?;
    tinhso_kernel::storage::put(ctx.storage.as_ref(), &json_key, json.clone())
        .await
        .map_err(AppError::Internal)?;
    // The table first (its own registry row, read only once the version is published), so the
    // public never sees the new version without its table; typed as declared, so a column
    // keeps its type from version to version (and an empty dataset has an empty table).
    let texts: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(cell_text).collect())
        .collect();
    let columns = crate::datastore::declared_columns(dataset.columns);
    if let Err(e) = crate::datastore::load_declared(ctx, &csv_version, columns, &texts).await {
        tinhso_kernel::storage::discard(
            ctx.storage.as_ref(),
            &[csv_key.as_str(), json_key.as_str()],
        )
        .await;
        return Err(e);
    }
    let stem = dataset.name;
    let files = [
        (
            &csv_version,
            &live.csv_resource_id,
            &csv_key,
            format!("{stem}.csv"),
            FileFormat::Csv,
            &csv,
            &csv_report,
        ),
        (
            &json_version,
            &live.json_resource_id,
            &json_key,
            format!("{stem}.json"),
            FileFormat::Json,
            &json,
            &json_report,
        ),
    ];
    let result: Result<(), AppError> = async {
        let now = tinhso_kernel::time::now_text();
        let mut tx = ctx.db.begin().await?;
        let mut numbers = Vec::new();
        for (vid, rid, key, file_name, format, bytes, report) in &files {
            let report_json =
                serde_json::to_string(report).map_err(|e| AppError::Internal(e.into()))?;
            let n = datasets_store::insert_version(
                &mut tx,
                &NewVersion {
                    id: vid,
                    resource_id: rid,
                    object_key: key,
                    file_name,
                    media_type: format.media_type(),
                    size_bytes: bytes.len() as i64,
                    sha256: &hex::encode(Sha256::digest(bytes)),
                    encoding: report.encoding.map(|e| e.label()),
                    report: &report_json,
                    row_count: Some(rows.len() as i64),
                    created_by: tinhso_kernel::auth::PLATFORM_ACCOUNT,
                    now: &now,
                },
            )
            .await?;
            numbers.push(n);
        }
        datasets_store::publish_resources(&mut tx, &live.dataset_id).await?;
        store::touch(&mut tx, &live.dataset_id, &now).await?;
        store::checked(&mut tx, &live.name, started).await?;
        datasets_store::bump_catalogue_generation(&mut tx).await?;
        let step = Step {
            action: "opendata.live_refresh",
            before: Json::Null,
            after: json!({
                "source": dataset.name, "rows": rows.len(), "sha256": csv_sha,
                "csv_version": numbers.first(), "json_version": numbers.get(1),
            }),
            event: &events::VERSION_ADDED,
            payload: json!({
                "dataset_id": live.dataset_id, "resource_id": live.csv_resource_id,
                "version": numbers.first(), "format": "CSV", "rows": rows.len(),
            }),
        };
        let entity = Entity {
            kind: "dataset",
            id: &live.dataset_id,
        };
        change::commit(ctx, tx, &Actor::system(), entity, step).await
    }
    .await;
    if let Err(e) = result {
        tinhso_kernel::storage::discard(
            ctx.storage.as_ref(),
            &[csv_key.as_str(), json_key.as_str()],
        )
        .await;
        return Err(e);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column::text("agency_name"),
        Column::integer("received"),
        Column::number("on_time_rate"),
    ];

    fn no_rows(_: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        let rows = vec![
            vec!["=HYPERLINK(\"http://x\")".into(), 3.into(), 95.5.into()],
            vec!["@SUM(A1)".into(), 0.into(), Value::Null],
            vec!["+84 Sở".into(), 12.into(), 100.0.into()],
            vec!["Sở Tư pháp".into(), 7.into(), Value::Null],
        ];
        let text = String::from_utf8(csv_bytes(COLUMNS, &rows).unwrap()).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert!(
            text.starts_with('\u{feff}'),
            "a byte-order mark for spreadsheets"
        );
        assert_eq!(lines[0], "agency_name,received,on_time_rate");
        for (line, first) in lines[1..].iter().zip(["=", "@", "+"]) {
            assert!(
                !line.starts_with(first) && !line.starts_with(&format!("\"{first}")),
                "{line} could start a formula"
            );
        }
        assert!(lines[1].ends_with(",3,95.5"), "{}", lines[1]);
        assert!(lines[2].ends_with(",0,"), "{}", lines[2]);
        assert!(lines[3].ends_with(",12,100"), "{}", lines[3]);
        assert_eq!(lines[4], "Sở Tư pháp,7,");
    }

    #[test]
    fn json_rows_are_objects_by_column_with_null_for_withheld() {
        let rows = vec![vec!["Sở Y tế".into(), 4.into(), Value::Null]];
        let v: Json = serde_json::from_slice(&json_bytes(COLUMNS, &rows).unwrap()).unwrap();
        assert_eq!(
            v,
            json!([{"agency_name": "Sở Y tế", "received": 4, "on_time_rate": null}])
        );
        let none: Json = serde_json::from_slice(&json_bytes(COLUMNS, &[]).unwrap()).unwrap();
        assert_eq!(none, json!([]));
    }

    #[test]
    fn an_event_marks_the_datasets_that_refresh_on_it() {
        let of = |name: &'static str, refresh_on: &'static [&'static str]| Dataset {
            name,
            title: "",
            description: "",
            columns: COLUMNS,
            rows: no_rows,
            refresh_on,
        };
        let a = of("dossiers", &["dossier.approved", "dossier.returned"]);
        let b = of("feedback", &["feedback.answered"]);
        let c = of("agencies", &[]);
        let cases: [(&str, Vec<&str>); 4] = [
            ("dossier.approved", vec!["dossiers"]),
            ("feedback.answered", vec!["feedback"]),
            ("agency.created", vec![]),
            ("dossier.assigned", vec![]),
        ];
        for (kind, want) in cases {
            assert_eq!(stale_names([&a, &b, &c], kind), want, "{kind}");
        }
    }

    #[test]
    fn platform_datasets_are_continuous_open_and_filed_under_administration() {
        let d = Dataset {
            name: "procedures",
            title: "dataset_procedures",
            description: "dataset_procedures_text",
            columns: COLUMNS,
            rows: no_rows,
            refresh_on: &[],
        };
        let m = metadata(&d, "UBND tỉnh", "ubnd@example.vn");
        assert_eq!(m.frequency, Frequency::Continuous);
        assert_eq!(m.licence, Licence::default());
        assert_eq!(m.field, FIELD);
        assert!(
            m.notes.contains("/api/v1/datasets/procedures"),
            "{}",
            m.notes
        );
        assert_eq!(m.contact_email, "ubnd@example.vn");
    }
}
