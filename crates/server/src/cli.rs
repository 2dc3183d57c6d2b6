//! The command line: one binary, one subcommand per operation.

// Subcommands print their results (exports, reports, keys) to standard output on purpose.
#![allow(clippy::print_stdout)]

use crate::app::router;
use crate::config::Config;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tinhso",
    version,
    about = "Tỉnh Số — nền tảng chính quyền số / digital-government platform"
)]
struct Cli {
    /// Configuration file (TOML). Defaults to ./tinhso.toml when present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// `text` or `json` logs.
    #[arg(long, global = true)]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database and loads the demo province when empty).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 or [::]:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Do not load the demo province into an empty database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo province (only into an empty directory).
    SeedDemo,
    /// Load COUNT fictional incoming documents (subject, text, search index) into an agency's
    /// register, to measure the documents module at scale (scripts/bench-documents).
    LoadSampleDocuments {
        count: usize,
        /// The agency whose incoming register receives them.
        #[arg(long, default_value = "000.00.14.H56")]
        agency: String,
    },
    /// Load COUNT fictional tasks of the demo province's People's Committee, assigned from 2022
    /// to yesterday to its units with their reports and extensions, then recount the
    /// operations centre's counters, to measure the tasks module at scale (scripts/bench-tasks).
    LoadSampleTasks {
        #[arg(default_value_t = 100_000)]
        count: usize,
    },
    /// Load COUNT fictional one-stop dossiers of the demo province from 2022 to yesterday, with
    /// feedback reports (one for 20 dossiers) and the People's Committee's tasks (one for 100),
    /// counted by the operations centre as they are written, to measure its index and dashboard
    /// at scale (scripts/bench-ops).
    LoadSampleOps {
        count: usize,
        /// Rows per transaction and writer.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
    },
    /// Load DATASETS fictional published datasets of the demo province's agencies (fields,
    /// tags, licences, a resource each), the first with a ROWS-row table in the datastore, to
    /// measure the open-data portal at scale (scripts/bench-opendata).
    LoadSampleOpendata {
        #[arg(default_value_t = 10_000)]
        datasets: usize,
        #[arg(default_value_t = 1_000_000)]
        rows: usize,
    },
    /// Read the platform's own open datasets (`Module::datasets`) as their refresh does, and
    /// print each read's rows, time and the SHA-256 of its CSV: the first read on a node, then
    /// the next ones, which take the figures of closed periods kept by the first
    /// (docs/opendata-design.md §10; the benchmark of docs/benchmarks.md).
    TimeDatasets {
        /// Only these datasets, by name; every one by default.
        names: Vec<String>,
        /// Read each this many times.
        #[arg(long, default_value_t = 2)]
        repeat: u32,
    },
    /// Import agencies from a UTF-8 CSV file.
    ImportAgencies {
        file: PathBuf,
        /// Import the good rows even when some rows are bad.
        #[arg(long)]
        partial: bool,
    },
    /// Write the agency directory as CSV (to stdout or a file).
    ExportAgencies {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Create a system administrator.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Code of the agency the administrator belongs to.
        #[arg(long)]
        agency: String,
        /// Read from TINHSO_ADMIN_PASSWORD when not given.
        #[arg(long, env = "TINHSO_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Audit trail operations.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The edXML exchange with other platforms.
    Exchange {
        #[command(subcommand)]
        command: ExchangeCommand,
    },
    /// Sign a document with the USB token plugged into this computer (PKCS#11): the
    /// certificate is read from the token, the platform prepares the PDF and sends the hash,
    /// the token signs it, and the platform completes and keeps the signed version. Talks to
    /// the platform only over HTTP, with an API token (scope `documents`).
    DeskSign {
        /// The platform's address, e.g. https://tinhso.thanhhoa.gov.vn.
        #[arg(long)]
        server: String,
        /// Your API token (scope `documents`); read from TINHSO_API_TOKEN when not given.
        #[arg(long, env = "TINHSO_API_TOKEN", hide_env_values = true)]
        token: String,
        /// The document's id.
        #[arg(long)]
        document: String,
        /// The token vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so.
        #[arg(long)]
        module: PathBuf,
        /// The token's label.
        #[arg(long)]
        token_label: String,
        /// A file holding the token's PIN, or `-` to read it from standard input.
        #[arg(long)]
        pin_file: PathBuf,
        /// The key's CKA_ID in hex (default: the token's one key with a certificate).
        #[arg(long)]
        key_id: Option<String>,
        /// The key's label.
        #[arg(long)]
        key_label: Option<String>,
        /// Where it is signed (/Location), e.g. "Thanh Hóa".
        #[arg(long)]
        location: Option<String>,
        /// Issue the document with the agency's seal from this token (the agency's certificate
        /// on the document clerk's token): the number is reserved, the token seals the
        /// leader-signed PDF, and the document is issued.
        #[arg(long, conflicts_with = "location")]
        seal: bool,
    },
    /// The demo certification authority (no legal value).
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// The operations centre's counters.
    Ops {
        #[command(subcommand)]
        command: OpsCommand,
    },
    /// Back up the database and every stored file into one archive (mode 0600), by default
    /// data/backups/tinhso-<time>.tar.gz. The keys (TOTP, audit anchor) are not in it.
    Backup {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore a backup archive into the configured database and file store (both empty, or
    /// replaced with --force; stop every server first). A damaged archive is refused whole.
    Restore {
        file: PathBuf,
        /// Replace a database and file store that are not empty.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum OpsCommand {
    /// Recount every counted item (dossiers, feedback reports) and replace the counters; the
    /// deliveries of the events meanwhile wait for it.
    Rebuild {
        /// Write nothing: print every counter that differs from a recount, and exit with 3 if
        /// one does.
        #[arg(long)]
        check: bool,
    },
    /// Import an index version from TOML (validated whole; every error with its line and
    /// column), as a draft unless `--activate`.
    IndexImport {
        file: PathBuf,
        #[arg(long)]
        activate: bool,
    },
    /// Activate a draft index version.
    IndexActivate { code: String },
    /// Make a periodic report (Decree 09 windows) as DOCX, PDF and XLSX into a folder, and
    /// print how long the figures and each format took (the benchmark of a province-year
    /// report: `--scope p --kind 12m --year 2025`).
    Report {
        /// `p`, `a:<agency id>` or `u:<unit code>`.
        #[arg(long, default_value = "p")]
        scope: String,
        /// `month`, `quarter`, `6m`, `9m` or `12m`.
        #[arg(long, default_value = "12m")]
        kind: String,
        #[arg(long)]
        year: i32,
        /// The month or quarter, for those kinds.
        #[arg(long)]
        number: Option<u32>,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Make it this many times and print each run's times.
        #[arg(long, default_value_t = 1)]
        repeat: u32,
    },
}

#[derive(Subcommand)]
enum PkiCommand {
    /// Certify a key generated on an official's USB token with the demo CA (demo only, no
    /// legal value): the personal certificate is registered to them without a key (it stays on
    /// the token) and printed as PEM; write it beside the key (`--out cert.der`, then
    /// `pkcs11-tool --write-object cert.der --type cert --id <the key's id>`) and
    /// `tinhso desk-sign` signs with it.
    CertifyKey {
        /// The official's email: their personal certificate.
        #[arg(long, required_unless_present = "agency", conflicts_with = "agency")]
        email: Option<String>,
        /// Or an agency's code (mã định danh): its seal certificate, for the key on the
        /// document clerk's token (`tinhso desk-sign --seal`).
        #[arg(long)]
        agency: Option<String>,
        /// The key's public half: PEM `PUBLIC KEY` or DER SubjectPublicKeyInfo
        /// (`pkcs11-tool --read-object --type pubkey --id <id> -o FILE`).
        #[arg(long)]
        public_key: PathBuf,
        /// Also write the certificate here (DER).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Register a personal certificate an external certification authority issued to an
    /// official (PEM or DER), so that signing with it (a USB token, a remote provider) is
    /// matched to them. It must chain to `signatures.trust_anchors_file` (with
    /// `intermediates_file`), be valid now, allow signatures and not be revoked (its OCSP
    /// responders and CRLs are asked online); audited.
    RegisterCert {
        /// The official's email.
        #[arg(long)]
        email: String,
        /// The certificate file (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExchangeCommand {
    /// Print this platform's exchange public key (PEM), for its peers' `exchange.peers`
    /// `cert_file` (the key is generated into data/keys/exchange.key when absent).
    Key {
        /// Print the next key's instead (during a rotation).
        #[arg(long)]
        next: bool,
    },
    /// Rotate the exchange key in two steps. Without `--switch`: write a new key beside the
    /// current one (data/keys/exchange.next.key) and print its public key for the peers, who
    /// list it beside the current one; this platform still signs with the current key. With
    /// `--switch`, once every peer lists both: the next key becomes the current one (the old
    /// file kept as exchange.key.retired-<time>); restart every node then.
    RotateKey {
        #[arg(long)]
        switch: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-compute the hash chain, check it against every signed checkpoint, and report the
    /// first edited, inserted or deleted row, forged checkpoint or truncation.
    Verify,
    /// Sign the chain's head now and write the checkpoint to the object store and the log.
    Checkpoint,
}

/// `tinhso exchange rotate-key`: a new P-256 key written beside the current one, its public
/// half printed for the peers. Refused when a next key exists already or is configured.
fn write_next_exchange_key(config: &Config) -> anyhow::Result<()> {
    use tinhso_kernel::keys::{self, EXCHANGE_NEXT_KEY};
    anyhow::ensure!(
        config.exchange.next_key.is_none(),
        "the next exchange key is configured (exchange.next_key, TINHSO_EXCHANGE__NEXT_KEY_FILE): \
         it is the operator's to replace, not this command's"
    );
    let path = keys::generated_path(&config.data_dir, EXCHANGE_NEXT_KEY);
    if path.exists() {
        let existing = keys::Keys::load(config)?
            .exchange_next
            .map(|k| tinhso_officialdocs::exchange::public_key_pem_of(&k))
            .transpose()?
            .unwrap_or_default();
        anyhow::bail!(
            "a next exchange key exists already ({}, fingerprint {}): announce it and switch with \
             `tinhso exchange rotate-key --switch`, or remove the file to start over",
            path.display(),
            tinhso_officialdocs::exchange::admin::fingerprint(&existing)
        );
    }
    // A scalar that is a valid P-256 private key (a random one almost always is).
    let key = loop {
        let key = keys::random_key()?;
        if tinhso_officialdocs::exchange::public_key_pem_of(&key).is_ok() {
            break key;
        }
    };
    keys::create_private_dir(path.parent().expect("the key file has a folder"))?;
    let mut file = keys::create_private(&path)?;
    std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(key)).as_bytes())?;
    file.sync_all()?;
    let pem = tinhso_officialdocs::exchange::public_key_pem_of(&key)?;
    print!("{pem}");
    eprintln!(
        "next exchange key written to {} (fingerprint {}); this platform still signs with the current key.\n\
         1. send the public key above to every peer: they list it beside the current one (cert_file = [\"old.pem\", \"new.pem\"]);\n\
         2. copy the file to every node of this platform;\n\
         3. once every peer confirms, run `tinhso exchange rotate-key --switch` on every node and restart them.",
        path.display(),
        tinhso_officialdocs::exchange::admin::fingerprint(&pem)
    );
    Ok(())
}

/// `tinhso exchange rotate-key --switch`: the next key becomes the current one; the old file
/// is kept as `exchange.key.retired-<time>`.
fn switch_exchange_key(config: &Config) -> anyhow::Result<()> {
    use tinhso_kernel::keys::{self, EXCHANGE_KEY, EXCHANGE_NEXT_KEY};
    anyhow::ensure!(
        config.exchange.key.is_none() && config.exchange.next_key.is_none(),
        "the exchange keys are configured (TINHSO_EXCHANGE__KEY_FILE, TINHSO_EXCHANGE__NEXT_KEY_FILE): \
         point the key's setting at the next key's file, remove the next key's setting, and restart every node"
    );
    let current = keys::generated_path(&config.data_dir, EXCHANGE_KEY);
    let next = keys::generated_path(&config.data_dir, EXCHANGE_NEXT_KEY);
    anyhow::ensure!(
        next.exists(),
        "there is no next exchange key ({}): `tinhso exchange rotate-key` writes one",
        next.display()
    );
    // Both read as keys before anything moves.
    let loaded = keys::Keys::load(config)?;
    let new = loaded
        .exchange_next
        .ok_or_else(|| anyhow::anyhow!("the next exchange key does not read"))?;
    let new_pem = tinhso_officialdocs::exchange::public_key_pem_of(&new)?;
    let retired = current.with_file_name(format!(
        "{EXCHANGE_KEY}.retired-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ));
    std::fs::rename(&current, &retired)?;
    std::fs::rename(&next, &current)?;
    println!(
        "this platform now signs with the key of fingerprint {}; the old key is kept as {}.",
        tinhso_officialdocs::exchange::admin::fingerprint(&new_pem),
        retired.display()
    );
    eprintln!(
        "restart every node (the key is read at start); peers may then drop the old key from their cert_file."
    );
    Ok(())
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Lỗi cấu hình / configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    if let Some(format) = cli.log_format {
        config.log_format = format;
    }
    init_logging(&config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<ExitCode> {
    if !matches!(command, Command::Serve { .. }) {
        // A command beside a running node must not take its search index's folder; what it
        // writes reaches the index through the change log.
        config.search_index = false;
    }
    match command {
        Command::Serve { listen, no_demo } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            serve(config, !no_demo).await?;
        }
        Command::Migrate => {
            let db = crate::db::Db::connect(&config.database_url).await?;
            let n = db.migrate(&crate::app::migrations()).await?;
            println!("{n} migration(s) applied");
        }
        Command::TimeDatasets { names, repeat } => {
            let state = crate::app::start(config, None).await?;
            let chosen = crate::app::datasets()
                .into_iter()
                .filter(|(_, d)| names.is_empty() || names.iter().any(|n| n == d.name));
            for (_, dataset) in chosen {
                for run in 1..=repeat.max(1) {
                    let started = std::time::Instant::now();
                    let rows = (dataset.rows)(&state).await?;
                    let took = started.elapsed();
                    let csv = tinhso_opendata::live::csv_bytes(dataset.columns, &rows)?;
                    println!(
                        "{} read {run}: {} rows in {:.1} ms, CSV sha256 {}",
                        dataset.name,
                        rows.len(),
                        took.as_secs_f64() * 1000.0,
                        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&csv))
                    );
                }
            }
        }
        Command::SeedDemo => {
            let state = crate::app::start(config, None).await?;
            if crate::demo::is_empty(&state).await? {
                crate::demo::seed(&state).await?;
                println!("demo province loaded");
            } else {
                println!("the directory is not empty; nothing loaded");
            }
        }
        Command::LoadSampleDocuments { count, agency } => {
            let state = crate::app::start(config, None).await?;
            let started = std::time::Instant::now();
            let (first, last) =
                tinhso_officialdocs::sample::load(&state, &agency, count, 1000).await?;
            let seconds = started.elapsed().as_secs_f64();
            state.db.refresh_statistics().await?;
            println!(
                "{count} documents loaded in {seconds:.1} s ({:.0}/s); first {first}, last {last}",
                count as f64 / seconds
            );
        }
        Command::LoadSampleOpendata { datasets, rows } => {
            let state = crate::app::start(config, None).await?;
            let started = std::time::Instant::now();
            let mut progress = |what: &str| {
                println!("  {:6.1} s  {what}", started.elapsed().as_secs_f64());
            };
            let loaded =
                tinhso_opendata::sample::load(&state, datasets, rows, &mut progress).await?;
            let seconds = started.elapsed().as_secs_f64();
            state.db.refresh_statistics().await?;
            println!(
                "{} datasets ({} resources) and a {}-row datastore table loaded in {seconds:.1} s; table dataset {}, resource {}",
                loaded.datasets,
                loaded.resources,
                loaded.rows,
                loaded.table_dataset,
                loaded.table_resource
            );
        }
        Command::LoadSampleTasks { count } => {
            let state = crate::app::start(config, None).await?;
            let started = std::time::Instant::now();
            let today = tinhso_kernel::time::local_now().date();
            let loaded = tinhso_tasks::sample::load(&state, count, 1000, today).await?;
            let seconds = started.elapsed().as_secs_f64();
            let analysed = std::time::Instant::now();
            state.db.refresh_statistics().await?;
            let analysed = analysed.elapsed().as_secs_f64();
            // The tasks were written as a migration writes them, without events: the operations
            // centre's counters are recounted from the rows, as `tinhso ops rebuild` does.
            let counted = std::time::Instant::now();
            let actor = tinhso_kernel::audit::Actor {
                label: "cli".into(),
                ip: String::new(),
            };
            while tinhso_kernel::events::deliver_due(&state, 256).await? > 0 {}
            let outcome = tinhso_ops::rebuild::rebuild(&state, &actor, false).await?;
            let counted = counted.elapsed().as_secs_f64();
            println!(
                "{} tasks loaded in {seconds:.1} s ({:.0}/s): {} unit assignments, {} reports, {} extensions; statistics refreshed in {analysed:.1} s; {} items counted in {counted:.1} s",
                loaded.tasks,
                loaded.tasks as f64 / seconds,
                loaded.units,
                loaded.reports,
                loaded.extensions,
                outcome.items
            );
        }
        Command::LoadSampleOps { count, batch } => {
            let state = crate::app::start(config, None).await?;
            let started = std::time::Instant::now();
            let loaded = crate::sample_ops::load(&state, count, batch, true).await?;
            let analysed = std::time::Instant::now();
            state.db.refresh_statistics().await?;
            println!(
                "{} dossiers in {:.1} s ({:.0}/s), {} feedback reports in {:.1} s, {} tasks ({} unit assignments) in {:.1} s, all counted; statistics refreshed in {:.1} s; {:.1} s in all",
                loaded.dossiers,
                loaded.dossier_seconds,
                loaded.dossiers as f64 / loaded.dossier_seconds.max(0.001),
                loaded.feedback,
                loaded.feedback_seconds,
                loaded.tasks,
                loaded.task_units,
                loaded.task_seconds,
                analysed.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::ImportAgencies { file, partial } => {
            return import_agencies(config, file, partial).await;
        }
        Command::ExportAgencies { out } => {
            let state = crate::app::start(config, None).await?;
            let bytes = crate::agencies::csv_io::export(&state.db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match out {
                Some(path) => std::fs::write(path, bytes)?,
                None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
            }
        }
        Command::CreateAdmin {
            email,
            name,
            agency,
            password,
        } => {
            let state = crate::app::start(config, None).await?;
            match crate::accounts::admin::create_admin(&state, &agency, &email, &name, &password)
                .await
            {
                Ok(id) => println!("administrator created: {id}"),
                Err(crate::error::AppError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    return Ok(ExitCode::from(1));
                }
                Err(e) => anyhow::bail!("{e}"),
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let state = crate::app::start(config, None).await?;
            let found =
                crate::audit_anchor::verify(&state.db, state.storage.as_ref(), &state.keys.audit)
                    .await?;
            match found {
                Ok(report) => println!("audit trail intact: {}", describe(&report)),
                Err(e) => {
                    eprintln!("AUDIT TRAIL BROKEN: {e}");
                    return Ok(ExitCode::from(3));
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Checkpoint,
        } => {
            let state = crate::app::start(config, None).await?;
            match crate::audit_anchor::checkpoint(
                &state.db,
                state.storage.as_ref(),
                &state.keys.audit,
                &state.config.node_name,
            )
            .await
            {
                Ok(Some(cp)) => println!(
                    "checkpoint at row {} written to {}",
                    cp.seq,
                    crate::audit_anchor::object_key(cp.seq)
                ),
                Ok(None) => println!("nothing new since the last checkpoint"),
                Err(e) => {
                    eprintln!("{e:#}");
                    return Ok(ExitCode::from(3));
                }
            }
        }
        Command::Exchange {
            command: ExchangeCommand::Key { next },
        } => {
            let keys = tinhso_kernel::keys::Keys::load(&config)?;
            let key = if next {
                keys.exchange_next.ok_or_else(|| {
                    anyhow::anyhow!(
                        "there is no next exchange key: `tinhso exchange rotate-key` writes one"
                    )
                })?
            } else {
                keys.exchange
            };
            print!(
                "{}",
                tinhso_officialdocs::exchange::public_key_pem_of(&key)?
            );
        }
        Command::Exchange {
            command: ExchangeCommand::RotateKey { switch },
        } => {
            if switch {
                switch_exchange_key(&config)?;
            } else {
                write_next_exchange_key(&config)?;
            }
        }
        Command::Pki {
            command:
                PkiCommand::CertifyKey {
                    email,
                    agency,
                    public_key,
                    out,
                },
        } => {
            use tinhso_signatures::enrol::KeyHolder;
            let (holder, named) = match (email.as_deref(), agency.as_deref()) {
                (Some(email), _) => (KeyHolder::Official(email), email.to_owned()),
                (None, Some(code)) => (KeyHolder::Agency(code), format!("agency {code}")),
                (None, None) => anyhow::bail!("--email or --agency"),
            };
            let key = std::fs::read(&public_key)
                .map_err(|e| anyhow::anyhow!("{}: {e}", public_key.display()))?;
            let state = crate::app::start(config, None).await?;
            let actor = tinhso_kernel::audit::Actor {
                label: "cli".into(),
                ip: String::new(),
            };
            match tinhso_signatures::enrol::certify_key(&state, &actor, holder, &key).await {
                Ok(certified) => {
                    if let Some(out) = out {
                        std::fs::write(&out, &certified.der)
                            .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
                    }
                    print!("{}", certified.pem());
                    eprintln!(
                        "certificate {} issued by the demo CA to {named}: {}",
                        certified.serial, certified.subject
                    );
                }
                Err(crate::error::AppError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    return Ok(ExitCode::from(1));
                }
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Pki {
            command: PkiCommand::RegisterCert { email, cert },
        } => {
            let bytes =
                std::fs::read(&cert).map_err(|e| anyhow::anyhow!("{}: {e}", cert.display()))?;
            let state = crate::app::start(config, None).await?;
            let actor = tinhso_kernel::audit::Actor {
                label: "cli".into(),
                ip: String::new(),
            };
            let official = tinhso_signatures::register::Official::Email(&email);
            match tinhso_signatures::register::register(&state, &actor, official, &bytes).await {
                Ok(done) => {
                    println!(
                        "certificate {} of {} registered to {email}: {}",
                        done.row.serial, done.row.issuer, done.row.subject
                    );
                    if let Some(warning) = done.warning {
                        eprintln!("warning: {warning}");
                    }
                }
                Err(crate::error::AppError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    return Ok(ExitCode::from(1));
                }
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::DeskSign {
            server,
            token,
            document,
            module,
            token_label,
            pin_file,
            key_id,
            key_label,
            location,
            seal,
        } => {
            let args = tinhso_signatures::desk_tool::DeskSign {
                seal,
                server,
                api_token: token,
                document,
                module,
                token_label,
                pin_file,
                key_id,
                key_label,
                location,
            };
            match tinhso_signatures::desk_tool::run(args).await {
                Ok(done) => {
                    println!(
                        "{}: phiên {} ({}), {} bằng {} — {}",
                        if seal {
                            "Đã đóng dấu số và ban hành"
                        } else {
                            "Đã ký số"
                        },
                        done.session_id,
                        done.state,
                        done.algorithm,
                        done.mechanism,
                        done.subject
                    );
                    println!("{}", done.document_page);
                }
                Err(e) => {
                    eprintln!("Không ký được: {e:#}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Ops {
            command: OpsCommand::Rebuild { check },
        } => {
            let state = crate::app::start(config, None).await?;
            let actor = tinhso_kernel::audit::Actor {
                label: "cli".into(),
                ip: String::new(),
            };
            // Events not yet delivered would read as differences: settle them first, as a
            // running node would have.
            while tinhso_kernel::events::deliver_due(&state, 256).await? > 0 {}
            let outcome = tinhso_ops::rebuild::rebuild(&state, &actor, check).await?;
            for d in &outcome.differences {
                println!(
                    "{} {} {} {} {}: stored {}, recounted {}",
                    d.scope, d.grain, d.key, d.period, d.source, d.stored, d.counted
                );
            }
            let verb = if check { "checked" } else { "counted" };
            println!(
                "{} items {verb}: {} counters, {} differed from the recount",
                outcome.items,
                outcome.counters,
                outcome.differences.len()
            );
            if check && !outcome.differences.is_empty() {
                return Ok(ExitCode::from(3));
            }
        }
        Command::Ops {
            command: OpsCommand::IndexImport { file, activate },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let state = crate::app::start(config, None).await?;
            let actor = tinhso_kernel::audit::Actor {
                label: "cli".into(),
                ip: String::new(),
            };
            match tinhso_ops::versions::import(&state, &actor, &text).await? {
                Ok(code) => {
                    if activate {
                        tinhso_ops::versions::activate(&state, &actor, &code).await?;
                    }
                    let status = if activate { "active" } else { "draft" };
                    println!("index version {code} imported ({status})");
                }
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {}", file.display(), e.en_text());
                    }
                    return Ok(ExitCode::from(3));
                }
            }
        }
        Command::Ops {
            command:
                OpsCommand::Report {
                    scope,
                    kind,
                    year,
                    number,
                    out,
                    repeat,
                },
        } => {
            use tinhso_ops::report::{self, Format, rules};
            let today = tinhso_kernel::time::local_now().date();
            let scope = tinhso_domain::ops::scope::Scope::parse(&scope)
                .ok_or_else(|| anyhow::anyhow!("a scope is p, a:<agency id> or u:<unit code>"))?;
            let kind = rules::Kind::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("a kind is month, quarter, 6m, 9m or 12m"))?;
            let period = rules::ReportPeriod::new(kind, year, number, today)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let state = crate::app::start(config, None).await?;
            std::fs::create_dir_all(&out)?;
            for _ in 0..repeat.max(1) {
                let start = std::time::Instant::now();
                let r = report::build(&state, &scope, period, today).await?;
                let mut line = format!("figures {:.1} ms", ms(start));
                for f in [Format::Docx, Format::Pdf, Format::Xlsx] {
                    let start = std::time::Instant::now();
                    let bytes = report::write(&r, f)?;
                    line.push_str(&format!(
                        ", {} {:.1} ms ({} bytes)",
                        f.ext(),
                        ms(start),
                        bytes.len()
                    ));
                    std::fs::write(out.join(report::file_name(&r, f)), bytes)?;
                }
                println!("{} {}: {line}", r.slug, r.scope);
            }
        }
        Command::Ops {
            command: OpsCommand::IndexActivate { code },
        } => {
            let state = crate::app::start(config, None).await?;
            let actor = tinhso_kernel::audit::Actor {
                label: "cli".into(),
                ip: String::new(),
            };
            tinhso_ops::versions::activate(&state, &actor, &code).await?;
            println!("index version {code} activated");
        }
        Command::Backup { out } => {
            let written = crate::backup::run(&config, out).await?;
            println!("backup written to {}", written.path.display());
            eprintln!(
                "{} file(s), {} bytes before compression; keep the keys (data/keys or the *_KEY_FILE settings) apart from it",
                written.files, written.bytes
            );
        }
        Command::Restore { file, force } => {
            let done = crate::backup::restore(&config, &file, force).await?;
            println!(
                "restored the backup of {} ({} database, {} file(s))",
                done.manifest.created_at, done.manifest.backend, done.files
            );
            if done.removed > 0 || done.superseded > 0 {
                println!(
                    "{} file(s) not in the backup removed; {} newer audit checkpoint(s) kept under audit-anchors-superseded/",
                    done.removed, done.superseded
                );
            }
            if !done.totp_key_matches {
                eprintln!(
                    "WARNING: the configured totp_key does not open the restored TOTP secrets: use the key of the installation the backup came from"
                );
            }
            match done.audit {
                Ok(report) => println!("audit trail intact: {}", describe(&report)),
                Err(e) => {
                    eprintln!("AUDIT TRAIL BROKEN: {e}");
                    return Ok(ExitCode::from(3));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(report: &crate::audit_anchor::Report) -> String {
    match report.newest {
        Some(newest) => format!(
            "{} rows verified against {} checkpoint(s), the newest at row {newest}; {} newer row(s) not yet checkpointed",
            report.rows,
            report.checkpoints,
            report.rows - newest
        ),
        None => format!(
            "{} rows verified; no checkpoint yet (`tinhso audit checkpoint`, or the server takes one every few minutes)",
            report.rows
        ),
    }
}

async fn import_agencies(config: Config, file: PathBuf, partial: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&file)?;
    let state = crate::app::start(config, None).await?;
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    let bar = indicatif::ProgressBar::new(lines.saturating_sub(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} dòng ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let actor = crate::audit::Actor {
        label: "system:import-agencies".into(),
        ip: String::new(),
    };
    let report = crate::agencies::csv_io::import(&state, &actor, &bytes, partial, &|n| bar.inc(n))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    for e in &report.errors {
        eprintln!("dòng {}: [{}] {}: {}", e.line, e.code, e.field, e.message);
    }
    if report.committed {
        println!(
            "{} agencies created or updated; {} bad rows",
            report.created_or_updated,
            report.errors.len()
        );
        Ok(if report.errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    } else {
        println!(
            "nothing imported: {} bad rows (use --partial to import the good rows)",
            report.errors.len()
        );
        Ok(ExitCode::from(1))
    }
}

pub async fn serve(config: Config, load_demo: bool) -> anyhow::Result<()> {
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&[
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ])?
        .install_recorder()?;
    crate::ops::spawn_metrics_upkeep(metrics.clone());
    let addr: SocketAddr = config
        .listen
        .parse()
        .map_err(|e| anyhow::anyhow!("bad listen address {}: {e}", config.listen))?;
    let state = crate::app::start(config, Some(metrics)).await?;
    state.db.warn_about_settings().await;
    if load_demo && crate::demo::is_empty(&state).await? {
        match crate::demo::seed(&state).await {
            Ok(()) => tracing::info!("demo province loaded (accounts in README.md)"),
            // Another node starting at the same moment loaded it first.
            Err(e) if !crate::demo::is_empty(&state).await? => {
                tracing::info!(error = %e, "demo province already loaded")
            }
            Err(e) => return Err(e),
        }
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = state
        .config
        .run_jobs
        .then(|| tokio::spawn(crate::jobs::run_forever(state.clone(), stop_rx)));
    if state.config.run_jobs {
        // Stopped with the process: each batch is its own transaction, and the next start goes
        // on from what is left.
        tokio::spawn(tinhso_kernel::backfill::run(
            state.clone(),
            crate::app::backfills(),
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("Tỉnh Số listening on http://{}", listener.local_addr()?);
    eprintln!("Tỉnh Số: http://{}", listener.local_addr()?);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop_tx.send(true);
    if let Some(handle) = jobs {
        let _ = handle.await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Milliseconds since `start`.
fn ms(start: std::time::Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
