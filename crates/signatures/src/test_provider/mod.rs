//! The test remote-signing provider, "Ký số từ xa — nhà cung cấp THỬ NGHIỆM (không có giá trị
//! pháp lý)" (docs/signatures-design.md §4), on when `signatures.test_remote_provider` is: it
//! plays a CA's remote-signing service for the demo and the tests, holding each official's
//! demo-CA key. Its API (`/test-remote-signing/v1/…`, JSON, the platform's client key in
//! `Tinhso-Provider-Key`) is what the platform calls over HTTP, as it would call VNPT SmartCA;
//! its "phone" (`/test-remote-signing/phone`) lists the signed-in official's waiting requests,
//! each with its title and hash, to confirm ("Xác nhận ký") or refuse ("Từ chối"); the answers
//! are posted under `/office/`, where the platform's CSRF check applies.
//! Off, every route answers 404.

use crate::pki;
use crate::remote::{
    self, KEY_HEADER, WireCredential, WireCredentials, WireCredentialsRequest, WireSignRequest,
    WireStatus, WireTx,
};
use crate::store as pki_store;

pub mod store;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use minijinja::context;
use store::Held;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::Path;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::Page;
use tinhso_pades::ca::KeyPair;
use tinhso_pades::sign::{Signer, SoftwareSigner, ToBeSigned};

pub const PHONE: &str = "/test-remote-signing/phone";

pub fn routes() -> Routes {
    Routes::new("signatures")
        .post(
            "/test-remote-signing/v1/credentials",
            Access::Public,
            credentials,
        )
        .post(
            "/test-remote-signing/v1/signatures",
            Access::Public,
            request,
        )
        .get(
            "/test-remote-signing/v1/signatures/{tx}",
            Access::Public,
            status,
        )
        .post(
            "/test-remote-signing/v1/signatures/{tx}/withdraw",
            Access::Public,
            withdraw,
        )
        .get(PHONE, Access::SignedIn, phone)
        .post(
            "/office/test-remote-signing/requests/{id}/confirm",
            Access::SignedIn,
            confirm,
        )
        .post(
            "/office/test-remote-signing/requests/{id}/refuse",
            Access::SignedIn,
            refuse,
        )
}

/// A JSON answer of the provider's API (errors as `{"detail": …}`).
fn answer(status: StatusCode, body: impl serde::Serialize) -> Response {
    (status, axum::Json(body)).into_response()
}

fn refusal(status: StatusCode, detail: &str) -> Response {
    answer(status, serde_json::json!({ "detail": detail }))
}

/// The refusal, unless the provider is on and the caller presents the platform's client key.
fn refused(ctx: &Ctx, headers: &HeaderMap) -> Option<Response> {
    if !ctx.config.signatures.test_remote_provider {
        return Some(refusal(StatusCode::NOT_FOUND, "Không có nhà cung cấp này."));
    }
    let presented = headers
        .get(KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let expected = remote::test_client_key(ctx);
    let same = presented.len() == expected.len()
        && presented
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Some(refusal(
            StatusCode::UNAUTHORIZED,
            "Khóa ứng dụng không đúng.",
        ));
    }
    None
}

fn failure(e: AppError) -> Response {
    tracing::error!(error = %e, "test remote signing provider");
    refusal(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi của nhà cung cấp.")
}

/// The algorithm a demo certificate's key signs with (PSS for RSA, ECDSA for P-256).
fn algorithm_of(row: &pki_store::CertificateRow) -> &'static str {
    if row.key_algorithm.to_ascii_lowercase().contains("rsa") {
        "rsa-pss-sha256"
    } else {
        "ecdsa-p256-sha256"
    }
}

/// A usable demo certificate the provider holds for account `user_id`: their personal one, or
/// with `agency_id` that agency's (its seal), which the provider holds for the agency's own
/// officials (a real provider: for the accounts the organisation authorised). Only one whose
/// key the platform keeps: the test provider signs with it.
async fn usable_certificate(
    ctx: &Ctx,
    user_id: &str,
    agency_id: Option<&str>,
) -> Result<Option<pki_store::CertificateRow>, AppError> {
    let row = match agency_id {
        None => pki_store::person_certificate(&ctx.db, user_id).await?,
        Some(agency_id) => {
            let member = tinhso_kernel::auth::session::load_user(&ctx.db, user_id)
                .await?
                .is_some_and(|u| u.agency_id.as_deref() == Some(agency_id));
            if member {
                pki_store::agency_certificate_with_key(&ctx.db, agency_id).await?
            } else {
                None
            }
        }
    };
    let now = tinhso_kernel::time::now();
    let at = |t: &str| tinhso_kernel::time::parse(t);
    Ok(row.filter(|r| {
        r.status == "good"
            && at(&r.not_before).is_some_and(|t| t <= now)
            && at(&r.not_after).is_some_and(|t| t > now)
    }))
}

