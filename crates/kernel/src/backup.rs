//! `tinhso backup` and `tinhso restore`. A backup is one gzip-compressed tar archive, created
//! with mode 0600, holding a consistent copy of the database (SQLite: `VACUUM INTO`, safe while
//! the server runs; PostgreSQL: `pg_dump` in custom format), every object of the file store
//! (papers, photos, answer files, audit checkpoints) under `files/`, and last `MANIFEST.json`
//! with the size and SHA-256 of every member. `restore` reads the archive twice: first it checks
//! every member against the manifest and refuses a damaged archive before touching anything,
//! then it restores the database and the files into the configured (empty, or with `--force`
//! replaced) database and store, applies newer migrations, records the restore in the audit
//! trail and verifies the trail against its checkpoints.
//!
//! The keys of `crate::keys` are deliberately not in the archive: keep them apart.

use crate::config::Config;
use crate::db::{Backend, Db};
use anyhow::Context;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// The archive format this version writes and reads.
pub const FORMAT: &str = "tinhso-backup-1";
const MANIFEST: &str = "MANIFEST.json";
const DB_SQLITE: &str = "database/tinhso.sqlite";
const DB_POSTGRES: &str = "database/tinhso.pgdump";
const FILES: &str = "files/";

/// The last member of an archive: what it holds and how to check it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub tinhso_version: String,
    /// `sqlite` or `postgres`: a backup restores into the same kind of database.
    pub backend: String,
    /// Migrations applied to the database when it was copied.
    pub migrations: Vec<String>,
    /// Rows in the audit chain just before the copy (the copy holds at least these).
    pub audit_rows: i64,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// What `backup` wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn db_member(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => DB_SQLITE,
        Backend::Postgres => DB_POSTGRES,
    }
}

