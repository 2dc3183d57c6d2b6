//! `tinhso backup`: a consistent copy of the database. SQLite uses `VACUUM INTO` (safe while
//! the server runs); PostgreSQL uses `pg_dump` in custom format. Files in object storage are
//! backed up by the storage itself (a folder copy, or S3 versioning/replication).

use crate::config::Config;
use crate::db::{Backend, Db};
use std::path::PathBuf;

pub async fn run(config: &Config, out: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let db = Db::connect(&config.database_url).await?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let dir = config.data_dir.join("backups");
    std::fs::create_dir_all(&dir)?;
    match db.backend {
        Backend::Sqlite => {
            let path = out.unwrap_or_else(|| dir.join(format!("tinhso-{stamp}.db")));
            let target = path.to_string_lossy().replace('\'', "''");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
                .execute(&db.pool)
                .await?;
            Ok(path)
        }
        Backend::Postgres => {
            let path = out.unwrap_or_else(|| dir.join(format!("tinhso-{stamp}.dump")));
            let status = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(&path)
                .arg(&config.database_url)
                .status()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("cannot run pg_dump (install the PostgreSQL client): {e}")
                })?;
            anyhow::ensure!(status.success(), "pg_dump failed with {status}");
            Ok(path)
        }
    }
}
