//! The application state and the router: every route of the platform, and the layers every
//! request passes through (request id, logging, metrics, body limit, CSRF, compression, security
//! headers).

use crate::config::Config;
use crate::events::Subscription;
use crate::module::{Module, Routes};
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
pub use tinhso_kernel::Ctx as AppState;

/// The modules of this platform, in start-up order (each after those it depends on). The one
/// place that knows the list.
pub const MODULES: &[&Module] = &[
    &tinhso_kernel::platform::MODULE,
    &tinhso_directory::MODULE,
    &tinhso_accounts::MODULE,
    &tinhso_onestop::MODULE,
    &tinhso_feedback::MODULE,
    &tinhso_officialdocs::MODULE,
    &tinhso_signatures::MODULE,
    &tinhso_tasks::MODULE,
    &tinhso_ops::MODULE,
    &tinhso_opendata::MODULE,
    &crate::portal::MODULE,
];

/// Starts the platform's context, then runs each module's start-up work (upgrades of stored
/// data, each a no-op when already done) in module order.
pub async fn start(config: Config, metrics: Option<PrometheusHandle>) -> anyhow::Result<AppState> {
    start_with(config, metrics, Vec::new()).await
}

/// Every module's templates, translations and menu entries, for the pages (done once per
/// process).
pub fn install_assets() {
    crate::web::assets::install(MODULES.iter().map(|m| m.assets).collect());
    crate::web::menu::install(MODULES.iter().flat_map(|m| m.menu.iter()).collect());
}

/// The application with `extra` subscriptions besides the modules' (tests add subscribers that
/// record, fail or poison on purpose).
pub async fn start_with(
    config: Config,
    metrics: Option<PrometheusHandle>,
    extra: Vec<&'static Subscription>,
) -> anyhow::Result<AppState> {
    start_extended(config, metrics, extra, Vec::new()).await
}

/// The application with `subscriptions` and `job_kinds` besides the modules' (tests declare
/// their own to observe the runner).
pub async fn start_extended(
    config: Config,
    metrics: Option<PrometheusHandle>,
    subscriptions: Vec<&'static Subscription>,
    job_kinds: Vec<&'static crate::module::JobKind>,
) -> anyhow::Result<AppState> {
    // Also checked by `Config::load`; again here for a configuration built in code.
    config.exchange.check()?;
    install_assets();
    let mut all = self::subscriptions();
    all.extend(subscriptions);
    refuse_twice("event subscriptions", all.iter().map(|s| s.name))?;
    let mut kinds: Vec<_> = MODULES
        .iter()
        .flat_map(|m| m.jobs.iter().copied())
        .collect();
    kinds.extend(job_kinds);
    refuse_twice("job kinds", kinds.iter().map(|k| k.name))?;
    let wiring = crate::ctx::Wiring {
        migrations: migrations(),
        subscriptions: all,
        sweeps: MODULES
            .iter()
            .flat_map(|m| m.sweeps.iter().copied())
            .collect(),
        topics: topics(),
        job_kinds: kinds,
        references: MODULES
            .iter()
            .flat_map(|m| m.references.iter().copied())
            .collect(),
        links: MODULES
            .iter()
            .flat_map(|m| m.links.iter().copied())
            .collect(),
        signature_checker: signature_checker()?,
        pdf_signer: pdf_signer()?,
        protocol_paths: protocol_paths()?,
        kpis: kpis(),
        gauges: MODULES
            .iter()
            .flat_map(|m| m.gauges.iter().copied())
            .collect(),
        datasets: datasets(),
    };
    let ctx = crate::ctx::Ctx::start(config, metrics, wiring).await?;
    for module in MODULES {
        for startup in module.startup {
            startup(&ctx)
                .await
                .map_err(|e| e.context(format!("start-up of module {}", module.name)))?;
        }
    }
    if ctx.config.search_index {
        // After the modules' start-up; what their backfills index later reaches it through the
        // change log.
        tinhso_kernel::search::sync::attach(&ctx.db, ctx.config.data_dir.join("search-index"))
            .await?;
    }
    Ok(ctx)
}

/// Every module's background upgrades of stored rows, in module order (`kernel::backfill`).
pub fn backfills() -> Vec<&'static tinhso_kernel::module::Backfill> {
    MODULES
        .iter()
        .flat_map(|m| m.backfills.iter().copied())
        .collect()
}

/// Every module's migrations, in module order (the kernel orders them by version).
pub fn migrations() -> Vec<tinhso_kernel::migrate::ModuleMigrations> {
    MODULES
        .iter()
        .map(|m| tinhso_kernel::migrate::ModuleMigrations {
            module: m.name,
            files: m.migrations,
        })
        .collect()
}

/// Refuses two declarations under one name (a stored delivery or job names its handler).
fn refuse_twice<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> anyhow::Result<()> {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
        anyhow::bail!("two {what} are named {}", twice[0]);
    }
    Ok(())
}

