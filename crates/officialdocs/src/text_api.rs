//! `GET /api/v1/documents/{id}/text`: the text read from the document's latest file, for
//! whoever may read the document (and logged as a read of it).

use crate::policy::{DocumentAction, checked};
use crate::store;
use axum::extract::State;
use serde::Serialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::net::ClientIp;

/// The text of a document's file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocText {
    /// The version whose file was read (the latest).
    pub version: i64,
    /// `pdf` or `docx` (the file's text layer), `ocr` (a scan read by Tesseract).
    pub method: String,
    /// `pending` (OCR queued), `retrying` (OCR failed for a reason of the server's, such as
    /// Tesseract missing, and will run again), `done`, or `failed`.
    pub status: String,
    /// Empty until `done`.
    pub text: String,
    /// Pages or characters beyond the limits were left out.
    pub truncated: bool,
    /// Why there is no text, when `retrying` or `failed`.
    pub failure_reason: Option<String>,
    pub extracted_at: Option<String>,
}

/// The text read from the document's latest file: from its text layer at upload (PDF, DOCX)
/// or by OCR of a scan in the background (`Status` says whether it is there yet). For the
/// people who may read the document; to anyone else it does not exist (404). Logged as a read.
#[utoipa::path(get, path = "/api/v1/documents/{id}/text", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = OfficialDocText),
        (status = 404, description = "No such document, not the caller's, or no file yet", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn text(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<Json<OfficialDocText>> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let user = auth.require_user()?;
    let row = store::texts::latest(&state.db, &d.id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::record_read(&state.db, &d.id, &user.id, &ip).await?;
    Ok(Json(OfficialDocText {
        version: row.version_no,
        method: row.method,
        status: row.status,
        text: row.text,
        truncated: row.truncated,
        failure_reason: row.failure_reason,
        extracted_at: row.extracted_at,
    }))
}
