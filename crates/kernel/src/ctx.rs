//! The platform's context: what every request handler, job and module receives. It knows no
//! module: the binary hands it what the modules declare ([`Wiring`]) and runs their start-up work.

use crate::config::Config;
use crate::db::Db;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// The platform's context, handed to every handler, middleware, job and module. Cloned for
/// each request by every layer that takes it as state, so it is one shared pointer: a profile
/// of `/healthz` spent a quarter of the server's time cloning and dropping the dozen `Arc`s it
/// held when it was a plain struct. Fields read through `Deref`; a test that changes one gets
/// its own copy (`DerefMut`, copy on write).
#[derive(Clone)]
pub struct Ctx(Arc<Shared>);

/// What [`Ctx`] holds.
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    /// Key for CSRF tokens; kept in the database so every node has the same one.
    pub secret: Arc<Vec<u8>>,
    pub metrics: Option<PrometheusHandle>,
    pub storage: Arc<dyn object_store::ObjectStore>,
    /// Keys kept outside the database (audit checkpoints, TOTP secrets at rest).
    pub keys: Arc<crate::keys::Keys>,
    /// The node's SMTP client and its kept connections, built once.
    pub mailer: Arc<crate::mail::Mailer>,
    /// Who reacts to events (`events::emit` queues a delivery for each one wanting the kind).
    pub subscriptions: Arc<Vec<&'static crate::events::Subscription>>,
    /// Wakes this node's runner when a transaction with events commits (`events::committed`).
    pub wake: Arc<tokio::sync::Notify>,
    /// The modules' periodic work, run by every node's runner.
    pub sweeps: Arc<Vec<&'static crate::module::Sweep>>,
    /// The notification topics the modules declare, for the preferences page.
    pub topics: Arc<Vec<&'static crate::notify::Topic>>,
    /// The kinds of job the modules queue, for the runner to find their work.
    pub job_kinds: Arc<Vec<&'static crate::module::JobKind>>,
    /// The kinds of record the modules let others refer to.
    pub references: Arc<Vec<&'static crate::module::Reference>>,
    /// The links the modules offer on each other's records.
    pub links: Arc<Vec<&'static crate::module::RecordLink>>,
    /// The module that checks PDF signatures, if the platform has one.
    pub signature_checker: Option<&'static crate::signing::SignatureChecker>,
    /// The module that signs PDFs with people's certificates, if the platform has one.
    pub pdf_signer: Option<&'static crate::signing::PdfSigner>,
    /// The modules' protocol path prefixes, where no CSRF token is asked (`Module::protocol_paths`).
    pub protocol_paths: Arc<Vec<&'static str>>,
    /// The figures the modules publish (`Module::kpis`), in table order: the operations centre
    /// finds their counting declarations here without knowing the modules.
    pub kpis: Arc<Vec<&'static crate::module::Kpi>>,
    /// The business figures the modules add to `/metrics` (`Module::gauges`).
    pub gauges: Arc<Vec<&'static crate::module::GaugeSource>>,
    /// The open datasets the modules publish about themselves (`Module::datasets`), each with
    /// its module's name: the open-data portal keeps a copy of each without knowing the modules.
    pub datasets: Arc<Vec<(&'static str, &'static crate::module::Dataset)>>,
    /// The figures of closed periods this node counted for the published statistics
    /// (`periods`): empty at start, each copy counted again after a day.
    pub kept: Arc<crate::periods::Kept>,
}

/// What the modules plug into the platform's context at start.
#[derive(Default)]
pub struct Wiring {
    /// Each module's migrations, run after the kernel's baseline.
    pub migrations: Vec<crate::migrate::ModuleMigrations>,
    pub subscriptions: Vec<&'static crate::events::Subscription>,
    pub sweeps: Vec<&'static crate::module::Sweep>,
    pub topics: Vec<&'static crate::notify::Topic>,
    pub job_kinds: Vec<&'static crate::module::JobKind>,
    pub references: Vec<&'static crate::module::Reference>,
    pub links: Vec<&'static crate::module::RecordLink>,
    pub signature_checker: Option<&'static crate::signing::SignatureChecker>,
    pub pdf_signer: Option<&'static crate::signing::PdfSigner>,
    pub protocol_paths: Vec<&'static str>,
    pub kpis: Vec<&'static crate::module::Kpi>,
    pub gauges: Vec<&'static crate::module::GaugeSource>,
    pub datasets: Vec<(&'static str, &'static crate::module::Dataset)>,
}

impl Ctx {
    /// Connects to the database and brings its schema up to date, then loads the server secret,
    /// the object store and the keys (refusing keys that do not match this database).
    pub async fn start(
        config: Config,
        metrics: Option<PrometheusHandle>,
        wiring: Wiring,
    ) -> anyhow::Result<Ctx> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate(&wiring.migrations).await?;
        let secret = crate::settings::server_secret(&db).await?;
        let storage = crate::storage::open(&config)?;
        let keys = crate::keys::Keys::load(&config)?;
        keys.check_against(&db).await?;
        let db = db.with_audit_key(keys.audit);
        // One kept connection for each job the runner works at once.
        let mailer = Arc::new(crate::mail::Mailer::new(
            &config.smtp,
            config.jobs.concurrency(db.backend),
        ));
        Ok(Ctx(Arc::new(Shared {
            db,
            config: Arc::new(config),
            secret: Arc::new(secret),
            metrics,
            storage,
            keys: Arc::new(keys),
            mailer,
            subscriptions: Arc::new(wiring.subscriptions),
            wake: Arc::new(tokio::sync::Notify::new()),
            sweeps: Arc::new(wiring.sweeps),
            topics: Arc::new(wiring.topics),
            job_kinds: Arc::new(wiring.job_kinds),
            references: Arc::new(wiring.references),
            links: Arc::new(wiring.links),
            signature_checker: wiring.signature_checker,
            pdf_signer: wiring.pdf_signer,
            protocol_paths: Arc::new(wiring.protocol_paths),
            kpis: Arc::new(wiring.kpis),
            gauges: Arc::new(wiring.gauges),
            datasets: Arc::new(wiring.datasets),
            kept: Arc::default(),
        })))
    }
}

impl std::ops::Deref for Ctx {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::ops::DerefMut for Ctx {
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}
