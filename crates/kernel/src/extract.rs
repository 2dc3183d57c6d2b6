//! The request extractors handlers use instead of axum's own: the same parsing, but a request
//! they cannot read is refused like any other error — RFC 9457 problem+json under `/api/`, a
//! short Vietnamese page elsewhere — instead of axum's plain-text rejection.
//!
//! Statuses: 400 when the body, query or path cannot be read as the documented shape (broken
//! JSON, a missing or mistyped field, a bad query parameter), 415 when the body is not of the
//! media type the endpoint reads, 413 when it is over the size limit. A request that has the
//! right shape but breaks a rule of the domain gets 422 from the handler, so a client (and the
//! API fuzzer) can tell "not what the schema says" from "not allowed by the rules".

use crate::Ctx;
use crate::auth::Principal;
use crate::auth::session::Auth;
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
            _ => "Nội dung gửi lên",
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
        // Read as any JSON first (axum checks the media type and the syntax), then as `T`.
        let mut value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(r) => return Err(refuse(api, r.into())),
        };
        integral_numbers_as_integers(&mut value);
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(value) => Ok(Json(value)),
            Err(e) => {
                let at = e.path().to_string();
                let detail = if at == "." {
                    format!("Nội dung JSON không khớp lược đồ của API: {}", e.inner())
                } else {
                    format!(
                        "Nội dung JSON không khớp lược đồ của API ở `{at}`: {}",
                        e.inner()
                    )
                };
                Err(refuse(api, AppError::BadRequest(detail)))
            }
        }
    }
}

/// JSON (and JSON Schema) make no difference between `5` and `5.0`: both are the integer five,
/// so a client may send either where the schema says `integer`. serde does, and refuses `5.0`
/// for an integer field; such numbers are turned into integers first (an `f64` field takes
/// them just the same).
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
            {
                if f >= 0.0 && f < u64::MAX as f64 {
                    *n = serde_json::Number::from(f as u64);
                } else if f < 0.0 && f >= i64::MIN as f64 {
                    *n = serde_json::Number::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(integral_numbers_as_integers)
        }
        _ => {}
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

/// The caller of an operation that needs credentials: `Auth`, but an anonymous request is
/// refused with 401 at once, before its query or body is read, so a client without a (valid)
/// token learns that first rather than what is wrong with its body.
pub struct Caller(pub Auth);

impl FromRequestParts<Ctx> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Ctx) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        if matches!(auth.principal, Principal::Anonymous) {
            return Err(refuse(is_api(&parts.uri), AppError::Unauthorized));
        }
        Ok(Caller(auth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_floats_read_as_integers_and_others_stay() {
        let mut v = json!({"a": 5.0, "b": [-3.0, 2.5, 1e300], "c": {"d": 0.0, "e": "5.0"}, "f": 7});
        integral_numbers_as_integers(&mut v);
        assert_eq!(
            v,
            json!({"a": 5, "b": [-3, 2.5, 1e300], "c": {"d": 0, "e": "5.0"}, "f": 7})
        );
        assert!(v["a"].is_u64() && v["b"][0].is_i64() && v["b"][1].is_f64());
    }
}
