//! Each action on a dataset in one transaction with its audit row and its event, nothing
//! half-applied: create, upload a file (checked first: a refused file stores nothing; a
//! passing one goes to the object store, then one transaction records it), link, submit,
//! approve, return, unpublish. The rules are `tinhso_domain::opendata`; who may act is
//! [`crate::policy`], decided again on the locked row.

use crate::policy::{self, DatasetAction};
use crate::store::{self, DatasetChange, NewDataset, NewResource, NewVersion};
use crate::{Metadata, OpenDataset, events};
use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tinhso_domain::opendata::OpenDataRuleError;
use tinhso_domain::opendata::codes::{self, FileFormat, Frequency, Licence};
use tinhso_domain::opendata::state::{self, Action, DatasetState, Standing};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::Principal;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::policy::{Cx, Subject, check};
use tinhso_kernel::change::{self, Step};
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::events::EventKind;

/// Who acts, and how the audit trail names them.
pub struct Who<'a> {
    pub principal: &'a Principal,
    pub user: &'a User,
    pub actor: Actor,
}

const MAX_TITLE: usize = 300;
const MAX_NOTES: usize = 5_000;
const MAX_SHORT: usize = 200;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 50;
const MAX_URL: usize = 2_000;
/// Resources per dataset.
const MAX_RESOURCES: usize = 50;

/// A dataset's metadata as typed: tags comma-separated, dates `YYYY-MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct MetadataInput {
    /// The slug; empty: made from the title.
    pub name: String,
    pub title: String,
    pub notes: String,
    pub field: String,
    pub tags: String,
    pub licence: String,
    pub frequency: String,
    pub temporal_start: String,
    pub temporal_end: String,
    pub spatial: String,
    pub contact_name: String,
    pub contact_email: String,
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(FieldError::new(field, "Trường này không được để trống."));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("Dài tối đa {max} ký tự.")));
    }
    v.to_owned()
}

fn date(errors: &mut Vec<FieldError>, field: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d.to_string()),
        Err(_) => {
            errors.push(FieldError::new(field, "Ngày có dạng YYYY-MM-DD."));
            None
        }
    }
}

