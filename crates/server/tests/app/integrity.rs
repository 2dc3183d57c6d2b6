//! Integrity and recovery, on both databases: the keyed audit chain and its signed checkpoints
//! against someone who can rewrite the database (forged rows, edits re-hashed, deleted newest
//! rows, forged checkpoints), keys that must match the database, TOTP secrets sealed at rest,
//! a backup restored into a fresh database and file store, the modules' migrations, and a
//! missing number bound on PostgreSQL.

use crate::common;

use axum::http::StatusCode;
use common::{Kind, TestApp};
use sha2::Digest;
use sqlx::Row;
use tinhso::audit_anchor::{self, Broken};
use tinhso_domain::audit_anchor::{AnchorBreak, Checkpoint};
use tinhso_domain::audit_chain::{AuditRecord, ChainBreak, GENESIS};

const PASSWORD: &str = "TinhSo@2026";

on_both_databases!(
    the_keyed_chain_and_its_checkpoints_catch_a_database_rewrite,
    a_node_with_another_key_refuses_to_start,
    totp_secrets_are_sealed_at_rest,
    a_backup_restores_into_a_fresh_database_and_file_store,
    a_running_node_checkpoints_the_chain_as_it_starts,
    a_module_migration_runs_once_keeps_the_data_and_a_newer_one_is_refused,
    a_missing_number_then_a_number_bind_on_one_connection
);

/// An audit row as stored.
#[derive(Debug, Clone, PartialEq)]
struct Stored {
    seq: i64,
    at: String,
    actor: String,
    ip: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before: String,
    after: String,
    prev_hash: String,
    hash: String,
}

impl Stored {
    fn record(&self) -> AuditRecord<'_> {
        AuditRecord {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            ip: &self.ip,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            before: &self.before,
            after: &self.after,
        }
    }
}

async fn audit_rows(app: &TestApp) -> Vec<Stored> {
    sqlx::query(
        "SELECT seq, at, actor, ip, action, entity_type, entity_id, before_json, after_json, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| Stored {
        seq: r.get("seq"),
        at: r.get("at"),
        actor: r.get("actor"),
        ip: r.get("ip"),
        action: r.get("action"),
        entity_type: r.get("entity_type"),
        entity_id: r.get("entity_id"),
        before: r.get("before_json"),
        after: r.get("after_json"),
        prev_hash: r.get("prev_hash"),
        hash: r.get("hash"),
    })
    .collect()
}

