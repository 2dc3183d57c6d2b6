//! One error type for the whole server. The API renders it as RFC 9457 problem+json; pages
//! render it as a short Vietnamese page. Internal details go to the log, never to the client.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid field of a request, with a message for the person who filled it in.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Không tìm thấy trang hoặc dữ liệu yêu cầu.")]
    NotFound,
    #[error("Bạn cần đăng nhập để tiếp tục.")]
    Unauthorized,
    #[error("Bạn không có quyền thực hiện thao tác này.")]
    Forbidden,
    /// A bearer API token sent to a page: pages take a signed-in session only.
    #[error("Mã truy cập API chỉ dùng cho /api/v1 và Open311; trang web cần đăng nhập.")]
    TokenOnPage,
    #[error("Dữ liệu không hợp lệ.")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Dữ liệu gửi lên quá lớn. Vui lòng gửi tệp nhỏ hơn hoặc ít tệp hơn.")]
    PayloadTooLarge,
    #[error("Bạn thao tác quá nhiều lần. Vui lòng thử lại sau {0} phút.")]
    TooManyRequests(i64),
    #[error("Tài khoản quản trị phải bật xác thực hai lớp trước khi tiếp tục.")]
    SecondFactorRequired,
    #[error("Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và gửi lại.")]
    Csrf,
    /// The request body is not of a media type the endpoint reads (e.g. not JSON).
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Hệ thống gặp sự cố. Vui lòng thử lại sau.")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return AppError::Conflict("Dữ liệu đã tồn tại (trùng lặp).".into());
        }
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized | AppError::TokenOnPage => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf | AppError::SecondFactorRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::TokenOnPage => "token-on-page",
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::BadRequest(_) => "bad-request",
            AppError::PayloadTooLarge => "payload-too-large",
            AppError::TooManyRequests(_) => "too-many-requests",
            AppError::Csrf => "csrf",
            AppError::SecondFactorRequired => "second-factor-required",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }

    /// The RFC 9457 problem document describing the error.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let mut problem = Problem::new(status, self.slug(), self.to_string());
        if let AppError::Validation(errors) = self {
            if let Some(first) = errors.first() {
                problem.detail = first.message.clone();
            }
            problem.errors = Some(errors.clone());
        }
        problem
    }

    /// Renders the error as RFC 9457 problem+json.
    pub fn into_problem(self) -> Response {
        self.log();
        self.problem().into_response()
    }

    /// Renders the error as a page a citizen understands.
    pub fn into_page(self) -> Response {
        self.log();
        let status = self.status();
        let detail = match &self {
            AppError::Validation(errors) => errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        };
        let html = crate::web::render_error_page(status, &detail);
        (status, html).into_response()
    }
}

/// An RFC 9457 problem document: what every error of the API answers, as
/// `application/problem+json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `https://tinhso.dev/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase of `status`.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong, for a person (Vietnamese).
    pub detail: String,
    /// For `validation` problems: each invalid field and its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl Problem {
    pub const CONTENT_TYPE: &'static str = "application/problem+json";

    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("https://tinhso.dev/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, Problem::CONTENT_TYPE)],
            body,
        )
            .into_response()
    }
}

/// Errors from API handlers: problem+json.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_problem()
    }
}

/// Marks a page answer that sends the person to sign in, so that the edge can say where they
/// were going (`web::edge::return_after_sign_in`).
#[derive(Debug, Clone, Copy)]
pub struct SignInRequired;

/// Errors from page handlers: an HTML page.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.0 {
            AppError::Unauthorized => {
                let mut response = axum::response::Redirect::to("/login").into_response();
                response.extensions_mut().insert(SignInRequired);
                response
            }
            AppError::SecondFactorRequired => {
                axum::response::Redirect::to("/account#totp").into_response()
            }
            other => other.into_page(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T> = Result<T, PageError>;