/// The metadata checked, every mistake named on its field, and the slug asked for (if any).
pub fn check_metadata(input: &MetadataInput) -> Result<(Metadata, Option<String>), AppError> {
    let mut errors = Vec::new();
    let title = text(&mut errors, "title", &input.title, MAX_TITLE, true);
    let notes = text(&mut errors, "notes", &input.notes, MAX_NOTES, false);
    let field = input.field.trim().to_owned();
    if codes::field_title(&field).is_none() {
        errors.push(FieldError::new(
            "field",
            "Chọn một lĩnh vực trong danh sách.",
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in input
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if tag.chars().count() > MAX_TAG {
            errors.push(FieldError::new(
                "tags",
                format!("Mỗi từ khóa dài tối đa {MAX_TAG} ký tự."),
            ));
            break;
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new(
            "tags",
            format!("Tối đa {MAX_TAGS} từ khóa."),
        ));
    }
    let licence = match input.licence.trim() {
        "" => Licence::default(),
        l => l.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "licence",
                "Chọn một giấy phép trong danh sách.",
            ));
            Licence::default()
        }),
    };
    let frequency = match input.frequency.trim() {
        "" => Frequency::Unknown,
        f => f.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "frequency",
                "Chọn tần suất cập nhật trong danh sách.",
            ));
            Frequency::Unknown
        }),
    };
    let temporal_start = date(&mut errors, "temporal_start", &input.temporal_start);
    let temporal_end = date(&mut errors, "temporal_end", &input.temporal_end);
    if let (Some(s), Some(e)) = (&temporal_start, &temporal_end)
        && s > e
    {
        errors.push(FieldError::new(
            "temporal_end",
            "Ngày kết thúc không được trước ngày bắt đầu.",
        ));
    }
    let spatial = text(&mut errors, "spatial", &input.spatial, MAX_SHORT, false);
    let contact_name = text(
        &mut errors,
        "contact_name",
        &input.contact_name,
        MAX_SHORT,
        true,
    );
    let contact_email = text(
        &mut errors,
        "contact_email",
        &input.contact_email,
        MAX_SHORT,
        true,
    );
    if !contact_email.is_empty()
        && (!contact_email.contains('@') || contact_email.contains(char::is_whitespace))
    {
        errors.push(FieldError::new(
            "contact_email",
            "Địa chỉ email không hợp lệ.",
        ));
    }
    let name = match input.name.trim() {
        "" => None,
        n => match codes::check_slug(n) {
            Ok(()) => Some(n.to_owned()),
            Err(e) => {
                errors.push(FieldError::new("name", e.to_string()));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((
        Metadata {
            title,
            notes,
            field,
            tags,
            licence,
            frequency,
            temporal_start,
            temporal_end,
            spatial,
            contact_name,
            contact_email,
        },
        name,
    ))
}

/// Records `step` on dataset `id` in `tx` (its audit row and event), raises the catalogue's
/// generation (every node's CKAN copy is then read again) and commits.
async fn finish(
    ctx: &Ctx,
    mut tx: tinhso_kernel::db::Tx,
    who: &Who<'_>,
    id: &str,
    step: Step,
) -> Result<(), AppError> {
    store::bump_catalogue_generation(&mut tx).await?;
    let entity = change::Entity {
        kind: "dataset",
        id,
    };
    change::commit(ctx, tx, &who.actor, entity, step).await
}

fn to_json(m: &Metadata) -> Result<String, AppError> {
    serde_json::to_string(m).map_err(|e| AppError::Internal(e.into()))
}

/// Creates a draft dataset of the data officer's agency; returns its id.
pub async fn create(ctx: &Ctx, who: &Who<'_>, input: &MetadataInput) -> Result<String, AppError> {
    if !policy::may_create(who.user) {
        return Err(AppError::Forbidden);
    }
    let agency = who.user.agency_id.clone().unwrap_or_default();
    let (metadata, asked) = check_metadata(input)?;
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let name = match asked {
        Some(n) if store::name_taken(&mut tx, &n).await? => {
            return Err(AppError::Validation(vec![FieldError::new(
                "name",
                "Tên đường dẫn này đã được dùng cho một bộ dữ liệu khác.",
            )]));
        }
        Some(n) => n,
        None => {
            let base = codes::slug_from_title(&metadata.title)
                .unwrap_or_else(|| format!("du-lieu-{}", &id[id.len() - 8..]));
            // The first free of base, base-2, base-3…
            let mut found = None;
            for n in 1..=50u32 {
                let candidate = numbered(&base, n);
                if !store::name_taken(&mut tx, &candidate).await? {
                    found = Some(candidate);
                    break;
                }
            }
            found.unwrap_or_else(|| {
                numbered(
                    &base,
                    u32::from_str_radix(&id[id.len() - 6..], 16).unwrap_or(51),
                )
            })
        }
    };
    let json = to_json(&metadata)?;
    store::insert_dataset(
        &mut tx,
        &NewDataset {
            id: &id,
            name: &name,
            agency_id: &agency,
            metadata: &json,
            created_by: &who.user.id,
            now: &now,
        },
    )
    .await?;
    let step = Step {
        action: "opendata.create",
        before: Value::Null,
        after: json!({"name": name, "metadata": metadata}),
        event: &events::CREATED,
        payload: json!({"dataset_id": id, "name": name, "agency_id": agency}),
    };
    finish(ctx, tx, who, &id, step).await?;
    Ok(id)
}

/// `base` for the first, `base-n` after (cut to the slug's length).
fn numbered(base: &str, n: u32) -> String {
    if n == 1 {
        return base.to_owned();
    }
    let tail = format!("-{n}");
    let mut head = base.to_owned();
    head.truncate(codes::SLUG_MAX - tail.len());
    format!("{}{tail}", head.trim_end_matches('-'))
}

/// Loads the dataset locked and checks `action` again on the locked row.
async fn locked(
    ctx: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    id: &str,
    action: DatasetAction,
) -> Result<OpenDataset, AppError> {
    let d = store::for_update(&ctx.db, tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check::<policy::OpenDatasetPolicy>(&Cx::from(ctx), &Subject::of(who.principal), &d, action)
        .await?;
    Ok(d)
}

fn rule(e: OpenDataRuleError, field: &str) -> AppError {
    match e {
        OpenDataRuleError::WrongState => AppError::Conflict(e.to_string()),
        other => AppError::Validation(vec![FieldError::new(field, other.to_string())]),
    }
}

/// What an upload came to: stored as version `n`, or refused by the check (nothing stored).
#[derive(Debug)]
pub enum Upload {
    Stored {
        resource_id: String,
        version: i64,
        report: tinhso_tabular::Report,
    },
    Refused {
        report: tinhso_tabular::Report,
    },
}

/// An uploaded file: the resource's name, the file's name and bytes; `resource`: a new
/// version of this resource (else a new resource).
pub struct UploadInput {
    pub name: String,
    pub file_name: String,
    pub bytes: Bytes,
    pub resource: Option<String>,
}

const FORMATS_ACCEPTED: &str = "Chỉ nhận tệp CSV, XLSX, JSON, GeoJSON hoặc PDF.";

/// Checks the file (on a blocking thread) and, when it passes, stores it and records it as
/// the resource's next version, with its report, in one transaction.
pub async fn upload(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: UploadInput,
) -> Result<Upload, AppError> {
    // Refused before any work: not the agency's officer, or a dataset awaiting a decision.
    let d = policy::checked(ctx, who.principal, id, DatasetAction::Edit).await?;
    if !state::may_edit(d.revision) {
        return Err(rule(OpenDataRuleError::WrongState, "file"));
    }
    let name = input.name.trim();
    let mut errors = Vec::new();
    let format = FileFormat::from_file_name(&input.file_name);
    if format.is_none() {
        errors.push(FieldError::new("file", FORMATS_ACCEPTED));
    }
    if input.bytes.is_empty() {
        errors.push(FieldError::new("file", "Chọn một tệp để tải lên."));
    }
    if input.resource.is_none() && name.is_empty() {
        errors.push(FieldError::new("name", "Trường này không được để trống."));
    }
    if name.chars().count() > MAX_SHORT {
        errors.push(FieldError::new(
            "name",
            format!("Dài tối đa {MAX_SHORT} ký tự."),
        ));
    }
    let (Some(format), true) = (format, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let existing = store::resources(&mut *ctx.db.pool.acquire().await?, id).await?;
    if let Some(rid) = &input.resource {
        let r = existing
            .iter()
            .find(|r| &r.id == rid && r.kind == "upload")
            .ok_or(AppError::NotFound)?;
        if r.format != format {
            return Err(AppError::Validation(vec![FieldError::new(
                "file",
                format!(
                    "Tài nguyên này có định dạng {}: phiên bản mới phải cùng định dạng.",
                    r.format.as_str()
                ),
            )]));
        }
    } else if existing.len() >= MAX_RESOURCES {
        return Err(AppError::Validation(vec![FieldError::new(
            "file",
            format!("Một bộ dữ liệu có tối đa {MAX_RESOURCES} tài nguyên."),
        )]));
    }
    let bytes = input.bytes.clone();
    let report = tokio::task::spawn_blocking(move || {
        tinhso_tabular::check(
            format,
            std::io::Cursor::new(bytes),
            &tinhso_tabular::Limits::default(),
        )
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("file check: {e}")))?;
    if !report.passed() {
        return Ok(Upload::Refused { report });
    }
    // The object first, then one transaction; a failed transaction removes the object.
    let version_id = uuid::Uuid::now_v7().to_string();
    let key = format!("opendata/{id}/{version_id}");
    tinhso_kernel::storage::put(ctx.storage.as_ref(), &key, input.bytes.clone())
        .await
        .map_err(AppError::Internal)?;
    let result = record_upload(
        ctx,
        who,
        id,
        &input,
        name,
        format,
        &version_id,
        &key,
        &report,
    )
    .await;
    match result {
        Ok((resource_id, version)) => {
            // The datastore's table, once the version is committed (a failed load is logged
            // and leaves the version without one; docs/opendata-design.md §3.2).
            crate::datastore::load(ctx, &version_id, format, &report, input.bytes.clone()).await;
            Ok(Upload::Stored {
                resource_id,
                version,
                report,
            })
        }
        Err(e) => {
            tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[key.as_str()]).await;
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn record_upload(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: &UploadInput,
    name: &str,
    format: FileFormat,
    version_id: &str,
    key: &str,
    report: &tinhso_tabular::Report,
) -> Result<(String, i64), AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let d = locked(ctx, &mut tx, who, id, DatasetAction::Edit).await?;
    if !state::may_edit(d.revision) {
        return Err(rule(OpenDataRuleError::WrongState, "file"));
    }
    let resource_id = match &input.resource {
        Some(r) => r.clone(),
        None => {
            let rid = uuid::Uuid::now_v7().to_string();
            store::insert_resource(
                &mut tx,
                &NewResource {
                    id: &rid,
                    dataset_id: id,
                    name,
                    format: format.as_str(),
                    kind: "upload",
                    url: None,
                    now: &now,
                },
            )
            .await?;
            rid
        }
    };
    let report_json = serde_json::to_string(report).map_err(|e| AppError::Internal(e.into()))?;
    let encoding = report.encoding.map(|e| e.label().to_owned());
    let rows = format.is_tabular() || format == FileFormat::GeoJson;
    let sha256 = hex::encode(Sha256::digest(&input.bytes));
    let version = store::insert_version(
        &mut tx,
        &NewVersion {
            id: version_id,
            resource_id: &resource_id,
            object_key: key,
            file_name: &input.file_name,
            media_type: format.media_type(),
            size_bytes: input.bytes.len() as i64,
            sha256: &sha256,
            encoding: encoding.as_deref(),
            report: &report_json,
            row_count: rows.then_some(report.rows as i64),
            created_by: &who.user.id,
            now: &now,
        },
    )
    .await?;
    reopen(&mut tx, &d, &now).await?;
    let step = Step {
        action: "opendata.upload",
        before: Value::Null,
        after: json!({
            "resource_id": resource_id, "version": version, "file_name": input.file_name,
            "format": format.as_str(), "size": input.bytes.len(), "sha256": sha256,
            "rows": report.rows, "warnings": report.warnings.len(),
        }),
        event: &events::VERSION_ADDED,
        payload: json!({
            "dataset_id": id, "resource_id": resource_id, "version": version,
            "format": format.as_str(), "rows": report.rows,
        }),
    };
    finish(ctx, tx, who, id, step).await?;
    Ok((resource_id, version))
}

/// An edit to a dataset without an open revision opens one (the public keeps the approved).
async fn reopen(
    tx: &mut tinhso_kernel::db::Conn,
    d: &OpenDataset,
    now: &str,
) -> Result<(), AppError> {
    if d.revision.is_some() {
        return Ok(());
    }
    let metadata = to_json(&d.metadata)?;
    let published = d.published_metadata.as_ref().map(to_json).transpose()?;
    store::update_dataset(
        tx,
        &d.id,
        &DatasetChange {
            state: d.state.as_str(),
            revision_state: Some("editing"),
            metadata: &metadata,
            published_metadata: published.as_deref(),
            issued_at: d.issued_at.as_deref(),
            modified_at: d.modified_at.as_deref(),
            review_due_on: d.review_due_on.as_deref(),
            return_reason: None,
            unpublish_reason: d.unpublish_reason.as_deref(),
            now,
        },
    )
    .await
}

/// A link as a resource: never fetched (no request leaves the server for it).
pub async fn link(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    name: &str,
    url: &str,
    format: &str,
) -> Result<String, AppError> {
    let mut errors = Vec::new();
    let name = text(&mut errors, "link_name", name, MAX_SHORT, true);
    let url = url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.len() > MAX_URL
        || url.contains(char::is_whitespace)
    {
        errors.push(FieldError::new(
            "url",
            "Đường liên kết bắt đầu bằng https:// hoặc http://, không có dấu cách.",
        ));
    }
    let format: Option<FileFormat> = format.trim().parse().ok();
    if format.is_none() {
        errors.push(FieldError::new("link_format", FORMATS_ACCEPTED));
    }
    let (Some(format), true) = (format, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let d = locked(ctx, &mut tx, who, id, DatasetAction::Edit).await?;
    if !state::may_edit(d.revision) {
        return Err(rule(OpenDataRuleError::WrongState, "url"));
    }
    if store::resources(&mut tx, id).await?.len() >= MAX_RESOURCES {
        return Err(AppError::Validation(vec![FieldError::new(
            "url",
            format!("Một bộ dữ liệu có tối đa {MAX_RESOURCES} tài nguyên."),
        )]));
    }
    let rid = uuid::Uuid::now_v7().to_string();
    store::insert_resource(
        &mut tx,
        &NewResource {
            id: &rid,
            dataset_id: id,
            name: &name,
            format: format.as_str(),
            kind: "link",
            url: Some(url),
            now: &now,
        },
    )
    .await?;
    reopen(&mut tx, &d, &now).await?;
    let step = Step {
        action: "opendata.link",
        before: Value::Null,
        after: json!({"resource_id": rid, "name": name, "url": url, "format": format.as_str()}),
        event: &events::VERSION_ADDED,
        payload: json!({"dataset_id": id, "resource_id": rid, "version": null,
            "format": format.as_str(), "rows": null}),
    };
    finish(ctx, tx, who, id, step).await?;
    Ok(rid)
}

/// One of the publish flow's decisions.
#[derive(Debug, Clone)]
pub enum Decision {
    Submit,
    Approve,
    Return { reason: String },
    Unpublish { reason: String },
}

impl Decision {
    fn action(&self) -> DatasetAction {
        match self {
            Decision::Submit => DatasetAction::Edit,
            Decision::Approve | Decision::Return { .. } => DatasetAction::Decide,
            Decision::Unpublish { .. } => DatasetAction::Unpublish,
        }
    }
}

/// Submits, approves, returns or unpublishes, as the rules allow, in one transaction with
/// its audit row and event.
pub async fn decide(
    ctx: &Ctx,
    who: &Who<'_>,
    id: &str,
    decision: &Decision,
) -> Result<(), AppError> {
    // Checked before the transaction too, so nobody learns a state they may not see.
    policy::checked(ctx, who.principal, id, decision.action()).await?;
    let reason_len = match decision {
        Decision::Return { reason } | Decision::Unpublish { reason } => {
            reason.trim().chars().count()
        }
        _ => 0,
    };
    if reason_len > MAX_NOTES {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            format!("Dài tối đa {MAX_NOTES} ký tự."),
        )]));
    }
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let d = locked(ctx, &mut tx, who, id, decision.action()).await?;
    let resources = store::resources(&mut tx, id).await?;
    let action = match decision {
        Decision::Submit => Action::Submit {
            resources: resources.len(),
        },
        Decision::Approve => Action::Approve,
        Decision::Return { reason } => Action::Return { reason },
        Decision::Unpublish { reason } => Action::Unpublish { reason },
    };
    let from = Standing {
        dataset: d.state,
        revision: d.revision,
    };
    let to = state::act(from, &action).map_err(|e| rule(e, "reason"))?;
    let metadata = to_json(&d.metadata)?;
    let mut published = d.published_metadata.as_ref().map(to_json).transpose()?;
    let mut issued_at = d.issued_at.clone();
    let mut modified_at = d.modified_at.clone();
    let mut review_due_on = d.review_due_on.clone();
    let mut return_reason = d.return_reason.clone();
    let mut unpublish_reason = d.unpublish_reason.clone();
    let revision = to.revision.filter(|r| r.is_open());
    let (audit_action, event, payload): (&str, &'static EventKind, Value) = match decision {
        Decision::Submit => {
            return_reason = None;
            (
                "opendata.submit",
                &events::SUBMITTED,
                json!({"dataset_id": id, "agency_id": d.agency_id}),
            )
        }
        Decision::Approve => {
            let first = issued_at.is_none();
            published = Some(metadata.clone());
            issued_at.get_or_insert_with(|| now.clone());
            modified_at = Some(now.clone());
            let today = tinhso_kernel::time::local_now().date();
            review_due_on = Some(codes::review_due(today).to_string());
            unpublish_reason = None;
            store::publish_resources(&mut tx, id).await?;
            (
                "opendata.approve",
                &events::PUBLISHED,
                json!({"dataset_id": id, "name": d.name, "agency_id": d.agency_id, "first": first}),
            )
        }
        Decision::Return { reason } => {
            return_reason = Some(reason.trim().to_owned());
            (
                "opendata.return",
                &events::RETURNED,
                json!({"dataset_id": id, "agency_id": d.agency_id}),
            )
        }
        Decision::Unpublish { reason } => {
            unpublish_reason = Some(reason.trim().to_owned());
            (
                "opendata.unpublish",
                &events::UNPUBLISHED,
                json!({"dataset_id": id, "name": d.name, "agency_id": d.agency_id}),
            )
        }
    };
    store::update_dataset(
        &mut tx,
        id,
        &DatasetChange {
            state: to.dataset.as_str(),
            revision_state: revision.map(|r| r.as_str()),
            metadata: &metadata,
            published_metadata: published.as_deref(),
            issued_at: issued_at.as_deref(),
            modified_at: modified_at.as_deref(),
            review_due_on: review_due_on.as_deref(),
            return_reason: return_reason.as_deref(),
            unpublish_reason: unpublish_reason.as_deref(),
            now: &now,
        },
    )
    .await?;
    let reason = match decision {
        Decision::Return { reason } | Decision::Unpublish { reason } => Some(reason.trim()),
        _ => None,
    };
    let step = Step {
        action: audit_action,
        before: json!({"state": d.state.as_str(), "revision": d.revision.map(|r| r.as_str())}),
        after: json!({
            "state": to.dataset.as_str(), "revision": revision.map(|r| r.as_str()),
            "reason": reason,
        }),
        event,
        payload,
    };
    finish(ctx, tx, who, id, step).await
}

/// Makes one of the platform's own datasets public again after a system administrator took
/// it down (its copy was not refreshed meanwhile): audited, then refreshed at once, so the
/// public sees today's rows (a refresh that fails is left to the next sweep, the copy stale).
pub async fn republish(ctx: &Ctx, who: &Who<'_>, id: &str) -> Result<(), AppError> {
    policy::checked(ctx, who.principal, id, DatasetAction::Republish).await?;
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let d = locked(ctx, &mut tx, who, id, DatasetAction::Republish).await?;
    if d.state != DatasetState::Unpublished || !store::live::republish(&mut tx, id, &now).await? {
        return Err(AppError::Conflict(
            "Bộ dữ liệu đang được công khai, không cần công khai lại.".into(),
        ));
    }
    store::live::mark_dataset_stale(&mut tx, id, &now).await?;
    let step = Step {
        action: "opendata.live_republish",
        before: json!({"state": d.state.as_str(), "reason": d.unpublish_reason}),
        after: json!({"state": DatasetState::Published.as_str()}),
        event: &events::PUBLISHED,
        payload: json!({"dataset_id": id, "name": d.name, "agency_id": d.agency_id, "first": false}),
    };
    finish(ctx, tx, who, id, step).await?;
    if let Err(e) = crate::live::refresh_dataset(ctx, id).await {
        tracing::error!(error = %e, dataset = %d.name, "republished dataset: refresh left to the sweep");
    }
    Ok(())
}

/// Whether a dataset is what the public sees now.
pub fn is_public(d: &OpenDataset) -> bool {
    d.state == DatasetState::Published
}
