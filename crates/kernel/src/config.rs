//! Configuration: defaults, then an optional TOML file, then `TINHSO_*` environment variables
//! (and `DATABASE_URL`). Any setting named `*_file` in the environment (e.g.
//! `TINHSO_SMTP_PASSWORD_FILE`) is read from that file, so secrets stay out of the environment.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` or `[::]:8080`.
    pub listen: String,
    /// `sqlite://data/tinhso.db` by default; `postgres://…` for PostgreSQL.
    pub database_url: String,
    /// Folder for the embedded database, uploaded files and backups.
    pub data_dir: PathBuf,
    /// The address citizens use to reach the portal (links in emails and QR codes).
    pub public_url: String,
    /// `text` or `json`.
    pub log_format: String,
    pub smtp: SmtpConfig,
    pub oidc: Option<OidcConfig>,
    pub storage: StorageConfig,
    /// Mark session cookies `Secure` (turn on behind HTTPS).
    pub secure_cookies: bool,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Whether this node runs background jobs.
    pub run_jobs: bool,
    /// How the node runs background jobs.
    #[serde(default)]
    pub jobs: JobsConfig,
    /// Name of this node in logs and job locks.
    pub node_name: String,
    /// The map citizens pick a point on (when their browser runs JavaScript).
    pub map: MapConfig,
    /// The bearer token Prometheus presents to read `/metrics` (`TINHSO_METRICS_TOKEN_FILE`).
    /// Without one, `/metrics` is not served: the figures are for operators only.
    #[serde(default)]
    pub metrics_token: Option<Secret>,
    /// Checkpoints of the audit chain kept outside the database.
    #[serde(default)]
    pub audit: AuditConfig,
    /// Key that encrypts TOTP secrets at rest: 32 random bytes as 64 hex digits (or base64),
    /// best given as `TINHSO_TOTP_KEY_FILE`. When absent, one is generated into
    /// `data_dir/keys/totp.key`.
    #[serde(default)]
    pub totp_key: Option<Secret>,
    /// Key that encrypts the demo certificate authority's private keys at rest, like
    /// `totp_key` (`TINHSO_PKI_KEY_FILE`; generated into `data_dir/keys/pki.key` when absent).
    #[serde(default)]
    pub pki_key: Option<Secret>,
    /// The events outbox.
    #[serde(default)]
    pub events: EventsConfig,
    /// Whether this node keeps the embedded search index in `data_dir/search-index`
    /// (docs/search.md); off, searches use the database's full-text index alone.
    #[serde(default = "default_true")]
    pub search_index: bool,
    /// Checking digital signatures.
    #[serde(default)]
    pub signatures: SignaturesConfig,
    /// The edXML exchange with other platforms (docs/signatures-design.md §7).
    #[serde(default)]
    pub exchange: ExchangeConfig,
    /// The open data portal.
    #[serde(default)]
    pub opendata: OpenDataConfig,
}

/// The open data portal (`opendata`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OpenDataConfig {
    /// The code of the agency that publishes the platform's own datasets (the procedure
    /// catalog, the one-stop and feedback statistics, the directory), e.g. `000.00.00.H99`
    /// (`TINHSO_OPENDATA__PLATFORM_PUBLISHER`). Unset: the directory's first top-level agency.
    #[serde(default)]
    pub platform_publisher: Option<String>,
}

