//! The operations centre's counting (issue 18, docs/operations-design.md slice 2) on both
//! databases: the counters follow dossiers and feedback reports as their events are delivered,
//! a rebuild recounts the same from the items themselves, and the property that matters —
//! after random sequences of real actions, delivered in random batches with done deliveries
//! sent again, the incremental counters equal a full recount.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;
use std::sync::atomic::Ordering;

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const CLERK: &str = "motcua.hacthanh@tinhso.local";
const SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const COMMUNE: &str = "000.00.60.H56";
const BIRTH: &str = "1.001193";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

on_both_databases!(
    counters_follow_dossiers_and_feedback,
    a_rebuild_restores_wrong_counters_and_a_check_lists_them,
    incremental_counting_equals_a_full_recount_after_random_sequences,
);

fn today() -> String {
    tinhso::time::local_now().date().to_string()
}

async fn counter(
    app: &TestApp,
    scope: &str,
    grain: &str,
    key: &str,
    period: &str,
    source: &str,
) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ops_counters
          WHERE scope = $1 AND grain = $2 AND breakdown = $3 AND period = $4 AND source = $5",
    )
    .bind(scope)
    .bind(grain)
    .bind(key)
    .bind(period)
    .bind(source)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn agency_id(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// The counters as a recount sees them: no difference.
async fn assert_recount_agrees(app: &TestApp, what: &str) {
    let check = tinhso_ops::rebuild::rebuild(&app.state, &operator(), true)
        .await
        .unwrap();
    assert!(
        check.differences.is_empty(),
        "{what}: {} counters differ from a recount, e.g. {:?}",
        check.differences.len(),
        &check.differences[..check.differences.len().min(5)]
    );
}

fn birth_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ho_ten", "Nguyễn Văn An"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5, phố Lê Lai, phường Hạc Thành"),
        ("ten_tre", "Nguyễn Minh Khôi"),
        ("ngay_sinh_tre", "2026-11-20"),
        ("gioi_tinh_tre", "Nam"),
        ("noi_sinh", "Bệnh viện Đa khoa tỉnh"),
    ]
}