/// The modules' protocol path prefixes, each a folder of its own (`/pki/`): a prefix such as
/// `/` or `/office` would switch CSRF protection off for pages.
fn protocol_paths() -> anyhow::Result<Vec<&'static str>> {
    let paths: Vec<&'static str> = MODULES
        .iter()
        .flat_map(|m| m.protocol_paths.iter().copied())
        .collect();
    for path in &paths {
        let folder = path.strip_prefix('/').and_then(|p| p.strip_suffix('/'));
        let reserved = ["api", "office", "admin", "account", "auth", "static"];
        if folder.is_none_or(|f| f.is_empty() || f.contains('/') || reserved.contains(&f)) {
            anyhow::bail!("protocol path {path:?} must be one folder of its own, like \"/pki/\"");
        }
    }
    refuse_twice("protocol paths", paths.iter().copied())?;
    Ok(paths)
}

/// The one module that checks PDF signatures, if any; two would be a wiring mistake.
fn signature_checker() -> anyhow::Result<Option<&'static tinhso_kernel::signing::SignatureChecker>>
{
    let mut checkers = MODULES.iter().filter_map(|m| m.signature_checker);
    let first = checkers.next();
    if checkers.next().is_some() {
        anyhow::bail!("two modules check signatures");
    }
    Ok(first)
}

/// The one module that signs PDFs with people's certificates, if any.
fn pdf_signer() -> anyhow::Result<Option<&'static tinhso_kernel::signing::PdfSigner>> {
    let mut signers = MODULES.iter().filter_map(|m| m.pdf_signer);
    let first = signers.next();
    if signers.next().is_some() {
        anyhow::bail!("two modules sign PDFs");
    }
    Ok(first)
}

/// Every module's routes.
pub fn all_routes() -> Routes {
    MODULES
        .iter()
        .fold(Routes::new("platform"), |all, m| all.merge((m.routes)()))
}

/// The event subscriptions the modules declare; one wanting the events datasets refresh on
/// (`Subscription::on_dataset_events`) gets their union, computed and leaked once.
pub fn subscriptions() -> Vec<&'static Subscription> {
    static EXPANDED: std::sync::OnceLock<Vec<&'static Subscription>> = std::sync::OnceLock::new();
    EXPANDED
        .get_or_init(|| {
            let kinds: &'static [&'static str] = Vec::leak(crate::module::dataset::refresh_kinds(
                datasets().into_iter().map(|(_, d)| d),
            ));
            MODULES
                .iter()
                .flat_map(|m| m.subscriptions.iter().copied())
                .map(|s| {
                    if s.on_dataset_events {
                        &*Box::leak(Box::new(s.with_kinds(kinds)))
                    } else {
                        s
                    }
                })
                .collect()
        })
        .clone()
}

/// Every notification topic the modules declare, for the preferences page.
pub fn topics() -> Vec<&'static crate::notify::Topic> {
    MODULES
        .iter()
        .flat_map(|m| m.topics.iter().copied())
        .collect()
}

/// The figures the modules publish, in table order.
pub fn kpis() -> Vec<&'static crate::module::Kpi> {
    let mut all: Vec<_> = MODULES
        .iter()
        .flat_map(|m| m.kpis.iter().copied())
        .collect();
    all.sort_by_key(|k| k.order);
    all
}

/// The open datasets the modules publish about themselves, each with its module's name.
pub fn datasets() -> Vec<(&'static str, &'static crate::module::Dataset)> {
    MODULES
        .iter()
        .flat_map(|m| m.datasets.iter().map(|d| (m.name, *d)))
        .collect()
}

/// What the portal's search box asks, in section order.
pub fn search_sources() -> Vec<&'static crate::module::SearchSource> {
    let mut all: Vec<_> = MODULES
        .iter()
        .flat_map(|m| m.search.iter().copied())
        .collect();
    all.sort_by_key(|s| s.order);
    all
}

/// Every declared route, with the access it needs: for the permission tests and the docs.
pub fn route_table() -> Vec<crate::module::RouteInfo> {
    all_routes().table().to_vec()
}

/// The OpenAPI document: the platform's description with every module's API operations.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| crate::api::document(all_routes().openapi().clone()))
}

pub fn router(state: AppState) -> Router {
    install_assets();
    let request_id = HeaderName::from_static("x-request-id");
    let security_headers = crate::web::headers::layers(&state.config.map);
    let router = all_routes()
        .into_router(&state)
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
        .layer(middleware::from_fn(edge::plain_errors_as_problems))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_listed_after_what_they_depend_on_and_named_once() {
        let mut seen: Vec<&str> = Vec::new();
        for m in MODULES {
            assert!(!seen.contains(&m.name), "module {} is listed twice", m.name);
            for dependency in m.depends_on {
                assert!(
                    seen.contains(dependency),
                    "module {} needs {dependency} listed before it",
                    m.name
                );
            }
            seen.push(m.name);
        }
    }

    #[test]
    fn no_two_declarations_serve_the_same_method_and_path() {
        let mut routes: Vec<(String, String)> = route_table()
            .into_iter()
            .map(|r| (r.method.to_string(), r.path))
            .collect();
        let all = routes.len();
        routes.sort();
        routes.dedup();
        assert_eq!(routes.len(), all, "a method and path are declared twice");
    }
}