/// The edXML exchange (`exchange`): this platform's key and the peers it trades documents with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExchangeConfig {
    /// The name this platform goes by in its peers' `exchange.peers` (sent as `Tinhso-Peer`).
    #[serde(default = "default_exchange_id")]
    pub id: String,
    /// The exchange key, a P-256 private scalar as 64 hex digits (`TINHSO_EXCHANGE__KEY_FILE`);
    /// when absent one is generated into `data_dir/keys/exchange.key`. It signs the packages
    /// (XMLDSig) and the requests; `tinhso exchange key` prints its public half for peers.
    #[serde(default)]
    pub key: Option<Secret>,
    /// The next exchange key during a rotation (`TINHSO_EXCHANGE__NEXT_KEY_FILE`; when absent,
    /// `data_dir/keys/exchange.next.key` if `tinhso exchange rotate-key` wrote it). It signs
    /// nothing: its public half is announced (`tinhso exchange key --next`, `/admin/exchange`)
    /// so that every peer lists it beside the current one before the operator switches to it
    /// (docs/signatures-design.md §7, key rotation).
    #[serde(default)]
    pub next_key: Option<Secret>,
    /// The platforms this one exchanges with (`[[exchange.peers]]` in the TOML file).
    #[serde(default)]
    pub peers: Vec<PeerConfig>,
    /// Largest package accepted (bytes; the server's `max_body_bytes` caps it too).
    #[serde(default = "default_max_package")]
    pub max_package_bytes: usize,
    /// Hours after its first attempt within which a package must be accepted by the peer;
    /// past them the delivery is marked failed ("gửi thất bại") and the sending clerks told.
    #[serde(default = "default_fail_after_hours")]
    pub fail_after_hours: u32,
}

fn default_fail_after_hours() -> u32 {
    72
}

fn default_exchange_id() -> String {
    "tinhso".into()
}

fn default_max_package() -> usize {
    64 * 1024 * 1024
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            id: default_exchange_id(),
            key: None,
            next_key: None,
            peers: Vec::new(),
            max_package_bytes: default_max_package(),
            fail_after_hours: default_fail_after_hours(),
        }
    }
}

/// One peer platform (`exchange.peers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// The name both sides use for it in `Tinhso-Peer`, e.g. `vpcp`.
    pub id: String,
    /// Where its exchange endpoint lives: `{base_url}/exchange/v1/messages`.
    pub base_url: String,
    /// The agency codes it speaks for: exact codes (`000.00.00.G22`) or `*.H38` (any code
    /// ending so).
    pub organ_ids: Vec<String>,
    /// Its exchange key: a PEM certificate or PEM public key (P-256); or a list of them during
    /// its key rotation (`cert_file = ["old.pem", "new.pem"]`), when a request or package
    /// signed by either is accepted.
    #[serde(deserialize_with = "one_or_many_paths")]
    pub cert_file: Vec<PathBuf>,
    /// Accept SHA-1 signatures from it (not supported yet: refused at start).
    #[serde(default)]
    pub legacy_sha1: bool,
}

/// A path, or a list of paths (`cert_file = "a.pem"` or `cert_file = ["a.pem", "b.pem"]`).
fn one_or_many_paths<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(path) => vec![path],
        OneOrMany::Many(paths) => paths,
    })
}

/// Whether agency code `code` matches a peer's pattern: `000.00.00.G22` matches itself;
/// `*.H38` matches any longer code ending in `.H38`.
pub fn organ_pattern_matches(pattern: &str, code: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => !suffix.is_empty() && code.ends_with(suffix) && code.len() > suffix.len(),
        None => pattern == code,
    }
}

/// Whether some agency code matches both patterns.
pub fn organ_patterns_overlap(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (None, None) => a == b,
        (Some(_), None) => organ_pattern_matches(a, b),
        (None, Some(_)) => organ_pattern_matches(b, a),
        // `*.H38` and `*8`: a code ending in the longer suffix (with something before it) ends
        // in both.
        (Some(x), Some(y)) => !x.is_empty() && !y.is_empty() && (x.ends_with(y) || y.ends_with(x)),
    }
}

