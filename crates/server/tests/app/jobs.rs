//! Job kinds a module declares (`Module::jobs`): queued in the caller's transaction with their
//! payload, run by the runner of any node, and a job of a kind nobody declares fails visibly
//! (its error kept on the row for administrators) instead of vanishing.

use crate::common;
use common::TestApp;
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Mutex;
use tinhso::jobs::{self, Job};
use tinhso::module::{BoxFut, JobKind};

static RECORD: JobKind = JobKind {
    name: "test.record",
    run: record,
};

/// The payloads the test kind ran with (both databases' tests share the process: each looks for
/// its own marker).
static RAN: Mutex<Vec<Value>> = Mutex::new(Vec::new());

fn record(_: &tinhso::ctx::Ctx, payload: Value) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        RAN.lock().unwrap().push(payload);
        Ok(())
    })
}

on_both_databases!(a_module_job_runs_with_its_payload_and_an_undeclared_kind_fails_visibly);

async fn a_module_job_runs_with_its_payload_and_an_undeclared_kind_fails_visibly(app: TestApp) {
    let config = common::test_config(&app.database_url, app.dir.path());
    let node = tinhso::app::start_extended(config, None, Vec::new(), vec![&RECORD])
        .await
        .expect("node starts");
    let marker = uuid::Uuid::now_v7().to_string();
    let mut tx = node.db.begin().await.unwrap();
    let declared = jobs::enqueue(&mut tx, &Job::of(&RECORD, json!({ "marker": marker })))
        .await
        .unwrap();
    let stray = Job::Module {
        name: "test.nobody".into(),
        payload: json!({ "marker": marker }),
    };
    let undeclared = jobs::enqueue(&mut tx, &stray).await.unwrap();
    tx.commit().await.unwrap();

    jobs::run_due(&node).await.unwrap();

    let ran = RAN.lock().unwrap().clone();
    assert_eq!(
        ran.iter().filter(|p| p["marker"] == json!(marker)).count(),
        1,
        "the declared kind ran once with its payload: {ran:?}"
    );
    let row = |id: String| {
        let pool = node.db.pool.clone();
        async move {
            sqlx::query("SELECT kind, status, last_error FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let done = row(declared).await;
    assert_eq!(done.get::<String, _>("kind"), "test.record");
    assert_eq!(done.get::<String, _>("status"), "done");
    let failed = row(undeclared).await;
    assert_ne!(failed.get::<String, _>("status"), "done");
    assert!(
        failed
            .get::<Option<String>, _>("last_error")
            .unwrap_or_default()
            .contains("no module declares the job kind test.nobody")
    );
}