/// Writes a backup to `out`, or to `data_dir/backups/tinhso-<time>.tar.gz`.
pub async fn run(config: &Config, out: Option<PathBuf>) -> anyhow::Result<Written> {
    let db = Db::connect(&config.database_url).await?;
    let store = crate::storage::open(config)?;
    let dir = config.data_dir.join("backups");
    crate::keys::create_private_dir(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let path = out.unwrap_or_else(|| dir.join(format!("tinhso-{stamp}.tar.gz")));
    anyhow::ensure!(
        !path.exists(),
        "{} already exists: choose another --out",
        path.display()
    );
    let staging = tempfile::Builder::new()
        .prefix(".backup-")
        .tempdir_in(&dir)?;

    // Checkpoints newer than the copied chain would read as a truncation after a restore, so
    // only those up to the head seen before the copy go in.
    let audit_rows = audit_head(&db).await?;
    let migrations = applied_migrations(&db).await?;
    let dump = staging.path().join("database");
    dump_database(&db, config, &dump).await?;
    db.pool.close().await;

    let partial = path.with_file_name(format!(
        ".{}.partial",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let file = crate::keys::create_private(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let result = write_archive(
        file,
        &dump,
        store.as_ref(),
        db.backend,
        migrations,
        audit_rows,
    )
    .await;
    match result {
        Ok((files, bytes)) => {
            std::fs::rename(&partial, &path)?;
            Ok(Written { path, files, bytes })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write_archive(
    file: std::fs::File,
    dump: &Path,
    store: &dyn ObjectStore,
    backend: Backend,
    migrations: Vec<String>,
    audit_rows: i64,
) -> anyhow::Result<(usize, u64)> {
    let mut tar = tar::Builder::new(GzEncoder::new(BufWriter::new(file), Compression::new(6)));
    let mut members = Vec::new();
    let mut total = 0;

    let size = std::fs::metadata(dump)?.len();
    let mut reader = Hashing::new(BufReader::new(std::fs::File::open(dump)?));
    tar.append_data(&mut header(size), db_member(backend), &mut reader)?;
    members.push(reader.member(db_member(backend)));
    total += size;

    let mut names: Vec<String> = store
        .list(None)
        .map_ok(|meta| meta.location.to_string())
        .try_collect()
        .await?;
    names.sort();
    names.retain(|n| anchor_seq(n).is_none_or(|seq| seq <= audit_rows));
    for name in &names {
        // Removed between listing and reading (a replaced draft paper): nothing to keep.
        let Some(bytes) = crate::storage::get(store, name).await? else {
            continue;
        };
        let member_name = format!("{FILES}{name}");
        let mut reader = Hashing::new(bytes.as_ref());
        tar.append_data(&mut header(bytes.len() as u64), &member_name, &mut reader)?;
        members.push(reader.member(&member_name));
        total += bytes.len() as u64;
    }
    let files = members.len() - 1;

    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: crate::time::now_text(),
        tinhso_version: env!("CARGO_PKG_VERSION").into(),
        backend: backend_name(backend).into(),
        migrations,
        audit_rows,
        members,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    tar.append_data(&mut header(json.len() as u64), MANIFEST, json.as_slice())?;
    let mut out = tar.into_inner()?.finish()?;
    out.flush()?;
    out.get_ref().sync_all()?;
    Ok((files, total))
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

/// The row of an audit checkpoint object (`audit-anchors/<seq>.json`).
fn anchor_seq(name: &str) -> Option<i64> {
    name.strip_prefix(crate::audit_anchor::PREFIX)?
        .strip_prefix('/')?
        .strip_suffix(".json")?
        .parse()
        .ok()
}

async fn audit_head(db: &Db) -> anyhow::Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM audit_log")
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get("n")?)
}

async fn applied_migrations(db: &Db) -> anyhow::Result<Vec<String>> {
    let rows = sqlx::query("SELECT name FROM schema_migrations ORDER BY name")
        .fetch_all(&db.pool)
        .await;
    match rows {
        Ok(rows) => Ok(rows
            .iter()
            .map(|r| r.try_get("name"))
            .collect::<Result<_, _>>()?),
        // No table yet: a database nothing was ever written to.
        Err(_) => Ok(Vec::new()),
    }
}

async fn dump_database(db: &Db, config: &Config, target: &Path) -> anyhow::Result<()> {
    match db.backend {
        Backend::Sqlite => {
            let target = target.to_string_lossy().replace('\'', "''");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
                .execute(&db.pool)
                .await?;
        }
        Backend::Postgres => {
            let status = pg_command("pg_dump", &config.database_url)?
                .arg("--format=custom")
                .arg("--file")
                .arg(target)
                .status()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("cannot run pg_dump (install the PostgreSQL client): {e}")
                })?;
            anyhow::ensure!(status.success(), "pg_dump failed with {status}");
        }
    }
    Ok(())
}

/// A PostgreSQL client command for `url`, with the password passed in the environment rather
/// than on the command line (where every local user could read it).
fn pg_command(program: &str, url: &str) -> anyhow::Result<tokio::process::Command> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    let mut cmd = tokio::process::Command::new(program);
    if let Some(password) = parsed.password() {
        let password = percent_encoding::percent_decode_str(password)
            .decode_utf8()?
            .into_owned();
        cmd.env("PGPASSWORD", password);
        let _ = parsed.set_password(None);
    }
    cmd.arg(format!("--dbname={parsed}"));
    Ok(cmd)
}

/// Reads through to `inner`, counting and hashing.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn member(&mut self, name: &str) -> Member {
        Member {
            name: name.to_owned(),
            size: self.size,
            sha256: hex::encode(std::mem::take(&mut self.hasher).finalize()),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Why an archive was refused before anything was restored.
#[derive(Debug, thiserror::Error)]
#[error(
    "Bản sao lưu bị hỏng hoặc không đầy đủ / the backup {path} is damaged or incomplete: {reason}. Nothing was restored."
)]
pub struct Damaged {
    pub path: String,
    pub reason: String,
}

/// Reads the whole archive and checks every member against the manifest.
pub fn check(archive: &Path) -> anyhow::Result<Manifest> {
    let damaged = |reason: String| Damaged {
        path: archive.display().to_string(),
        reason,
    };
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let mut seen: BTreeMap<String, Member> = BTreeMap::new();
    let mut manifest_bytes = None;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let entries = tar
        .entries()
        .map_err(|e| damaged(format!("not a backup archive ({e})")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(format!("unreadable ({e})")))?;
        let name = member_name(&entry).map_err(damaged)?;
        if name == MANIFEST {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| damaged(format!("unreadable manifest ({e})")))?;
            manifest_bytes = Some(bytes);
            continue;
        }
        let mut reader = Hashing::new(&mut entry);
        std::io::copy(&mut reader, &mut std::io::sink())
            .map_err(|e| damaged(format!("member {name} is unreadable ({e})")))?;
        let member = reader.member(&name);
        if seen.insert(name.clone(), member).is_some() {
            return Err(damaged(format!("member {name} appears twice")).into());
        }
    }
    let bytes = manifest_bytes.ok_or_else(|| damaged(format!("no {MANIFEST}")))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| damaged(format!("{MANIFEST} is unreadable ({e})")))?;
    if manifest.format != FORMAT {
        return Err(damaged(format!(
            "format {:?}, this version reads {FORMAT:?}",
            manifest.format
        ))
        .into());
    }
    let mut listed = BTreeSet::new();
    for m in &manifest.members {
        match seen.get(&m.name) {
            None => return Err(damaged(format!("member {} is missing", m.name)).into()),
            Some(found) if found != m => {
                return Err(damaged(format!(
                    "member {} does not match its SHA-256 in the manifest",
                    m.name
                ))
                .into());
            }
            Some(_) => {}
        }
        listed.insert(m.name.as_str());
    }
    if let Some(extra) = seen.keys().find(|n| !listed.contains(n.as_str())) {
        return Err(damaged(format!("member {extra} is not in the manifest")).into());
    }
    if !listed.contains(db_member(match manifest.backend.as_str() {
        "postgres" => Backend::Postgres,
        _ => Backend::Sqlite,
    })) {
        return Err(damaged("no database in it".into()).into());
    }
    Ok(manifest)
}

