//! Notifications (issue 13 §8) on both databases: the in-app inbox with its unread count on
//! every page, opening and marking read, each person's choice of channels per topic, mandatory
//! topics, privacy of items, and a dedupe key that never gives two rows.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};
use tinhso::notify::{Notice, Recipient};

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const OTHER_CITIZEN: &str = "congdan2@tinhso.local";
const CLERK: &str = "motcua.hacthanh@tinhso.local";

on_both_databases!(
    an_accepted_dossier_reaches_the_inbox_and_opening_it_marks_it_read,
    read_one_and_read_all,
    preferences_turn_email_and_inbox_off,
    a_mandatory_topic_stays_on,
    another_persons_item_is_not_found,
    a_dedupe_key_never_gives_two_rows,
    a_long_unread_list_shows_99_plus
);

/// A dossier `citizen` submitted (procedure 1.000775 at phường Hạc Thành) and the ward's clerk
/// accepted, through the API; its id and code.
async fn accepted_dossier(app: &TestApp, citizen: &str, key: &str) -> (String, String) {
    let token = app.token(citizen, &["dossiers"]).await;
    let body = json!({"procedure": "1.000775", "agency": "000.00.60.H56", "answers": {
        "ho_ten": "Nguyễn Văn An", "cccd": "038090000111", "dia_chi": "Phường Hạc Thành", "muc_dich": "Kết hôn"
    }});
    let req = axum::http::Request::post("/api/v1/dossiers")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let (status, text) = common::text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let clerk = app.token(CLERK, &["dossiers"]).await;
    let (status, body) = app
        .api(
            "POST",
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&clerk),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = body["code"].as_str().unwrap().to_owned();
    (id, code)
}

/// The badge the menu shows, if any: its number and the link's label.
fn badge(html: &str) -> Option<(String, String)> {
    let start = html.find("data-testid=\"unread\">")? + "data-testid=\"unread\">".len();
    let number = html[start..].split('<').next()?.to_owned();
    let label_at =
        html.find("<a href=\"/inbox\" aria-label=\"")? + "<a href=\"/inbox\" aria-label=\"".len();
    let label = html[label_at..].split('"').next()?.to_owned();
    Some((number, label))
}

