//! Checking a signed PDF: a page anyone may use ("Kiểm tra chữ ký số": a citizen checks the
//! decision they received, a clerk a document that arrived on paper), and
//! `POST /api/v1/signatures/verify` for programs. Nothing is stored: the file is read, checked
//! and forgotten.

use crate::check::{VerifiedFile, verified_file};
use crate::service::{self, MAX_PDF_BYTES};
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use sha2::{Digest, Sha256};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::throttle::{self, Limit};
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, import_page, read_upload, sv};
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("signatures")
        .get("/signatures/verify", Access::Public, form)
        .post("/signatures/verify", Access::Public, verify_page)
        .api(Access::SignedIn, routes!(verify_api))
}

/// Checks per address and window: checking is CPU work, and the page is open to anyone.
const CHECKS_PER_ADDRESS: Limit = Limit {
    max_hits: 60,
    window_minutes: 10,
};

const TEMPLATE: &str = "signatures_verify.html";

async fn form(page: Page) -> PageResult<Response> {
    Ok(page.render(TEMPLATE, context! {})?.into_response())
}

/// Reads the one file of the form, counts the check against the address, and checks it.
async fn check_upload(
    state: &Ctx,
    ip: &str,
    multipart: Multipart,
) -> Result<VerifiedFile, AppError> {
    throttle::hit(
        &state.db,
        &format!("signatures:ip:{ip}"),
        CHECKS_PER_ADDRESS,
    )
    .await?;
    // The content decides (it must start as a PDF does), not the name.
    let upload = read_upload(multipart, MAX_PDF_BYTES, &[""], "PDF").await?;
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    let report = service::validate(state, upload.bytes).await?;
    Ok(verified_file(&report, &upload.file_name, &sha256))
}

async fn verify_page(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let checked = check_upload(&state, &ip, multipart).await;
    // The page's report is the API's answer; a file that cannot be checked is a form error.
    import_page(&page, TEMPLATE, checked.map(|file| sv(&file)), true)
}

/// The file's signatures, each checked (PAdES, ETSI EN 319 102-1): integrity, the signer's
/// certificate chain to the configured trust anchors at the signature timestamp's time, the
/// revocation data in the file, and what was changed after signing. Multipart, field `file`
/// (a PDF up to 20 MB). Nothing is kept.
#[utoipa::path(post, path = "/api/v1/signatures/verify", tag = "signatures",
    request_body(content = PdfUpload, content_type = "multipart/form-data", description = "`file`: the PDF"),
    responses((status = 200, body = VerifiedFile),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 413, description = "Larger than 20 MB", content_type = "application/problem+json"),
        (status = 422, description = "No file, or not a readable PDF", content_type = "application/problem+json"),
        (status = 429, description = "Too many checks from this address", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn verify_api(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> ApiResult<Json<VerifiedFile>> {
    auth.require_user()?;
    Ok(Json(check_upload(&state, &ip, multipart).await?))
}

/// The multipart body of a check (documentation only: the handler reads the parts).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PdfUpload {
    /// The signed PDF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
