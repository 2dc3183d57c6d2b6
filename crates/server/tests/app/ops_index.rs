//! The operations centre's index (issue 18, docs/operations-design.md slice 3) on both
//! databases: the seeded provisional 766 version, versions imported from TOML (every error with
//! its line and column, nothing stored half), activation and retirement with audit.

use crate::common;

use common::TestApp;
use tinhso::audit::Actor;
use tinhso_ops::versions;

on_both_databases!(
    the_seeded_version_is_active_provisional_and_audited,
    an_import_is_validated_whole_and_activation_is_audited,
);

async fn audit_actions(app: &TestApp, code: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'ops_index_version' AND entity_id = $1
         ORDER BY seq",
    )
    .bind(code)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

async fn versions_stored(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT code, status FROM ops_index_versions ORDER BY code")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

fn admin() -> Actor {
    Actor {
        label: "quantri@tinhso.local".into(),
        ip: "127.0.0.1".into(),
    }
}

async fn the_seeded_version_is_active_provisional_and_audited(app: TestApp) {
    assert_eq!(
        versions_stored(&app).await,
        vec![("766-2022-tam".to_owned(), "active".to_owned())]
    );
    assert_eq!(
        audit_actions(&app, "766-2022-tam").await,
        vec!["ops.version.imported", "ops.version.activated"]
    );
    let mut tx = app.state.db.begin().await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let v = versions::active_on(&mut tx, day).await.unwrap().unwrap();
    assert!(v.definition.provisional);
    assert_eq!(v.definition.groups.len(), 5);
    v.checked(&app.state)
        .expect("the seed validates against the modules' sources");
    let before = chrono::NaiveDate::from_ymd_opt(2022, 6, 22).unwrap();
    assert!(
        versions::active_on(&mut tx, before)
            .await
            .unwrap()
            .is_none()
    );
    // A second start seeds nothing more.
    drop(tx);
    versions::seed(&app.state).await.unwrap();
    assert_eq!(versions_stored(&app).await.len(), 1);
}

async fn an_import_is_validated_whole_and_activation_is_audited(app: TestApp) {
    let checked = versions::SEED_766
        .replace("code = \"766-2022-tam\"", "code = \"766-2027\"")
        .replace("valid_from = \"2022-06-23\"", "valid_from = \"2027-01-01\"")
        .replace(
            "provisional = true\nwhen_empty",
            "provisional = false\nwhen_empty",
        );
    // Bad: an unknown source and a group that no longer sums; nothing is stored.
    let bad = checked
        .replace("ratio(feedback.on_time,", "ratio(feedback.ontime,")
        .replace("weight = 22\n", "weight = 21\n");
    let errors = versions::import(&app.state, &admin(), &bad)
        .await
        .unwrap()
        .unwrap_err();
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"groups"), "{errors:?}");
    assert!(
        paths.contains(&"groups[4].indicators[1].formula"),
        "{errors:?}"
    );
    assert!(
        errors.iter().all(|e| e.line > 0 && e.column > 0),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.vi.contains("feedback.on_time")));
    // Overlapping the seeded, open-ended version.
    let errors = versions::import(&app.state, &admin(), &checked)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].vi.contains("766-2022-tam"), "{errors:?}");
    assert_eq!(versions_stored(&app).await.len(), 1);
    assert!(audit_actions(&app, "766-2027").await.is_empty());

    // The seed retired, the checked version is imported, then activated.
    versions::retire(&app.state, &admin(), "766-2022-tam")
        .await
        .unwrap();
    let code = versions::import(&app.state, &admin(), &checked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(code, "766-2027");
    let again = versions::import(&app.state, &admin(), &checked)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(again[0].path, "code");
    versions::activate(&app.state, &admin(), "766-2027")
        .await
        .unwrap();
    let err = versions::activate(&app.state, &admin(), "766-2027")
        .await
        .unwrap_err();
    assert!(
        matches!(err, tinhso::error::AppError::Conflict(_)),
        "{err:?}"
    );
    assert_eq!(
        versions_stored(&app).await,
        vec![
            ("766-2022-tam".to_owned(), "retired".to_owned()),
            ("766-2027".to_owned(), "active".to_owned()),
        ]
    );
    assert_eq!(
        audit_actions(&app, "766-2027").await,
        vec!["ops.version.imported", "ops.version.activated"]
    );
    let by: String = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE entity_id = '766-2027' AND action = 'ops.version.activated'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(by, "quantri@tinhso.local");
}
