//! The application state and the router: every route of the platform, and the layers every
//! request passes through (request id, logging, metrics, body limit, CSRF, compression, security
//! headers).

use crate::config::Config;
use crate::db::Db;
use crate::events::Subscription;
use crate::web::edge;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Key for CSRF tokens; kept in the database so every node has the same one.
    pub secret: Arc<Vec<u8>>,
    pub metrics: Option<PrometheusHandle>,
    pub storage: Arc<dyn object_store::ObjectStore>,
    /// Keys kept outside the database (audit checkpoints, TOTP secrets at rest).
    pub keys: Arc<crate::keys::Keys>,
    /// Who reacts to events (`events::emit` queues a delivery for each one wanting the kind).
    pub subscriptions: Arc<Vec<&'static Subscription>>,
    /// Wakes this node's runner when a transaction with events commits (`events::committed`).
    pub wake: Arc<tokio::sync::Notify>,
}

/// The platform's event subscriptions. None yet: notifications move onto events next; until
/// the module manifests exist, this list is where a subscription is declared.
pub fn subscriptions() -> Vec<&'static Subscription> {
    Vec::new()
}

impl AppState {
    pub async fn new(
        config: Config,
        metrics: Option<PrometheusHandle>,
    ) -> anyhow::Result<AppState> {
        Self::with_subscriptions(config, metrics, Vec::new()).await
    }

    /// The application with `extra` subscriptions besides the platform's (tests add
    /// subscribers that record, fail or poison on purpose).
    pub async fn with_subscriptions(
        config: Config,
        metrics: Option<PrometheusHandle>,
        extra: Vec<&'static Subscription>,
    ) -> anyhow::Result<AppState> {
        let mut all = subscriptions();
        all.extend(extra);
        let mut names: Vec<&str> = all.iter().map(|s| s.name).collect();
        names.sort_unstable();
        if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
            anyhow::bail!("two event subscriptions are named {}", twice[0]);
        }
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let secret = crate::settings::server_secret(&db).await?;
        let storage = crate::storage::open(&config)?;
        let keys = crate::keys::Keys::load(&config)?;
        keys.check_against(&db).await?;
        let db = db.with_audit_key(keys.audit);
        crate::accounts::seal_plain_totp_secrets(&db, &keys.totp).await?;
        crate::dossiers::calendar::upgrade_legacy_appointments(&db)
            .await
            .map_err(|e| anyhow::anyhow!("upgrading stored appointments: {e}"))?;
        crate::catalog::store::fold_field_names(&db).await?;
        crate::feedback::store::fold_search_texts(&db).await?;
        Ok(AppState {
            db,
            config: Arc::new(config),
            secret: Arc::new(secret),
            metrics,
            storage,
            keys: Arc::new(keys),
            subscriptions: Arc::new(all),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }
}

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let security_headers = crate::web::headers::layers(&state.config.map);
    let router = Router::new()
        .merge(crate::ops::routes())
        .merge(crate::portal::routes())
        .merge(crate::accounts::http::routes())
        .merge(crate::agencies::http::routes())
        .merge(crate::catalog::http::routes())
        .merge(crate::dossiers::citizen::routes())
        .merge(crate::dossiers::papers::routes())
        .merge(crate::dossiers::office::routes())
        .merge(crate::dossiers::assignment::routes())
        .merge(crate::dossiers::calendar_http::routes())
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
        .merge(crate::events::admin::routes())
        .merge(crate::api::routes())
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