/// The credential `serial` account `user_id` may sign with: their own, or their agency's.
async fn held_credential(
    ctx: &Ctx,
    user_id: &str,
    serial: &str,
) -> Result<Option<pki_store::CertificateRow>, AppError> {
    if let Some(own) = usable_certificate(ctx, user_id, None)
        .await?
        .filter(|r| r.serial == serial)
    {
        return Ok(Some(own));
    }
    let agency = tinhso_kernel::auth::session::load_user(&ctx.db, user_id)
        .await?
        .and_then(|u| u.agency_id);
    Ok(match agency {
        Some(agency) => usable_certificate(ctx, user_id, Some(&agency))
            .await?
            .filter(|r| r.serial == serial),
        None => None,
    })
}

async fn credentials(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = refused(&ctx, &headers) {
        return refused;
    }
    let Ok(wanted) = serde_json::from_slice::<WireCredentialsRequest>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "Yêu cầu không đúng định dạng.");
    };
    let row = match usable_certificate(&ctx, &wanted.user_id, wanted.agency_id.as_deref()).await {
        Ok(row) => row,
        Err(e) => return failure(e),
    };
    let chain = match remote::issuing_chain(&ctx).await {
        Ok(chain) => chain,
        Err(e) => return failure(e),
    };
    let credentials = row
        .map(|r| WireCredential {
            id: r.serial.clone(),
            certificate: r.certificate.clone(),
            chain: chain.iter().map(|c| B64.encode(c)).collect(),
            algorithm: algorithm_of(&r).into(),
        })
        .into_iter()
        .collect();
    answer(StatusCode::OK, WireCredentials { credentials })
}

async fn request(State(ctx): State<Ctx>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Some(refused) = refused(&ctx, &headers) {
        return refused;
    }
    let Ok(r) = serde_json::from_slice::<WireSignRequest>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "Yêu cầu không đúng định dạng.");
    };
    let digest_ok = r.digest.len() == 64 && r.digest.bytes().all(|b| b.is_ascii_hexdigit());
    let title = r.title.trim();
    if !digest_ok
        || remote::parse_algorithm(&r.algorithm).is_none()
        || title.is_empty()
        || title.chars().count() > 200
        || !(1..=600).contains(&r.ttl_seconds)
    {
        return refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mã băm, thuật toán, tiêu đề hoặc thời hạn không hợp lệ.",
        );
    }
    let row = match held_credential(&ctx, &r.user_id, &r.credential_id).await {
        Ok(row) => row,
        Err(e) => return failure(e),
    };
    let Some(row) = row else {
        return refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chứng thư số không thuộc người ký hoặc không còn hiệu lực.",
        );
    };
    if algorithm_of(&row) != r.algorithm {
        return refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Thuật toán không phù hợp với khóa của chứng thư số.",
        );
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    let now = tinhso_kernel::time::now();
    let expires = now + chrono::Duration::seconds(r.ttl_seconds as i64);
    let inserted = store::insert(
        &ctx.db,
        &store::NewRequest {
            id: &id,
            user_id: &r.user_id,
            credential_id: &r.credential_id,
            digest: &r.digest.to_ascii_lowercase(),
            algorithm: &r.algorithm,
            title,
            created_at: &tinhso_kernel::time::to_text(now),
            expires_at: &tinhso_kernel::time::to_text(expires),
        },
    )
    .await;
    if let Err(e) = inserted {
        return failure(e);
    }
    answer(StatusCode::CREATED, WireTx { tx: id })
}

async fn held_one(ctx: &Ctx, id: &str) -> Result<Option<Held>, AppError> {
    store::by_id(&ctx.db, id).await
}

fn past(expires_at: &str) -> bool {
    tinhso_kernel::time::parse(expires_at).is_none_or(|e| e <= tinhso_kernel::time::now())
}

/// Marks request `id` `to` if it is still pending: whether it moved.
async fn answer_request(
    ctx: &Ctx,
    id: &str,
    to: &str,
    signature: Option<String>,
) -> Result<bool, AppError> {
    store::answer(&ctx.db, id, to, signature).await
}

async fn status(State(ctx): State<Ctx>, headers: HeaderMap, Path(tx): Path<String>) -> Response {
    if let Some(refused) = refused(&ctx, &headers) {
        return refused;
    }
    let found = match held_one(&ctx, &tx).await {
        Ok(found) => found,
        Err(e) => return failure(e),
    };
    let Some(mut h) = found else {
        return refusal(StatusCode::NOT_FOUND, "Không có giao dịch này.");
    };
    if h.state == "pending" && past(&h.expires_at) {
        if let Err(e) = answer_request(&ctx, &h.id, "expired", None).await {
            return failure(e);
        }
        h.state = "expired".into();
    }
    answer(
        StatusCode::OK,
        WireStatus {
            state: h.state,
            signature: h.signature,
        },
    )
}

