//! The application state and the router: every route of the platform, and the layers every
//! request passes through (request id, logging, metrics, body limit, CSRF, compression, security
//! headers).

use crate::config::Config;
use crate::module::Routes;
use crate::web::edge;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The application state is the platform's context; the name stays for the binary and tests.
pub use crate::ctx::Ctx as AppState;

impl AppState {
    /// Starts the platform's context, then runs each module's start-up upgrades (once per
    /// database; each is a no-op when already done).
    pub async fn new(
        config: Config,
        metrics: Option<PrometheusHandle>,
    ) -> anyhow::Result<AppState> {
        let ctx = crate::ctx::Ctx::start(config, metrics).await?;
        crate::accounts::seal_plain_totp_secrets(&ctx.db, &ctx.keys.totp).await?;
        crate::dossiers::appointments::upgrade_legacy_appointments(&ctx.db)
            .await
            .map_err(|e| anyhow::anyhow!("upgrading stored appointments: {e}"))?;
        crate::catalog::store::fold_field_names(&ctx.db).await?;
        crate::feedback::store::fold_search_texts(&ctx.db).await?;
        Ok(ctx)
    }
}

/// Every notification topic of the platform, for the preferences page (later the module
/// registry collects them from the manifests).
pub const TOPICS: &[&crate::notify::Topic] = &[
    &crate::dossiers::notices::STATUS,
    &crate::dossiers::notices::ASSIGNED,
    &crate::feedback::notices::UPDATES,
    &crate::feedback::notices::DEADLINES,
];

/// Every module's routes. The one place that lists the modules' route declarations.
pub fn all_routes() -> Routes {
    Routes::new("platform")
        .merge(crate::ops::routes())
        .merge(crate::portal::routes())
        .merge(crate::accounts::http::routes())
        .merge(crate::agencies::http::routes())
        .merge(crate::catalog::http::routes())
        .merge(crate::dossiers::citizen::routes())
        .merge(crate::dossiers::papers::routes())
        .merge(crate::dossiers::office::routes())
        .merge(crate::dossiers::assignment::routes())
        .merge(crate::calendar::http::routes())
        .merge(crate::dossiers::linked::routes())
        .merge(crate::payments::http::routes())
        .merge(crate::feedback::http::routes())
        .merge(crate::feedback::open311::routes())
        .merge(crate::feedback::stats::routes())
        .merge(crate::feedback::admin::routes())
        .merge(crate::dossiers::stats::routes())
        .merge(crate::statistics::routes())
        .merge(crate::dossiers::api::routes())
        .merge(crate::admin::routes())
        .merge(crate::api::routes())
        .merge(crate::notify::http::routes())
}

/// Every declared route, with the access it needs: for the permission tests and the docs.
pub fn route_table() -> Vec<crate::module::RouteInfo> {
    all_routes().into_parts().2
}

/// The OpenAPI document: the platform's description with every module's API operations.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| crate::api::document(all_routes().into_parts().1))
}

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let security_headers = crate::web::headers::layers(&state.config.map);
    let (routes, _, _) = all_routes().into_parts();
    let router = routes
        .route("/static/{*path}", get(crate::web::static_file))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::csrf::middleware))
        .layer(middleware::from_fn_with_state(state.clone(), edge::refuse_nul))
        .layer(middleware::from_fn(edge::tokens_only_where_taken))
        .layer(middleware::from_fn(edge::return_after_sign_in))
        // The configured limit is the real one, for the whole request and for every extractor
        // (axum's own default of 2 MB would otherwise refuse a phone photo of a paper).
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes))
        .layer(middleware::from_fn(edge::plain_errors_explained))
        .layer(middleware::from_fn(crate::web::i18n::middleware))
        .layer(middleware::from_fn(edge::no_store_when_personal))
        .layer(middleware::from_fn(crate::api::plain_errors_as_problems))
        .layer(middleware::from_fn(track_metrics))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Pages and JSON shrink several times over for citizens on weak connections.
        .layer(CompressionLayer::new().gzip(true))
        .with_state(state);
    security_headers
        .into_iter()
        .fold(router, |router, layer| router.layer(layer))
}

async fn not_found(req: Request) -> Response {
    let err = crate::error::AppError::NotFound;
    if req.uri().path().starts_with("/api/") {
        err.into_problem()
    } else {
        err.into_page()
    }
}

/// Request counts and latency by route template (not by raw path, to keep labels bounded).
async fn track_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    // Only the standard methods become labels: any other word a client sends would add a series.
    let method = match *req.method() {
        axum::http::Method::GET
        | axum::http::Method::HEAD
        | axum::http::Method::POST
        | axum::http::Method::PUT
        | axum::http::Method::PATCH
        | axum::http::Method::DELETE
        | axum::http::Method::OPTIONS => req.method().to_string(),
        _ => "other".to_owned(),
    };
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
