//! Open311 GeoReport v2 under `/open311/v2`: the service list and definitions, posting a
//! request with an API key, and reading requests, as JSON or XML, with the standard error
//! format. Our richer statuses are mapped to open/closed, the detail going to `status_notes`.

use super::Report;
use super::policy::{FeedbackFilingPolicy, Filing};
use super::service::{self, NewReport, Reporter};
use super::store::{self, Filter};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::Principal;
use tinhso_kernel::auth::policy::{Cx, Subject, check};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;

pub fn routes() -> Routes {
    Routes::new("feedback")
        .get("/open311/v2/{file}", Access::Public, root_get)
        .post("/open311/v2/{file}", Access::Scope("open311"), root_post)
        .get(
            "/open311/v2/services/{file}",
            Access::Public,
            service_definition,
        )
        .get("/open311/v2/requests/{file}", Access::Public, one_request)
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Xml,
}

/// `services.json` → ("services", Json).
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    Some((name, format))
}

#[derive(Serialize)]
struct OpenError {
    code: u16,
    description: String,
}

fn error(format: Format, status: StatusCode, description: &str) -> Response {
    let errors = vec![OpenError {
        code: status.as_u16(),
        description: description.to_owned(),
    }];
    #[derive(Serialize)]
    struct Errors {
        error: Vec<OpenError>,
    }
    render(
        format,
        status,
        &errors,
        "errors",
        &Errors {
            error: errors
                .iter()
                .map(|e| OpenError {
                    code: e.code,
                    description: e.description.clone(),
                })
                .collect(),
        },
    )
}

/// JSON is the list itself; XML wraps it in `root` with one element per item.
fn render<J: Serialize, X: Serialize>(
    format: Format,
    status: StatusCode,
    json: &J,
    root: &str,
    xml: &X,
) -> Response {
    match format {
        Format::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            serde_json::to_string(json).unwrap_or_default(),
        )
            .into_response(),
        Format::Xml => {
            let body = quick_xml::se::to_string_with_root(root, xml).unwrap_or_default();
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{body}"),
            )
                .into_response()
        }
    }
}

fn params(query: Option<String>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

#[derive(Serialize)]
struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

async fn services(state: &Ctx, format: Format) -> Result<Response, AppError> {
    let list: Vec<Service> = store::categories(&state.db)
        .await?
        .into_iter()
        .map(|c| Service {
            service_code: c.code,
            service_name: c.name.clone(),
            description: c.description,
            metadata: false,
            kind: "realtime",
            keywords: String::new(),
            group: "Phản ánh, kiến nghị".into(),
        })
        .collect();
    #[derive(Serialize)]
    struct Services<'a> {
        service: &'a [Service],
    }
    Ok(render(
        format,
        StatusCode::OK,
        &list,
        "services",
        &Services { service: &list },
    ))
}

async fn root_get(
    State(state): State<Ctx>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((name, format)) = split(&file) else {
        return error(
            Format::Json,
            StatusCode::NOT_FOUND,
            "Unknown resource or format (use .json or .xml)",
        );
    };
    let result = match name {
        "services" => services(&state, format).await,
        "requests" => requests(&state, format, &params(query)).await,
        _ => return error(format, StatusCode::NOT_FOUND, "Unknown resource"),
    };
    result.unwrap_or_else(|e| error(format, e.status(), &e.to_string()))
}

async fn service_definition(State(state): State<Ctx>, Path(file): Path<String>) -> Response {
    let Some((code, format)) = split(&file) else {
        return error(
            Format::Json,
            StatusCode::NOT_FOUND,
            "Unknown format (use .json or .xml)",
        );
    };
    match store::category(&state.db, code).await {
        Ok(Some(c)) => {
            #[derive(Serialize)]
            struct Definition {
                service_code: String,
                attributes: Vec<()>,
            }
            let d = Definition {
                service_code: c.code,
                attributes: Vec::new(),
            };
            render(format, StatusCode::OK, &d, "service_definition", &d)
        }
        Ok(None) => error(format, StatusCode::NOT_FOUND, "service_code not found"),
        Err(e) => error(format, e.status(), &e.to_string()),
    }
}

