//! Citizen feedback on both databases: reporting with photos, routing, answering, rating and
//! reopening, duplicates, moderation, permissions, and the Open311 GeoReport v2 API.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::Value;

pub(crate) const PASSWORD: &str = "TinhSo@2026";

on_both_databases!(
    a_report_is_routed_answered_and_rated,
    bad_reports_duplicates_and_moderation,
    answers_carry_files_and_anonymous_reporters_rate_with_their_key,
    open311_georeport_v2
);

fn jpeg_with_location() -> Vec<u8> {
    let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-19.8067-105.7852";
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
    v.extend(((exif.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(exif);
    v.extend([0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9]);
    v
}

pub(crate) async fn post_report(
    app: &TestApp,
    fields: &[(&str, &str)],
    photos: &[(&str, Vec<u8>)],
) -> (StatusCode, String, Option<String>) {
    let files: Vec<(&str, &str, &[u8])> = photos
        .iter()
        .map(|(name, bytes)| ("file_photos", *name, bytes.as_slice()))
        .collect();
    // Any page carries the token bound to this browser; the login page has it as a field.
    app.post_multipart("/login", "/feedback/new", fields, &files)
        .await
}

fn code_of(location: &str) -> String {
    location
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) const POTHOLE: &[(&str, &str)] = &[
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

async fn a_report_is_routed_answered_and_rated(app: TestApp) {
    app.login("congdan@tinhso.local", PASSWORD).await;
    let mut fields = POTHOLE.to_vec();
    fields.push(("_key", "pothole-1"));
    let (status, _, location) =
        post_report(&app, &fields, &[("o-ga.jpg", jpeg_with_location())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let code = code_of(&location.unwrap());
    assert!(code.starts_with("PA-"), "{code}");
    let (status, again, _) = post_report(&app, &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{again}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM feedback_reports").await,
        1,
        "a resend makes one report"
    );

    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    assert!(
        page.contains("Ủy ban nhân dân phường Hạc Thành") || page.contains("Hạc Thành"),
        "routed by area"
    );
    assert!(page.contains("Đã phân công"));
    let photo = &page[page.find(&format!("/feedback/{code}/photos/")).unwrap()..];
    let photo = &photo[..photo.find('"').unwrap()];
    app.clear_cookies();
    let resp = app
        .send(Request::get(photo).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "image/jpeg");
    let (_, bytes) = text(resp).await;
    assert!(
        !bytes.contains("GPS-19.8067"),
        "the camera's location is stripped"
    );
    let (_, list) = app.get("/feedback?category=giao-thong").await;
    assert!(list.contains(&code) && !list.contains("congdan@tinhso.local"));
    let (_, list) = app.get("/feedback?agency=000.00.60.H56").await;
    assert!(list.contains(&code) && list.contains("<option value=\"000.00.60.H56\" selected>"));
    let (_, list) = app.get("/feedback?agency=000.00.08.H56").await;
    assert!(
        !list.contains(&code),
        "another agency's reports are filtered out"
    );

    // A clerk of another agency cannot answer; the ward's clerk can.
    app.login("motcua.tuphap@tinhso.local", PASSWORD).await;
    let (status, _, _) = app
        .post_form(
            &format!("/feedback/{code}"),
            &format!("/feedback/{code}/actions"),
            &[("action", "answer"), ("note", "Đã sửa xong ổ gà.")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.clear_cookies();
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    assert!(
        page.contains("congdan@tinhso.local"),
        "the handling agency sees the contact"
    );
    // The page offers what the rules allow this clerk and no more: taking the report up, but
    // not re-routing it, which is the leader's (the form would only be refused).
    assert!(page.contains(r#"name="action" value="accept""#));
    assert!(
        !page.contains(r#"name="action" value="assign""#),
        "a clerk is not offered re-routing"
    );
    app.clear_cookies();
    app.login("lanhdao.hacthanh@tinhso.local", PASSWORD).await;
    let (_, leader_page) = app.get(&format!("/feedback/{code}")).await;
    assert!(
        leader_page.contains(r#"name="action" value="assign""#),
        "the ward's leader may re-route"
    );
    app.clear_cookies();
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    let (status, _, _) = app
        .post_form(
            &format!("/feedback/{code}"),
            &format!("/feedback/{code}/actions"),
            &[("action", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html, _) = app
        .post_form(
            &format!("/feedback/{code}"),
            &format!("/feedback/{code}/actions"),
            &[("action", "answer"), ("note", "ngắn")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Nội dung trả lời từ 10"));
    let (status, _, _) = app
        .post_form(
            &format!("/feedback/{code}"),
            &format!("/feedback/{code}/actions"),
            &[
                ("action", "answer"),
                ("note", "Phường đã vá ổ gà ngày 25/11, mời bà con kiểm tra."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The reporter reopens once, then rates the second answer.
    app.clear_cookies();
    app.login("congdan@tinhso.local", PASSWORD).await;
    let page = format!("/feedback/{code}");
    let (status, _, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "reopen"), ("note", "Vẫn còn ổ gà bên cạnh.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    app.post_form(
        &page,
        &format!("{page}/actions"),
        &[
            ("action", "answer"),
            ("note", "Đã vá nốt ổ gà còn lại, cảm ơn bà con."),
        ],
    )
    .await;
    app.clear_cookies();
    app.login("congdan@tinhso.local", PASSWORD).await;
    let (status, _, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "reopen"), ("note", "Lại chưa ổn.")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "reopened only once");
    let (status, _, _) = app
        .post_form(
            &page,
            &format!("{page}/actions"),
            &[("action", "rate"), ("rating", "4")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.get(&page).await;
    assert!(html.contains("Đã đóng") && html.contains("Rất hài lòng"));
    assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND payload LIKE '%congdan@tinhso.local%'").await, 3, "received, answered twice");
    // Statistics count it: answered on time, satisfied, too few reports to rank.
    app.clear_cookies();
    let (status, _) = app.get("/office/feedback/statistics").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "officials only");
    app.login("lanhdao.hacthanh@tinhso.local", PASSWORD).await;
    let (status, stats) = app
        .api("GET", "/api/v1/statistics/feedback?by=category", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let total = &stats["total"];
    assert_eq!(
        (
            total["received"].as_i64(),
            total["answered"].as_i64(),
            total["answered_on_time"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        (
            total["on_time_rate"].as_f64(),
            total["satisfaction_rate"].as_f64()
        ),
        (Some(100.0), Some(100.0))
    );
    assert_eq!(stats["rows"][0]["comparable"], false);
    let (status, problem) = app
        .api(
            "GET",
            "/api/v1/statistics/feedback?to=%2B262142-12-31",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let this_month = tinhso::time::local_now().format("%Y-%m").to_string();
    let months = stats["months"].as_array().unwrap();
    let month = months
        .iter()
        .find(|m| m["month"] == this_month.as_str())
        .unwrap();
    assert_eq!(
        (
            month["received"].as_i64(),
            month["answered_on_time"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(months.last().unwrap()["month"], this_month.as_str());
    let (status, csv) = app.get("/office/feedback/statistics.csv?by=area").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.contains("Trả lời đúng hạn") && csv.contains("Phường Hạc Thành"),
        "{csv}"
    );
    let (status, html) = app.get("/office/feedback/statistics?by=agency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ít phản ánh") && html.contains("data-testid=\"fb-trend\""));
    // Months read "Th11/2026", rates "100,0%".
    let now = tinhso::time::local_now();
    let label = format!(
        "Th{}&#x2f;{}",
        chrono::Datelike::month(&now),
        chrono::Datelike::year(&now)
    );
    assert!(html.contains(&label), "{label}");
    assert!(html.contains("100,0%"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'feedback.%'")
            .await,
        6,
        "filed, accepted, answered, reopened, answered, rated"
    );
}

const ANSWER_PDF: &[u8] = b"%PDF-1.4\nBien ban nghiem thu va o ga\n%%EOF\n";

/// Posts the agency's answer with files, as the answer form does.
async fn answer_with_files(
    app: &TestApp,
    code: &str,
    note: &str,
    files: &[(&str, &[u8])],
) -> (StatusCode, String, Option<String>) {
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| ("file_answer", *name, *bytes))
        .collect();
    app.post_multipart(
        &format!("/feedback/{code}"),
        &format!("/feedback/{code}/answer"),
        &[("note", note)],
        &files,
    )
    .await
}

async fn answers_carry_files_and_anonymous_reporters_rate_with_their_key(app: TestApp) {
    // Someone without an account reports; the link they are sent to holds their key.
    let (status, _, location) = post_report(
        &app,
        &[POTHOLE, &[("email", "ban.doc@example.com")]].concat(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let code = code_of(&location);
    let key = location
        .split("key=")
        .nth(1)
        .expect("a key in the link")
        .to_owned();
    let (_, page) = app.get(&location).await;
    assert!(page.contains("data-testid=\"private-link\"") && page.contains(&key));
    assert!(
        app.emailed("ban.doc@example.com", &format!("{code}?key={key}"))
            .await,
        "the acknowledgement email carries the private link"
    );
    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    assert!(!page.contains(&key), "the public page never shows the key");

    // Another agency's clerk cannot answer, and leaves no file behind.
    app.login("motcua.tuphap@tinhso.local", PASSWORD).await;
    let (status, _, _) = answer_with_files(
        &app,
        &code,
        "Không phải việc của tôi.",
        &[("x.pdf", ANSWER_PDF)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stored = app.dir.path().join("files/feedback/answers");
    let count_stored = || std::fs::read_dir(&stored).map(|d| d.count()).unwrap_or(0);
    assert_eq!(count_stored(), 0);
    app.clear_cookies();

    // The ward answers with files: bad files are refused and nothing is published.
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    app.post_form(
        &format!("/feedback/{code}"),
        &format!("/feedback/{code}/actions"),
        &[("action", "accept")],
    )
    .await;
    let answer = "Phường đã vá ổ gà, biên bản nghiệm thu kèm theo.";
    let (status, html, _) = answer_with_files(
        &app,
        &code,
        answer,
        &[("bien-ban.pdf", b"MZ\x90\0 not a pdf")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không phải PDF, JPEG, PNG"), "{html}");
    assert!(html.contains(answer), "the answer as typed is kept");
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("bien-ban.pdf", ANSWER_PDF)).collect();
    let (status, html, _) = answer_with_files(&app, &code, answer, &six).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("tối đa 5 tệp"), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) FROM feedback_files").await, 0);
    assert_eq!(count_stored(), 0, "refused files are not kept");
    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    assert!(page.contains("Đang xử lý"), "still in progress");
    let photo = jpeg_with_location();
    let (status, _, _) = answer_with_files(
        &app,
        &code,
        answer,
        &[("bien-ban.pdf", ANSWER_PDF), ("sau-khi-va.jpg", &photo)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count_stored(), 2);

    // Anyone reads the answer and downloads its files; the photo lost its location.
    app.clear_cookies();
    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    assert!(page.contains(answer) && page.contains("bien-ban.pdf"));
    let links: Vec<String> = page
        .match_indices(&format!("/feedback/{code}/files/"))
        .map(|(i, _)| page[i..].split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(links.len(), 2);
    let resp = app
        .send(Request::get(&links[0]).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment") && disposition.contains("bien-ban.pdf"));
    let (_, body) = text(resp).await;
    assert_eq!(body.as_bytes(), ANSWER_PDF);
    let (status, body) = app.get(&links[1]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("GPS-19.8067"));

    // Without the key, or with a wrong one, nobody rates for the reporter.
    let (status, _, location) = app
        .post_form(
            "/login",
            &format!("/feedback/{code}/actions"),
            &[("action", "rate"), ("rating", "1")],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
    let (status, _, _) = app
        .post_form(
            "/login",
            &format!("/feedback/{code}/actions"),
            &[
                ("action", "rate"),
                ("rating", "1"),
                ("key", "AAAAAAAAAAAAAAAAAAAAAAAA"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // With it, the reporter reopens once and rates the next answer.
    let keyed = format!("/feedback/{code}?key={key}");
    let (_, page) = app.get(&keyed).await;
    assert!(page.contains("Gửi đánh giá") && page.contains("name=\"key\""));
    assert!(
        page.contains(&format!("next=&#x2f;feedback&#x2f;{code}%3Fkey%3D{key}")),
        "switching language keeps the key"
    );
    let (status, _, location) = app
        .post_form(
            &keyed,
            &format!("/feedback/{code}/actions"),
            &[
                ("action", "reopen"),
                ("note", "Ổ gà vẫn còn một nửa."),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(keyed.as_str()));
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    app.post_form(
        &format!("/feedback/{code}"),
        &format!("/feedback/{code}/actions"),
        &[
            ("action", "answer"),
            ("note", "Đã vá nốt phần còn lại ngày 27/11."),
        ],
    )
    .await;
    app.clear_cookies();
    let (status, _, _) = app
        .post_form(
            &keyed,
            &format!("/feedback/{code}/actions"),
            &[("action", "rate"), ("rating", "4"), ("key", &key)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.get(&keyed).await;
    assert!(
        page.contains("Đã đóng") && page.contains("Rất hài lòng"),
        "the reporter sees their rating"
    );
    let (_, page) = app.get(&format!("/feedback/{code}")).await;
    assert!(
        page.contains("Đã đóng") && !page.contains("Rất hài lòng"),
        "how someone rated is theirs, not the public's"
    );
    assert!(
        !page.contains("bien-ban.pdf"),
        "the first answer's files went with it"
    );
    assert_eq!(
        app.count_where("audit_log", "actor", &format!("reporter:{code}"))
            .await,
        2,
        "reopening and rating audited as the reporter"
    );
}

async fn bad_reports_duplicates_and_moderation(app: TestApp) {
    // Anonymous, with nothing filled in: every problem explained.
    let (status, html, _) = post_report(
        &app,
        &[
            ("category", ""),
            ("lat", "48.85"),
            ("lon", "2.35"),
            ("_confirmed", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    for message in [
        "Vui lòng chọn lĩnh vực",
        "Tiêu đề từ 5",
        "ngoài lãnh thổ Việt Nam",
        "email hoặc số điện thoại",
    ] {
        assert!(html.contains(message), "{message}");
    }
    let (status, html, _) = post_report(
        &app,
        &[POTHOLE, &[("email", "ban.doc@example.com")]].concat(),
        &[("anh.jpg", b"not an image".to_vec())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không phải PDF, JPEG, PNG"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM feedback_reports").await,
        0,
        "nothing filed from bad input"
    );

    // Anonymous, valid: filed without a name in public.
    let (status, _, location) = post_report(
        &app,
        &[
            POTHOLE,
            &[
                ("email", "ban.doc@example.com"),
                ("name", "Trần Ẩn Danh"),
                // Someone without an account is never named, whatever the form sends.
                ("show_name", "on"),
            ],
        ]
        .concat(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let first = code_of(&location.unwrap());
    let (_, page) = app.get(&format!("/feedback/{first}")).await;
    assert!(!page.contains("Trần Ẩn Danh") && !page.contains("ban.doc@example.com"));

    // A similar report is suggested before filing; the citizen follows instead.
    app.login("congdan2@tinhso.local", PASSWORD).await;
    let similar: Vec<(&str, &str)> = POTHOLE
        .iter()
        .filter(|(k, _)| *k != "_confirmed")
        .copied()
        .collect();
    let (status, html, _) = post_report(&app, &similar, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"similar\"") && html.contains(&first));
    let (status, _, _) = app
        .post_form("/feedback/new", &format!("/feedback/{first}/follow"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM feedback_followers").await,
        2
    );
    // Filed anyway, then merged by the ward: its follower moves to the first report.
    let (_, _, location) = post_report(
        &app,
        &[similar.as_slice(), &[("_confirmed", "1"), ("_key", "dup")]].concat(),
        &[],
    )
    .await;
    let second = code_of(&location.unwrap());
    app.clear_cookies();
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    // Merging cannot be undone: asked first (nothing changes), then done when confirmed.
    let merge = [
        ("action", "mark_duplicate"),
        ("duplicate_of", first.as_str()),
    ];
    let (status, step, _) = app
        .post_form(
            &format!("/feedback/{second}"),
            &format!("/feedback/{second}/actions"),
            &merge,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(step.contains("Gộp vào phản ánh trùng?") && step.contains(&first));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM feedback_reports WHERE status = 'duplicate'")
            .await,
        0
    );
    let (status, _, _) = app
        .post_form(
            &format!("/feedback/{second}"),
            &format!("/feedback/{second}/actions"),
            &[merge.as_slice(), &[("confirm", "yes")]].concat(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.get(&format!("/feedback/{second}")).await;
    assert!(page.contains("Trùng lặp"));
    // The handler's panel is about the report, each action titled, not "Xử lý hồ sơ".
    assert!(
        page.contains("<h2 id=\"handle\">Xử lý phản ánh</h2>") && !page.contains("Xử lý hồ sơ")
    );
    assert!(page.contains("<h3 id=\"fb-hide\">Ẩn nội dung</h3>"));
    // Moderation hides the content from the public, with a reason, audited.
    let hide = [("reason", "Có thông tin cá nhân của người khác")];
    let (status, step, _) = app
        .post_form(
            &format!("/feedback/{first}"),
            &format!("/feedback/{first}/hide"),
            &hide,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(step.contains("Ẩn nội dung phản ánh?"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM feedback_reports WHERE hidden_reason IS NOT NULL")
            .await,
        0,
        "asked first, nothing hidden yet"
    );
    let (status, _, _) = app
        .post_form(
            &format!("/feedback/{first}"),
            &format!("/feedback/{first}/hide"),
            &[hide.as_slice(), &[("confirm", "yes")]].concat(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clear_cookies();
    let (_, page) = app.get(&format!("/feedback/{first}")).await;
    assert!(page.contains("Nội dung đã được ẩn") && !page.contains("ổ gà sâu"));
    let (_, list) = app.get("/feedback").await;
    assert!(
        !list.contains(&first),
        "hidden reports leave the public list"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.hidden'")
            .await,
        1
    );
}

async fn open311(
    app: &TestApp,
    method: &str,
    path: &str,
    form: Option<String>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder().method(method).uri(path);
    let body = match form {
        Some(f) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f)
        }
        None => Body::empty(),
    };
    let resp = app.send(req.body(body).unwrap()).await;
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = text(resp).await;
    (status, content_type, body)
}

async fn open311_georeport_v2(app: TestApp) {
    let (status, ct, body) = open311(&app, "GET", "/open311/v2/services.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/json"));
    let services: Value = serde_json::from_str(&body).unwrap();
    assert!(
        services
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["service_code"] == "giao-thong" && s["type"] == "realtime")
    );
    let (_, ct, xml) = open311(&app, "GET", "/open311/v2/services.xml", None).await;
    assert!(ct.starts_with("text/xml") && xml.contains("<services><service><service_code>"));
    let (status, _, def) = open311(&app, "GET", "/open311/v2/services/giao-thong.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&def).unwrap()["service_code"],
        "giao-thong"
    );
    let (status, _, err) = open311(&app, "GET", "/open311/v2/services/nope.xml", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(err.contains("<errors><error><code>404</code>"));

    let key = app.token("doanhnghiep@tinhso.local", &["open311"]).await;
    let form = |key: &str, service: &str| {
        format!(
            "api_key={key}&service_code={service}&lat=19.8067&long=105.7852&address_string=S%E1%BB%91+12+L%C3%AA+Lai&email=app%40example.com&description=%C4%90%C3%A8n+%C4%91%C6%B0%E1%BB%9Dng+h%E1%BB%8Fng+c%E1%BA%A3+tu%E1%BA%A7n+nay."
        )
    };
    let (status, _, err) = open311(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(form("wrong", "giao-thong")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(serde_json::from_str::<Value>(&err).unwrap()[0]["code"], 403);
    let (status, _, err) = open311(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(form(&key, "nope")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.contains("service_code"));
    let (status, _, created) = open311(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(form(&key, "giao-thong")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, one) = open311(
        &app,
        "GET",
        &format!("/open311/v2/requests/{id}.json"),
        None,
    )
    .await;
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(
        (one[0]["status"].as_str(), one[0]["service_code"].as_str()),
        (Some("open"), Some("giao-thong"))
    );
    assert!(
        one[0]["status_notes"]
            .as_str()
            .unwrap()
            .starts_with("assigned")
    );
    assert!(
        !one[0].to_string().contains("app@example.com"),
        "no contact details"
    );
    let (_, _, xml) = open311(&app, "GET", &format!("/open311/v2/requests/{id}.xml"), None).await;
    assert!(
        xml.contains("<service_requests><request><service_request_id>")
            && xml.contains("<status>open</status>")
    );
    let (_, _, open_list) = open311(
        &app,
        "GET",
        "/open311/v2/requests.json?status=open&service_code=giao-thong",
        None,
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&open_list)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, _, closed) =
        open311(&app, "GET", "/open311/v2/requests.json?status=closed", None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&closed)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (status, _, err) = open311(
        &app,
        "GET",
        "/open311/v2/requests.json?start_date=yesterday",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.contains("W3C"));
    let (status, _, _) = open311(&app, "GET", "/open311/v2/requests.csv", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, err) = open311(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(format!(
            "api_key={key}&service_code=giao-thong&description=Thi%E1%BA%BFu+v%E1%BB%8B+tr%C3%AD"
        )),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a location is required");
    assert!(err.contains("lat and long"));
}

mod deadlines {
    use super::*;

    on_both_databases!(reminders_then_escalation_with_a_moved_clock);

    async fn reminders_then_escalation_with_a_moved_clock(app: TestApp) {
        app.login("congdan@tinhso.local", PASSWORD).await;
        let (_, _, location) = post_report(&app, POTHOLE, &[]).await;
        let code = code_of(&location.unwrap());
        let due: String = sqlx::Row::get(
            &sqlx::query("SELECT due_local FROM feedback_reports WHERE code = $1")
                .bind(&code)
                .fetch_one(&app.state.db.pool)
                .await
                .unwrap(),
            "due_local",
        );
        let due = tinhso::time::parse_local(&due).unwrap();
        let sweep = |at| tinhso::feedback::deadlines::sweep(&app.state, at);
        assert_eq!(
            sweep(due - chrono::Duration::days(5)).await.unwrap(),
            (0, 0),
            "nothing to say a week ahead"
        );
        assert_eq!(
            sweep(due - chrono::Duration::hours(2)).await.unwrap(),
            (1, 0),
            "a reminder on the last day"
        );
        assert_eq!(
            sweep(due - chrono::Duration::hours(1)).await.unwrap(),
            (0, 0),
            "only once"
        );
        let to_officials = app
            .count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%sắp đến hạn%'")
            .await;
        assert_eq!(to_officials, 3, "the ward's clerk, specialist and leader");
        assert_eq!(
            sweep(due + chrono::Duration::hours(1)).await.unwrap(),
            (0, 1),
            "escalated once overdue"
        );
        assert_eq!(
            sweep(due + chrono::Duration::days(3)).await.unwrap(),
            (0, 0)
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%quá hạn%' AND payload LIKE '%lanhdao.hacthanh%'").await, 1, "to the leader");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%quá hạn%'")
                .await,
            1,
            "to the leader only"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('feedback.remind', 'feedback.escalate')").await, 2);
    }
}

mod administration {
    use super::*;

    on_both_databases!(administrators_add_a_category_and_route_it);

    async fn administrators_add_a_category_and_route_it(app: TestApp) {
        app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
        let (status, _, _) = app
            .post_form(
                "/feedback",
                "/admin/feedback/categories",
                &[
                    ("code", "chieu-sang"),
                    ("name", "Chiếu sáng công cộng"),
                    ("deadline_days", "5"),
                ],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "officials do not manage categories"
        );
        app.clear_cookies();
        let secret = app.enable_totp("admin@tinhso.local").await;
        app.login("admin@tinhso.local", PASSWORD).await;
        let code =
            tinhso::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
        app.post_form("/login/totp", "/login/totp", &[("code", &code)])
            .await;
        let (status, html, _) = app
            .post_form(
                "/admin/feedback",
                "/admin/feedback/categories",
                &[("code", "Chiếu Sáng"), ("name", ""), ("deadline_days", "0")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("Mã lĩnh vực gồm")
                && html.contains("Tên lĩnh vực")
                && html.contains("Thời hạn trả lời từ 1")
        );
        let (status, _, _) = app
            .post_form(
                "/admin/feedback",
                "/admin/feedback/categories",
                &[
                    ("code", "chieu-sang"),
                    ("name", "Chiếu sáng công cộng"),
                    ("deadline_days", "5"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, html, _) = app
            .post_form(
                "/admin/feedback",
                "/admin/feedback/routes",
                &[
                    ("category", "chieu-sang"),
                    ("unit", "14932"),
                    ("agency", "000.99.99.H56"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("Chọn cơ quan tiếp nhận trong danh sách."));
        let (status, _, _) = app
            .post_form(
                "/admin/feedback",
                "/admin/feedback/routes",
                &[
                    ("category", "chieu-sang"),
                    ("unit", "14932"),
                    ("agency", "000.00.60.H56"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('feedback.category_saved', 'feedback.route_saved')").await, 2);

        // It takes effect at once: Open311 lists it and a report is routed with its deadline.
        let (_, _, services) = open311(&app, "GET", "/open311/v2/services.json", None).await;
        assert!(services.contains("chieu-sang"));
        app.clear_cookies();
        app.login("congdan@tinhso.local", PASSWORD).await;
        let fields = [
            ("category", "chieu-sang"),
            ("title", "Đèn đường tắt cả tuần"),
            (
                "description",
                "Dãy đèn đường phố Lê Lai tắt từ thứ Hai, rất tối và nguy hiểm.",
            ),
            ("admin_unit", "14932"),
            ("_confirmed", "1"),
        ];
        let (status, _, location) = post_report(&app, &fields, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let code = code_of(&location.unwrap());
        let row = sqlx::query("SELECT r.received_local, r.due_local, a.code FROM feedback_reports r JOIN agencies a ON a.id = r.agency_id WHERE r.code = $1")
            .bind(&code)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(sqlx::Row::get::<String, _>(&row, "code"), "000.00.60.H56");
        let received =
            tinhso::time::parse_local(&sqlx::Row::get::<String, _>(&row, "received_local"))
                .unwrap();
        let due =
            tinhso::time::parse_local(&sqlx::Row::get::<String, _>(&row, "due_local")).unwrap();
        let calendar = tinhso_domain::calendar::Calendar::vietnam_default();
        let expected = calendar
            .due(
                received,
                tinhso_domain::calendar::WorkDuration::days(5),
                None,
            )
            .unwrap();
        assert_eq!(due, expected, "five working days from receipt");
    }
}

mod paging {
    use super::*;

    on_both_databases!(the_public_list_comes_in_pages_of_thirty);

    async fn the_public_list_comes_in_pages_of_thirty(app: TestApp) {
        app.login("congdan@tinhso.local", PASSWORD).await;
        for i in 0..31 {
            let title = format!("Phản ánh thứ {i} về rác thải");
            let fields = [
                ("category", "moi-truong"),
                ("title", title.as_str()),
                ("description", "Rác thải tập kết sai nơi quy định, bốc mùi."),
                ("_confirmed", "1"),
            ];
            let (status, _, _) = post_report(&app, &fields, &[]).await;
            assert_eq!(status, StatusCode::SEE_OTHER);
        }
        app.clear_cookies();
        let (_, first) = app.get("/feedback").await;
        assert_eq!(first.matches("data-testid=\"feedback-item\"").count(), 30);
        assert!(first.contains("rel=\"next\"") && !first.contains("rel=\"prev\""));
        let (_, second) = app.get("/feedback?page=2").await;
        assert_eq!(second.matches("data-testid=\"feedback-item\"").count(), 1);
        assert!(second.contains("rel=\"prev\"") && !second.contains("rel=\"next\""));
        assert!(second.contains("Phản ánh thứ 0 về rác thải"), "oldest last");
    }
}
