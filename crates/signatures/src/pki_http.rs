//! The demo CA's public services under `/pki` (docs/signatures-design.md §5): what validators
//! fetch from the URLs its certificates carry. No sign-in, small bodies, throttled per address.
//! These speak their protocols' own binary formats, not the JSON API (so they are not in the
//! OpenAPI document, like Open311's XML): OCSP (RFC 6960, POST and GET), CRLs (RFC 5280),
//! timestamps (RFC 3161) and the CA certificates. A request that does not read gets the
//! protocol's own error (`malformedRequest`, a `rejection`), never an error page.

use crate::pki;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::throttle::{self, Limit};
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_pades::asn1::OcspResponseStatus;
use tinhso_pades::ca::certs::Ca;
use tinhso_pades::ca::tsa::Failure;
use tinhso_pades::ca::{ocsp, tsa};

pub const OCSP_REQUEST: &str = "application/ocsp-request";
pub const OCSP_RESPONSE: &str = "application/ocsp-response";
pub const TIMESTAMP_QUERY: &str = "application/timestamp-query";
pub const TIMESTAMP_REPLY: &str = "application/timestamp-reply";
pub const CRL: &str = "application/pkix-crl";
pub const CERTIFICATE: &str = "application/pkix-cert";

pub fn routes() -> Routes {
    Routes::new("signatures")
        .post("/pki/ocsp", Access::Public, ocsp_post)
        .get("/pki/ocsp/{*request}", Access::Public, ocsp_get)
        .post("/pki/tsa", Access::Public, timestamp)
        .get("/pki/crl/root.crl", Access::Public, root_crl)
        .get("/pki/crl/issuing.crl", Access::Public, issuing_crl)
        .get("/pki/ca/root.cer", Access::Public, root_certificate)
        .get("/pki/ca/issuing.cer", Access::Public, issuing_certificate)
}

/// Requests per address and window: validators fetch a few answers per signature they check.
const PER_ADDRESS: Limit = Limit {
    max_hits: 600,
    window_minutes: 10,
};

async fn count(state: &Ctx, ip: &str) -> Result<(), AppError> {
    throttle::hit(&state.db, &format!("pki:ip:{ip}"), PER_ADDRESS).await
}

fn binary(media_type: &'static str, cache: &'static str, der: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        der,
    )
        .into_response()
}

/// The body, if it fits in `limit` bytes (a real OCSP or timestamp request is about 100).
async fn small_body(body: Body, limit: usize) -> Option<Vec<u8>> {
    axum::body::to_bytes(body, limit)
        .await
        .ok()
        .map(|b| b.to_vec())
}

// --- OCSP ---

async fn ocsp_post(State(state): State<Ctx>, ClientIp(ip): ClientIp, body: Body) -> Response {
    let request = small_body(body, ocsp::MAX_REQUEST_BYTES).await;
    ocsp_answer(&state, &ip, request).await
}

/// `GET /pki/ocsp/{base64 of the DER request, URL-encoded}` (RFC 6960 Appendix A.1).
async fn ocsp_get(
    State(state): State<Ctx>,
    ClientIp(ip): ClientIp,
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let request = path.ok().and_then(|p| decode_get_request(&p.0));
    ocsp_answer(&state, &ip, request).await
}

/// The request of a GET: standard or URL-safe base64, padded or not, within the size limit.
fn decode_get_request(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    if text.len() > ocsp::MAX_REQUEST_BYTES * 4 / 3 + 4 {
        return None;
    }
    let trimmed = text.trim_end_matches('=');
    STANDARD
        .decode(text)
        .ok()
        .or_else(|| URL_SAFE_NO_PAD.decode(trimmed).ok())
        .or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed)
                .ok()
        })
}

async fn ocsp_answer(state: &Ctx, ip: &str, request: Option<Vec<u8>>) -> Response {
    let der = match count(state, ip).await {
        Err(AppError::TooManyRequests(_)) => ocsp::status_only(OcspResponseStatus::TryLater),
        Err(e) => internal_ocsp(e),
        Ok(()) => match request {
            None => ocsp::status_only(OcspResponseStatus::MalformedRequest),
            Some(request) => pki::ocsp_response(state, &request)
                .await
                .unwrap_or_else(internal_ocsp),
        },
    };
    binary(OCSP_RESPONSE, "no-cache", der)
}

fn internal_ocsp(e: AppError) -> Vec<u8> {
    tracing::error!(error = %e, "signatures: the OCSP responder failed");
    ocsp::status_only(OcspResponseStatus::InternalError)
}

// --- Timestamps ---

async fn timestamp(State(state): State<Ctx>, ClientIp(ip): ClientIp, body: Body) -> Response {
    let der = match count(&state, &ip).await {
        Err(AppError::TooManyRequests(minutes)) => {
            return AppError::TooManyRequests(minutes)
                .into_page()
                .into_response();
        }
        Err(e) => internal_tsa(e),
        Ok(()) => match small_body(body, tsa::MAX_REQUEST_BYTES).await {
            // Too long or cut: the same answer as bytes that do not read.
            None => rejection(Failure::BadDataFormat),
            Some(request) => pki::timestamp_response(&state, &request)
                .await
                .unwrap_or_else(internal_tsa),
        },
    };
    binary(TIMESTAMP_REPLY, "no-store", der)
}

fn rejection(failure: Failure) -> Vec<u8> {
    der::Encode::to_der(&tsa::rejection(failure)).unwrap_or_default()
}

fn internal_tsa(e: AppError) -> Vec<u8> {
    tracing::error!(error = %e, "signatures: the timestamp authority failed");
    rejection(Failure::SystemFailure)
}

// --- CRLs and the CA certificates ---

async fn crl(state: Ctx, ip: String, ca: Ca) -> PageResult<Response> {
    count(&state, &ip).await?;
    let der = pki::crl(&state, ca).await?.ok_or(AppError::NotFound)?;
    Ok(binary(CRL, "public, max-age=300", der))
}

async fn root_crl(State(state): State<Ctx>, ClientIp(ip): ClientIp) -> PageResult<Response> {
    crl(state, ip, Ca::Root).await
}

async fn issuing_crl(State(state): State<Ctx>, ClientIp(ip): ClientIp) -> PageResult<Response> {
    crl(state, ip, Ca::Issuing).await
}

async fn certificate(state: Ctx, ip: String, ca: Ca) -> PageResult<Response> {
    count(&state, &ip).await?;
    let der = pki::ca_certificate(&state, ca)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(binary(CERTIFICATE, "public, max-age=3600", der))
}

async fn root_certificate(
    State(state): State<Ctx>,
    ClientIp(ip): ClientIp,
) -> PageResult<Response> {
    certificate(state, ip, Ca::Root).await
}

async fn issuing_certificate(
    State(state): State<Ctx>,
    ClientIp(ip): ClientIp,
) -> PageResult<Response> {
    certificate(state, ip, Ca::Issuing).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_requests_read_in_either_base64_alphabet() {
        let der = [0x30, 0xfb, 0xff, 0x01];
        let standard = base64::engine::general_purpose::STANDARD.encode(der);
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(der);
        assert_eq!(decode_get_request(&standard).unwrap(), der);
        assert_eq!(decode_get_request(&url_safe).unwrap(), der);
        assert_eq!(
            decode_get_request(standard.trim_end_matches('=')).unwrap(),
            der
        );
        assert!(decode_get_request("%%%").is_none());
        assert!(decode_get_request(&"A".repeat(30_000)).is_none());
    }
}
