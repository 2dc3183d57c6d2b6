//! Server-rendered pages: the template environment, the translator, and the `Page` extractor
//! that gives every page its language, signed-in user and CSRF token.

pub mod assets;
pub mod confirm;
pub mod edge;
pub mod format;
pub mod headers;
pub mod i18n;
pub mod menu;

use crate::Ctx;
use crate::auth::User;
use crate::auth::csrf::CsrfToken;
use crate::auth::session::Auth;
use crate::error::{AppError, PageResult};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use i18n::Lang;
use minijinja::{Environment, Value, context};
use rust_embed::Embed;
use std::sync::OnceLock;

#[derive(Embed)]
#[folder = "static/"]
struct StaticFiles;

pub fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // Optional values (errors, a form not yet filled) may be looked into without guards.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_loader(|name| Ok(assets::template(name)));
        env.add_filter("datetime", |s: String| crate::time::display(&s));
        env.add_filter("localtime", |s: String| {
            crate::time::parse_local(&s)
                .map(crate::time::display_local)
                .unwrap_or_default()
        });
        env.add_function("menu", menu::template_function);
        format::register(&mut env);
        env
    })
}

/// Every template name, for the test that renders them all.
pub fn template_names() -> Vec<String> {
    assets::template_names()
}

/// A link target for a template, shown as written when it holds only the characters of a path
/// and a simple query (minijinja's escaping would turn slashes into entities, which tests and
/// people reading the source trip over); escaped as any text otherwise.
pub fn href(target: &str) -> Value {
    let plain = target
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-?=%+~:".contains(&b));
    if plain {
        Value::from_safe_string(target.to_owned())
    } else {
        Value::from(target)
    }
}

/// What every page knows about its request.
#[derive(Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<User>,
    pub csrf: String,
    pub path: String,
    /// Unread inbox items of the signed-in person (0 for anyone else).
    pub unread: i64,
}

impl FromRequestParts<Ctx> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Ctx) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Page {
            lang: Lang::from_cookie(jar.get("lang").map(|c| c.value())),
            user: auth.user().cloned(),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            path: here(&parts.uri),
            unread: match (&auth.session, auth.user()) {
                (Some(session), Some(_)) => session.unread,
                _ => 0,
            },
        })
    }
}

impl Page {
    pub fn render(&self, name: &str, ctx: Value) -> PageResult<Html<String>> {
        let full = context! {
            ..ctx,
            ..context! {
                lang => self.lang.code(),
                other_lang => self.lang.other().code(),
                t => i18n::translator(self.lang),
                user => sv(&self.user),
                csrf => self.csrf.clone(),
                path => self.path.clone(),
                unread => self.unread,
            }
        };
        let html = templates()
            .get_template(name)
            .and_then(|t| t.render(full))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("template {name}: {e:#}")))?;
        Ok(Html(html))
    }

    pub fn tr(&self, key: &str) -> String {
        i18n::text(self.lang, key)
    }

    /// Who is asking, for a policy's `check`.
    pub fn principal(&self) -> crate::auth::Principal {
        self.user
            .clone()
            .map(crate::auth::Principal::User)
            .unwrap_or(crate::auth::Principal::Anonymous)
    }

    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }
}

/// Where the page is, with its query (filters, a reporter's key) but never a CSRF token: the
/// language switch returns here.
fn here(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let kept: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "_csrf")
        .collect();
    if kept.is_empty() {
        return path.to_owned();
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{path}?{query}")
}

/// `next` when it is a path on this site: it starts with one `/`, and holds no backslash and no
/// control character (browsers drop tabs and line breaks, so `/\t/evil.example` would leave
/// the site, and a line break cannot go into a header at all).
pub fn local_target(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let safe = !rest.starts_with('/')
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control())
        && axum::http::HeaderValue::from_str(next).is_ok();
    safe.then_some(next)
}