impl ExchangeConfig {
    /// Refuses a peer list that is ambiguous: two peers with one id, a pattern that matches
    /// nothing, or one agency code that two peers' patterns both match (statuses, recalls and
    /// deliveries must each have exactly one peer).
    pub fn check(&self) -> anyhow::Result<()> {
        for (i, p) in self.peers.iter().enumerate() {
            anyhow::ensure!(!p.id.trim().is_empty(), "exchange.peers: a peer has no id");
            anyhow::ensure!(
                (1..=4).contains(&p.cert_file.len()),
                "exchange peer {}: cert_file must name one key file, or a list of up to 4 during a key rotation",
                p.id
            );
            for pattern in &p.organ_ids {
                anyhow::ensure!(
                    !pattern.is_empty()
                        && pattern != "*"
                        && !pattern.chars().skip(1).any(|c| c == '*'),
                    "exchange peer {}: organ_ids entry {pattern:?} is not an agency code or `*.SUFFIX`",
                    p.id
                );
            }
            for q in &self.peers[i + 1..] {
                anyhow::ensure!(
                    p.id != q.id,
                    "exchange.peers: the id {} is used twice",
                    p.id
                );
                for a in &p.organ_ids {
                    if let Some(b) = q.organ_ids.iter().find(|b| organ_patterns_overlap(a, b)) {
                        anyhow::bail!(
                            "exchange peers {} and {} overlap: their organ_ids {a} and {b} both match some agency code; \
                             each agency code must map to one peer",
                            p.id,
                            q.id
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

/// Checking digital signatures (`signatures`): what is trusted. Nothing is bundled: a
/// province configures the national roots (docs/signatures-design.md §5).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignaturesConfig {
    /// A PEM file of the root certificates signatures are checked against
    /// (`TINHSO_SIGNATURES__TRUST_ANCHORS_FILE`). Read at each check, so a change applies at once.
    #[serde(default)]
    pub trust_anchors_file: Option<PathBuf>,
    /// A PEM file of intermediate CA certificates that signers' files may leave out.
    #[serde(default)]
    pub intermediates_file: Option<PathBuf>,
    /// Ask the OCSP responders and CRL addresses named in certificates when a file carries no
    /// revocation answer (`TINHSO_SIGNATURES__ONLINE_REVOCATION`, on by default). Off, such
    /// signatures are reported with "cannot check revocation".
    #[serde(default = "default_true")]
    pub online_revocation: bool,
    /// Host names revocation fetching may reach on private or loopback addresses, besides
    /// `public_url`'s host (a provincial CA inside the government network), e.g.
    /// `TINHSO_SIGNATURES__FETCH_ALLOW_HOSTS='["ocsp.ca.tinh.gov.vn"]'`. Everything else must
    /// resolve to public addresses (the guard against server-side request forgery).
    #[serde(default)]
    pub fetch_allow_hosts: Vec<String>,
    /// An external RFC 3161 timestamp authority signatures are timestamped by
    /// (`TINHSO_SIGNATURES__TSA_URL`, e.g. `http://tsa.ca.gov.vn/tsa`): requests are posted as
    /// `application/timestamp-query` through the same guard as revocation fetching (a private
    /// address only for a host in `fetch_allow_hosts`), and the answer's status, imprint, nonce
    /// and TSA certificate chain (to the trust anchors) are checked before it is used. Unset,
    /// the demo CA's TSA answers in process (the demo only: without a demo CA nothing can be
    /// timestamped).
    #[serde(default)]
    pub tsa_url: Option<String>,
    /// The agencies' seals kept in a hardware security module (PKCS#11), one entry per agency
    /// (`[[signatures.agency_keys]]` in the TOML file): at issue, the seal of an agency listed
    /// here is made by its key on the token instead of a demo software key. Each key is opened
    /// at start; any failure stops the start (docs/signatures-design.md §4).
    #[serde(default)]
    pub agency_keys: Vec<AgencyKeyConfig>,
    /// Serve and use the test remote-signing provider ("Ký số từ xa — nhà cung cấp THỬ
    /// NGHIỆM", no legal value: `TINHSO_SIGNATURES__TEST_REMOTE_PROVIDER=true`): its API under
    /// `/test-remote-signing/v1/`, called over HTTP at `public_url` like any provider, and its
    /// "phone" page where officials confirm. For the demo and tests only.
    #[serde(default)]
    pub test_remote_provider: bool,
}

/// One agency's seal key on a PKCS#11 token (`signatures.agency_keys`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyKeyConfig {
    /// The agency's code (mã định danh, e.g. `000.00.01.H56`) or its id.
    pub agency: String,
    /// The vendor's PKCS#11 library, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The token's label (`CKA_LABEL` of the token, as `pkcs11-tool --list-slots` shows it).
    pub token_label: String,
    /// The private key's `CKA_ID` in hex (`pkcs11-tool --id`).
    pub key_id: String,
    /// A file holding the token's user PIN (and nothing else; mode 0600). The PIN is never
    /// kept in the configuration.
    pub pin_file: PathBuf,
    /// The key's `CKA_LABEL`, when the id alone does not single it out.
    #[serde(default)]
    pub key_label: Option<String>,
    /// Sessions the token may use at once (default 4; 1 for modules that allow one).
    #[serde(default)]
    pub max_sessions: Option<usize>,
}

impl Default for SignaturesConfig {
    fn default() -> Self {
        Self {
            trust_anchors_file: None,
            intermediates_file: None,
            online_revocation: true,
            fetch_allow_hosts: Vec::new(),
            tsa_url: None,
            agency_keys: Vec::new(),
            test_remote_provider: false,
        }
    }
}

fn default_true() -> bool {
    true
}

/// The events outbox (`events`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventsConfig {
    /// Days a delivered (or skipped) event is kept before the hourly `outbox.purge` deletes it.
    #[serde(default = "default_keep_days")]
    pub keep_days: u32,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            keep_days: default_keep_days(),
        }
    }
}

fn default_keep_days() -> u32 {
    30
}

/// The audit trail's key and its checkpoints outside the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditConfig {
    /// The key that seals every audit row (HMAC-SHA256) and signs the checkpoints of the chain
    /// written to the object store (`audit-anchors/`) and the log: 32 random bytes as 64 hex
    /// digits (or base64), best given as `TINHSO_AUDIT__KEY_FILE`. Never in the database. When
    /// absent, one is generated into `data_dir/keys/audit.key`.
    #[serde(default)]
    pub key: Option<Secret>,
    /// Minutes between checkpoints taken by the job runner (only when the chain moved).
    #[serde(default = "default_checkpoint_minutes")]
    pub checkpoint_minutes: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            key: None,
            checkpoint_minutes: default_checkpoint_minutes(),
        }
    }
}

