//! The command line, run as a user would: seed, import, export, audit verify and checkpoint,
//! backup and restore.

use std::process::Command;

fn tinhso(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tinhso"))
        .args(args)
        .env("TINHSO_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .env("TINHSO_ADMIN_PASSWORD", "mật khẩu quản trị viên")
        .output()
        .expect("binary runs")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn operations_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seeded = tinhso(d, &["seed-demo"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    assert!(stdout(&seeded).contains("demo province loaded"));

    // Sample documents for measuring: loaded into Sở Tư pháp's incoming register, numbered
    // from 1 and searchable; an unknown agency is refused.
    let loaded = tinhso(d, &["load-sample-documents", "30"]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    assert!(
        stdout(&loaded).contains("30 documents loaded"),
        "{}",
        stdout(&loaded)
    );
    let unknown = tinhso(
        d,
        &["load-sample-documents", "3", "--agency", "000.00.99.H56"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no agency"),
        "{}",
        stderr(&unknown)
    );

    let csv = d.join("units.csv");
    std::fs::write(&csv, "code,name,kind,parent_code\n000.03.14.H56,Phòng Phổ biến pháp luật,unit,000.00.14.H56\n000.03.14.H5X,Sai mã,unit,000.00.14.H56\n").unwrap();
    let all_or_nothing = tinhso(d, &["import-agencies", csv.to_str().unwrap()]);
    assert_eq!(all_or_nothing.status.code(), Some(1));
    assert!(
        stderr(&all_or_nothing).contains("dòng 3"),
        "{}",
        stderr(&all_or_nothing)
    );
    assert!(stdout(&all_or_nothing).contains("nothing imported"));
    let partial = tinhso(d, &["import-agencies", "--partial", csv.to_str().unwrap()]);
    assert!(
        stdout(&partial).contains("1 agencies created or updated"),
        "{}",
        stdout(&partial)
    );

    let out = d.join("export.csv");
    assert!(
        tinhso(d, &["export-agencies", "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("000.03.14.H56,Phòng Phổ biến pháp luật")
    );

    let bad_admin = tinhso(
        d,
        &[
            "create-admin",
            "--email",
            "it@tinhso.local",
            "--name",
            "Quản trị",
            "--agency",
            "000.00.99.H56",
        ],
    );
    assert_eq!(bad_admin.status.code(), Some(1));
    assert!(stderr(&bad_admin).contains("Không tìm thấy cơ quan"));
    assert!(
        tinhso(
            d,
            &[
                "create-admin",
                "--email",
                "it@tinhso.local",
                "--name",
                "Quản trị",
                "--agency",
                "000.00.00.H56"
            ]
        )
        .status
        .success()
    );

    let backup = tinhso(d, &["backup"]);
    assert!(backup.status.success(), "{}", stderr(&backup));
    let path = stdout(&backup)
        .trim()
        .trim_start_matches("backup written to ")
        .to_owned();
    assert!(path.ends_with(".tar.gz"), "{path}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the backup is readable by its owner only"
        );
    }

    // Restored into another folder that holds only the installation's keys.
    let elsewhere = tempfile::tempdir().unwrap();
    let e = elsewhere.path();
    std::fs::create_dir(e.join("keys")).unwrap();
    for key in ["audit.key", "totp.key", "pki.key"] {
        std::fs::copy(d.join("keys").join(key), e.join("keys").join(key)).unwrap();
    }
    // A damaged copy is refused whole, and nothing is written.
    let damaged = d.join("damaged.tar.gz");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&damaged, &bytes).unwrap();
    let refused = tinhso(e, &["restore", damaged.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("damaged or incomplete"),
        "{}",
        stderr(&refused)
    );
    assert!(!e.join("tinhso.db").exists() && !e.join("files").exists());
    let cut = d.join("cut.tar.gz");
    std::fs::write(&cut, &std::fs::read(&path).unwrap()[..middle]).unwrap();
    let refused = tinhso(e, &["restore", cut.to_str().unwrap()]);
    assert!(
        stderr(&refused).contains("damaged or incomplete"),
        "{}",
        stderr(&refused)
    );

    let restored = tinhso(e, &["restore", &path]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        stdout(&restored).contains("audit trail intact"),
        "{}",
        stdout(&restored)
    );
    let copy = tinhso::db::Db::connect(&format!("sqlite://{}", e.join("tinhso.db").display()))
        .await
        .unwrap();
    let original = tinhso::db::Db::connect(&format!("sqlite://{}", d.join("tinhso.db").display()))
        .await
        .unwrap();
    let agencies = |db: tinhso::db::Db| async move {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM agencies")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        db.pool.close().await;
        sqlx::Row::get::<i64, _>(&row, "n")
    };
    let expected = agencies(original).await;
    assert!(expected > 19, "the demo directory and the imported unit");
    assert_eq!(
        agencies(copy.clone()).await,
        expected,
        "the backup holds the directory"
    );
    copy.pool.close().await;
    let again = tinhso(e, &["restore", &path]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));

    // Checkpoints: taken on demand, and the newest rows can no longer vanish unseen.
    let taken = tinhso(d, &["audit", "checkpoint"]);
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(
        stdout(&taken).contains("checkpoint at row"),
        "{}",
        stdout(&taken)
    );
    let verify = tinhso(d, &["audit", "verify"]);
    assert!(
        stdout(&verify).contains("against 1 checkpoint(s)"),
        "{}",
        stdout(&verify)
    );
    let verify = tinhso(d, &["audit", "verify"]);
    assert!(verify.status.success());
    assert!(stdout(&verify).contains("audit trail intact"));
    // Someone with file access deletes a row: the chain shows it.
    let db = tinhso::db::Db::connect(&format!("sqlite://{}", d.join("tinhso.db").display()))
        .await
        .unwrap();
    sqlx::raw_sql("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 5;")
        .execute(&db.pool)
        .await
        .unwrap();
    let verify = tinhso(d, &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(3));
    assert!(stderr(&verify).contains("row 6"), "{}", stderr(&verify));
    // Deleting the newest rows leaves an intact but shorter chain: the checkpoint tells.
    sqlx::raw_sql("DELETE FROM audit_log WHERE seq >= 5;")
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    let verify = tinhso(d, &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(3));
    assert!(
        stderr(&verify).contains("the newest rows were deleted"),
        "{}",
        stderr(&verify)
    );
    let refused = tinhso(d, &["audit", "checkpoint"]);
    assert_eq!(
        refused.status.code(),
        Some(3),
        "a broken trail is not signed"
    );
}

/// The operations centre's counters from the command line: checked (nothing differs on a new
/// province), rebuilt, and a wrong counter found by the check, with its exit status.
#[tokio::test]
async fn ops_counters_are_rebuilt_and_checked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seeded = tinhso(d, &["seed-demo"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let check = tinhso(d, &["ops", "rebuild", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("0 differed from the recount"),
        "{}",
        stdout(&check)
    );
    let rebuilt = tinhso(d, &["ops", "rebuild"]);
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    assert!(
        stdout(&rebuilt).contains("items counted"),
        "{}",
        stdout(&rebuilt)
    );
    // A counter nothing accounts for is listed, and the check fails.
    let db = tinhso::db::Db::connect(&format!("sqlite://{}", d.join("tinhso.db").display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ops_counters (scope, grain, breakdown, period, source, n)
         VALUES ('p', 'd', '*', '2027-01-05', 'dossier.received', 2)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    db.pool.close().await;
    let check = tinhso(d, &["ops", "rebuild", "--check"]);
    assert_eq!(check.status.code(), Some(3), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("p d * 2027-01-05 dossier.received: stored 2, recounted 0"),
        "{}",
        stdout(&check)
    );
}

on_both_databases!(sample_tasks_load_and_the_overview_counts_them);

/// `tinhso load-sample-tasks` on a running province's database (scripts/bench-tasks): the
/// tasks land with their units in the four buckets the office's overview counts, the unit's
/// board and the ranking open, the operations centre's counters agree with a recount, and a
/// task created afterwards continues the authority's numbering.
async fn sample_tasks_load_and_the_overview_counts_them(app: crate::common::TestApp) {
    use axum::http::StatusCode;
    const OFFICE: &str = "chuyenvien.vpubnd@tinhso.local";
    // The demo's own tasks out of the period, so the counts are the loader's.
    sqlx::query("UPDATE tasks SET assigned_on = '2001-06-01'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tinhso"))
            .args(args)
            .env("TINHSO_DATA_DIR", app.dir.path())
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "error")
            .output()
            .expect("binary runs")
    };
    // Counted, and kept in this node's cache, before the loader runs: the generation the
    // loader raises makes the next request count the tasks loaded.
    let today = tinhso::time::local_now().date();
    let token = app.token(OFFICE, &["tasks"]).await;
    let path = format!("/api/v1/tasks/overview?from=2022-01-01&to={today}");
    let (status, before) = app.api("GET", &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["total"]["total"].as_i64(), Some(0), "{before}");
    let loaded = run(&["load-sample-tasks", "150"]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    let said = stdout(&loaded);
    assert!(said.contains("150 tasks loaded"), "{said}");
    let units: i64 = said
        .split(" unit assignments")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!((300..=600).contains(&units), "{said}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tasks WHERE title LIKE '%(mẫu)'")
            .await,
        150
    );

    let (status, overview) = app.api("GET", &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    let total = &overview["total"];
    assert_eq!(total["total"].as_i64(), Some(units), "{overview}");
    for bucket in ["done_on_time", "done_late", "open_overdue"] {
        assert!(
            total[bucket].as_i64().unwrap_or(0) > 0,
            "{bucket}: {overview}"
        );
    }

    // The recount the loader ran agrees with the rows.
    let check = run(&["ops", "rebuild", "--check"]);
    assert!(check.status.success(), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("0 differed from the recount"),
        "{}",
        stdout(&check)
    );

    // The pages of the benchmark open on the loaded tasks.
    let (status, _, _) = app.login(OFFICE, "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let year = {
        use chrono::Datelike;
        today.year() - 1
    };
    let (status, _) = app.get(&format!("/office/tasks/ranking?year={year}")).await;
    assert_eq!(status, StatusCode::OK);
    app.clear_cookies();
    let (status, _, _) = app
        .login("chuyenvien.tuphap@tinhso.local", "TinhSo@2026")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, board) = app.get("/office/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(board.contains("(mẫu)"), "{board}");

    // A new task continues this year's numbers after the loaded ones (a number given again
    // would break the unique code and fail the creation).
    let body = serde_json::json!({
        "title": "Nhiệm vụ sau khi nạp mẫu", "content": "Thử.", "authority": "000.00.00.H56",
        "position": "chair", "priority": "normal", "field": "Thử",
        "units": [{"agency": "000.00.14.H56", "role": "lead", "working_days": 10}],
    });
    let (status, task) = app
        .api("POST", "/api/v1/tasks", Some(&token), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
}

on_both_databases!(sample_open_data_loads_and_the_ckan_api_counts_it);

/// `tinhso load-sample-opendata` on a running province's database (scripts/bench-opendata):
/// the datasets it loads are what `package_search` then finds, with facet counts equal to the
/// stored rows (the node's catalogue copy, read before the load, is read again), and the
/// table's rows are what `datastore_search` counts, filters, finds by words and sorts.
async fn sample_open_data_loads_and_the_ckan_api_counts_it(app: crate::common::TestApp) {
    use axum::http::StatusCode;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use tinhso_opendata::sample;
    const DATASETS: usize = 45;
    const ROWS: usize = 700;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tinhso"))
            .args(args)
            .env("TINHSO_DATA_DIR", app.dir.path())
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "error")
            .output()
            .expect("binary runs")
    };
    let facets = ["organization", "groups", "res_format", "license_id", "tags"];
    let search = json!({"fq": format!("tags:\"{}\"", sample::TAG), "rows": 0,
                        "facet.limit": -1, "facet.field": facets});
    let app_ref = &app;
    let ckan = move |action: &str, body: Value| {
        let path = format!("/api/3/action/{action}");
        let action = action.to_owned();
        let app = app_ref;
        async move {
            let (status, v) = app.api("POST", &path, None, Some(body)).await;
            assert_eq!(status, StatusCode::OK, "{action}: {v}");
            assert_eq!(v["success"], json!(true), "{v}");
            v["result"].clone()
        }
    };
    // Searched, and the catalogue kept in this node's copy, before the loader runs.
    assert_eq!(ckan("package_search", search.clone()).await["count"], 0);

    let loaded = run(&[
        "load-sample-opendata",
        &DATASETS.to_string(),
        &ROWS.to_string(),
    ]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    let said = stdout(&loaded);
    assert!(
        said.contains(&format!("{DATASETS} datasets ({DATASETS} resources)")),
        "{said}"
    );
    assert!(said.contains("rows in the datastore"), "{said}");
    let resource = said
        .trim_end()
        .rsplit("resource ")
        .next()
        .unwrap()
        .to_owned();

    // What the facets must count: the stored datasets and resources.
    let stored = sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT d.published_metadata, a.code, r.format FROM opendata_datasets d
         JOIN agencies a ON a.id = d.agency_id
         LEFT JOIN opendata_resources r ON r.dataset_id = d.id AND r.published = 1
         WHERE d.name LIKE 'mau-%' AND d.state = 'published'",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), DATASETS);
    let mut want: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    for (metadata, code, format) in &stored {
        let m: Value = serde_json::from_str(metadata).unwrap();
        let mut add = |facet: &'static str, v: String| {
            *want.entry(facet).or_default().entry(v).or_default() += 1;
        };
        add("organization", tinhso_opendata::ckan::org_name(code));
        add("groups", m["field"].as_str().unwrap().to_owned());
        add("license_id", m["licence"].as_str().unwrap().to_owned());
        add("res_format", format.clone().unwrap());
        for t in m["tags"].as_array().unwrap() {
            add("tags", t.as_str().unwrap().to_owned());
        }
    }
    assert!(want["organization"].len() > 3, "{want:?}");
    assert_eq!(want["res_format"].len(), 5, "{want:?}");
    let found = ckan("package_search", search).await;
    assert_eq!(found["count"], json!(DATASETS), "{found}");
    for facet in facets {
        let got: BTreeMap<String, i64> =
            serde_json::from_value(found["facets"][facet].clone()).unwrap();
        assert_eq!(got, want[facet], "facet {facet}");
    }
    let words = ckan(
        "package_search",
        json!({"q": "\"phan anh kien nghi\"", "fq": format!("tags:\"{}\"", sample::TAG)}),
    )
    .await;
    assert_eq!(words["count"], 1, "{words}");
    assert_eq!(words["results"][0]["name"], "mau-00001");

    // The table: every row, a filter, words and the sort's far end, as generated.
    let shown = ckan("package_show", json!({"id": "mau-00001"})).await;
    assert_eq!(shown["resources"][0]["id"], json!(resource), "{shown}");
    assert_eq!(shown["resources"][0]["datastore_active"], true);
    let rows: Vec<[String; 10]> = (0..ROWS).map(|i| sample::row(i, ROWS)).collect();
    let all = ckan("datastore_search", json!({"resource_id": resource})).await;
    assert_eq!(all["total"], json!(ROWS));
    assert_eq!(all["records"].as_array().unwrap().len(), 100);
    assert_eq!(all["records"][0]["Mã phản ánh"], json!(rows[0][0]));
    let fives = rows.iter().filter(|r| r[6] == "5").count();
    let filtered = ckan(
        "datastore_search",
        json!({"resource_id": resource, "filters": {"Mức hài lòng": 5}, "limit": 5}),
    )
    .await;
    assert_eq!(filtered["total"], json!(fives));
    assert!(fives > 0 && fives < ROWS);
    let flooded = rows
        .iter()
        .filter(|r| {
            r.iter()
                .flat_map(|c| tinhso_opendata::datastore::words(c))
                .any(|w| w == "ngap")
        })
        .count();
    let worded = ckan(
        "datastore_search",
        json!({"resource_id": resource, "q": "ngập", "limit": 5}),
    )
    .await;
    assert_eq!(worded["total"], json!(flooded));
    assert!(flooded > 0 && flooded < ROWS);
    let last = ckan(
        "datastore_search",
        json!({"resource_id": resource, "sort": "Ngày tiếp nhận desc",
               "offset": ROWS - 3, "limit": 10}),
    )
    .await;
    let ids: Vec<i64> = last["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [3, 2, 1], "{last}");

    // A second load into the same database is refused, nothing written.
    let again = run(&["load-sample-opendata", "5", "10"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already loaded"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM opendata_datasets WHERE name LIKE 'mau-%'")
            .await,
        DATASETS as i64
    );
}

/// The exchange key rotates in two steps (docs/signatures-design.md §7, key rotation):
/// `rotate-key` writes the next key beside the current one and prints its public half, while
/// `exchange key` still prints the current one (it keeps signing); a second `rotate-key` is
/// refused; `--switch` makes the next key the current one and keeps the old file.
#[test]
fn the_exchange_key_rotates_in_two_steps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let current = tinhso(d, &["exchange", "key"]);
    assert!(current.status.success(), "{}", stderr(&current));
    let current = stdout(&current);
    assert!(current.contains("BEGIN PUBLIC KEY"), "{current}");
    let none = tinhso(d, &["exchange", "key", "--next"]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("no next exchange key"),
        "{}",
        stderr(&none)
    );

    let rotated = tinhso(d, &["exchange", "rotate-key"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let next = stdout(&rotated);
    assert!(
        next.contains("BEGIN PUBLIC KEY") && next != current,
        "{next}"
    );
    assert!(stderr(&rotated).contains("still signs with the current key"));
    let file = d.join("keys").join("exchange.next.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    assert_eq!(stdout(&tinhso(d, &["exchange", "key"])), current);
    assert_eq!(stdout(&tinhso(d, &["exchange", "key", "--next"])), next);
    let again = tinhso(d, &["exchange", "rotate-key"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );

    let switched = tinhso(d, &["exchange", "rotate-key", "--switch"]);
    assert!(switched.status.success(), "{}", stderr(&switched));
    assert_eq!(stdout(&tinhso(d, &["exchange", "key"])), next);
    assert!(!file.exists());
    let retired: Vec<_> = std::fs::read_dir(d.join("keys"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("exchange.key.retired-")
        })
        .collect();
    assert_eq!(retired.len(), 1);
    let nothing = tinhso(d, &["exchange", "rotate-key", "--switch"]);
    assert!(!nothing.status.success());
}