/// A dossier registered at the counter by the ward's clerk (signed in); its id.
async fn register(app: &TestApp, channel: &'static str) -> Option<String> {
    let page = format!("/office/dossiers/new?procedure={BIRTH}");
    let mut fields = vec![
        ("procedure", BIRTH),
        ("applicant_name", "Phan Thị Hạnh"),
        ("applicant_phone", "0912345678"),
        ("channel", channel),
    ];
    fields.extend(birth_answers());
    let (status, body, location) = app
        .post_multipart(
            &page,
            "/office/dossiers/new",
            &fields,
            &[("file_giay_chung_sinh", "chung-sinh.pdf", PDF)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location?;
    Some(
        location
            .trim_start_matches("/office/dossiers/")
            .split(['?', '/'])
            .next()?
            .to_owned(),
    )
}

/// A report filed by the signed-in citizen in the ward (routed to it); its code.
async fn file_report(app: &TestApp, key: &str) -> String {
    let fields = [
        ("category", "giao-thong"),
        ("title", "Ổ gà lớn trên đường Lê Lai"),
        (
            "description",
            "Đường Lê Lai trước số 12 có ổ gà sâu, xe máy đã ngã hai lần trong tuần.",
        ),
        ("address", "Số 12 đường Lê Lai"),
        ("admin_unit", "14932"),
        ("lat", "19.8067"),
        ("lon", "105.7852"),
        ("_confirmed", "1"),
        ("_key", key),
    ];
    let (status, body, location) = app
        .post_multipart("/login", "/feedback/new", &fields, &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    location
        .unwrap()
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// Signs in afresh. The random sequences switch people far more often than anyone signs in, so
/// the sign-in throttle's counts are emptied first.
async fn sign_in(app: &TestApp, email: &str) {
    sqlx::query("DELETE FROM rate_limits")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    app.clear_cookies();
    let (status, _, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email} signs in");
}

async fn counters_follow_dossiers_and_feedback(app: TestApp) {
    tinhso_ops::rebuild::rebuild(&app.state, &operator(), false)
        .await
        .unwrap();
    let day = today();
    let month = &day[..7];
    let ward = format!("a:{}", agency_id(&app, COMMUNE).await);
    let received = counter(&app, "p", "d", "*", &day, "dossier.received").await;
    let ward_received = counter(&app, &ward, "d", "*", &day, "dossier.received").await;
    let unit_received = counter(&app, "u:14932", "d", "*", &day, "dossier.received").await;

    sign_in(&app, CLERK).await;
    let id = register(&app, "counter").await.expect("registered");
    assert_eq!(
        counter(&app, "p", "d", "*", &day, "dossier.received").await,
        received + 1
    );
    assert_eq!(
        counter(&app, &ward, "d", "*", &day, "dossier.received").await,
        ward_received + 1
    );
    // A dossier has no place of its own: it counts for the ward whose committee's desk handled
    // it, which is what the ward's leader sees by default.
    assert_eq!(
        counter(&app, "u:14932", "d", "*", &day, "dossier.received").await,
        unit_received + 1
    );
    assert_eq!(
        counter(&app, "p", "d", "*", &day, "dossier.received_online").await,
        0,
        "registered at the counter, not online"
    );
    // The calendar month counts what its days count; so does the Decree 09 month, over its own
    // days (the 15th of the month before to the 14th).
    let days = |from: String, to: String| {
        let ward = ward.clone();
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ops_counters WHERE scope = $1 AND grain = 'd'
                   AND source = 'dossier.received' AND breakdown = '*' AND period >= $2 AND period <= $3",
            )
            .bind(ward)
            .bind(from)
            .bind(to)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        counter(&app, &ward, "m", "*", month, "dossier.received").await,
        days(format!("{month}-01"), format!("{month}-31")).await
    );
    let (ry, rm) = tinhso_domain::ops::period::decree09_month_of(tinhso::time::local_now().date());
    let window = tinhso_domain::ops::period::decree09_month(ry, rm);
    assert_eq!(
        counter(
            &app,
            &ward,
            "r",
            "*",
            &format!("{ry:04}-{rm:02}"),
            "dossier.received"
        )
        .await,
        days(window.from.to_string(), window.to.to_string()).await
    );
    let open: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ops_counters WHERE scope = $1 AND grain = 'd' AND source = 'dossier.open'",
    )
    .bind(&ward)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(open >= 1, "a dossier in progress is open by its due day");

    // The dossier's item row holds what was counted; delivering its event again changes nothing.
    let marks: String =
        sqlx::query_scalar("SELECT marks FROM ops_items WHERE kind = 'dossier' AND item = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(
        marks.contains("dossier.received") && marks.contains(&ward),
        "{marks}"
    );
    let before: Vec<(String, i64)> = sqlx::query_as(
        "SELECT scope || grain || breakdown || period || source, n FROM ops_counters ORDER BY 1",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE outbox_deliveries SET status = 'pending', attempts = 0, finished_at = NULL,
                next_attempt_at = '2000-01-01T00:00:00.000Z'
          WHERE subscriber = 'ops.count' AND stream = $1",
    )
    .bind(format!("dossier:{id}"))
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    app.deliver_events().await;
    let after: Vec<(String, i64)> = sqlx::query_as(
        "SELECT scope || grain || breakdown || period || source, n FROM ops_counters ORDER BY 1",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(before, after, "a repeated delivery writes nothing");

    // A report counts for the province, the ward's agency and the ward itself, by category.
    sign_in(&app, CITIZEN).await;
    let unit_before = counter(
        &app,
        "u:14932",
        "m",
        "giao-thong",
        month,
        "feedback.received",
    )
    .await;
    file_report(&app, "ops-1").await;
    assert_eq!(
        counter(
            &app,
            "u:14932",
            "m",
            "giao-thong",
            month,
            "feedback.received"
        )
        .await,
        unit_before + 1
    );
    assert!(counter(&app, &ward, "d", "*", &day, "feedback.received").await >= 1);
    assert_recount_agrees(&app, "after a dossier and a report").await;
}

async fn a_rebuild_restores_wrong_counters_and_a_check_lists_them(app: TestApp) {
    // A new installation is built at start: no job was queued for it.
    let state: String = sqlx::query_scalar("SELECT value FROM ops_state WHERE name = 'build'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_ne!(state, "queued");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%ops.rebuild%'")
            .await,
        0
    );
    sign_in(&app, CLERK).await;
    register(&app, "counter").await;
    register(&app, "post").await;
    assert_recount_agrees(&app, "as delivered").await;
    let day = today();
    let n = counter(&app, "p", "d", "*", &day, "dossier.received").await;
    assert!(n >= 2);
    sqlx::query("UPDATE ops_counters SET n = n + 5 WHERE scope = 'p' AND grain = 'd' AND source = 'dossier.received'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM ops_counters WHERE source = 'dossier.accepted' AND scope = 'p'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let check = tinhso_ops::rebuild::rebuild(&app.state, &operator(), true)
        .await
        .unwrap();
    let wrong = check
        .differences
        .iter()
        .find(|d| {
            d.scope == "p" && d.grain == "d" && d.source == "dossier.received" && d.period == day
        })
        .expect("the inflated counter is listed");
    assert_eq!((wrong.stored, wrong.counted), (n + 5, n));
    assert!(
        check
            .differences
            .iter()
            .any(|d| d.source == "dossier.accepted" && d.stored == 0)
    );
    // Checking wrote nothing; rebuilding puts every counter right.
    assert_eq!(
        counter(&app, "p", "d", "*", &day, "dossier.received").await,
        n + 5
    );
    let rebuilt = tinhso_ops::rebuild::rebuild(&app.state, &operator(), false)
        .await
        .unwrap();
    assert!(rebuilt.items >= 2 && rebuilt.counters > 0);
    // The rebuild is audited with what it put right; the check before it wrote no row.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, after_json FROM audit_log WHERE action = 'ops.rebuild' ORDER BY seq",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let (actor, after) = rows.last().expect("the rebuild is audited");
    assert_eq!(actor, "cli");
    let after: serde_json::Value = serde_json::from_str(after).unwrap();
    assert_eq!(after["differed"], check.differences.len());
    assert_eq!(
        counter(&app, "p", "d", "*", &day, "dossier.received").await,
        n
    );
    assert_recount_agrees(&app, "after the rebuild").await;
    // Deliveries after a rebuild find their items already counted.
    sign_in(&app, CLERK).await;
    register(&app, "counter").await;
    assert_eq!(
        counter(&app, "p", "d", "*", &day, "dossier.received").await,
        n + 1
    );
    assert_recount_agrees(&app, "after a rebuild and a new dossier").await;

    // Counters kept under older scope rules are counted again once, at the next start.
    sqlx::query("UPDATE ops_state SET value = '1' WHERE name = 'scope_rules'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let jobs = "SELECT COUNT(*) FROM jobs WHERE payload LIKE '%ops.rebuild%'";
    let queued = app.count(jobs).await;
    tinhso_ops::rebuild::first_build(&app.state).await.unwrap();
    assert_eq!(app.count(jobs).await, queued + 1, "a rebuild is queued");
    tinhso_ops::rebuild::first_build(&app.state).await.unwrap();
    assert_eq!(app.count(jobs).await, queued + 1, "once");
}

/// The operator running `tinhso ops rebuild` (the CLI's actor).
fn operator() -> tinhso_kernel::audit::Actor {
    tinhso_kernel::audit::Actor {
        label: "cli".into(),
        ip: String::new(),
    }
}

/// A small deterministic generator (xorshift64*): the seed is printed, so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Cases per database, each of [`STEPS`] random steps on the same app (so later cases start
/// from the counts, items and deliveries the earlier ones left).
const CASES: u64 = 4;
const STEPS: usize = 40;

async fn incremental_counting_equals_a_full_recount_after_random_sequences(app: TestApp) {
    let first = std::env::var("OPS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let specialist = app.token(SPECIALIST, &["dossiers"]).await;
    let leader = app.token(LEADER, &["dossiers"]).await;
    for case in 0..CASES {
        one_case(
            &app,
            first.wrapping_add(case * 0x9E37_79B9) | 1,
            &specialist,
            &leader,
        )
        .await;
    }
}

/// One random sequence, then the recount. Replay a failure with `OPS_SEED=<seed>` (the first
/// case's seed is the one given).
async fn one_case(app: &TestApp, seed: u64, specialist: &str, leader: &str) {
    eprintln!("ops property: OPS_SEED={seed}");
    let mut rng = Rng(seed);
    app.hold_events.store(true, Ordering::SeqCst);
    let mut signed_in = "";
    app.clear_cookies();
    let mut dossiers: Vec<String> = Vec::new();
    let mut reports: Vec<String> = Vec::new();
    let mut actions = Vec::new();
    // Actions that were taken (not refused as out of turn), and done deliveries made pending.
    let (mut changed, mut resent) = (0, 0);
    for step in 0..STEPS {
        let action = rng.below(10);
        actions.push(action);
        match action {
            0 | 4 if dossiers.is_empty() || action == 0 => {
                if signed_in != CLERK {
                    sign_in(app, CLERK).await;
                    signed_in = CLERK;
                }
                let channel = if rng.below(2) == 0 { "counter" } else { "post" };
                if let Some(id) = register(app, channel).await {
                    dossiers.push(id);
                    changed += 1;
                }
            }
            1..=3 if !dossiers.is_empty() => {
                let id = &dossiers[rng.below(dossiers.len())];
                let (token, body) = match action {
                    1 => (specialist, json!({"action": "complete_step"})),
                    2 => (leader, json!({"action": "approve"})),
                    _ => (
                        specialist,
                        json!({"action": "request_supplement", "note": "Bổ sung bản sao giấy đăng ký kết hôn"}),
                    ),
                };
                let (status, problem) = app
                    .api(
                        "POST",
                        &format!("/api/v1/dossiers/{id}/actions"),
                        Some(token),
                        Some(body),
                    )
                    .await;
                changed += usize::from(status.is_success());
                assert!(
                    status.is_success() || status.is_client_error(),
                    "step {step}: {status} {problem}"
                );
            }
            4 => {
                if signed_in != CLERK {
                    sign_in(app, CLERK).await;
                    signed_in = CLERK;
                }
                let id = &dossiers[rng.below(dossiers.len())];
                let (status, body, _) = app
                    .post_multipart(
                        &format!("/office/dossiers/{id}"),
                        &format!("/office/dossiers/{id}/actions"),
                        &[("action", "return_result"), ("confirm", "yes")],
                        &[("file_result", "ket-qua.pdf", PDF)],
                    )
                    .await;
                changed += usize::from(status == StatusCode::SEE_OTHER);
                assert!(status.as_u16() < 500, "step {step}: {status} {body}");
            }
            5..=7 if reports.is_empty() || action == 5 => {
                if signed_in != CITIZEN {
                    sign_in(app, CITIZEN).await;
                    signed_in = CITIZEN;
                }
                reports.push(file_report(app, &format!("ops-{seed}-{step}")).await);
                changed += 1;
            }
            6 | 7 => {
                let code = reports[rng.below(reports.len())].clone();
                let who = if action == 6 { CLERK } else { CITIZEN };
                if signed_in != who {
                    sign_in(app, who).await;
                    signed_in = who;
                }
                let fields: &[(&str, &str)] = match (action, rng.below(2)) {
                    (6, 0) => &[("action", "accept")],
                    (6, _) => &[
                        ("action", "answer"),
                        ("note", "Phường đã vá ổ gà, mời bà con kiểm tra."),
                    ],
                    (_, 0) => &[("action", "reopen"), ("note", "Vẫn còn ổ gà bên cạnh.")],
                    _ => &[("action", "rate"), ("rating", "2")],
                };
                let page = format!("/feedback/{code}");
                let (status, body, _) = app
                    .post_form(&page, &format!("{page}/actions"), fields)
                    .await;
                changed += usize::from(status == StatusCode::SEE_OTHER);
                assert!(status.as_u16() < 500, "step {step}: {status} {body}");
            }
            8 => {
                let batch = 1 + rng.below(8);
                tinhso::events::deliver_due(&app.state, batch)
                    .await
                    .unwrap();
            }
            _ => {
                // Done deliveries of the counting come back, as after a lost acknowledgement.
                let done: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM outbox_deliveries WHERE subscriber = 'ops.count' AND status = 'done' ORDER BY id",
                )
                .fetch_all(&app.state.db.pool)
                .await
                .unwrap();
                for _ in 0..done.len().min(1 + rng.below(3)) {
                    sqlx::query(
                        "UPDATE outbox_deliveries SET status = 'pending', attempts = 0, finished_at = NULL,
                                next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE id = $1",
                    )
                    .bind(&done[rng.below(done.len())])
                    .execute(&app.state.db.pool)
                    .await
                    .unwrap();
                    resent += 1;
                }
            }
        }
    }
    app.hold_events.store(false, Ordering::SeqCst);
    app.deliver_events().await;
    let dead = app
        .count("SELECT COUNT(*) FROM outbox_deliveries WHERE subscriber = 'ops.count' AND status <> 'done'")
        .await;
    assert_eq!(dead, 0, "seed {seed}: every counting delivery is done");
    let counted = app
        .count("SELECT COUNT(*) FROM ops_counters WHERE n <> 0")
        .await;
    assert!(
        counted > 0 || dossiers.is_empty() && reports.is_empty(),
        "seed {seed}"
    );
    eprintln!(
        "ops property: {} dossiers, {} reports, {changed} actions that changed something, \
         {resent} deliveries sent again, {counted} counters",
        dossiers.len(),
        reports.len(),
    );
    let check = tinhso_ops::rebuild::rebuild(&app.state, &operator(), true)
        .await
        .unwrap();
    assert!(
        check.differences.is_empty(),
        "seed {seed}, actions {actions:?}: {} counters differ from a recount, e.g. {:?}",
        check.differences.len(),
        &check.differences[..check.differences.len().min(5)]
    );
}