fn default_checkpoint_minutes() -> u64 {
    5
}

/// The job runner.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobsConfig {
    /// Jobs one node works at once, and SMTP connections it keeps open. Unset: 8 on PostgreSQL,
    /// and on SQLite its connection pool's size (4).
    #[serde(default)]
    pub concurrency: Option<usize>,
}

impl JobsConfig {
    /// The configured concurrency, or the default for the database; at least one.
    pub fn concurrency(&self, backend: crate::db::Backend) -> usize {
        let default = match backend {
            crate::db::Backend::Postgres => 8,
            crate::db::Backend::Sqlite => crate::db::Backend::Sqlite.pool_size() as usize,
        };
        self.concurrency.unwrap_or(default).max(1)
    }
}

/// A secret setting: read like a string, never printed by `Debug`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Map tiles for the location picker. OpenStreetMap's public tiles suit a demo; a province
/// serving many citizens runs its own tile server or uses a provider (OSM's tile policy).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapConfig {
    /// A `{z}/{x}/{y}` tile URL template, or empty to turn the map off (points are then typed
    /// or taken from the phone's location).
    pub tiles: String,
    pub attribution: String,
    /// Where the map opens when no point is chosen yet: latitude, longitude, zoom.
    pub center: [f64; 3],
}

impl Default for MapConfig {
    fn default() -> Self {
        Self {
            tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            attribution: "© OpenStreetMap".into(),
            center: [19.8067, 105.7852, 13.0],
        }
    }
}

