//! The appendices of a document in separate files (phụ lục) under
//! `/api/v1/documents/{id}/appendices` ([`crate::appendices`]): listed for whoever reads the
//! document, added (multipart, a PDF) and removed by its drafter while it is a draft, each
//! file downloaded — the agency-signed copy once it was issued with the seal.

use crate::api::who;
use crate::appendices;
use crate::policy::{DocumentAction, checked};
use crate::store::appendices::Appendix;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("documents")
        .api(
            Access::Entity("document"),
            routes!(list_appendices, add_appendix),
        )
        .api(Access::Entity("document"), routes!(remove_appendix))
        .api(Access::Entity("document"), routes!(appendix_file))
}

/// An appendix of a document in a separate file (phụ lục, văn bản kèm theo).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocAppendix {
    pub id: String,
    /// Its place among the document's appendices (1, 2, …; a removal leaves a gap).
    pub position: i64,
    /// What it is, e.g. `Phụ lục I. Danh mục thủ tục hành chính`.
    pub title: Option<String>,
    /// The file as served and delivered: the agency-signed copy once the document was issued
    /// with the seal (`<name>.issued.pdf`), else the file uploaded.
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
    /// When the issuing agency signed it (PAdES; a text stamp top right of page 1 with the
    /// number and notation and the signing time, Decree 30/2020 Appendix I); none when it was
    /// issued without the seal, or is not issued yet.
    pub signed_at: Option<String>,
    /// The serial of the agency certificate that signed it.
    pub certificate_serial: Option<String>,
    /// The file as uploaded, before the agency's signature (the sender's copy only).
    pub uploaded_sha256: Option<String>,
}

impl From<Appendix> for OfficialDocAppendix {
    fn from(a: Appendix) -> Self {
        let served = a.served();
        let (file_name, size_bytes, sha256) = (
            served.file_name.to_owned(),
            served.size_bytes,
            served.sha256.to_owned(),
        );
        let uploaded_sha256 = (sha256 != a.sha256).then(|| a.sha256.clone());
        OfficialDocAppendix {
            id: a.id,
            position: a.position,
            title: a.title,
            file_name,
            media_type: a.media_type,
            size_bytes,
            sha256,
            created_at: a.created_at,
            signed_at: a.signed_at,
            certificate_serial: a.certificate_serial,
            uploaded_sha256,
        }
    }
}

/// An appendix upload, as multipart form data.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the multipart body; the handler reads the parts itself
#[schema(rename_all = "PascalCase")]
pub struct AppendixUpload {
    /// The appendix: a PDF (at most 10 MB; 20 appendices and 30 MB in all per document) that
    /// the agency's signature can be added to (not encrypted, not certified against changes).
    #[schema(value_type = String, format = Binary)]
    #[schema(rename = "file")]
    file: Vec<u8>,
    /// Its title (at most 250 characters), e.g. `Phụ lục I. Danh mục thủ tục hành chính`.
    title: Option<String>,
}

/// The appendices of a document in separate files, in order: for whoever reads it.
#[utoipa::path(get, path = "/api/v1/documents/{id}/appendices", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = [OfficialDocAppendix]),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn list_appendices(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<OfficialDocAppendix>>> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let list = crate::store::appendices::list(&state.db, &d.id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Add an appendix in a separate file (multipart: `file`, a PDF, and `Title`): for the drafter
/// while the document is a draft, as its own file. The PDF is read as the agency's signature
/// will read it at issue; a file that could not be signed is refused now (422, in
/// Vietnamese). Audited `document.appendix_add`.
#[utoipa::path(post, path = "/api/v1/documents/{id}/appendices", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    request_body(content = AppendixUpload, content_type = "multipart/form-data", description = "`file`: the appendix, a PDF; `Title`: its title"),
    responses((status = 201, body = OfficialDocAppendix),
        (status = 403, description = "Not the drafter", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "No longer a draft (submitted or issued)", content_type = "application/problem+json"),
        (status = 422, description = "Not a PDF, too large, a PDF that cannot be read or signed (damaged, encrypted, certified), too many appendices, or a title over 250 characters", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn add_appendix(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<OfficialDocAppendix>)> {
    checked(&state, &auth.principal, &id, DocumentAction::EditAppendices).await?;
    let who = who(&auth, &ip)?;
    let form = tinhso_kernel::files::read_accepting(multipart, appendices::ACCEPTED).await?;
    if !form.file_errors.is_empty() {
        return Err(AppError::Validation(form.file_errors).into());
    }
    let file = form
        .files
        .first()
        .ok_or_else(|| AppError::validation("file", "Chọn tệp phụ lục (PDF)."))?;
    let title = Some(form.text("Title")).filter(|t| !t.is_empty());
    let appendix = appendices::add(&state, &who, &id, file, title).await?;
    Ok((StatusCode::CREATED, Json(appendix.into())))
}

/// Remove an appendix: for the drafter while the document is a draft (an issued document's
/// appendices are what was issued: 409). Audited `document.appendix_remove`.
#[utoipa::path(delete, path = "/api/v1/documents/{id}/appendices/{appendix_id}", tag = "documents",
    params(("id" = String, Path, description = "Document id"),
        ("appendix_id" = String, Path, description = "Appendix id")),
    responses((status = 204, description = "Removed"),
        (status = 403, description = "Not the drafter", content_type = "application/problem+json"),
        (status = 404, description = "No such document or appendix, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "No longer a draft (submitted or issued)", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn remove_appendix(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, appendix_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    checked(&state, &auth.principal, &id, DocumentAction::EditAppendices).await?;
    let who = who(&auth, &ip)?;
    appendices::remove(&state, &who, &id, &appendix_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An appendix's file (the agency-signed copy once issued with the seal), for whoever reads
/// the document; the download is logged as a read of the document.
#[utoipa::path(get, path = "/api/v1/documents/{id}/appendices/{appendix_id}/file", tag = "documents",
    params(("id" = String, Path, description = "Document id"),
        ("appendix_id" = String, Path, description = "Appendix id")),
    responses((status = 200, description = "The appendix's PDF", content_type = "application/pdf"),
        (status = 404, description = "No such document or appendix, or not the caller's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn appendix_file(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, appendix_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let user = auth.require_user()?;
    let (a, bytes) = file_of(&state, &d.id, &appendix_id).await?;
    crate::store::record_read(&state.db, &d.id, &user.id, &ip).await?;
    let served = a.served();
    Ok(tinhso_kernel::web::download(
        &a.media_type,
        served.file_name,
        bytes.to_vec(),
    ))
}

/// Appendix `appendix_id` of document `document_id` and its served file's bytes.
pub(crate) async fn file_of(
    state: &Ctx,
    document_id: &str,
    appendix_id: &str,
) -> Result<(Appendix, bytes::Bytes), AppError> {
    let a = crate::store::appendices::by_id(&state.db, document_id, appendix_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), a.served().storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((a, bytes))
}
