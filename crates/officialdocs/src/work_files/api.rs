//! The work files API under `/api/v1/work-files`, with the field names of Decree 30/2020
//! Appendix VI (`FileCode`, `FileNotation`, `Title`, `Maintenance`, `StartDate`, `EndDate`,
//! `DocOrdinal`…). Token scope `documents`. Someone outside the agency keeping a list or a
//! file is told it does not exist (404).

use super::policy::{WorkFileAction, checked_file, checked_list, own_agency};
use super::service::{self, FileInput, FileStep, HeadingInput, ListAction};
use super::store::{self, FileList, WorkFile};
use crate::api::who;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tinhso_domain::official_doc::work_file::{FileCode, roman};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    let e = Access::Entity("work_file");
    Routes::new("documents")
        .api(e, routes!(lists, create_list))
        .api(e, routes!(list_view))
        .api(e, routes!(add_heading))
        .api(e, routes!(add_file))
        .api(e, routes!(list_act))
        .api(e, routes!(file_view))
        .api(e, routes!(file_act))
        .api(e, routes!(place_document))
        .api(e, routes!(remove_document))
        .api(e, routes!(export_pdf))
        .api(e, routes!(export_xml))
        .api(
            Access::Entity("document"),
            routes!(crate::registers::register_file),
        )
}

/// A major heading (đề mục lớn): I, II, … and its abbreviation.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileHeading {
    /// The Roman numeral of its position, set by the list.
    #[serde(default, skip_deserializing)]
    pub number: String,
    /// `TCCB`: capitals and digits.
    pub abbreviation: String,
    pub title: String,
}

/// A new yearly file list of the caller's agency.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileListDraft {
    pub year: i32,
    /// `per_heading` (the default: files numbered from 01 within each major heading) or
    /// `whole_list`.
    #[serde(default)]
    pub numbering: Option<String>,
    #[serde(default)]
    pub headings: Vec<WorkFileHeading>,
}

/// The identifier of a file (Appendix VI `FileCode`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileCode {
    pub organ_id: String,
    /// The year the file is formed.
    pub file_catalog: i32,
    /// `01.TCCB`.
    pub file_notation: String,
}

/// A file of the list, as the list shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileSummary {
    pub id: String,
    /// `000.00.14.H56.2026.01.TCCB`.
    pub code: String,
    pub file_code: WorkFileCode,
    /// The major heading's abbreviation.
    pub heading: String,
    pub title: String,
    /// `Vĩnh viễn` or `20 năm`.
    pub maintenance: String,
    /// The person responsible for it (người lập hồ sơ).
    pub creator_id: Option<String>,
    pub description: String,
    /// `planned`, `open`, `closed` or `deposited`.
    pub state: String,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// The last day to deposit it with the agency archive, once closed (files kept 5 years
    /// or more).
    pub deposit_due: Option<String>,
}

/// A yearly file list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileList {
    pub id: String,
    pub year: i64,
    pub numbering: String,
    /// `draft`, `approved` or `amending`.
    pub state: String,
    /// How many times it was approved again after an amendment.
    pub amendments: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub headings: Vec<WorkFileHeading>,
    pub files: Vec<WorkFileSummary>,
}

fn summary(f: WorkFile, heading: String) -> WorkFileSummary {
    let code: Option<FileCode> = f.code.parse().ok();
    WorkFileSummary {
        file_code: WorkFileCode {
            organ_id: code
                .as_ref()
                .map(|c| c.agency.to_string())
                .unwrap_or_default(),
            file_catalog: code.as_ref().map(|c| c.year).unwrap_or_default(),
            file_notation: f.notation.clone(),
        },
        heading,
        id: f.id,
        code: f.code,
        title: f.title,
        maintenance: f.retention,
        creator_id: f.creator_id,
        description: f.description,
        state: f.state,
        start_date: f.start_date,
        end_date: f.end_date,
        deposit_due: f.deposit_due,
    }
}