async fn inbox_api(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.api("GET", "/api/v1/inbox", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn an_accepted_dossier_reaches_the_inbox_and_opening_it_marks_it_read(app: TestApp) {
    let (id, code) = accepted_dossier(&app, CITIZEN, "inbox-1").await;
    app.login(CITIZEN, PASSWORD).await;
    let (status, html) = app.get("/dossiers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        badge(&html),
        Some(("2".into(), "Hộp thư, 2 thông báo chưa đọc".into())),
        "received and accepted, both unread, on any page"
    );
    let (status, html) = app.get("/inbox").await;
    assert_eq!(status, StatusCode::OK);
    let accepted = format!("Hồ sơ {code} đã được tiếp nhận");
    assert!(html.contains(&accepted), "{html}");
    assert!(html.contains(&format!("Đã nhận hồ sơ {code}")));
    assert!(
        html.find(&accepted) < html.find(&format!("Đã nhận hồ sơ {code}")),
        "newest first"
    );
    // The email went out too, as before.
    assert!(app.emailed(CITIZEN, &accepted).await);

    let token = app.token(CITIZEN, &["account"]).await;
    let inbox = inbox_api(&app, &token).await;
    assert_eq!(inbox["unread"], 2);
    let newest = &inbox["items"][0];
    assert_eq!(newest["subject"], accepted.as_str());
    assert_eq!(newest["link"], format!("/dossiers/{id}"));
    assert!(newest["read_at"].is_null());
    let item = newest["id"].as_str().unwrap();
    assert!(
        html.contains(&format!("href=\"/inbox/{item}\"")),
        "each item links to its page"
    );

    // Opening it goes to the dossier and marks it read.
    let resp = app
        .send(
            axum::http::Request::get(format!("/inbox/{item}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        format!("/dossiers/{id}").as_str()
    );
    let (status, html) = app.get(&format!("/dossiers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        badge(&html),
        Some(("1".into(), "Hộp thư, 1 thông báo chưa đọc".into()))
    );
    let inbox = inbox_api(&app, &token).await;
    assert_eq!(inbox["unread"], 1);
    assert!(inbox["items"][0]["read_at"].is_string());
}

async fn read_one_and_read_all(app: TestApp) {
    accepted_dossier(&app, CITIZEN, "inbox-2a").await;
    accepted_dossier(&app, CITIZEN, "inbox-2b").await;
    let token = app.token(CITIZEN, &["account"]).await;
    let inbox = inbox_api(&app, &token).await;
    assert_eq!(inbox["unread"], 4);
    let oldest = inbox["items"][3]["id"].as_str().unwrap().to_owned();

    app.login(CITIZEN, PASSWORD).await;
    let (status, _, location) = app
        .post_form("/inbox", &format!("/inbox/{oldest}/read"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/inbox"));
    let (_, html) = app.get("/inbox").await;
    assert_eq!(badge(&html).unwrap().0, "3");

    // Through the API as well.
    let second = inbox["items"][2]["id"].as_str().unwrap().to_owned();
    let (status, item) = app
        .api(
            "POST",
            &format!("/api/v1/inbox/{second}/read"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert!(item["read_at"].is_string());
    let (_, html) = app.get("/account").await;
    assert_eq!(badge(&html).unwrap().0, "2");

    let (status, _, location) = app.post_form("/inbox", "/inbox/read-all", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/inbox"));
    let (_, html) = app.get("/inbox").await;
    assert_eq!(badge(&html), None, "no badge once everything is read");
    assert!(
        html.contains("<a href=\"/inbox\">Hộp thư</a>"),
        "the inbox entry stays in the menu"
    );
    assert_eq!(inbox_api(&app, &token).await["unread"], 0);
    assert_eq!(
        inbox_api(&app, &token).await["items"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "read items stay in the inbox"
    );
}

async fn preferences_turn_email_and_inbox_off(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (status, html) = app.get("/account/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-topic=\"dossier.status\""));
    assert!(html.contains("data-topic=\"feedback.updates\""));
    assert!(
        !html.contains("data-topic=\"dossier.assigned\""),
        "officials' topics are not offered to citizens"
    );
    assert!(
        html.contains("name=\"email\" value=\"dossier.status\" checked"),
        "on by default"
    );

    // Dossier news in the inbox only.
    let (status, _, location) = app
        .post_form(
            "/account/notifications",
            "/account/notifications",
            &[
                ("inbox", "dossier.status"),
                ("email", "feedback.updates"),
                ("inbox", "feedback.updates"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/account/notifications?saved=1"));
    let (_, html) = app.get("/account/notifications?saved=1").await;
    assert!(html.contains("Đã lưu cài đặt thông báo."));
    assert!(
        html.contains("name=\"email\" value=\"dossier.status\">"),
        "email unticked"
    );
    assert!(html.contains("name=\"inbox\" value=\"dossier.status\" checked"));

    let (_, code) = accepted_dossier(&app, CITIZEN, "inbox-3a").await;
    assert!(
        !app.emailed(CITIZEN, &format!("Hồ sơ {code} đã được tiếp nhận"))
            .await,
        "no mail queued"
    );
    assert!(!app.emailed(CITIZEN, &format!("Đã nhận hồ sơ {code}")).await);
    let citizen = app.user_id(CITIZEN).await;
    let rows = |app: &TestApp, citizen: String| {
        let pool = app.state.db.pool.clone();
        async move {
            let row = sqlx::query(
                "SELECT COUNT(*) FROM inbox_items WHERE user_id = $1 AND topic = 'dossier.status'",
            )
            .bind(citizen)
            .fetch_one(&pool)
            .await
            .unwrap();
            sqlx::Row::get::<i64, _>(&row, 0)
        }
    };
    assert_eq!(
        rows(&app, citizen.clone()).await,
        2,
        "the inbox still has them"
    );

    // Both off: nothing at all.
    app.post_form(
        "/account/notifications",
        "/account/notifications",
        &[("email", "feedback.updates")],
    )
    .await;
    let (_, code) = accepted_dossier(&app, CITIZEN, "inbox-3b").await;
    assert!(
        !app.emailed(CITIZEN, &format!("Hồ sơ {code} đã được tiếp nhận"))
            .await
    );
    assert_eq!(rows(&app, citizen).await, 2, "no new inbox row");

    // Another citizen's defaults are untouched.
    let (_, code) = accepted_dossier(&app, OTHER_CITIZEN, "inbox-3c").await;
    assert!(
        app.emailed(OTHER_CITIZEN, &format!("Hồ sơ {code} đã được tiếp nhận"))
            .await
    );
}

async fn a_mandatory_topic_stays_on(app: TestApp) {
    app.login(CLERK, PASSWORD).await;
    let (status, html) = app.get("/account/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-topic=\"dossier.assigned\""),
        "officials' topics offered"
    );
    let deadline_box = html
        .find("name=\"email\" value=\"feedback.deadlines\"")
        .map(|at| &html[at..at + 120])
        .expect("the deadlines topic is listed");
    assert!(
        deadline_box.contains("checked disabled"),
        "shown on and disabled: {deadline_box}"
    );
    // A form that leaves everything unticked (as a crafted request could) changes the optional
    // topics only.
    app.post_form("/account/notifications", "/account/notifications", &[])
        .await;
    let (_, html) = app.get("/account/notifications").await;
    assert!(html.contains("name=\"email\" value=\"dossier.assigned\">"));
    assert!(html.contains("name=\"email\" value=\"feedback.deadlines\" checked disabled"));

    // A citizen's report to the ward comes due: the clerk is still told, by email and inbox.
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
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
    ];
    let (status, body, location) = app
        .post_multipart("/login", "/feedback/new", &fields, &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let code = location
        .unwrap()
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let row = sqlx::query("SELECT due_local FROM feedback_reports WHERE code = $1")
        .bind(&code)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let due = tinhso::time::parse_local(&sqlx::Row::get::<String, _>(&row, "due_local")).unwrap();
    let (reminders, _) =
        tinhso::feedback::deadlines::sweep(&app.state, due - chrono::Duration::hours(2))
            .await
            .unwrap();
    assert_eq!(reminders, 1);
    assert!(
        app.emailed(CLERK, &format!("Phản ánh {code} sắp đến hạn"))
            .await
    );
    let clerk = app.user_id(CLERK).await;
    let row = sqlx::query(
        "SELECT COUNT(*) FROM inbox_items WHERE user_id = $1 AND topic = 'feedback.deadlines' AND link = $2",
    )
    .bind(&clerk)
    .bind(format!("/feedback/{code}"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(sqlx::Row::get::<i64, _>(&row, 0), 1, "in the clerk's inbox");
    // The reporter follows their report: its acknowledgement is in their inbox too.
    let token = app.token(CITIZEN, &["account"]).await;
    let inbox = inbox_api(&app, &token).await;
    assert_eq!(
        inbox["items"][0]["subject"],
        format!("Đã nhận phản ánh {code}")
    );
}

async fn another_persons_item_is_not_found(app: TestApp) {
    accepted_dossier(&app, CITIZEN, "inbox-5").await;
    let citizen_token = app.token(CITIZEN, &["account"]).await;
    let item = inbox_api(&app, &citizen_token).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.login(OTHER_CITIZEN, PASSWORD).await;
    let (status, _) = app.get(&format!("/inbox/{item}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .post_form("/inbox", &format!("/inbox/{item}/read"), &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = app.get("/inbox").await;
    assert!(!html.contains(&item), "someone else's items are not listed");

    let other_token = app.token(OTHER_CITIZEN, &["account"]).await;
    let (status, problem) = app
        .api(
            "POST",
            &format!("/api/v1/inbox/{item}/read"),
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["status"], 404, "problem+json: {problem}");
    assert_eq!(inbox_api(&app, &other_token).await["unread"], 0);
    // A token without the account scope is refused.
    let dossiers_only = app.token(OTHER_CITIZEN, &["dossiers"]).await;
    let (status, _) = app
        .api("GET", "/api/v1/inbox", Some(&dossiers_only), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(
        inbox_api(&app, &citizen_token).await["unread"],
        2,
        "the owner's items stay unread"
    );
}

async fn a_dedupe_key_never_gives_two_rows(app: TestApp) {
    let citizen = app.user_id(CITIZEN).await;
    let notice = Notice {
        topic: &tinhso::dossiers::notices::STATUS,
        subject: "Thông báo thử".into(),
        body: "Nội dung".into(),
        email_body: "Nội dung thư".into(),
        link: None,
        dedupe_key: "test:once",
    };
    let to = [Recipient::user(&citizen, Some(CITIZEN.into()))];
    let mut mailed = Vec::new();
    for _ in 0..2 {
        let mut tx = app.state.db.begin().await.unwrap();
        mailed.push(
            tinhso::notify::send(&app.state, &mut tx, &to, &notice)
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    assert_eq!(mailed, [1, 0], "delivered once, by both channels");
    assert_eq!(
        app.count_where("inbox_items", "dedupe_key", "test:once")
            .await,
        1
    );
    assert_eq!(
        tinhso::notify::unread(&app.state.db, &citizen)
            .await
            .unwrap(),
        1
    );
    // The same key for another person is their own notice.
    let other = app.user_id(OTHER_CITIZEN).await;
    let mut tx = app.state.db.begin().await.unwrap();
    tinhso::notify::send(
        &app.state,
        &mut tx,
        &[Recipient::address(OTHER_CITIZEN)],
        &notice,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        tinhso::notify::unread(&app.state.db, &other).await.unwrap(),
        1,
        "an address with an account reaches that account"
    );
    assert_eq!(
        app.count_where("inbox_items", "dedupe_key", "test:once")
            .await,
        2
    );
}

/// Pages count unread notices only up to a hundred (every page reads the count): past 99 the
/// badge says "99+", and its label says so too.
async fn a_long_unread_list_shows_99_plus(app: TestApp) {
    let citizen = app.user_id(CITIZEN).await;
    let to = [Recipient::user(&citizen, None)];
    for n in 0..99 {
        let key = format!("test:many:{n}");
        let notice = Notice {
            topic: &tinhso::dossiers::notices::STATUS,
            subject: "Thông báo thử".into(),
            body: "Nội dung".into(),
            email_body: "Nội dung thư".into(),
            link: None,
            dedupe_key: &key,
        };
        let mut tx = app.state.db.begin().await.unwrap();
        tinhso::notify::send(&app.state, &mut tx, &to, &notice)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    app.login(CITIZEN, PASSWORD).await;
    let (_, page) = app.get("/account").await;
    assert_eq!(badge(&page).map(|b| b.0), Some("99".to_owned()));
    let notice = Notice {
        topic: &tinhso::dossiers::notices::STATUS,
        subject: "Thông báo thử".into(),
        body: "Nội dung".into(),
        email_body: "Nội dung thư".into(),
        link: None,
        dedupe_key: "test:many:last",
    };
    let mut tx = app.state.db.begin().await.unwrap();
    tinhso::notify::send(&app.state, &mut tx, &to, &notice)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, page) = app.get("/account").await;
    let (number, label) = badge(&page).expect("a badge");
    assert_eq!(number, "99+");
    assert!(label.contains("99+"), "{label}");
}
