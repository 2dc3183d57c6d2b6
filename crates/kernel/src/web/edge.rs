//! Checks every request meets at the edge, before any handler: what kind of credential a path
//! takes, text no handler should ever see (NUL characters, which PostgreSQL cannot store), and
//! what may be cached of an answer meant for one person.

use crate::Ctx;
use crate::auth::session::{SESSION_COOKIE, takes_tokens};
use crate::error::AppError;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The answer for a refused request: problem+json where tokens are accepted, a page elsewhere.
fn refuse(path: &str, err: AppError) -> Response {
    if takes_tokens(path) {
        err.into_problem()
    } else {
        err.into_page().into_response()
    }
}

fn has_bearer(req: &Request) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("bearer"))
}

/// Pages take a signed-in session only: a bearer API token there is refused outright, so a
/// token can never reach more than its scopes (the API and Open311) allow. `/metrics` reads its
/// own operator token.
pub async fn tokens_only_where_taken(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if has_bearer(&req) && !takes_tokens(path) && path != crate::ops::METRICS_PATH {
        return refuse(path, AppError::TokenOnPage);
    }
    next.run(req).await
}

pub const NUL_REFUSED: &str = "Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL).";

/// Refuses NUL characters in the path, the query and URL-encoded or JSON bodies with a 400.
/// Multipart text fields are checked by the multipart reader; file contents may hold any byte.
pub async fn refuse_nul(State(state): State<Ctx>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let in_uri = |s: &str| s.contains('\0') || s.to_ascii_lowercase().contains("%00");
    if in_uri(&path) || req.uri().query().is_some_and(in_uri) {
        return refuse(&path, AppError::BadRequest(NUL_REFUSED.into()));
    }
    let kind = body_kind(&req);
    if kind == BodyKind::Other {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return refuse(&path, AppError::PayloadTooLarge),
    };
    if holds_nul(kind, &bytes) {
        return refuse(&path, AppError::BadRequest(NUL_REFUSED.into()));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

fn body_kind(req: &Request) -> BodyKind {
    let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return BodyKind::Other;
    };
    let ct = ct.to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else if ct.starts_with("application/json") || ct.contains("+json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

fn holds_nul(kind: BodyKind, bytes: &Bytes) -> bool {
    match kind {
        BodyKind::Form => {
            form_urlencoded::parse(bytes).any(|(k, v)| k.contains('\0') || v.contains('\0'))
        }
        // Raw NUL bytes are invalid JSON anyway; the escape is found by decoding, so a literal
        // backslash followed by "u0000" in a string is not mistaken for one.
        BodyKind::Json => {
            bytes.contains(&0)
                || (contains_ascii_ci(bytes, b"\\u0000")
                    && serde_json::from_slice::<serde_json::Value>(bytes)
                        .is_ok_and(|v| json_has_nul(&v)))
        }
        BodyKind::Other => false,
    }
}

fn contains_ascii_ci(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn json_has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(json_has_nul),
        serde_json::Value::Object(map) => {
            map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v))
        }
        _ => false,
    }
}

/// Answers made below the handlers — a body over the limit (a bare 413 from the limit layer),
/// a method a page does not take (axum's bare 405), an extractor's plain-text rejection — get
/// the platform's clear message: a Vietnamese (or English) page, or problem+json on the API.
/// Open311 and `/metrics` speak their own formats and are left alone.
pub async fn plain_errors_explained(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let status = response.status();
    let ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.contains("json") || ct.contains("xml"));
    let own_format = path.starts_with("/open311/") || path == crate::ops::METRICS_PATH;
    if ours || own_format || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => refuse(&path, AppError::PayloadTooLarge),
        // The API middleware words these for API clients; pages are explained here.
        _ if takes_tokens(&path) => response,
        StatusCode::METHOD_NOT_ALLOWED => {
            let page = crate::web::render_error_page(status, METHOD_REFUSED);
            let mut answer = (status, page).into_response();
            if let Some(allow) = response.headers().get(header::ALLOW) {
                answer.headers_mut().insert(header::ALLOW, allow.clone());
            }
            answer
        }
        _ if status.is_client_error() => {
            (status, crate::web::render_error_page(status, FORM_REFUSED)).into_response()
        }
        _ => response,
    }
}