/// A redirect to `next` if it is a path on this site (`local_target`), else to the home page.
pub fn redirect_local(next: &str) -> axum::response::Redirect {
    axum::response::Redirect::to(local_target(next).unwrap_or("/"))
}

/// The error page, in the request's language.
pub fn render_error_page(status: StatusCode, detail: &str) -> Html<String> {
    let lang = i18n::current();
    let ctx = context! {
        lang => lang.code(),
        other_lang => lang.other().code(),
        t => i18n::translator(lang),
        status => status.as_u16(),
        detail => i18n::message(lang, detail),
        path => "/",
    };
    let html = templates()
        .get_template("error.html")
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|_| format!("<!doctype html><title>{status}</title><p>{detail}</p>"));
    Html(html)
}

/// `/static/...`: embedded assets with long caching (names are versioned by the release).
pub async fn static_file(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    match StaticFiles::get(&path) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("css") => "text/css; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => AppError::NotFound.into_page(),
    }
}

/// A file to save (papers, forms, receipts, exports, answer files): a safe ASCII name plus the
/// exact UTF-8 name (RFC 6266/5987), never rendered inline so an upload cannot run as a page,
/// never cached by proxies.
pub fn download(media_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Form encoding writes a space as `+` (a literal `+` is `%2B`); RFC 5987 wants `%20`.
    let encoded = form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Any serialisable value as a template value.
pub fn sv<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// Form fields with their error messages, to re-render a form after a mistake without losing
/// what the person typed: `errors.name` next to each field, and `errors|items` for the summary
/// at the top, in the order the errors were given (see `order_errors`), not alphabetically.
pub fn form_errors(errors: &[crate::error::FieldError]) -> Value {
    let lang = i18n::current();
    let mut ordered: Vec<(String, String)> = Vec::new();
    for e in errors {
        let message = i18n::message(lang, &e.message);
        match ordered.iter_mut().find(|(field, _)| *field == e.field) {
            Some((_, m)) => {
                m.push(' ');
                m.push_str(&message)
            }
            None => ordered.push((e.field.clone(), message)),
        }
    }
    Value::from_object(ErrorMap(ordered))
}

/// `form_errors` in the order of the form's fields (`order`, top to bottom): what every form
/// hands its error summary.
pub fn form_errors_in<S: AsRef<str>>(errors: &[crate::error::FieldError], order: &[S]) -> Value {
    let mut errors = errors.to_vec();
    order_errors(&mut errors, order);
    form_errors(&errors)
}

/// Puts errors in the order their fields appear on the form (`order`, top to bottom), so the
/// summary reads like the page. Fields `order` does not name keep their order, after the rest.
pub fn order_errors<S: AsRef<str>>(errors: &mut [crate::error::FieldError], order: &[S]) {
    errors.sort_by_key(|e| {
        order
            .iter()
            .position(|k| k.as_ref() == e.field)
            .unwrap_or(usize::MAX)
    });
}

/// A form's errors as a template map that keeps its order.
#[derive(Debug)]
struct ErrorMap(Vec<(String, String)>);

impl minijinja::value::Object for ErrorMap {
    fn repr(self: &std::sync::Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Map
    }

    fn get_value(self: &std::sync::Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        self.0
            .iter()
            .find(|(field, _)| field == key)
            .map(|(_, message)| Value::from(message.clone()))
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        let keys: Vec<Value> = self.0.iter().map(|(f, _)| Value::from(f.clone())).collect();
        minijinja::value::Enumerator::Values(keys)
    }
}

/// What a multipart form that could not be read gets: over the size limit, the platform's
/// "too large" answer (413); otherwise a request to send it again.
pub fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    // The limit may be hit in axum's own wrapper or in the whole-request limit layer, whose
    // error arrives a few sources deep.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    let mut over_limit = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    while let Some(err) = source {
        over_limit |= err.is::<http_body_util::LengthLimitError>();
        source = err.source();
    }
    if over_limit {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("Tệp quá lớn hoặc bị lỗi khi tải lên.".into())
    }
}