/// A member's name, refusing anything that could escape where it is restored.
fn member_name<R: Read>(entry: &tar::Entry<'_, R>) -> Result<String, String> {
    let path = entry
        .path()
        .map_err(|e| format!("a member name is unreadable ({e})"))?;
    let safe = path
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let name = path.to_string_lossy().into_owned();
    if !safe || name.is_empty() || entry.header().entry_type() != tar::EntryType::Regular {
        return Err(format!("member {name:?} is not a plain relative file"));
    }
    Ok(name)
}

/// What `restore` did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Files written to the store.
    pub files: usize,
    /// Objects that were in the store but not in the backup, removed (with `--force`).
    pub removed: usize,
    /// Checkpoints newer than the backup, kept under `audit-anchors-superseded/<time>/`.
    pub superseded: usize,
    /// The audit trail checked against its checkpoints after the restore.
    pub audit: Result<crate::audit_anchor::Report, crate::audit_anchor::Broken>,
    /// Whether the configured `totp_key` opens the restored TOTP secrets.
    pub totp_key_matches: bool,
}

/// How the binary starts a server on a database: migrations, keys and every module's start-up
/// work (the kernel knows no module, so it is handed the binary's start).
pub type Start = fn(Config) -> crate::module::BoxFut<'static, anyhow::Result<crate::Ctx>>;