impl MapConfig {
    /// The tile server's origin (`https://host:port`), which pages must be allowed to load
    /// images from.
    pub fn tile_origin(&self) -> Option<String> {
        // `{s}` stands for the a/b/c subdomains Leaflet spreads requests over: allow them all.
        let url = url::Url::parse(&self.tiles.replace("{s}", "a").replace(['{', '}'], "")).ok()?;
        let origin = url.origin().ascii_serialization();
        let origin = if self.tiles.contains("://{s}.") {
            origin.replacen("://a.", "://*.", 1)
        } else {
            origin
        };
        matches!(url.scheme(), "http" | "https").then_some(origin)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// `none` (a local relay), `starttls` (port 587) or `tls` (port 465).
    #[serde(default = "default_tls")]
    pub tls: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

/// Where uploaded and generated files live: a local folder (`data/files`) or any
/// S3-compatible object store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StorageConfig {
    /// `local` or `s3`.
    pub kind: String,
    pub bucket: String,
    /// For S3-compatible stores other than AWS, e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain-HTTP endpoint (a store on the same private network).
    pub allow_http: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            kind: "local".into(),
            bucket: String::new(),
            endpoint: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub display_name: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: String::new(),
            data_dir: PathBuf::from("data"),
            public_url: "http://127.0.0.1:8080".into(),
            log_format: "text".into(),
            smtp: SmtpConfig {
                host: "127.0.0.1".into(),
                port: 2525,
                tls: default_tls(),
                username: None,
                password: None,
                from: "Tỉnh Số <no-reply@tinhso.local>".into(),
            },
            oidc: None,
            storage: StorageConfig::default(),
            secure_cookies: false,
            max_body_bytes: 20 * 1024 * 1024,
            run_jobs: true,
            jobs: JobsConfig::default(),
            node_name: format!("node-{}", std::process::id()),
            map: MapConfig::default(),
            metrics_token: None,
            audit: AuditConfig::default(),
            totp_key: None,
            pki_key: None,
            events: EventsConfig::default(),
            search_index: true,
            signatures: SignaturesConfig::default(),
            exchange: ExchangeConfig::default(),
            opendata: OpenDataConfig::default(),
        }
    }
}

fn default_tls() -> String {
    "none".into()
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let default_file = Path::new("tinhso.toml");
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if default_file.exists() => figment = figment.merge(Toml::file(default_file)),
            None => {}
        }
        resolve_file_secrets()?;
        figment = figment.merge(Env::prefixed("TINHSO_").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        let mut config: Config = figment.extract()?;
        if config.database_url.is_empty() {
            config.database_url =
                format!("sqlite://{}", config.data_dir.join("tinhso.db").display());
        }
        // 0 would fail every delivery at once; a window of years would push the sweep's cutoff
        // out of the calendar's range. A month is far beyond any peer's outage.
        let hours = config.exchange.fail_after_hours;
        if !(1..=720).contains(&hours) {
            anyhow::bail!(
                "exchange.fail_after_hours must be between 1 and 720 (hours), not {hours}"
            );
        }
        config.exchange.check()?;
        Ok(config)
    }
}

