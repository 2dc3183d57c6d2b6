//! Registering an external CA's certificate over HTTP ([`crate::register`]): the
//! administrators' form on `/admin/signatures` (an official named by email), the official's own
//! page `/office/signatures/certificates` (their certificates and the upload form), and
//! `POST /api/v1/signatures/my-certificates` for programs acting for the official (RFC 9457
//! problems). Multipart: `file` (PEM or DER), and `email` on the administrators' form.

use crate::register::{self, MAX_CERTIFICATE_BYTES, Official, Registered};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::platform::{PlatformAction, may};
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, sv};
use utoipa_axum::routes;

pub const OWN_PATH: &str = "/office/signatures/certificates";
const TEMPLATE: &str = "signatures_certificates.html";

pub fn routes() -> Routes {
    Routes::new("signatures")
        .post(
            "/admin/signatures/certificates",
            Access::Entity("platform"),
            admin_register,
        )
        .get(OWN_PATH, Access::SignedIn, own_page)
        .post(OWN_PATH, Access::SignedIn, own_register)
        .api(Access::SignedIn, routes!(own_register_api))
}

/// The upload: the file's bytes (read at most a little past the limit, so a huge file is
/// refused without being kept) and the email field.
struct Upload {
    file: Vec<u8>,
    email: Option<String>,
}

async fn read_form(mut multipart: Multipart) -> Result<Upload, AppError> {
    let broken = |_| {
        AppError::validation(
            register::FIELD,
            "Biểu mẫu gửi lên không đọc được: hãy chọn lại tệp chứng thư số và gửi lại.",
        )
    };
    let mut upload = Upload {
        file: Vec::new(),
        email: None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                while let Some(chunk) = field.chunk().await.map_err(broken)? {
                    if upload.file.len() <= MAX_CERTIFICATE_BYTES {
                        upload.file.extend_from_slice(&chunk);
                    }
                }
            }
            "email" => {
                let text = field.text().await.map_err(broken)?;
                upload.email = Some(text.trim().chars().take(320).collect());
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn actor(page_label: String, ip: String) -> Actor {
    Actor {
        label: page_label,
        ip,
    }
}

/// The page's outcome: the registration's facts, or the refusal (422).
fn outcome_page(
    page: &Page,
    extra: minijinja::Value,
    result: Result<Registered, AppError>,
) -> PageResult<Response> {
    match result {
        Ok(done) => Ok(page
            .render(
                TEMPLATE,
                context! { registered => sv(&done.row), warning => done.warning, ..extra.clone() },
            )?
            .into_response()),
        Err(AppError::Validation(errors)) => {
            let messages: Vec<String> = errors
                .iter()
                .map(|e| tinhso_kernel::web::i18n::message(page.lang, &e.message))
                .collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page.render(TEMPLATE, context! { errors => messages, ..extra.clone() })?,
            )
                .into_response())
        }
        Err(AppError::Conflict(message)) => Ok((
            StatusCode::CONFLICT,
            page.render(
                TEMPLATE,
                context! {
                    errors => vec![tinhso_kernel::web::i18n::message(page.lang, &message)],
                    ..extra.clone()
                },
            )?,
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

/// An administrator registers a certificate for the official `email`.
async fn admin_register(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    let upload = read_form(multipart).await;
    let result = match upload {
        Ok(upload) => {
            let email = upload.email.unwrap_or_default();
            let actor = actor(page.principal().actor_label(), ip);
            register::register(&state, &actor, Official::Email(&email), &upload.file).await
        }
        Err(e) => Err(e),
    };
    let vars = context! { admin => true };
    outcome_page(&page, vars, result)
}

async fn own_vars(state: &Ctx, user_id: &str) -> Result<minijinja::Value, AppError> {
    let mine = crate::store::certificates_of_user(&state.db, user_id).await?;
    Ok(context! { mine => sv(&mine) })
}

fn official(page: &Page) -> Result<String, AppError> {
    let user = page.require_user()?;
    if !user.is_official() {
        return Err(AppError::Forbidden);
    }
    Ok(user.id.clone())
}

/// The official's certificates and the upload form.
async fn own_page(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    let user_id = official(&page)?;
    let vars = own_vars(&state, &user_id).await?;
    Ok(page.render(TEMPLATE, vars)?.into_response())
}

/// The official registers a certificate for themselves.
async fn own_register(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let user_id = official(&page)?;
    let result = match read_form(multipart).await {
        Ok(upload) => {
            let actor = actor(page.principal().actor_label(), ip);
            register::register(&state, &actor, Official::Own(&user_id), &upload.file).await
        }
        Err(e) => Err(e),
    };
    let vars = own_vars(&state, &user_id).await?;
    outcome_page(&page, vars, result)
}

/// A certificate registered to an official.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RegisteredCertificate {
    pub id: String,
    /// The issuing CA's name (RFC 4514).
    pub issuer: String,
    /// The serial, lower-case hexadecimal.
    pub serial: String,
    pub subject: String,
    /// `rsa-2048` or `ecdsa-p256`.
    pub key_algorithm: String,
    pub not_before: String,
    pub not_after: String,
    /// Set when the certificate's revocation could not be checked (its OCSP responders and CRL
    /// addresses did not answer): registered all the same.
    pub warning: Option<String>,
}

/// The multipart body of a registration (documentation only: the handler reads the parts).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CertificateUpload {
    /// The certificate, PEM or DER (at most 64 KB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Registers a certificate an external CA issued to the calling official (a USB token's, a
/// remote signing provider's), so that signing with it is matched to them. It must be a
/// personal (end-entity) certificate allowing signatures, valid now, chaining to the configured
/// trust anchors, not registered already, and not revoked: its own OCSP responders (else CRLs)
/// are asked. Nothing is stored when it is refused; each registration is audited.
#[utoipa::path(post, path = "/api/v1/signatures/my-certificates", tag = "signatures",
    request_body(content = CertificateUpload, content_type = "multipart/form-data", description = "`file`: the certificate"),
    responses((status = 201, body = RegisteredCertificate),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 403, description = "Not an official", content_type = "application/problem+json"),
        (status = 409, description = "Already registered", content_type = "application/problem+json"),
        (status = 422, description = "Not a certificate, too large, a CA's, not for signatures, expired, not trusted or revoked (the message says which)", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn own_register_api(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<RegisteredCertificate>)> {
    let user = auth.require_user()?;
    if !user.is_official() {
        return Err(AppError::Forbidden.into());
    }
    let upload = read_form(multipart).await?;
    let actor = actor(auth.principal.actor_label(), ip);
    let done = register::register(&state, &actor, Official::Own(&user.id), &upload.file).await?;
    let row = done.row;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredCertificate {
            id: row.id,
            issuer: row.issuer,
            serial: row.serial,
            subject: row.subject,
            key_algorithm: row.key_algorithm,
            not_before: row.not_before,
            not_after: row.not_after,
            warning: done.warning,
        }),
    ))
}
