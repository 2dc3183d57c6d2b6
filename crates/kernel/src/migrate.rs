//! The schema's migrations, on SQLite and PostgreSQL: the kernel's frozen baseline
//! (`crates/kernel/migrations/`, recorded under their file names, byte-identical to what
//! installations have recorded) and every module's own folder (`crates/<module>/migrations/`,
//! declared with [`crate::migrations!`] in its manifest, recorded as `module/file`).
//!
//! A file named `x.sql` is for both databases, `x.sqlite.sql` / `x.postgres.sql` for one (a
//! module brings them in pairs). A module's file is named `YYYYMMDDHHMM_slug…`: after the
//! baseline, the files of every module run in the order of that 12-digit version — one time
//! order across modules, so a new table may reference one another module added shortly before
//! with no declared dependency between files — ties broken by module order.

use crate::db::{Backend, Conn, Db};
use anyhow::Context;
use rust_embed::Embed;
use sqlx::Row;
use std::borrow::Cow;

pub use rust_embed;

#[derive(Embed)]
#[folder = "migrations/"]
struct Baseline;

/// A module's migration files, embedded in its crate ([`crate::migrations!`]).
#[derive(Clone, Copy)]
pub struct Migrations {
    pub names: fn() -> Vec<Cow<'static, str>>,
    pub file: fn(&str) -> Option<Cow<'static, [u8]>>,
}

impl Migrations {
    /// A module that changes no schema.
    pub const NONE: Migrations = Migrations {
        names: Vec::new,
        file: |_| None,
    };

    /// The files of an embedded folder.
    pub const fn of<E: Embed>() -> Migrations {
        Migrations {
            names: names::<E>,
            file: file::<E>,
        }
    }
}

fn names<E: Embed>() -> Vec<Cow<'static, str>> {
    E::iter().collect()
}

fn file<E: Embed>(name: &str) -> Option<Cow<'static, [u8]>> {
    E::get(name).map(|f| f.data)
}

/// The calling crate's `migrations/` folder, as [`Migrations`] (the folder may be missing).
#[macro_export]
macro_rules! migrations {
    () => {{
        #[derive($crate::migrate::rust_embed::Embed)]
        #[crate_path = "::tinhso_kernel::migrate::rust_embed"]
        #[folder = "migrations/"]
        #[allow_missing = true]
        struct Files;
        $crate::migrate::Migrations::of::<Files>()
    }};
}

/// One module's migrations, as the binary hands them to the kernel (`ctx::Wiring`).
#[derive(Clone, Copy)]
pub struct ModuleMigrations {
    pub module: &'static str,
    pub files: Migrations,
}

/// One file to apply: the name recorded in `schema_migrations`, and its SQL.
pub struct Migration {
    pub name: String,
    pub sql: Cow<'static, [u8]>,
}

/// Every migration this build carries, in the order they run: the baseline by file name, then
/// the modules' files by version (ties by module order). Refuses a module file that is not
/// named `YYYYMMDDHHMM_slug.sql` (or `.sqlite.sql` / `.postgres.sql`, each with its twin).
pub fn plan(modules: &[ModuleMigrations]) -> anyhow::Result<Vec<Migration>> {
    let mut baseline: Vec<String> = Baseline::iter().map(Cow::into_owned).collect();
    baseline.sort();
    let mut out: Vec<Migration> = baseline
        .into_iter()
        .map(|name| {
            let sql = Baseline::get(&name).expect("listed migration exists").data;
            Migration { name, sql }
        })
        .collect();
    let mut added = Vec::new();
    for (order, m) in modules.iter().enumerate() {
        let names: Vec<Cow<'static, str>> = (m.files.names)();
        for file in &names {
            let version =
                version(file).with_context(|| format!("migration {}/{file}", m.module))?;
            if let Some(twin) = twin(file) {
                anyhow::ensure!(
                    names.iter().any(|n| *n == twin),
                    "migration {}/{file} has no twin {twin} for the other database",
                    m.module
                );
            }
            let sql = (m.files.file)(file).expect("listed migration exists");
            added.push((
                version.to_owned(),
                order,
                Migration {
                    name: format!("{}/{file}", m.module),
                    sql,
                },
            ));
        }
    }
    added.sort_by(|a, b| (&a.0, a.1, &a.2.name).cmp(&(&b.0, b.1, &b.2.name)));
    out.extend(added.into_iter().map(|(_, _, m)| m));
    Ok(out)
}

/// The names of every migration this build carries (a database or backup made by a newer
/// version holds others).
pub fn known(modules: &[ModuleMigrations]) -> anyhow::Result<Vec<String>> {
    Ok(plan(modules)?.into_iter().map(|m| m.name).collect())
}

/// The 12-digit version a module's migration file starts with.
fn version(file: &str) -> anyhow::Result<&str> {
    let version = file.get(..12).unwrap_or_default();
    anyhow::ensure!(
        version.len() == 12
            && version.bytes().all(|b| b.is_ascii_digit())
            && file[12..].starts_with('_')
            && file.ends_with(".sql")
            && !file.contains('/'),
        "a module's migration is named YYYYMMDDHHMM_slug.sql (or .sqlite.sql / .postgres.sql)"
    );
    Ok(version)
}

/// The file for the other database, when `file` is for one.
fn twin(file: &str) -> Option<String> {
    if let Some(stem) = file.strip_suffix(".sqlite.sql") {
        Some(format!("{stem}.postgres.sql"))
    } else {
        file.strip_suffix(".postgres.sql")
            .map(|stem| format!("{stem}.sqlite.sql"))
    }
}