async fn list_view_of(
    state: &Ctx,
    l: FileList,
    with_files: bool,
) -> Result<WorkFileList, AppError> {
    let headings = store::headings(&state.db, &l.id).await?;
    let files = if with_files {
        store::files_of(&state.db, &l.id).await?
    } else {
        Vec::new()
    };
    let abbreviation_of = |id: &str| {
        headings
            .iter()
            .find(|h| h.id == id)
            .map(|h| h.abbreviation.clone())
            .unwrap_or_default()
    };
    let files = files
        .into_iter()
        .map(|f| {
            let h = abbreviation_of(&f.heading_id);
            summary(f, h)
        })
        .collect();
    Ok(WorkFileList {
        id: l.id,
        year: l.year,
        numbering: l.numbering,
        state: l.state,
        amendments: l.amendments,
        approved_by: l.approved_by,
        approved_at: l.approved_at,
        headings: headings
            .into_iter()
            .map(|h| WorkFileHeading {
                number: roman(u32::try_from(h.position).unwrap_or(0)).unwrap_or_default(),
                abbreviation: h.abbreviation,
                title: h.title,
            })
            .collect(),
        files,
    })
}

/// The file lists of the caller's agency, newest year first (without their files).
#[utoipa::path(get, path = "/api/v1/work-files/lists", tag = "documents",
    responses((status = 200, body = [WorkFileList]),
        (status = 403, description = "Not an official of an agency", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn lists(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<WorkFileList>>> {
    let agency = own_agency(&state, &auth.principal, WorkFileAction::View).await?;
    let mut out = Vec::new();
    for l in store::lists_of(&state.db, &agency).await? {
        out.push(list_view_of(&state, l, false).await?);
    }
    Ok(Json(out))
}

/// Draft the caller's agency's file list for a year, with its major headings (the document
/// clerk). One list per agency and year (409).
#[utoipa::path(post, path = "/api/v1/work-files/lists", tag = "documents", request_body = WorkFileListDraft,
    responses((status = 201, body = WorkFileList),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 409, description = "The agency already has a list for the year", content_type = "application/problem+json"),
        (status = 422, description = "Invalid year, numbering or heading", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn create_list(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(body): Json<WorkFileListDraft>,
) -> ApiResult<(StatusCode, Json<WorkFileList>)> {
    own_agency(&state, &auth.principal, WorkFileAction::ManageList).await?;
    let who = who(&auth, &ip)?;
    let headings = body
        .headings
        .into_iter()
        .map(|h| HeadingInput {
            abbreviation: h.abbreviation,
            title: h.title,
        })
        .collect();
    let id =
        service::create_list(&state, &who, body.year, body.numbering.as_deref(), headings).await?;
    let l = store::list(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(list_view_of(&state, l, true).await?),
    ))
}

/// A file list with its headings and files, for the officials of its agency.
#[utoipa::path(get, path = "/api/v1/work-files/lists/{id}", tag = "documents",
    params(("id" = String, Path, description = "File list id")),
    responses((status = 200, body = WorkFileList),
        (status = 404, description = "No such list, or not the caller's agency's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn list_view(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkFileList>> {
    let l = checked_list(&state, &auth.principal, &id, WorkFileAction::View).await?;
    Ok(Json(list_view_of(&state, l, true).await?))
}

/// Add a major heading to a list being drafted or amended (the document clerk). An approved
/// list is frozen (409) until an amendment is opened.
#[utoipa::path(post, path = "/api/v1/work-files/lists/{id}/headings", tag = "documents", request_body = WorkFileHeading,
    params(("id" = String, Path, description = "File list id")),
    responses((status = 201, body = WorkFileList),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such list, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "The list is approved, or has the heading already", content_type = "application/problem+json"),
        (status = 422, description = "Invalid abbreviation or title", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn add_heading(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<WorkFileHeading>,
) -> ApiResult<(StatusCode, Json<WorkFileList>)> {
    checked_list(&state, &auth.principal, &id, WorkFileAction::ManageList).await?;
    let who = who(&auth, &ip)?;
    service::add_heading(
        &state,
        &who,
        &id,
        HeadingInput {
            abbreviation: body.abbreviation,
            title: body.title,
        },
    )
    .await?;
    let l = store::list(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(list_view_of(&state, l, true).await?),
    ))
}

/// A file planned in the list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileDraft {
    /// `01.TCCB` (number, dot, the major heading's abbreviation); when left out, the next
    /// number under `Heading`.
    #[serde(default)]
    pub file_notation: Option<String>,
    /// The major heading's abbreviation, when `FileNotation` is left out.
    #[serde(default)]
    pub heading: Option<String>,
    pub title: String,
    /// `Vĩnh viễn` or a number of years, `20 năm`.
    pub maintenance: String,
    /// The person responsible for the file (người lập hồ sơ): an official of the agency.
    #[serde(default)]
    pub creator_id: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// Plan a file in a list being drafted or amended (the document clerk). Its code is the
/// agency's code, the list's year and the notation (`000.00.14.H56.2026.01.TCCB`); a
/// notation already in the year's list is refused (409).
#[utoipa::path(post, path = "/api/v1/work-files/lists/{id}/files", tag = "documents", request_body = WorkFileDraft,
    params(("id" = String, Path, description = "File list id")),
    responses((status = 201, body = WorkFileSummary),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such list, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "The list is approved, or the notation is taken", content_type = "application/problem+json"),
        (status = 422, description = "Invalid notation, heading, title, retention or person", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn add_file(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<WorkFileDraft>,
) -> ApiResult<(StatusCode, Json<WorkFileSummary>)> {
    checked_list(&state, &auth.principal, &id, WorkFileAction::ManageList).await?;
    let who = who(&auth, &ip)?;
    let file_id = service::add_file(
        &state,
        &who,
        &id,
        FileInput {
            notation: body.file_notation,
            heading: body.heading,
            title: body.title,
            retention: body.maintenance,
            creator_id: body.creator_id,
            description: body.description,
        },
    )
    .await?;
    let f = store::file(&state.db, &file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let heading = f
        .notation
        .split_once('.')
        .map(|(_, h)| h.to_owned())
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(summary(f, heading))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileListActionRequest {
    /// `approve` (a leader of the agency: the list is frozen) or `amend` (the document clerk
    /// opens an amendment of the approved list; `Note` gives the reason).
    pub action: String,
    #[serde(default)]
    pub note: String,
}

/// Approve a list or open its amendment. 403 for the wrong role, 409 when the list's state
/// does not allow it.
#[utoipa::path(post, path = "/api/v1/work-files/lists/{id}/actions", tag = "documents", request_body = WorkFileListActionRequest,
    params(("id" = String, Path, description = "File list id")),
    responses((status = 200, body = WorkFileList),
        (status = 403, description = "Not a leader (approve) or the document clerk (amend)", content_type = "application/problem+json"),
        (status = 404, description = "No such list, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the list's state", content_type = "application/problem+json"),
        (status = 422, description = "Unknown action, or an amendment without a reason", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn list_act(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<WorkFileListActionRequest>,
) -> ApiResult<Json<WorkFileList>> {
    let action: ListAction = body.action.parse().map_err(|_| {
        AppError::validation(
            "Action",
            "Thao tác với danh mục hồ sơ là approve hoặc amend.",
        )
    })?;
    let needs = match action {
        ListAction::Approve => WorkFileAction::Approve,
        ListAction::Amend => WorkFileAction::ManageList,
    };
    checked_list(&state, &auth.principal, &id, needs).await?;
    let who = who(&auth, &ip)?;
    service::list_action(&state, &who, &id, action, &body.note).await?;
    let l = store::list(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(list_view_of(&state, l, true).await?))
}

/// A document placed in a file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileDocument {
    /// Its number in the file, in the order it was placed.
    pub doc_ordinal: i64,
    pub document_id: String,
    /// `out` or `in`.
    pub direction: String,
    pub type_name: String,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    pub issued_date: Option<String>,
    pub organ_name: String,
    pub subject: String,
    pub arrival_number: Option<i64>,
    pub added_at: String,
}

/// A work file with its documents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileView {
    pub list_id: String,
    #[serde(flatten)]
    pub file: WorkFileSummary,
    pub documents: Vec<WorkFileDocument>,
}

async fn file_view_of(state: &Ctx, f: WorkFile) -> Result<WorkFileView, AppError> {
    let mut documents = Vec::new();
    for p in store::placed(&state.db, &f.id).await? {
        let Some(d) = crate::store::by_id(&state.db, &p.document_id).await? else {
            continue;
        };
        documents.push(WorkFileDocument {
            doc_ordinal: p.ordinal,
            direction: d.direction.as_str().to_owned(),
            type_name: d.doc_type.name_vi().to_owned(),
            arrival_number: (d.direction == crate::Direction::In)
                .then_some(d.reg_number)
                .flatten(),
            code_number: d.code_number,
            code_notation: d.code_notation,
            issued_date: d.issued_date,
            organ_name: d.organ_name,
            subject: d.subject,
            document_id: d.id,
            added_at: p.added_at,
        });
    }
    let heading = f
        .notation
        .split_once('.')
        .map(|(_, h)| h.to_owned())
        .unwrap_or_default();
    Ok(WorkFileView {
        list_id: f.list_id.clone(),
        file: summary(f, heading),
        documents,
    })
}

/// A work file with its documents, for the officials of its agency.
#[utoipa::path(get, path = "/api/v1/work-files/{id}", tag = "documents",
    params(("id" = String, Path, description = "Work file id")),
    responses((status = 200, body = WorkFileView),
        (status = 404, description = "No such file, or not the caller's agency's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn file_view(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkFileView>> {
    let f = checked_file(&state, &auth.principal, &id, WorkFileAction::View).await?;
    Ok(Json(file_view_of(&state, f).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFileActionRequest {
    /// `open` (a planned file of the approved list) or `close` (an open file: its retention
    /// and end date are fixed, the deposit deadline set).
    pub action: String,
    /// For `open`: the day the work began, `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub start_date: Option<String>,
    /// For `close`: the day the work ended, `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub end_date: Option<String>,
    /// For `close`: the retention confirmed, when it differs from the list's.
    #[serde(default)]
    pub maintenance: Option<String>,
}

/// Open or close a file (the document clerk, or the person responsible for the file). 409
/// when the file's state does not allow it (closing twice, opening from an unapproved list).
#[utoipa::path(post, path = "/api/v1/work-files/{id}/actions", tag = "documents", request_body = WorkFileActionRequest,
    params(("id" = String, Path, description = "Work file id")),
    responses((status = 200, body = WorkFileView),
        (status = 403, description = "Neither the clerk nor the person responsible", content_type = "application/problem+json"),
        (status = 404, description = "No such file, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the file's state", content_type = "application/problem+json"),
        (status = 422, description = "Unknown action, invalid date or retention", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn file_act(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<WorkFileActionRequest>,
) -> ApiResult<Json<WorkFileView>> {
    checked_file(&state, &auth.principal, &id, WorkFileAction::Handle).await?;
    let who = who(&auth, &ip)?;
    service::file_action(
        &state,
        &who,
        &id,
        FileStep {
            action: body.action,
            start_date: body.start_date,
            end_date: body.end_date,
            retention: body.maintenance,
        },
    )
    .await?;
    let f = store::file(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(file_view_of(&state, f).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkFilePlacement {
    /// A document of the file's agency: an outgoing one it issued, or one it received.
    pub document_id: String,
}

/// Place a document of the agency in an open file, by reference (the document is not
/// copied; it may be in several files).
#[utoipa::path(post, path = "/api/v1/work-files/{id}/documents", tag = "documents", request_body = WorkFilePlacement,
    params(("id" = String, Path, description = "Work file id")),
    responses((status = 201, body = WorkFileView),
        (status = 403, description = "Neither the clerk nor the person responsible", content_type = "application/problem+json"),
        (status = 404, description = "No such file, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "The file is not open, or holds the document already", content_type = "application/problem+json"),
        (status = 422, description = "Not a numbered or registered document of the agency", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn place_document(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<WorkFilePlacement>,
) -> ApiResult<(StatusCode, Json<WorkFileView>)> {
    checked_file(&state, &auth.principal, &id, WorkFileAction::Handle).await?;
    let who = who(&auth, &ip)?;
    service::place(&state, &who, &id, &body.document_id).await?;
    let f = store::file(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(file_view_of(&state, f).await?)))
}

/// Take a document out of an open file (the document itself is unchanged).
#[utoipa::path(delete, path = "/api/v1/work-files/{id}/documents/{document_id}", tag = "documents",
    params(("id" = String, Path, description = "Work file id"),
        ("document_id" = String, Path, description = "Document id")),
    responses((status = 200, body = WorkFileView),
        (status = 403, description = "Neither the clerk nor the person responsible", content_type = "application/problem+json"),
        (status = 404, description = "No such file or document in it", content_type = "application/problem+json"),
        (status = 409, description = "The file is not open", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn remove_document(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, document_id)): Path<(String, String)>,
) -> ApiResult<Json<WorkFileView>> {
    checked_file(&state, &auth.principal, &id, WorkFileAction::Handle).await?;
    let who = who(&auth, &ip)?;
    service::unplace(&state, &who, &id, &document_id).await?;
    let f = store::file(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(file_view_of(&state, f).await?))
}

async fn closed_export(
    state: &Ctx,
    auth: &Auth,
    id: &str,
) -> Result<super::export::Export, AppError> {
    let f = checked_file(state, &auth.principal, id, WorkFileAction::View).await?;
    if f.state != "closed" && f.state != "deposited" {
        return Err(AppError::Conflict("Chỉ xuất hồ sơ đã đóng.".into()));
    }
    super::export::load(state, f).await
}

/// A closed file as one PDF: a cover sheet (code, title, dates, retention) with the table of
/// contents, then the stored PDF of each document in chronological order. DOCX documents are
/// listed in the contents and noted as not embedded. Each embedded document counts as read by
/// the caller in its read log.
#[utoipa::path(get, path = "/api/v1/work-files/{id}/export.pdf", tag = "documents",
    params(("id" = String, Path, description = "Work file id")),
    responses((status = 200, description = "The file as one PDF", content_type = "application/pdf"),
        (status = 404, description = "No such file, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "The file is not closed", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn export_pdf(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let x = closed_export(&state, &auth, &id).await?;
    let user = auth.require_user()?;
    for e in x.entries.iter().filter(|e| e.pdf.is_some()) {
        crate::store::record_read(&state.db, &e.doc.id, &user.id, &ip).await?;
    }
    let name = format!("{}.pdf", x.file.code);
    let bytes = super::export::pdf(x)?;
    Ok(tinhso_kernel::web::download(
        "application/pdf",
        &name,
        bytes,
    ))
}

/// A closed file's metadata as XML (Appendix VI names: `FileCode`, `Title`, `Maintenance`,
/// `StartDate`, `EndDate`, `DocTotal`, `PageTotal`, and each document's `DocOrdinal`,
/// `CodeNumber`, `CodeNotation`, `IssuedDate`, `Subject`…), documents in chronological order.
#[utoipa::path(get, path = "/api/v1/work-files/{id}/export.xml", tag = "documents",
    params(("id" = String, Path, description = "Work file id")),
    responses((status = 200, description = "The file's metadata", content_type = "application/xml"),
        (status = 404, description = "No such file, or not the caller's agency's", content_type = "application/problem+json"),
        (status = 409, description = "The file is not closed", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn export_xml(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let x = closed_export(&state, &auth, &id).await?;
    let bytes = super::export::xml(&x)?;
    Ok(tinhso_kernel::web::download(
        "application/xml",
        &format!("{}.xml", x.file.code),
        bytes,
    ))
}