pub const METHOD_REFUSED: &str =
    "Trang này không nhận thao tác vừa gửi. Hãy quay lại trang trước và dùng nút trên trang.";
pub const FORM_REFUSED: &str = "Dữ liệu gửi lên không đúng dạng biểu mẫu của trang. Hãy tải lại trang, điền lại và gửi lần nữa.";

/// Answers to a signed-in person (a session cookie or a token) are theirs alone: no browser or
/// proxy may keep them (the account page shows new tokens and second-factor secrets). A handler
/// that chose its own caching (static files) keeps it.
pub async fn no_store_when_personal(req: Request, next: Next) -> Response {
    let personal = has_bearer(&req)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.contains(SESSION_COOKIE));
    let mut response = next.run(req).await;
    let sets_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with(SESSION_COOKIE));
    if (personal || sets_session) && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A page that needs a signed-in person sends them to `/login?next=<the page>`, so that sign-in
/// can say why it is needed and bring them back (only for GET: a form posted without a session
/// cannot be replayed, and its page is where they return to from the login form's link).
pub async fn return_after_sign_in(req: Request, next: Next) -> Response {
    let wanted = (req.method() == axum::http::Method::GET)
        .then(|| req.uri().path_and_query().map(|p| p.as_str().to_owned()))
        .flatten();
    let mut response = next.run(req).await;
    if response
        .extensions()
        .get::<crate::error::SignInRequired>()
        .is_none()
    {
        return response;
    }
    if let Some(wanted) = wanted.as_deref().and_then(crate::web::local_target) {
        let encoded: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
        if let Ok(location) = HeaderValue::from_str(&format!("/login?next={encoded}")) {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    response
}

/// Under `/api/`, an error that a layer or axum itself answered in plain text (405 for a method
/// the path does not serve, 413 from the body limit, …) is rewritten as problem+json, like the
/// handlers' own errors. JSON answers (problem or documented error bodies) pass unchanged.
pub async fn plain_errors_as_problems(req: Request, next: Next) -> Response {
    if !crate::extract::is_api(req.uri()) {
        return next.run(req).await;
    }
    let response = next.run(req).await;
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            "Địa chỉ này không nhận phương thức HTTP đã dùng (xem tiêu đề Allow).".to_owned()
        }
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge.to_string(),
        _ if text.is_empty() => status.canonical_reason().unwrap_or("Error").to_owned(),
        _ => text,
    };
    let slug = status
        .canonical_reason()
        .unwrap_or("error")
        .to_lowercase()
        .replace(' ', "-");
    let problem = crate::error::Problem::new(status, &slug, detail).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::error::Problem::CONTENT_TYPE),
    );
    Response::from_parts(parts, problem.into_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_forms_and_json_only_when_really_there() {
        let b = |s: &str| Bytes::from(s.to_owned());
        assert!(holds_nul(BodyKind::Form, &b("a=1&name=x%00y")));
        assert!(holds_nul(BodyKind::Form, &b("a%00=1")));
        assert!(!holds_nul(BodyKind::Form, &b("a=1&name=x%2500y")));
        assert!(holds_nul(BodyKind::Json, &b(r#"{"name":"x\u0000y"}"#)));
        assert!(holds_nul(BodyKind::Json, &b(r#"{"a":{"b\u0000":1}}"#)));
        assert!(!holds_nul(BodyKind::Json, &b(r#"{"name":"x\\u0000y"}"#)));
        assert!(!holds_nul(BodyKind::Other, &b("\0")));
    }
}