#[derive(Serialize)]
struct Request {
    service_request_id: String,
    status: &'static str,
    status_notes: String,
    service_name: String,
    service_code: String,
    description: String,
    agency_responsible: String,
    service_notice: String,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: String,
    address: String,
    address_id: String,
    zipcode: String,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: String,
}

fn to_open311(state: &Ctx, r: &Report) -> Request {
    let notes = match (&r.answer, &r.reject_reason) {
        (Some(answer), _) => answer.clone(),
        (None, Some(reason)) => reason.clone(),
        _ => String::new(),
    };
    let status_notes = format!(
        "{}{}{}",
        r.status.as_str(),
        if notes.is_empty() { "" } else { ": " },
        notes
    );
    let expected = r
        .due_local
        .map(|t| format!("{}+07:00", t.to_text()))
        .unwrap_or_default();
    let hidden = r.hidden_reason.is_some();
    Request {
        service_request_id: r.code.clone(),
        status: tinhso_domain::feedback::open311_status(r.status),
        status_notes,
        service_name: r.category_name.clone(),
        service_code: r.category_code.clone(),
        description: if hidden {
            String::new()
        } else {
            r.description.clone()
        },
        agency_responsible: r.agency_name.clone().unwrap_or_default(),
        service_notice: String::new(),
        requested_datetime: r.created_at.clone(),
        updated_datetime: r.updated_at.clone(),
        expected_datetime: expected,
        address: if hidden {
            String::new()
        } else {
            r.address.clone()
        },
        address_id: r.admin_unit_code.clone().unwrap_or_default(),
        zipcode: String::new(),
        lat: r.lat,
        long: r.lon,
        media_url: format!(
            "{}/feedback/{}",
            state.config.public_url.trim_end_matches('/'),
            r.code
        ),
    }
}

fn render_requests(state: &Ctx, format: Format, reports: &[Report]) -> Response {
    let list: Vec<Request> = reports.iter().map(|r| to_open311(state, r)).collect();
    #[derive(Serialize)]
    struct Requests<'a> {
        request: &'a [Request],
    }
    render(
        format,
        StatusCode::OK,
        &list,
        "service_requests",
        &Requests { request: &list },
    )
}

fn datetime(
    p: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    match p.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&chrono::Utc)))
            .map_err(|_| {
                AppError::BadRequest(format!(
                    "{key} must be a W3C datetime, e.g. 2026-11-24T08:00:00+07:00"
                ))
            }),
    }
}

/// GET requests: by ids, or filtered, by default the last 90 days and at most 1,000.
async fn requests(
    state: &Ctx,
    format: Format,
    p: &BTreeMap<String, String>,
) -> Result<Response, AppError> {
    if let Some(ids) = p.get("service_request_id").filter(|v| !v.is_empty()) {
        let mut found = Vec::new();
        for id in ids.split(',').map(str::trim).take(1000) {
            if let Some(r) = store::by_code(&state.db, id)
                .await?
                .filter(|r| r.hidden_reason.is_none())
            {
                found.push(r);
            }
        }
        return Ok(render_requests(state, format, &found));
    }
    let end = datetime(p, "end_date")?.unwrap_or_else(tinhso_kernel::time::now);
    let start = datetime(p, "start_date")?.unwrap_or(end - chrono::Duration::days(90));
    if start > end {
        return Err(AppError::BadRequest(
            "start_date must be before end_date".into(),
        ));
    }
    let status = match p.get("status").map(String::as_str) {
        None | Some("") => None,
        Some("open") => Some("open".to_owned()),
        Some("closed") => Some("closed".to_owned()),
        Some(_) => return Err(AppError::BadRequest("status must be open or closed".into())),
    };
    if let Some(code) = p.get("service_code").filter(|c| !c.is_empty())
        && store::category(&state.db, code).await?.is_none()
    {
        return Err(AppError::BadRequest(format!("unknown service_code {code}")));
    }
    let filter = Filter {
        category: p.get("service_code").cloned().filter(|c| !c.is_empty()),
        status,
        start: Some(tinhso_kernel::time::to_text(start)),
        end: Some(tinhso_kernel::time::to_text(end)),
        public: true,
        limit: 1000,
        ..Default::default()
    };
    Ok(render_requests(
        state,
        format,
        &store::list(&state.db, &filter).await?,
    ))
}

