//! Business figures a module adds to `/metrics` (`Module::gauges`), read at each scrape by the
//! operator's Prometheus: the operations centre's index for the province, for Grafana beside
//! the platform's own health. A source must read little (counters, never a scan of items): a
//! scrape comes every 15 to 60 seconds, and a failing source is logged and skipped, never
//! failing the scrape.

use super::BoxFut;
use crate::Ctx;

/// One gauge value: a metric name (`tinhso_<module>_…`), its labels, its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    pub name: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

/// What a module reads for `/metrics`.
pub struct GaugeSource {
    /// Short and stable, `module.what`, named in the log when reading fails.
    pub name: &'static str,
    pub read: for<'a> fn(&'a Ctx) -> BoxFut<'a, anyhow::Result<Vec<Gauge>>>,
}

/// Sets every module's gauges (called by the `/metrics` handler before rendering).
pub async fn set_all(ctx: &Ctx) {
    for source in ctx.gauges.iter() {
        match (source.read)(ctx).await {
            Ok(gauges) => {
                for g in gauges {
                    let labels: Vec<metrics::Label> = g
                        .labels
                        .into_iter()
                        .map(|(k, v)| metrics::Label::new(k, v))
                        .collect();
                    metrics::gauge!(g.name, labels).set(g.value);
                }
            }
            Err(e) => tracing::warn!(source = source.name, error = %e, "gauges not read"),
        }
    }
}