/// What someone with write access to the database does first: lift the append-only guard.
async fn lift_guard(app: &TestApp) {
    let sql = match app.kind {
        Kind::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Kind::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    sqlx::raw_sql(sql)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

/// Replaces the whole table with `rows`.
async fn rewrite(app: &TestApp, rows: &[Stored]) {
    let mut tx = app.state.db.pool.begin().await.unwrap();
    sqlx::query("DELETE FROM audit_log")
        .execute(&mut *tx)
        .await
        .unwrap();
    for r in rows {
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, ip, action, entity_type, entity_id, before_json, after_json, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(r.seq)
        .bind(&r.at)
        .bind(&r.actor)
        .bind(&r.ip)
        .bind(&r.action)
        .bind(&r.entity_type)
        .bind(&r.entity_id)
        .bind(&r.before)
        .bind(&r.after)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Re-hashes rows from index `from` on, the way anyone without the key can (plain SHA-256).
fn rehash_without_key(rows: &mut [Stored], from: usize) {
    let mut prev = if from == 0 {
        GENESIS.to_owned()
    } else {
        rows[from - 1].hash.clone()
    };
    for row in rows.iter_mut().skip(from) {
        row.prev_hash = prev.clone();
        row.hash = row.record().hash(&prev);
        prev = row.hash.clone();
    }
}

async fn verify(app: &TestApp) -> Result<audit_anchor::Report, Broken> {
    audit_anchor::verify(
        &app.state.db,
        app.state.storage.as_ref(),
        &app.state.keys.audit,
    )
    .await
    .unwrap()
}

async fn checkpoint(app: &TestApp) -> anyhow::Result<Option<Checkpoint>> {
    audit_anchor::checkpoint(
        &app.state.db,
        app.state.storage.as_ref(),
        &app.state.keys.audit,
        "test-node",
    )
    .await
}

async fn the_keyed_chain_and_its_checkpoints_catch_a_database_rewrite(app: TestApp) {
    let before = verify(&app).await.unwrap();
    assert_eq!(before.checkpoints, 0);
    assert!(before.rows > 20, "the demo load is audited");
    let cp = checkpoint(&app).await.unwrap().expect("a first checkpoint");
    let n = cp.seq;
    assert_eq!(n, before.rows);
    assert!(
        checkpoint(&app).await.unwrap().is_none(),
        "nothing new, no new checkpoint"
    );
    let stored = tinhso::storage::get(app.state.storage.as_ref(), &audit_anchor::object_key(n))
        .await
        .unwrap()
        .expect("the checkpoint is in the object store");
    assert_eq!(serde_json::from_slice::<Checkpoint>(&stored).unwrap(), cp);
    assert_eq!(
        verify(&app).await,
        Ok(audit_anchor::Report {
            rows: n,
            checkpoints: 1,
            newest: Some(n)
        })
    );
    let original = audit_rows(&app).await;
    assert!(
        original.iter().all(|r| r.hash.starts_with("k1:")),
        "every row is sealed with the audit key"
    );
    lift_guard(&app).await;

    // 1. A forged row appended, hashed as anyone can: refused at once, and never signed.
    let mut forged = original.clone();
    let mut row = original[n as usize - 1].clone();
    row.seq = n + 1;
    row.action = "user.role_grant".into();
    row.after = r#"{"role":"system_admin"}"#.into();
    row.prev_hash = original[n as usize - 1].hash.clone();
    row.hash = row.record().hash(&row.prev_hash);
    forged.push(row);
    rewrite(&app, &forged).await;
    assert_eq!(
        verify(&app).await,
        Err(Broken::Chain(ChainBreak::Unkeyed { seq: n + 1 }))
    );
    let refused = checkpoint(&app).await.unwrap_err().to_string();
    assert!(refused.contains("AUDIT TRAIL BROKEN"), "{refused}");
    assert!(
        tinhso::storage::get(app.state.storage.as_ref(), &audit_anchor::object_key(n + 1))
            .await
            .unwrap()
            .is_none(),
        "a forged row is never signed"
    );

    // 2. A row edited and every row after it re-hashed: the key is missing…
    let mut edited = original.clone();
    edited[2].after = r#"{"edited":true}"#.into();
    rehash_without_key(&mut edited, 2);
    rewrite(&app, &edited).await;
    assert_eq!(
        verify(&app).await,
        Err(Broken::Chain(ChainBreak::Unkeyed { seq: 3 }))
    );
    // …so the whole chain is re-hashed the old, unkeyed way: it holds together, but not
    // against the checkpoint.
    rehash_without_key(&mut edited, 0);
    rewrite(&app, &edited).await;
    assert_eq!(
        tinhso::audit::verify(&app.state.db).await.unwrap(),
        Ok(n),
        "the chain alone cannot tell"
    );
    assert_eq!(
        verify(&app).await,
        Err(Broken::Anchor(AnchorBreak::Mismatch { seq: n }))
    );
    assert!(checkpoint(&app).await.is_err(), "nor is it signed");

    // 3. The newest rows deleted: a shorter chain is intact, but shorter than its checkpoint.
    rewrite(&app, &original[..n as usize - 2]).await;
    assert_eq!(
        tinhso::audit::verify(&app.state.db).await.unwrap(),
        Ok(n - 2)
    );
    assert_eq!(
        verify(&app).await,
        Err(Broken::Anchor(AnchorBreak::Truncated {
            rows: n - 2,
            seq: n
        }))
    );
    assert!(checkpoint(&app).await.is_err());

    // 4. Checkpoints forged to match a rewrite are refused: with another key…
    rewrite(&app, &edited).await;
    let own_key = Checkpoint::sign(
        b"attacker's key",
        n,
        &edited[n as usize - 1].hash,
        n,
        &cp.at,
        "x",
    );
    let put = |cp: Checkpoint| {
        let store = app.state.storage.clone();
        async move {
            tinhso::storage::put(
                store.as_ref(),
                &audit_anchor::object_key(cp.seq),
                serde_json::to_vec(&cp).unwrap().into(),
            )
            .await
            .unwrap()
        }
    };
    put(own_key).await;
    assert!(matches!(
        verify(&app).await,
        Err(Broken::Anchor(AnchorBreak::OtherKey { seq, .. })) if seq == n
    ));
    // …or the real checkpoint with the rewritten hash and the MAC it had.
    put(Checkpoint {
        hash: edited[n as usize - 1].hash.clone(),
        ..cp.clone()
    })
    .await;
    assert_eq!(
        verify(&app).await,
        Err(Broken::Anchor(AnchorBreak::Forged { seq: n }))
    );
    // A file that is no checkpoint at all is reported too.
    put(cp.clone()).await;
    tinhso::storage::put(
        app.state.storage.as_ref(),
        "audit-anchors/0000000000000001.json",
        bytes::Bytes::from_static(b"{}"),
    )
    .await
    .unwrap();
    assert!(matches!(
        verify(&app).await,
        Err(Broken::Unreadable { name, .. }) if name.ends_with("0000000000000001.json")
    ));
    tinhso::storage::delete(
        app.state.storage.as_ref(),
        "audit-anchors/0000000000000001.json",
    )
    .await
    .unwrap();

    // Put right again, the trail verifies and new rows are checkpointed from the last one.
    rewrite(&app, &original).await;
    assert!(verify(&app).await.is_ok());
    let mut tx = app.state.db.begin().await.unwrap();
    tinhso::audit::record(
        &app.state.db,
        &mut tx,
        &tinhso::audit::Actor::system(),
        tinhso::audit::Change {
            action: "test.event",
            entity_type: "test",
            entity_id: "1",
            before: serde_json::Value::Null,
            after: serde_json::json!({"n": 1}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(verify(&app).await.unwrap().newest, Some(n));
    assert_eq!(checkpoint(&app).await.unwrap().unwrap().seq, n + 1);
    assert_eq!(
        verify(&app).await,
        Ok(audit_anchor::Report {
            rows: n + 1,
            checkpoints: 2,
            newest: Some(n + 1)
        })
    );
}

async fn a_node_with_another_key_refuses_to_start(app: TestApp) {
    let other_dir = tempfile::tempdir().unwrap();
    let config = common::test_config(&app.database_url, other_dir.path());
    let refused = tinhso::app::start(config.clone(), None)
        .await
        .err()
        .expect("a node that generated its own key does not start")
        .to_string();
    assert!(
        refused.contains("TINHSO_AUDIT__KEY_FILE")
            && refused.contains("not the one this database was written with"),
        "{refused}"
    );
    // Given the installation's keys, it starts.
    let keys = |name: &str| {
        let text = std::fs::read_to_string(app.dir.path().join("keys").join(name)).unwrap();
        Some(tinhso::config::Secret(text.trim().to_owned()))
    };
    let mut config = config;
    config.audit.key = keys("audit.key");
    config.totp_key = keys("totp.key");
    config.pki_key = keys("pki.key");
    let state = tinhso::app::start(config, None).await.unwrap();
    assert_eq!(state.keys.audit, app.state.keys.audit);
    state.db.pool.close().await;
}

async fn totp_secrets_are_sealed_at_rest(app: TestApp) {
    let stored = |email: &'static str| {
        let pool = app.state.db.pool.clone();
        async move {
            let row = sqlx::query("SELECT totp_secret FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap();
            row.get::<Option<String>, _>("totp_secret").unwrap()
        }
    };
    let code_now = |secret: &str| {
        tinhso::auth::totp::code_at(secret, chrono::Utc::now().timestamp() as u64).unwrap()
    };

    // Enrolment through the pages: the column holds ciphertext only.
    let email = "chuyenvien.tuphap@tinhso.local";
    app.login(email, PASSWORD).await;
    app.post_form("/account", "/account/totp/start", &[]).await;
    let (_, page) = app.get("/account").await;
    let marker = "data-testid=\"totp-secret\">";
    let start = page.find(marker).unwrap() + marker.len();
    let secret = page[start..start + 32].to_owned();
    let sealed = stored(email).await;
    assert!(sealed.starts_with("enc1:"), "{sealed}");
    assert!(!sealed.contains(&secret), "the base32 secret is not stored");
    let (status, _, _) = app
        .post_form(
            "/account",
            "/account/totp/confirm",
            &[("code", &code_now(&secret))],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the sealed secret checks codes"
    );

    // A secret stored in plain text before sealing existed still signs in, and is sealed on
    // that first use.
    app.clear_cookies();
    let admin = "admin@tinhso.local";
    let plain = app.enable_totp(admin).await;
    assert_eq!(stored(admin).await, plain);
    let (_, _, location) = app.login(admin, PASSWORD).await;
    assert_eq!(location.as_deref(), Some("/login/totp"));
    let (status, _, location) = app
        .post_form("/login/totp", "/login/totp", &[("code", &code_now(&plain))])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_ne!(location.as_deref(), Some("/login/totp"));
    let resealed = stored(admin).await;
    assert!(resealed.starts_with("enc1:") && !resealed.contains(&plain));
    let admin_id = app.user_id(admin).await;
    assert_eq!(
        tinhso::auth::totp::open(&app.state.keys.totp, &admin_id, &resealed).unwrap(),
        plain
    );

    // Plain secrets left in the table are sealed when a node starts.
    let other = "quantri.tuphap@tinhso.local";
    let plain = app.enable_totp(other).await;
    let again = tinhso::app::start((*app.state.config).clone(), None)
        .await
        .unwrap();
    let sealed = stored(other).await;
    assert!(sealed.starts_with("enc1:") && !sealed.contains(&plain));
    // Copied onto another account's row, a sealed secret does not open.
    assert!(tinhso::auth::totp::open(&again.keys.totp, &admin_id, &sealed).is_err());
    again.db.pool.close().await;
}

/// A PostgreSQL database made for one test, dropped at its end.
struct Fresh {
    url: String,
    pg_name: Option<String>,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = tinhso::db::Db::connect(&common::postgres_admin_url()).await
                    {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin.pool)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

async fn a_backup_restores_into_a_fresh_database_and_file_store(app: TestApp) {
    // A citizen files a dossier with a paper: a row and a file in the object store.
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    app.login("congdan@tinhso.local", PASSWORD).await;
    let page = "/procedures/1.001193/apply";
    let fields = [
        ("_key", "backup-1"),
        ("_agency", "000.00.60.H56"),
        ("_intent", "submit"),
        ("ho_ten", "Nguyễn Văn An"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5, phố Lê Lai, phường Hạc Thành"),
        ("ten_tre", "Nguyễn Minh Khôi"),
        ("ngay_sinh_tre", "2026-11-20"),
        ("gioi_tinh_tre", "Nam"),
        ("noi_sinh", "Bệnh viện Đa khoa tỉnh"),
    ];
    let (status, _, _) = app
        .post_multipart(
            page,
            page,
            &fields,
            &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the dossier is filed");
    let files = sqlx::query("SELECT storage_key, sha256 FROM dossier_files ORDER BY storage_key")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get::<String, _>("storage_key"),
                r.get::<String, _>("sha256"),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(files.len(), 1);
    let secret = app.enable_totp("admin@tinhso.local").await;
    checkpoint(&app).await.unwrap().expect("a checkpoint");
    let rows_before = verify(&app).await.unwrap().rows;

    let out_dir = tempfile::tempdir().unwrap();
    let archive = out_dir.path().join("tinhso.tar.gz");
    let written = tinhso::backup::run(&app.state.config, Some(archive.clone()))
        .await
        .unwrap();
    assert_eq!(written.path, archive);
    assert!(written.files >= 2, "the paper and the checkpoint");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner reads a backup");
    }
    let manifest = tinhso::backup::check(&archive).unwrap();
    assert!(
        manifest
            .members
            .iter()
            .any(|m| m.name == format!("files/{}", files[0].0))
    );
    assert!(
        manifest.members.iter().all(|m| !m.name.contains("keys/")),
        "the keys are not in the backup"
    );

    // A fresh database and an empty data folder holding only the installation's keys.
    let target_dir = tempfile::tempdir().unwrap();
    let (url, pg_name) = common::fresh_database(app.kind, target_dir.path()).await;
    let fresh = Fresh { url, pg_name };
    let keys_dir = target_dir.path().join("keys");
    std::fs::create_dir(&keys_dir).unwrap();
    for name in ["audit.key", "totp.key", "pki.key"] {
        std::fs::copy(app.dir.path().join("keys").join(name), keys_dir.join(name)).unwrap();
    }
    let config = common::test_config(&fresh.url, target_dir.path());
    let restored = tinhso::backup::restore(&config, &archive, false)
        .await
        .unwrap();
    assert_eq!(restored.files, written.files);
    assert!(restored.totp_key_matches);
    let report = restored.audit.expect("the restored trail verifies");
    assert_eq!(
        report.rows,
        rows_before + 1,
        "the restore itself is audited"
    );
    assert!(report.checkpoints >= 2, "the backup's and the restore's");
    assert_eq!(
        report.newest,
        Some(rows_before + 1),
        "the restored trail is anchored at once"
    );

    let state = tinhso::app::start(config.clone(), None).await.unwrap();
    for (key, sha) in &files {
        let bytes = tinhso::storage::get(state.storage.as_ref(), key)
            .await
            .unwrap()
            .expect("the paper is back");
        assert_eq!(bytes.as_ref(), PDF);
        assert_eq!(&hex::encode(sha2::Sha256::digest(&bytes)), sha);
    }
    for table in [
        "users",
        "agencies",
        "dossiers",
        "dossier_files",
        "audit_log",
    ] {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let count = |pool: sqlx::AnyPool| {
            let sql = sql.clone();
            async move {
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                row.get::<i64, _>("n")
            }
        };
        let (old, new) = (
            count(app.state.db.pool.clone()).await,
            count(state.db.pool.clone()).await,
        );
        let expected = if table == "audit_log" { old + 1 } else { old };
        assert_eq!(new, expected, "{table}");
    }
    let verified = audit_anchor::verify(&state.db, state.storage.as_ref(), &state.keys.audit)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.rows, rows_before + 1);
    // The administrator's second factor survived, sealed.
    let row = sqlx::query("SELECT id, totp_secret FROM users WHERE email = 'admin@tinhso.local'")
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    let sealed: String = row.get("totp_secret");
    assert!(sealed.starts_with("enc1:"));
    assert_eq!(
        tinhso::auth::totp::open(&state.keys.totp, &row.get::<String, _>("id"), &sealed).unwrap(),
        secret
    );
    state.db.pool.close().await;

    // Over a database and store that are no longer empty, only with --force.
    let refused = tinhso::backup::restore(&config, &archive, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("not empty") && refused.contains("--force"),
        "{refused}"
    );
    let state = tinhso::app::start(config.clone(), None).await.unwrap();
    tinhso::storage::put(
        state.storage.as_ref(),
        "dossiers/later/file",
        bytes::Bytes::from_static(b"after the backup"),
    )
    .await
    .unwrap();
    let mut tx = state.db.begin().await.unwrap();
    tinhso::audit::record(
        &state.db,
        &mut tx,
        &tinhso::audit::Actor::system(),
        tinhso::audit::Change {
            action: "test.event",
            entity_type: "test",
            entity_id: "after-backup",
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    audit_anchor::checkpoint(&state.db, state.storage.as_ref(), &state.keys.audit, "n")
        .await
        .unwrap()
        .expect("a checkpoint after the backup");
    state.db.pool.close().await;
    let again = tinhso::backup::restore(&config, &archive, true)
        .await
        .unwrap();
    assert_eq!(
        again.removed, 1,
        "a file the backup did not have is removed"
    );
    assert_eq!(
        again.superseded, 2,
        "the checkpoints newer than the backup (the first restore's and the next) are kept apart"
    );
    assert!(
        tinhso::storage::get(state.storage.as_ref(), "dossiers/later/file")
            .await
            .unwrap()
            .is_none()
    );
    let report = again.audit.expect("verifies after a forced restore");
    assert_eq!(report.rows, rows_before + 1);
}

/// The checkpoint is the platform's declared sweep (`audit.checkpoint`), run by the node's
/// runner as it starts and then every `audit.checkpoint_minutes`: a node that runs for a moment
/// leaves a signed checkpoint of the whole chain in the object store.
async fn a_running_node_checkpoints_the_chain_as_it_starts(app: TestApp) {
    assert_eq!(verify(&app).await.unwrap().checkpoints, 0);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn(tinhso::jobs::run_forever(app.state.clone(), stopped));
    let mut report = verify(&app).await.unwrap();
    for _ in 0..100 {
        if report.checkpoints > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        report = verify(&app).await.unwrap();
    }
    stop.send(true).unwrap();
    runner.await.unwrap();
    assert_eq!(report.checkpoints, 1, "the runner checkpointed the chain");
}

/// The feedback module's own migrations (`crates/feedback/migrations/`) run after the kernel's
/// baseline, once, recorded as `feedback/<file>`, and keep the rows of the table one renames; a
/// database, or a backup of one, on which a newer version recorded a module migration this
/// build does not carry is refused.
async fn a_module_migration_runs_once_keeps_the_data_and_a_newer_one_is_refused(app: TestApp) {
    let modules = tinhso::app::migrations();
    // A database at the baseline holding a report, its photo and its answer's PDF.
    let dir = tempfile::tempdir().unwrap();
    let (url, pg_name) = common::fresh_database(app.kind, dir.path()).await;
    let fresh = Fresh { url, pg_name };
    let db = tinhso::db::Db::connect(&fresh.url).await.unwrap();
    assert!(db.migrate(&[]).await.unwrap() >= 14, "the baseline");
    sqlx::raw_sql(
        "INSERT INTO feedback_categories (code, name, deadline_days) VALUES ('cay_xanh', 'Cây xanh', 10);
         INSERT INTO feedback_reports (id, code, category_code, title, description, source, status,
                received_local, created_at, updated_at)
         VALUES ('r1', 'PA-1', 'cay_xanh', 'Cây đổ', 'Cây đổ chắn đường', 'web', 'answered',
                '2026-11-28T08:00:00', '2026-11-28T01:00:00Z', '2026-11-28T01:00:00Z');
         INSERT INTO feedback_photos (id, report_id, purpose, file_name, media_type, size_bytes,
                storage_key, created_at)
         VALUES ('p1', 'r1', 'report', 'cay.jpg', 'image/jpeg', 3, 'feedback/r1/p1', '2026-11-28T01:00:00Z'),
                ('f1', 'r1', 'answer', 'tra-loi.pdf', 'application/pdf', 5, 'feedback/r1/f1', '2026-11-28T02:00:00Z');",
    )
    .execute(&db.pool)
    .await
    .unwrap();

    assert_eq!(
        db.migrate(&modules).await.unwrap(),
        47,
        "the modules' files: feedback's rename, its statistics' indexes and its map's index, the one-stop dossiers' statistics indexes, the documents module's tables, its read log, \
         its assignments, its texts, its work files, its saved searches, its dossier link, replacements, the register order, the duplicate lookup, \
         the read log's order, the edXML exchange and its statuses, recall and failures, the recall's decision and the delivering peer, the arrival signature checks, its appendices in separate files, its numbers reserved for a seal from a desk token or a phone, the platform's search index and its change log, the demo CA's tables, \
         the revocation cache, remote signing's sessions, the signature and seal images, the external CAs' certificates keyed by issuer and serial, the tasks module's tables and its extensions, reminders, parts, calendar feeds, ranking rules, parts' reminders, its generation and its open units' index, \
         the operations centre's counters, index versions, declared values, its drill-down index, its report schedules and its keyed counters' index, and the open data portal's tables, its catalogue generation, its datastore registry, its live datasets' registry and the datastore's stored words"
    );
    assert_eq!(db.migrate(&modules).await.unwrap(), 0, "applied once");
    let recorded: Vec<String> = sqlx::query(
        "SELECT name FROM schema_migrations WHERE name LIKE 'feedback/%' ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let backend = match app.kind {
        Kind::Sqlite => "sqlite",
        Kind::Postgres => "postgres",
    };
    assert_eq!(
        recorded,
        [
            format!("feedback/202611281400_feedback_files.{backend}.sql"),
            "feedback/202612071210_feedback_mapped_index.sql".to_owned(),
            "feedback/202612071400_feedback_span_indexes.sql".to_owned()
        ]
    );
    let files: Vec<(String, String, String)> = sqlx::query(
        "SELECT id, purpose, storage_key FROM feedback_files WHERE report_id = 'r1' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("id"), r.get("purpose"), r.get("storage_key")))
    .collect();
    let kept = |id: &str, purpose: &str| -> (String, String, String) {
        (id.into(), purpose.into(), format!("feedback/r1/{id}"))
    };
    assert_eq!(files, [kept("f1", "answer"), kept("p1", "report")]);
    assert!(
        sqlx::query("SELECT COUNT(*) FROM feedback_photos")
            .fetch_one(&db.pool)
            .await
            .is_err(),
        "the old name is gone"
    );

    // A newer version added a feedback migration: this one neither starts on the database nor
    // restores a backup of it.
    sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
        .bind("feedback/209901010000_later.sql")
        .bind(tinhso::time::now_text())
        .execute(&db.pool)
        .await
        .unwrap();
    let refused = db.migrate(&modules).await.unwrap_err();
    assert!(
        format!("{refused:#}").contains("newer version")
            && refused.to_string().contains("209901010000"),
        "{refused:#}"
    );
    db.pool.close().await;
    let config = common::test_config(&fresh.url, dir.path());
    let Err(refused) = tinhso::app::start(config.clone(), None).await else {
        panic!("the server started on a newer database");
    };
    assert!(
        format!("{refused:#}").contains("newer version"),
        "{refused:#}"
    );

    let archive = dir.path().join("newer.tar.gz");
    tinhso::backup::run(&config, Some(archive.clone()))
        .await
        .unwrap();
    let target_dir = tempfile::tempdir().unwrap();
    let (url, pg_name) = common::fresh_database(app.kind, target_dir.path()).await;
    let target = Fresh { url, pg_name };
    let refused = tinhso::backup::restore(
        &common::test_config(&target.url, target_dir.path()),
        &archive,
        false,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("newer version") && refused.contains("feedback/209901010000_later.sql"),
        "{refused}"
    );
}

/// `db::Double`: on one connection, so one prepared statement, a NULL number
/// and then numbers are stored and summed. With `Option<f64>` the second row failed on
/// PostgreSQL (a report without a position, then one with a position; a datastore batch
/// whose first numeric cell was empty, then one whose was not).
async fn a_missing_number_then_a_number_bind_on_one_connection(app: TestApp) {
    use tinhso_kernel::db::Double;
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    sqlx::query("CREATE TEMPORARY TABLE doubles (v DOUBLE PRECISION)")
        .execute(&mut *conn)
        .await
        .unwrap();
    for v in [None, Some(1.5), None, Some(-2.25)] {
        sqlx::query("INSERT INTO doubles (v) VALUES ($1)")
            .bind(Double(v))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{v:?} after a NULL on the same statement: {e}"));
    }
    let (n, sum): (i64, f64) = sqlx::query_as("SELECT COUNT(v), SUM(v) FROM doubles")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!((n, sum), (2, -0.75));
}
