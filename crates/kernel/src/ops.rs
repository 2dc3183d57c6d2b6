//! Operations endpoints: liveness, readiness (the database answers) and Prometheus metrics.

use crate::Ctx;
use crate::error::AppError;
use crate::module::{Access, Routes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use subtle::ConstantTimeEq;

pub const METRICS_PATH: &str = "/metrics";

pub fn routes() -> Routes {
    Routes::new("platform")
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
        .get(METRICS_PATH, Access::Scope("metrics"), metrics_page)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<Ctx>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The Prometheus figures, for the operator token only (`metrics_token`): route names, job
/// counts and pool sizes are not for the public.
async fn metrics_page(State(state): State<Ctx>, headers: HeaderMap) -> Response {
    let Some(expected) = state
        .config
        .metrics_token
        .as_ref()
        .map(|t| t.0.as_str())
        .filter(|t| !t.is_empty())
    else {
        return AppError::NotFound.into_problem();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(presented.trim().as_bytes().ct_eq(expected.as_bytes())) {
        return AppError::Unauthorized.into_problem();
    }
    metrics::gauge!("db_pool_connections").set(state.db.pool.size() as f64);
    metrics::gauge!("db_pool_idle_connections").set(state.db.pool.num_idle() as f64);
    if let Ok(counts) = crate::jobs::counts(&state.db).await {
        for (status, n) in counts {
            metrics::gauge!("jobs", "status" => status).set(n as f64);
        }
    }
    if let Ok(counts) = crate::events::counts(&state).await {
        // Every status, 0 included: a dead letter retried must not leave its gauge at 1.
        for status in ["pending", "running", "done", "dead", "skipped"] {
            let n = counts
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            metrics::gauge!("tinhso_outbox_deliveries", "status" => status).set(n as f64);
        }
    }
    crate::module::gauge::set_all(&state).await;
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Histograms keep every sample until they are drained: without this, memory grows with every
/// request when nobody scrapes `/metrics` (found by a 25-minute soak).
pub fn spawn_metrics_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
}