/// Turns every `TINHSO_X_FILE=/path` into `TINHSO_X=<contents>` before the environment is read.
#[allow(unsafe_code)] // `env::set_var`, the platform's one unsafe call (see SAFETY below)
fn resolve_file_secrets() -> anyhow::Result<()> {
    let pairs: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| {
            (k.starts_with("TINHSO_") || k == "DATABASE_URL_FILE") && k.ends_with("_FILE")
        })
        .collect();
    for (key, path) in pairs {
        let value = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {key}={path}: {e}"))?;
        let target = key.trim_end_matches("_FILE").to_owned();
        // SAFETY: called once at start-up, before any thread that reads the environment starts.
        unsafe { std::env::set_var(target, value.trim_end()) };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_peer_patterns_are_refused_at_load() {
        let table = [
            ("000.00.00.G22", "000.00.00.G22", true),
            ("000.00.00.G22", "000.00.01.G22", false),
            ("*.H38", "000.00.14.H38", true),
            ("000.00.14.H38", "*.H38", true),
            ("*.H38", "*.H56", false),
            ("*.H38", "*.14.H38", true),
            ("*8", "*.H38", true),
            ("*.H38", ".H38", false),
        ];
        for (a, b, overlap) in table {
            assert_eq!(organ_patterns_overlap(a, b), overlap, "{a} {b}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tinhso.toml");
        let peers = |a: &str, b: &str| {
            format!(
                "[[exchange.peers]]\nid = \"a\"\nbase_url = \"https://a\"\norgan_ids = [\"{a}\"]\ncert_file = \"/a.pem\"\n\
                 [[exchange.peers]]\nid = \"b\"\nbase_url = \"https://b\"\norgan_ids = [\"000.00.00.G22\", \"{b}\"]\ncert_file = \"/b.pem\"\n"
            )
        };
        std::fs::write(&path, peers("*.H38", "*.H56")).unwrap();
        assert_eq!(Config::load(Some(&path)).unwrap().exchange.peers.len(), 2);
        std::fs::write(&path, peers("*.H38", "000.00.14.H38")).unwrap();
        let refused = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(
            refused.contains("exchange peers a and b overlap")
                && refused.contains("*.H38")
                && refused.contains("000.00.14.H38"),
            "{refused}"
        );
        std::fs::write(&path, peers("*", "*.H56")).unwrap();
        let refused = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(refused.contains("organ_ids entry \"*\""), "{refused}");
    }

    #[test]
    fn a_peer_s_cert_file_is_one_path_or_a_list_during_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tinhso.toml");
        let peer = |cert_file: &str| {
            format!(
                "[exchange]\nnext_key = \"{}\"\n[[exchange.peers]]\nid = \"a\"\nbase_url = \"https://a\"\norgan_ids = [\"000.00.00.G22\"]\ncert_file = {cert_file}\n",
                "11".repeat(32)
            )
        };
        std::fs::write(&path, peer("\"/a.pem\"")).unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(
            config.exchange.peers[0].cert_file,
            vec![PathBuf::from("/a.pem")]
        );
        assert!(config.exchange.next_key.is_some());
        std::fs::write(&path, peer("[\"/a-old.pem\", \"/a-new.pem\"]")).unwrap();
        assert_eq!(
            Config::load(Some(&path)).unwrap().exchange.peers[0].cert_file,
            vec![PathBuf::from("/a-old.pem"), PathBuf::from("/a-new.pem")]
        );
        std::fs::write(&path, peer("[]")).unwrap();
        let refused = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(
            refused.contains("cert_file must name one key file"),
            "{refused}"
        );
        std::fs::write(&path, peer("42")).unwrap();
        assert!(Config::load(Some(&path)).is_err());
    }

    #[test]
    fn agency_keys_read_from_the_file_and_a_pin_in_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tinhso.toml");
        std::fs::write(
            &path,
            r#"
[[signatures.agency_keys]]
agency = "000.00.60.H56"
module = "/usr/lib/softhsm/libsofthsm2.so"
token_label = "dau-hac-thanh"
key_id = "0a"
pin_file = "/etc/tinhso/hsm.pin"
max_sessions = 2
"#,
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        let keys = &config.signatures.agency_keys;
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].agency, "000.00.60.H56");
        assert_eq!(keys[0].pin_file, Path::new("/etc/tinhso/hsm.pin"));
        assert_eq!(
            (keys[0].key_label.as_deref(), keys[0].max_sessions),
            (None, Some(2))
        );

        // The PIN itself belongs in its file, never in the configuration.
        std::fs::write(
            &path,
            "[[signatures.agency_keys]]\nagency = \"x\"\nmodule = \"/m.so\"\ntoken_label = \"t\"\n\
             key_id = \"01\"\npin_file = \"/p\"\npin = \"123456\"\n",
        )
        .unwrap();
        let refused = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(refused.contains("pin"), "{refused}");
    }
}