/// Restores `archive` into the configured database and file store. `migrations` are the
/// modules' (the binary's list): a backup holding a migration this build does not carry was
/// made by a newer version, and is refused.
pub async fn restore(
    config: &Config,
    archive: &Path,
    force: bool,
    migrations: &[crate::migrate::ModuleMigrations],
    start: Start,
) -> anyhow::Result<Restored> {
    let check_path = archive.to_owned();
    let manifest = tokio::task::spawn_blocking(move || check(&check_path)).await??;

    let db = Db::connect(&config.database_url).await?;
    anyhow::ensure!(
        backend_name(db.backend) == manifest.backend,
        "this backup holds a {} database but the configured database is {}: restore into the same kind",
        manifest.backend,
        backend_name(db.backend)
    );
    let known = crate::migrate::known(migrations)?;
    if let Some(newer) = manifest.migrations.iter().find(|m| !known.contains(m)) {
        anyhow::bail!(
            "this backup was made by a newer version of Tỉnh Số (migration {newer}); restore it with that version"
        );
    }
    let store = crate::storage::open(config)?;
    let db_empty = applied_migrations(&db).await?.is_empty();
    let store_empty = store.list(None).try_next().await?.is_none();
    let empty = db_empty && store_empty;
    if !force && !empty {
        let what = match (db_empty, store_empty) {
            (false, false) => "database and the file store are",
            (false, true) => "database is",
            _ => "file store is",
        };
        anyhow::bail!(
            "Cơ sở dữ liệu hoặc kho tệp không trống / the {what} not empty: restore into an empty one, or add --force to replace its contents (stop every server first)"
        );
    }

    // The database member goes to a private staging folder, the files straight to the store.
    let staging_parent = match db.backend {
        Backend::Sqlite => sqlite_path(&config.database_url)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        Backend::Postgres => config.data_dir.clone(),
    };
    std::fs::create_dir_all(&staging_parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(&staging_parent)?;
    let dump = staging.path().join("database");
    let restored_names = extract(archive, &manifest, db.backend, &dump, store.as_ref()).await?;

    match db.backend {
        Backend::Sqlite => {
            db.pool.close().await;
            let path = sqlite_path(&config.database_url)?;
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", path.display()));
                match std::fs::remove_file(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", p.display()));
                    }
                }
            }
            std::fs::rename(&dump, &path)?;
        }
        Backend::Postgres => {
            if !db_empty {
                sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                    .execute(&db.pool)
                    .await?;
            }
            db.pool.close().await;
            let output = pg_command("pg_restore", &config.database_url)?
                .args([
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                ])
                .arg(&dump)
                .output()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("cannot run pg_restore (install the PostgreSQL client): {e}")
                })?;
            anyhow::ensure!(
                output.status.success(),
                "pg_restore failed with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
    }
    drop(staging);

    let (removed, superseded) = if force {
        prune(store.as_ref(), &restored_names).await?
    } else {
        (0, 0)
    };

    // Newer migrations, the keys, the TOTP secrets sealed: the same start as a server's.
    let state = start(config.clone())
        .await
        .context("the database and the files were restored, but the server cannot start on them")?;
    let totp_key_matches = totp_key_matches(&state).await?;
    record_restore(&state, archive, &manifest).await?;
    let mut audit =
        crate::audit_anchor::verify(&state.db, state.storage.as_ref(), &state.keys.audit).await?;
    // Anchor the restored trail, restore row included, at once.
    if let Ok(report) = &mut audit
        && let Some(cp) = crate::audit_anchor::checkpoint(
            &state.db,
            state.storage.as_ref(),
            &state.keys.audit,
            &state.config.node_name,
        )
        .await?
    {
        report.checkpoints += 1;
        report.newest = Some(cp.seq);
    }
    state.db.pool.close().await;
    Ok(Restored {
        files: restored_names.len(),
        manifest,
        removed,
        superseded,
        audit,
        totp_key_matches,
    })
}

/// Second pass: the database member to `dump`, every file to the store, each checked again
/// against the manifest as it is read. Returns the names of the files restored.
async fn extract(
    archive: &Path,
    manifest: &Manifest,
    backend: Backend,
    dump: &Path,
    store: &dyn ObjectStore,
) -> anyhow::Result<BTreeSet<String>> {
    let expected: BTreeMap<&str, &Member> = manifest
        .members
        .iter()
        .map(|m| (m.name.as_str(), m))
        .collect();
    let changed = |name: &str| {
        anyhow::anyhow!(
            "the backup {} changed while it was being restored (member {name}); restore again from an intact copy",
            archive.display()
        )
    };
    let mut names = BTreeSet::new();
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = member_name(&entry).map_err(|e| anyhow::anyhow!(e))?;
        if name == MANIFEST {
            continue;
        }
        let member = *expected.get(name.as_str()).ok_or_else(|| changed(&name))?;
        if name == db_member(backend) {
            let mut out = BufWriter::new(crate::keys::create_private(dump)?);
            let mut reader = Hashing::new(&mut entry);
            std::io::copy(&mut reader, &mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            if &reader.member(&name) != member {
                return Err(changed(&name));
            }
        } else if let Some(key) = name.strip_prefix(FILES) {
            let mut bytes = Vec::with_capacity(member.size as usize);
            let mut reader = Hashing::new(&mut entry);
            reader.read_to_end(&mut bytes)?;
            if &reader.member(&name) != member {
                return Err(changed(&name));
            }
            let location = object_store::path::Path::parse(key)
                .map_err(|e| anyhow::anyhow!("member {name}: {e}"))?;
            store
                .put(&location, object_store::PutPayload::from(bytes))
                .await?;
            names.insert(location.to_string());
        }
    }
    Ok(names)
}

