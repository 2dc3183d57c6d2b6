//! The request extractors handlers use instead of axum's own: the same parsing, but a request
//! they cannot read is refused like any other error — RFC 9457 problem+json under `/api/`, a
//! short Vietnamese page elsewhere — instead of axum's plain-text rejection.
//!
//! Statuses: 400 when the body, query or path cannot be read as the documented shape (broken
//! JSON, a missing or mistyped field, a bad query parameter), 415 when the body is not of the
//! media type the endpoint reads, 413 when it is over the size limit. A request that has the
//! right shape but breaks a rule of the domain gets 422 from the handler, so a client (and the
//! API fuzzer) can tell "not what the schema says" from "not allowed by the rules".

use crate::error::{AppError, PageError};
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON body (`Content-Type: application/json`); also a JSON response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// The query string.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// Parameters of the route's path.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

/// A URL-encoded form body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

/// Whether a request is one of the JSON API's, whose errors are problem+json.
pub fn is_api(uri: &Uri) -> bool {
    uri.path().starts_with("/api/")
}

fn refuse(api: bool, error: AppError) -> Response {
    if api {
        error.into_problem()
    } else {
        PageError(error).into_response()
    }
}

/// The error for a request axum could not read: `what` names the part, `text` is axum's
/// explanation (it names the field and what was expected).
fn unreadable(status: StatusCode, what: &str, text: String) -> AppError {
    match status {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(format!(
            "{what}: sai kiểu nội dung (Content-Type). {text}"
        )),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        s if s.is_server_error() => AppError::Internal(anyhow::anyhow!("{what}: {text}")),
        _ => AppError::BadRequest(format!("{what} không hợp lệ: {text}")),
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        let what = match &r {
            JsonRejection::MissingJsonContentType(_) => {
                return AppError::UnsupportedMediaType(
                    "Nội dung phải là JSON, với tiêu đề Content-Type: application/json.".into(),
                );
            }
            JsonRejection::JsonSyntaxError(_) => "Nội dung JSON",
            _ => "Nội dung JSON (không khớp lược đồ của API)",
        };
        unreadable(r.status(), what, r.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        unreadable(r.status(), "Tham số truy vấn", r.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        unreadable(r.status(), "Tham số đường dẫn", r.body_text())
    }
}

impl From<FormRejection> for AppError {
    fn from(r: FormRejection) -> Self {
        unreadable(r.status(), "Biểu mẫu", r.body_text())
    }
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(req.uri());
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(r) => Err(refuse(api, r.into())),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(r) => Err(refuse(is_api(&parts.uri), r.into())),
        }
    }
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(r) => Err(refuse(is_api(&parts.uri), r.into())),
        }
    }
}

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(req.uri());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(r) => Err(refuse(api, r.into())),
        }
    }
}