/// The platform withdraws request `tx` (its session ended): no longer on the phone; one
/// already answered stays as it was.
async fn withdraw(State(ctx): State<Ctx>, headers: HeaderMap, Path(tx): Path<String>) -> Response {
    if let Some(refused) = refused(&ctx, &headers) {
        return refused;
    }
    match held_one(&ctx, &tx).await {
        Ok(None) => refusal(StatusCode::NOT_FOUND, "Không có giao dịch này."),
        Ok(Some(h)) => match answer_request(&ctx, &tx, "withdrawn", None).await {
            Ok(moved) => answer(
                StatusCode::OK,
                WireStatus {
                    state: if moved { "withdrawn".into() } else { h.state },
                    signature: None,
                },
            ),
            Err(e) => failure(e),
        },
        Err(e) => failure(e),
    }
}

/// The "phone": the signed-in official's waiting requests.
async fn phone(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = page.require_user()?;
    if !ctx.config.signatures.test_remote_provider {
        return Err(AppError::NotFound.into());
    }
    let requests = store::pending_for(&ctx.db, &user.id).await?;
    Ok(page
        .render(
            "signatures_phone.html",
            context! { provider => remote::TEST_PROVIDER_NAME, requests => tinhso_kernel::web::sv(&requests) },
        )?
        .into_response())
}

/// The signed-in official's own pending request `id`, or 404.
async fn own_pending(ctx: &Ctx, page: &Page, id: &str) -> Result<Held, AppError> {
    let user = page.require_user()?;
    if !ctx.config.signatures.test_remote_provider {
        return Err(AppError::NotFound);
    }
    let h = held_one(ctx, id)
        .await?
        .filter(|h| h.user_id == user.id)
        .ok_or(AppError::NotFound)?;
    if h.state == "withdrawn" {
        return Err(AppError::Conflict(
            "Yêu cầu ký này đã được nền tảng rút lại (văn bản đã chuyển bước): không còn gì để ký."
                .into(),
        ));
    }
    if h.state != "pending" {
        return Err(AppError::Conflict(
            "Yêu cầu ký này đã được trả lời trước đó.".into(),
        ));
    }
    if past(&h.expires_at) {
        answer_request(ctx, id, "expired", None).await?;
        return Err(AppError::Conflict(
            "Yêu cầu ký này đã hết hạn: hãy gửi lại yêu cầu từ văn bản.".into(),
        ));
    }
    Ok(h)
}

async fn record(
    ctx: &Ctx,
    page: &Page,
    ip: String,
    h: &Held,
    action: &'static str,
) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    audit::record(
        &ctx.db,
        &mut tx,
        &Actor {
            label: page.principal().actor_label(),
            ip,
        },
        Change {
            action,
            entity_type: "test_remote_request",
            entity_id: &h.id,
            before: serde_json::json!({ "state": "pending" }),
            after: serde_json::json!({ "title": h.title, "digest": h.digest, "credential": h.credential_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "Xác nhận ký": the official's demo key signs the hash (and only the hash).
async fn confirm(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let h = own_pending(&ctx, &page, &id).await?;
    let row = held_credential(&ctx, &h.user_id, &h.credential_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict("Chứng thư số của bạn không còn hiệu lực: không ký được.".into())
        })?;
    let pkcs8 = tinhso_kernel::keys::open(
        &ctx.keys.pki,
        &pki::certificate_binding(&row.serial),
        &row.sealed_key,
    )
    .map_err(|e| AppError::Internal(anyhow::anyhow!("test provider key: {e}")))?;
    let key = KeyPair::from_pkcs8_der(&pkcs8)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("test provider key: {e}")))?;
    let algorithm = remote::parse_algorithm(&h.algorithm)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("algorithm {}", h.algorithm)))?;
    let digest =
        hex::decode(&h.digest).map_err(|e| AppError::Internal(anyhow::anyhow!("digest: {e}")))?;
    let signature = tokio::task::spawn_blocking(move || {
        SoftwareSigner::new(key, algorithm)?.sign(&ToBeSigned {
            message: &[],
            digest: &digest,
        })
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("task: {e}")))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("sign: {e}")))?;
    if answer_request(&ctx, &id, "signed", Some(B64.encode(signature))).await? {
        record(&ctx, &page, ip, &h, "signature.remote_confirm").await?;
    }
    Ok(Redirect::to(&format!("{PHONE}?done=confirmed")).into_response())
}

/// "Từ chối".
async fn refuse(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let h = own_pending(&ctx, &page, &id).await?;
    if answer_request(&ctx, &id, "refused", None).await? {
        record(&ctx, &page, ip, &h, "signature.remote_refuse").await?;
    }
    Ok(Redirect::to(&format!("{PHONE}?done=refused")).into_response())
}