/// After a forced restore, the store holds what the backup held: other objects are removed,
/// except checkpoints newer than the backup, kept apart as evidence of the rows that existed
/// after it. Returns (removed, superseded).
async fn prune(store: &dyn ObjectStore, keep: &BTreeSet<String>) -> anyhow::Result<(usize, usize)> {
    let names: Vec<object_store::path::Path> = store
        .list(None)
        .map_ok(|meta| meta.location)
        .try_collect()
        .await?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let (mut removed, mut superseded) = (0, 0);
    for location in names {
        let name = location.to_string();
        if keep.contains(&name) || name.starts_with("audit-anchors-superseded/") {
            continue;
        }
        if anchor_seq(&name).is_some() {
            let file = name.rsplit('/').next().unwrap_or_default();
            let to =
                object_store::path::Path::from(format!("audit-anchors-superseded/{stamp}/{file}"));
            store.rename(&location, &to).await?;
            superseded += 1;
        } else {
            store.delete(&location).await?;
            removed += 1;
        }
    }
    Ok((removed, superseded))
}

async fn totp_key_matches(state: &crate::Ctx) -> anyhow::Result<bool> {
    let row = sqlx::query(
        "SELECT id, totp_secret FROM users WHERE totp_secret LIKE 'enc1:%' ORDER BY id LIMIT 1",
    )
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(match row {
        Some(r) => {
            let id: String = r.try_get("id")?;
            let stored: String = r.try_get("totp_secret")?;
            crate::auth::totp::open(&state.keys.totp, &id, &stored).is_ok()
        }
        None => true,
    })
}

async fn record_restore(
    state: &crate::Ctx,
    archive: &Path,
    manifest: &Manifest,
) -> anyhow::Result<()> {
    let actor = crate::audit::Actor {
        label: "system:restore".into(),
        ip: String::new(),
    };
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tx = state.db.begin().await?;
    crate::audit::record(
        &state.db,
        &mut tx,
        &actor,
        crate::audit::Change {
            action: "backup.restore",
            entity_type: "backup",
            entity_id: &name,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "created_at": manifest.created_at,
                "tinhso_version": manifest.tinhso_version,
                "members": manifest.members.len(),
                "audit_rows": manifest.audit_rows,
            }),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok(())
}

fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    anyhow::ensure!(
        !path.is_empty() && path != ":memory:",
        "restore needs a database file, not {url}"
    );
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_names_are_recognised() {
        assert_eq!(anchor_seq("audit-anchors/0000000000000042.json"), Some(42));
        assert_eq!(anchor_seq("audit-anchors/notes.txt"), None);
        assert_eq!(anchor_seq("dossiers/a/b"), None);
    }

    #[test]
    fn the_password_leaves_the_command_line() {
        let cmd = pg_command(
            "pg_dump",
            "postgres://u:p%40ss@db:5432/tinhso?sslmode=require",
        )
        .unwrap();
        let cmd = cmd.as_std();
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            ["--dbname=postgres://u@db:5432/tinhso?sslmode=require"]
        );
        let env: Vec<_> = cmd.get_envs().collect();
        assert_eq!(
            env,
            [(
                std::ffi::OsStr::new("PGPASSWORD"),
                Some(std::ffi::OsStr::new("p@ss"))
            )]
        );
    }
}