/// Whether a migration file is for this database.
fn applies(name: &str, backend: Backend) -> bool {
    match (
        name.ends_with(".sqlite.sql"),
        name.ends_with(".postgres.sql"),
    ) {
        (true, _) => backend == Backend::Sqlite,
        (_, true) => backend == Backend::Postgres,
        _ => name.ends_with(".sql"),
    }
}

impl Db {
    /// Applies the migrations not yet applied (the baseline, then the modules'), each in its
    /// own transaction, in [`plan`] order. Refuses a database on which a newer version
    /// recorded a migration this one does not carry: its code would not match the schema.
    pub async fn migrate(&self, modules: &[ModuleMigrations]) -> anyhow::Result<usize> {
        let plan = plan(modules)?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        self.refuse_newer(&plan).await?;
        let mut applied = 0;
        for migration in plan.iter().filter(|m| applies(&m.name, self.backend)) {
            let name = &migration.name;
            let mut tx = self.begin().await?;
            if self.advisory_lock(&mut tx).await? && self.is_applied(&mut tx, name).await? {
                tx.commit().await?;
                continue;
            }
            let sql = std::str::from_utf8(&migration.sql)?.to_owned();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .with_context(|| format!("migration {name} failed"))?;
            sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
                .bind(name)
                .bind(crate::time::now_text())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(migration = %name, "applied migration");
            applied += 1;
        }
        Ok(applied)
    }

    async fn refuse_newer(&self, plan: &[Migration]) -> anyhow::Result<()> {
        let recorded = sqlx::query("SELECT name FROM schema_migrations ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        for row in recorded {
            let name: String = row.try_get("name")?;
            anyhow::ensure!(
                plan.iter().any(|m| m.name == name),
                "this database was brought up to date by a newer version of Tỉnh Số (migration {name}); run that version"
            );
        }
        Ok(())
    }

    /// Serialises migrations across app nodes starting at once (SQLite's write lock already does).
    async fn advisory_lock(&self, tx: &mut Conn) -> sqlx::Result<bool> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7232001)")
                .execute(&mut *tx)
                .await?;
        }
        Ok(true)
    }

    async fn is_applied(&self, tx: &mut Conn, name: &str) -> sqlx::Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(module: &'static str, names: fn() -> Vec<Cow<'static, str>>) -> ModuleMigrations {
        ModuleMigrations {
            module,
            files: Migrations {
                names,
                file: |_| Some(Cow::Borrowed(b"SELECT 1;".as_slice())),
            },
        }
    }

    #[test]
    fn the_baseline_runs_first_then_module_files_by_version_across_modules() {
        let a = module("a", || {
            vec![
                "202612020900_later.sql".into(),
                "202612010900_first.sql".into(),
            ]
        });
        let b = module("b", || {
            vec!["202612010900_tie.sql".into(), "202612011000_b.sql".into()]
        });
        let names = known(&[a, b]).unwrap();
        let baseline = Baseline::iter().count();
        assert!(baseline >= 15);
        assert_eq!(
            names[0], "0001_foundation.sql",
            "baseline names are unprefixed"
        );
        assert_eq!(
            names[baseline..],
            [
                "a/202612010900_first.sql",
                "b/202612010900_tie.sql",
                "b/202612011000_b.sql",
                "a/202612020900_later.sql",
            ]
        );
    }

    #[test]
    fn a_module_file_is_versioned_and_paired_per_database() {
        for bad in [
            "0016_old_style.sql",
            "2026120109_short.sql",
            "202612010900-dash.sql",
            "202612010900_x.txt",
            "2026120109ab_letters.sql",
        ] {
            assert!(version(bad).is_err(), "{bad}");
        }
        assert_eq!(
            version("202612010900_x.sqlite.sql").unwrap(),
            "202612010900"
        );
        let lonely = module("m", || vec!["202612010900_x.sqlite.sql".into()]);
        assert!(
            plan(&[lonely]).is_err(),
            "a SQLite file needs its PostgreSQL twin"
        );
        let pair = module("m", || {
            vec![
                "202612010900_x.sqlite.sql".into(),
                "202612010900_x.postgres.sql".into(),
            ]
        });
        assert!(plan(&[pair]).is_ok());
    }

    #[test]
    fn each_database_runs_its_own_files() {
        assert!(applies("m/202612010900_x.sqlite.sql", Backend::Sqlite));
        assert!(!applies("m/202612010900_x.sqlite.sql", Backend::Postgres));
        assert!(applies("m/202612010900_x.postgres.sql", Backend::Postgres));
        assert!(applies("0001_foundation.sql", Backend::Postgres));
    }

    #[tokio::test]
    async fn a_module_migration_runs_once_and_a_newer_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/m.db", dir.path().display()))
            .await
            .unwrap();
        let m = ModuleMigrations {
            module: "notes",
            files: Migrations {
                names: || vec!["202612010900_notes.sql".into()],
                file: |_| {
                    Some(Cow::Borrowed(
                        b"CREATE TABLE notes (id TEXT PRIMARY KEY);".as_slice(),
                    ))
                },
            },
        };
        let baseline = db.migrate(&[]).await.unwrap();
        assert!(baseline >= 14);
        assert_eq!(db.migrate(&[m]).await.unwrap(), 1, "only the module's file");
        assert_eq!(db.migrate(&[m]).await.unwrap(), 0, "applied once");
        let row = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE name = $1")
            .bind("notes/202612010900_notes.sql")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(row.get::<i64, _>("n"), 1);
        sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
            .bind("notes/202701010900_later.sql")
            .bind(crate::time::now_text())
            .execute(&db.pool)
            .await
            .unwrap();
        let refused = db.migrate(&[m]).await.unwrap_err().to_string();
        assert!(refused.contains("newer version"), "{refused}");
        assert!(
            refused.contains("notes/202701010900_later.sql"),
            "{refused}"
        );
    }
}
