//! CSRF protection for every form and every cookie-authenticated API call.
//!
//! The token is an HMAC, under a secret kept in the database (so every node agrees), of the
//! visitor's session cookie, or of an anonymous cookie for visitors not signed in. Signing in
//! changes the cookie and so the token: a token captured before cannot be replayed after.
//! Unsafe requests must echo the token in the `_csrf` form field (URL-encoded or multipart) or
//! the `X-CSRF-Token` header — never in the URL, which ends up in logs, history and referrers. Bearer-token calls to the API carry no
//! cookie and are exempt; pages refuse bearer tokens altogether (`session::takes_tokens`).

use super::session::SESSION_COOKIE;
use crate::Ctx;
use crate::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;

pub const ANON_COOKIE: &str = "ts_anon";

/// The token pages put in their forms, available to handlers as a request extension.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn token_for(secret: &[u8], binding: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// RFC 9110 §9.2.1's safe methods pass unchecked: they change nothing, and a method no route
/// takes (TRACE) must reach the router to be answered 405, not 403.
fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Bearer-token calls carry no ambient credential, so they need no CSRF token — but only where
/// tokens are accepted at all (the API and Open311); a page never skips the check. Neither do
/// the machine protocols the modules declare (`Module::protocol_paths`: Open311's API keys,
/// the demo CA's OCSP and timestamp requests posted by validators and signing tools), whose
/// routes read no cookie credential.
fn exempt(req: &Request, protocol_paths: &[&str]) -> bool {
    let path = req.uri().path();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    (bearer && super::session::takes_tokens(path))
        || protocol_paths.iter().any(|prefix| path.starts_with(prefix))
}

pub async fn middleware(State(state): State<Ctx>, req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let (binding, new_anon) = match (jar.get(SESSION_COOKIE), jar.get(ANON_COOKIE)) {
        (Some(s), _) => (format!("s:{}", s.value()), None),
        (None, Some(a)) => (format!("a:{}", a.value()), None),
        (None, None) => {
            let anon = super::random_token(16);
            (format!("a:{anon}"), Some(anon))
        }
    };
    let expected = token_for(&state.secret, &binding);
    let checked = is_unsafe(req.method())
        && !exempt(&req, &state.protocol_paths)
        && !api_without_session(&req);
    let (mut req, presented) = if checked {
        match presented_token(req, state.config.max_body_bytes).await {
            Ok(pair) => pair,
            Err(response) => return response,
        }
    } else {
        (req, None)
    };
    if checked {
        let ok = presented.is_some_and(|p| p.as_bytes().ct_eq(expected.as_bytes()).into());
        if !ok {
            return reject(&req);
        }
    }
    req.extensions_mut().insert(CsrfToken(expected));
    let mut response = next.run(req).await;
    if let Some(anon) = new_anon {
        let cookie = Cookie::build((ANON_COOKIE, anon))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(state.config.secure_cookies)
            .path("/")
            .build();
        if let Ok(value) = cookie.to_string().parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// An API call without a session cookie carries no ambient credential to forge, so it needs no
/// CSRF token: it is simply anonymous (and answered 401 where it must be signed in).
fn api_without_session(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
        && CookieJar::from_headers(req.headers())
            .get(SESSION_COOKIE)
            .is_none()
}

fn reject(req: &Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        AppError::Csrf.into_problem()
    } else {
        AppError::Csrf.into_page().into_response()
    }
}

/// Finds the token in the header or in the `_csrf` field of an URL-encoded or multipart body
/// (which is read and put back for the handler).
async fn presented_token(
    req: Request,
    limit: usize,
) -> Result<(Request, Option<String>), Response> {
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let token = h.to_owned();
        return Ok((req, Some(token)));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let boundary = multer::parse_boundary(&content_type).ok();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form && boundary.is_none() {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return Err(AppError::PayloadTooLarge.into_page());
        }
    };
    let token = match boundary {
        Some(boundary) => multipart_field(bytes.clone(), boundary).await,
        None => find_field(&bytes),
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The `_csrf` text field of a multipart body (forms put it first, before any file).
async fn multipart_field(bytes: axum::body::Bytes, boundary: String) -> Option<String> {
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("_csrf") {
            return field.text().await.ok();
        }
    }
    None
}

fn find_field(encoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_depends_on_secret_and_binding() {
        let a = token_for(b"secret-1", "s:abc");
        assert_eq!(a, token_for(b"secret-1", "s:abc"));
        assert_ne!(a, token_for(b"secret-2", "s:abc"));
        assert_ne!(a, token_for(b"secret-1", "s:abd"));
        assert_ne!(a, token_for(b"secret-1", "a:abc"));
    }

    #[test]
    fn only_the_safe_methods_pass_unchecked() {
        for safe in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
            assert!(!is_unsafe(&safe), "{safe}");
        }
        for changing in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_unsafe(&changing), "{changing}");
        }
    }

    #[test]
    fn finds_the_field_in_a_form_body() {
        assert_eq!(find_field(b"a=1&_csrf=xyz&b=2").as_deref(), Some("xyz"));
        assert_eq!(find_field(b"a=1"), None);
    }
}