async fn one_request(State(state): State<Ctx>, Path(file): Path<String>) -> Response {
    let Some((id, format)) = split(&file) else {
        return error(
            Format::Json,
            StatusCode::NOT_FOUND,
            "Unknown format (use .json or .xml)",
        );
    };
    match store::by_code(&state.db, id).await {
        Ok(Some(r)) if r.hidden_reason.is_none() => render_requests(&state, format, &[r]),
        Ok(_) => error(
            format,
            StatusCode::NOT_FOUND,
            "service_request_id not found",
        ),
        Err(e) => error(format, e.status(), &e.to_string()),
    }
}

/// POST requests: form-encoded, authenticated by `api_key` (an API token with the `open311`
/// scope).
async fn root_post(
    State(state): State<Ctx>,
    ClientIp(ip): ClientIp,
    Path(file): Path<String>,
    body: String,
) -> Response {
    let Some(("requests", format)) = split(&file) else {
        return error(
            Format::Json,
            StatusCode::NOT_FOUND,
            "Unknown resource or format",
        );
    };
    let p = params(Some(body));
    // The client is who its key says; without a valid key it is nobody, whom the filing
    // policy refuses as it refuses a token without the `open311` scope.
    let principal = tinhso_kernel::tokens::authenticate(
        &state.db,
        p.get("api_key").map(String::as_str).unwrap_or(""),
    )
    .await
    .unwrap_or(Principal::Anonymous);
    let who = Subject::of(&principal);
    let allowed =
        check::<FeedbackFilingPolicy>(&Cx::from(&state), &who, &(), Filing::Open311).await;
    let (Ok(()), Some(user)) = (allowed, who.user()) else {
        return error(
            format,
            StatusCode::FORBIDDEN,
            "api_key is missing or not valid",
        );
    };
    let user = user.clone();
    let get = |k: &str| p.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let service_code = get("service_code");
    match store::category(&state.db, &service_code).await {
        Ok(Some(_)) => {}
        Ok(None) => return error(format, StatusCode::BAD_REQUEST, "service_code not found"),
        Err(e) => return error(format, e.status(), &e.to_string()),
    }
    let (lat, lon, address) = (get("lat"), get("long"), get("address_string"));
    if (lat.is_empty() || lon.is_empty()) && address.is_empty() && get("address_id").is_empty() {
        return error(
            format,
            StatusCode::BAD_REQUEST,
            "lat and long, address_string or address_id is required",
        );
    }
    let description = get("description");
    let title: String = description
        .split(['.', '\n'])
        .next()
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    let name = format!("{} {}", get("first_name"), get("last_name"))
        .trim()
        .to_owned();
    let (email, phone) = (get("email"), get("phone"));
    let reporter = Reporter {
        user: (email.is_empty() && phone.is_empty()).then_some(user),
        name,
        email,
        phone,
        ip,
    };
    let report = NewReport {
        category: service_code,
        title,
        description,
        address,
        admin_unit: Some(get("address_id")).filter(|a| !a.is_empty()),
        lat: Some(lat),
        lon: Some(lon),
        show_name: false,
        keep_location_in_photos: false,
        photos: Vec::new(),
        source: "open311",
        idempotency_key: None,
    };
    match service::submit(&state, &reporter, report).await {
        Ok(code) => {
            #[derive(Serialize)]
            struct Created {
                service_request_id: String,
                service_notice: String,
                account_id: String,
            }
            let created = vec![Created {
                service_request_id: code,
                service_notice: "Phản ánh đã được tiếp nhận.".into(),
                account_id: String::new(),
            }];
            #[derive(Serialize)]
            struct Wrapped<'a> {
                request: &'a [Created],
            }
            render(
                format,
                StatusCode::CREATED,
                &created,
                "service_requests",
                &Wrapped { request: &created },
            )
        }
        Err(AppError::Validation(errors)) => {
            let text = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            error(format, StatusCode::BAD_REQUEST, &text)
        }
        Err(e) => error(format, e.status(), &e.to_string()),
    }
}