/// A file form as sent: the file (if one was chosen) and the names of the other fields present
/// (checkboxes).
pub struct Upload {
    pub file_name: String,
    pub bytes: bytes::Bytes,
    pub fields: std::collections::HashSet<String>,
}

/// Reads a multipart form with one file field named `file`. Fails with a clear message when
/// nothing was chosen, the file is larger than `max_bytes`, or its name lacks every extension
/// in `extensions` (the content is still checked by its parser).
pub async fn read_upload(
    mut multipart: axum::extract::Multipart,
    max_bytes: usize,
    extensions: &[&str],
    kind: &str,
) -> Result<Upload, AppError> {
    let broken = multipart_error;
    let mut upload = Upload {
        file_name: String::new(),
        bytes: bytes::Bytes::new(),
        fields: Default::default(),
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = field.file_name().unwrap_or_default().to_lowercase();
            upload.bytes = field.bytes().await.map_err(broken)?;
        } else {
            upload.fields.insert(name);
        }
    }
    let bad = |message: String| AppError::validation("file", message);
    if upload.bytes.is_empty() {
        return Err(bad(format!("Vui lòng chọn một tệp {kind}.")));
    }
    if upload.bytes.len() > max_bytes {
        return Err(bad(format!(
            "Tệp {kind} lớn hơn {} MB.",
            max_bytes / (1024 * 1024)
        )));
    }
    if !extensions.iter().any(|ext| upload.file_name.ends_with(ext)) {
        return Err(bad(format!(
            "Chỉ nhận tệp {kind} ({}).",
            extensions.join(", ")
        )));
    }
    Ok(upload)
}

/// Renders an import page with its report (or the upload's error), 422 when anything is wrong.
pub fn import_page(
    page: &Page,
    template: &str,
    outcome: Result<Value, AppError>,
    ok: bool,
) -> PageResult<Response> {
    match outcome {
        Ok(report) => {
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((
                status,
                page.render(template, context! { report => report })?,
            )
                .into_response())
        }
        Err(AppError::Validation(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page.render(template, context! { errors => form_errors(&errors) })?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod download_tests {
    #[test]
    fn file_names_survive_in_both_forms() {
        let resp = super::download("application/pdf", "Biên bản 1+1.pdf", b"%PDF".to_vec());
        let disposition = resp.headers()[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            disposition,
            "attachment; filename=\"Bi_n_b_n_1_1.pdf\"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%201%2B1.pdf"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    #[test]
    fn error_summaries_follow_the_form_not_the_alphabet() {
        let mut errors = vec![
            FieldError::new("ten_tre", "Tên trẻ"),
            FieldError::new("zeta", "Không có trên trang"),
            FieldError::new("agency", "Cơ quan"),
            FieldError::new("ho_ten", "Họ tên"),
            FieldError::new("agency", "lần hai"),
        ];
        order_errors(&mut errors, &["agency", "ho_ten", "ten_tre"]);
        let template = r#"{% from "macros.html" import error_summary %}{{ error_summary(errors, t) }}|{{ errors.ho_ten }}|"#;
        let mut env = templates().clone();
        env.add_template_owned("order-test", template.to_owned())
            .unwrap();
        let html = env
            .get_template("order-test")
            .unwrap()
            .render(context! { errors => form_errors(&errors), t => context! {} })
            .unwrap();
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} in {html}"));
        assert!(at("Cơ quan lần hai") < at("Họ tên"), "{html}");
        assert!(at("Họ tên") < at("Tên trẻ"));
        assert!(at("Tên trẻ") < at("Không có trên trang"));
        assert!(
            html.contains("|Họ tên|"),
            "fields are looked up by name: {html}"
        );
        let empty = form_errors(&[]);
        assert!(!empty.is_true(), "no errors, no summary");
    }
}
