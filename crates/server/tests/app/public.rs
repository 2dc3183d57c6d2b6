//! What the public sees, on both databases: no public surface (pages, Open311, the API, the
//! CSV downloads, the statistics) ever shows an anonymous reporter's name or any reporter's
//! contact details, nor a dossier's applicant; and the public statistics page, open to anyone,
//! publishes the figures filed, withholding rates of too few cases.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};

const PASSWORD: &str = "TinhSo@2026";
const WARD: &str = "000.00.60.H56";

on_both_databases!(
    no_public_surface_shows_a_reporter_who_did_not_ask_to_be_named,
    public_statistics_are_open_to_anyone_and_withhold_small_cells,
    open_datasets_publish_the_registers_and_the_statistics_page_figures
);

/// A report from the web form as whoever is signed in (or nobody), with `extra` fields;
/// its code.
async fn file(app: &TestApp, title: &str, category: &str, extra: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("category", category),
        ("title", title),
        (
            "description",
            "Mô tả đủ dài để được tiếp nhận, kèm vị trí cụ thể.",
        ),
        ("admin_unit", "14932"),
        ("lat", "19.8067"),
        ("lon", "105.7852"),
        ("_confirmed", "1"),
    ];
    fields.extend_from_slice(extra);
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

async fn get_with(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    text(app.send(req.body(Body::empty()).unwrap()).await).await
}

/// Every GET operation of the API document, with each path parameter replaced by `values`.
async fn api_paths(app: &TestApp, values: &[String]) -> Vec<String> {
    let (_, doc) = app.get("/api/openapi.json").await;
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let mut paths = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if ops.get("get").is_none() {
            continue;
        }
        match (path.find('{'), path.find('}')) {
            (Some(a), Some(b)) => {
                for v in values {
                    paths.push(format!("{}{v}{}", &path[..a], &path[b + 1..]));
                }
            }
            _ => paths.push(path.clone()),
        }
    }
    assert!(paths.len() > 10, "the API document lists its operations");
    paths
}

async fn no_public_surface_shows_a_reporter_who_did_not_ask_to_be_named(app: TestApp) {
    // Someone without an account, name and contact given as the form asks (and the "show my
    // name" box forced on, which only accounts may tick).
    let anonymous = file(
        &app,
        "Cống thoát nước bị tắc",
        "moi-truong",
        &[
            ("name", "Đinh Thị Kín Đáo"),
            ("email", "kin.dao@example.com"),
            ("phone", "0912345678"),
            ("show_name", "on"),
        ],
    )
    .await;
    // A citizen who did not tick the box, and one who did.
    app.login("congdan@tinhso.local", PASSWORD).await;
    let unnamed = file(&app, "Đèn đường phố Lê Lai hỏng", "giao-thong", &[]).await;
    app.clear_cookies();
    app.login("congdan2@tinhso.local", PASSWORD).await;
    let named = file(
        &app,
        "Vỉa hè bị lấn chiếm",
        "trat-tu-do-thi",
        &[("show_name", "on")],
    )
    .await;
    app.clear_cookies();
    // An app posting through Open311 for someone without an account.
    let key = app.token("doanhnghiep@tinhso.local", &["open311"]).await;
    let resp = app
        .send(
            Request::post("/open311/v2/requests.json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "api_key={key}&service_code=giao-thong&lat=19.8067&long=105.7852&first_name=Ho%C3%A0ng&last_name=B%C3%AD+M%E1%BA%ADt&email=bi.mat%40example.com&phone=0987654321&description=Bi%E1%BB%83n+b%C3%A1o+b%E1%BB%8B+%C4%91%E1%BB%95+ngay+ng%C3%A3+t%C6%B0."
                )))
                .unwrap(),
        )
        .await;
    let (status, created) = text(resp).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let via_app = serde_json::from_str::<Value>(&created).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A dossier, whose applicant the tracking page must not name either.
    let citizen = app.token("congdan@tinhso.local", &["dossiers"]).await;
    let (_, procedure) = app
        .api("GET", "/api/v1/procedures/1.000775", None, None)
        .await;
    let mut answers = serde_json::Map::new();
    for f in procedure["form"].as_array().unwrap() {
        let value = match f["type"].as_str().unwrap() {
            "date" => json!("1990-01-01"),
            "number" => json!("1"),
            "citizen_id" => json!("038090000111"),
            "choice" => f["options"][0].clone(),
            _ => json!("Nguyễn Văn An"),
        };
        answers.insert(f["key"].as_str().unwrap().to_owned(), value);
    }
    let body = json!({"procedure": "1.000775", "agency": WARD, "answers": answers});
    let req = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {citizen}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", "privacy-walk")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, dossier) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{dossier}");
    let dossier = serde_json::from_str::<Value>(&dossier).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();

    // The ward answers the anonymous report, so it also appears among answered ones.
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    let (_, handler_view) = app.get(&format!("/feedback/{anonymous}")).await;
    for contact in ["Đinh Thị Kín Đáo", "kin.dao@example.com", "0912345678"] {
        assert!(
            handler_view.contains(contact),
            "the handling agency sees {contact}"
        );
    }
    for action in ["accept", "answer"] {
        let (status, _, _) = app
            .post_form(
                &format!("/feedback/{anonymous}"),
                &format!("/feedback/{anonymous}/actions"),
                &[
                    ("action", action),
                    ("note", "Phường đã cho nạo vét cống ngày hôm nay."),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{action}");
    }
    app.clear_cookies();
    assert_eq!(
        app.count_where("feedback_reports", "code", &anonymous)
            .await,
        1
    );
    let shown: i64 = sqlx::Row::get(
        &sqlx::query("SELECT show_name FROM feedback_reports WHERE code = $1")
            .bind(&anonymous)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(
        shown, 0,
        "no opt-in is stored for someone without an account"
    );

    let secrets = [
        "Đinh Thị Kín Đáo",
        "kin.dao@example.com",
        "0912345678",
        "Nguyễn Văn An",
        "congdan@tinhso.local",
        "congdan2@tinhso.local",
        "Bí Mật",
        "bi.mat@example.com",
        "0987654321",
        "038090000111",
    ];
    let codes = [&anonymous, &unnamed, &named, &via_app];
    let mut surfaces: Vec<String> = [
        "/",
        "/feedback",
        "/feedback?status=open",
        "/feedback?status=answered",
        "/feedback?category=giao-thong",
        "/feedback?agency=000.00.60.H56",
        "/feedback/new",
        "/statistics",
        "/statistics?by=field",
        "/agencies",
        "/agencies/000.00.60.H56",
        "/procedures",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/requests.json?status=open",
        "/open311/v2/requests.xml?status=closed",
        "/office/statistics",
        "/office/statistics.csv",
        "/office/feedback/statistics",
        "/office/feedback/statistics.csv",
        "/office/feedback",
    ]
    .map(str::to_owned)
    .to_vec();
    for code in codes {
        surfaces.push(format!("/feedback/{code}"));
        surfaces.push(format!("/open311/v2/requests/{code}.json"));
        surfaces.push(format!("/open311/v2/requests/{code}.xml"));
    }
    surfaces.push(format!(
        "/open311/v2/requests.xml?service_request_id={anonymous},{unnamed},{named},{via_app}"
    ));
    surfaces.push(format!("/track?code={dossier}"));
    let mut values: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    values.extend([dossier.clone(), WARD.to_owned(), "1.000775".to_owned()]);
    surfaces.extend(api_paths(&app, &values).await);

    // Anyone, then a signed-in citizen (who filed nothing) with an API token of every scope a
    // citizen may hold.
    let stranger_token = app
        .token(
            "doanhnghiep@tinhso.local",
            &["dossiers", "open311", "account"],
        )
        .await;
    let mut read = 0;
    for (who, token) in [
        ("anyone", None),
        ("a citizen", Some(stranger_token.as_str())),
    ] {
        if token.is_some() {
            app.login("doanhnghiep@tinhso.local", PASSWORD).await;
        }
        for path in &surfaces {
            let (status, body) = get_with(&app, path, token).await;
            read += usize::from(status.is_success());
            for secret in secrets {
                assert!(
                    !body.contains(secret),
                    "{who} reads {secret:?} at {path} ({status})"
                );
            }
        }
        // The suggestions shown while writing a report list other reports too.
        let (status, similar, _) = app
            .post_multipart(
                "/login",
                "/feedback/new",
                &[
                    ("category", "giao-thong"),
                    ("title", "Đèn đường phố Lê Lai hỏng"),
                    ("description", "Đèn đường phố Lê Lai hỏng nhiều ngày."),
                    ("email", "nguoi.khac@example.com"),
                ],
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {similar}");
        assert!(similar.contains(&unnamed), "similar reports are suggested");
        for secret in secrets {
            assert!(
                !similar.contains(secret),
                "{who}: {secret} among suggestions"
            );
        }
    }
    assert!(read > 40, "the walk read real pages ({read})");

    // What may be shown: the name of the citizen who asked, and a word for the others.
    let (_, page) = app.get(&format!("/feedback/{named}")).await;
    assert!(page.contains("Lê Thị Bích"), "an opted-in name is shown");
    let (_, page) = app.get(&format!("/feedback/{unnamed}")).await;
    assert!(page.contains("Không công khai tên"));
    let (status, tracked) = app.get(&format!("/track?code={dossier}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        tracked.contains(&dossier),
        "the tracking page found the dossier"
    );
}

/// Seven reports in the ward: six on traffic, five of them answered in time, two of those rated;
/// one on the environment, open.
async fn seven_reports_five_answered_two_rated(app: &TestApp) {
    // Six traffic reports in the ward, five answered in time; one environment report open.
    let mut codes = Vec::new();
    for i in 0..6 {
        let email = format!("nguoi{i}@example.com");
        codes.push(
            file(
                app,
                &format!("Ổ gà số {i} trên đường Trần Phú"),
                "giao-thong",
                &[("email", email.as_str())],
            )
            .await,
        );
    }
    file(
        app,
        "Khói đốt rác ven sông",
        "moi-truong",
        &[("email", "song@example.com")],
    )
    .await;
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    for code in &codes[..5] {
        for action in ["accept", "answer"] {
            app.post_form(
                &format!("/feedback/{code}"),
                &format!("/feedback/{code}/actions"),
                &[("action", action), ("note", "Phường đã vá ổ gà hôm nay.")],
            )
            .await;
        }
    }
    app.clear_cookies();
    // Two reporters rate the answer: too few ratings to publish a satisfaction rate.
    for code in &codes[..2] {
        let key = tinhso::feedback::service::reporter_key(&app.state, code);
        let (status, _, _) = app
            .post_form(
                &format!("/feedback/{code}?key={key}"),
                &format!("/feedback/{code}/actions"),
                &[("action", "rate"), ("rating", "4"), ("key", &key)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
}

async fn public_statistics_are_open_to_anyone_and_withhold_small_cells(app: TestApp) {
    seven_reports_five_answered_two_rated(&app).await;
    let (status, html) = app.get("/statistics?by=field").await;
    assert_eq!(status, StatusCode::OK, "no sign-in needed");
    let feedback = &html[html.find("data-testid=\"public-feedback\"").unwrap()..];
    let row = |key: &str| {
        let start = feedback.find(&format!("data-key=\"{key}\"")).unwrap();
        let rest = &feedback[start..];
        rest[..rest.find("</tr>").unwrap()].to_owned()
    };
    let traffic = row("giao-thong");
    assert!(
        traffic.contains("<td>6</td><td>5</td>") && traffic.contains("(5/5)"),
        "{traffic}"
    );
    assert!(
        traffic.contains("data-testid=\"withheld\"") && !traffic.contains("lượt đánh giá"),
        "two ratings are not published: {traffic}"
    );
    let environment = row("moi-truong");
    assert!(
        environment.contains("<td>1</td><td>0</td>"),
        "{environment}"
    );
    let total = row("");
    assert!(
        total.contains("<td>7</td><td>5</td>") && total.contains("(5/5)"),
        "{total}"
    );
    let (_, html) = app.get("/statistics").await;
    let feedback = &html[html.find("data-testid=\"public-feedback\"").unwrap()..];
    let ward = &feedback[feedback.find(&format!("data-key=\"{WARD}\"")).unwrap()..];
    assert!(ward[..ward.find("</tr>").unwrap()].contains("<td>7</td><td>5</td>"));
    assert!(html.contains("data-testid=\"public-dossiers\""));
    app.get("/lang/en?next=/statistics").await;
    let (_, english) = app.get("/statistics").await;
    assert!(english.contains("Public statistics") && english.contains("Whole province"));
    app.get("/lang/vi?next=/statistics").await;
    let (status, _) = app.get("/statistics?year=1999").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "whole recent years only");
    // Linked from every page's footer and from the officials' statistics pages.
    let (_, home) = app.get("/").await;
    assert!(home.contains("href=\"/statistics\""));
    app.login("motcua.hacthanh@tinhso.local", PASSWORD).await;
    for page in ["/office/statistics", "/office/feedback/statistics"] {
        let (status, html) = app.get(page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<a href=\"/statistics\">"), "{page}");
    }
}

/// The platform's own open datasets, for anyone: each module's register (agencies, procedures)
/// and the service statistics with the public page's figures — a rate of too few cases is
/// withheld (`null`) there too — as JSON and as CSV.
async fn open_datasets_publish_the_registers_and_the_statistics_page_figures(app: TestApp) {
    seven_reports_five_answered_two_rated(&app).await;
    app.clear_cookies();

    let (status, list) = app.api("GET", "/api/v1/datasets", None, None).await;
    assert_eq!(status, StatusCode::OK, "no sign-in needed");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for name in ["agencies", "procedures", "service-statistics"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let procedures = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "procedures")
        .unwrap();
    assert_eq!(procedures["module"], "onestop");
    assert_eq!(procedures["title"]["vi"], "Danh mục thủ tục hành chính");
    assert_eq!(
        procedures["title"]["en"],
        "Administrative procedure catalog"
    );
    assert_eq!(
        procedures["columns"][5],
        json!({"name": "processing_days", "type": "numeric"})
    );

    // Every declared dataset reads rows of its declared shape.
    for (module, dataset) in tinhso::app::datasets() {
        let rows = (dataset.rows)(&app.state).await.unwrap();
        tinhso::module::dataset::rows_fit(dataset.columns, &rows)
            .unwrap_or_else(|e| panic!("{module}/{}: {e}", dataset.name));
    }

    let (status, agencies) = app
        .api("GET", "/api/v1/datasets/agencies", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let ward = agencies["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == WARD)
        .unwrap();
    assert_eq!(
        ward["parent_code"].as_str().map(str::is_empty),
        Some(false),
        "{ward}"
    );
    assert_eq!(
        agencies["total"],
        agencies["records"].as_array().unwrap().len()
    );

    let (_, procedures) = app
        .api("GET", "/api/v1/datasets/procedures", None, None)
        .await;
    let birth = procedures["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "1.001193")
        .expect("the demo birth registration");
    assert!(
        birth["local_code"]
            .as_str()
            .unwrap()
            .starts_with("1.001193"),
        "{birth}"
    );
    assert!(birth["processing_days"].is_number(), "{birth}");

    let (_, stats) = app
        .api("GET", "/api/v1/datasets/service-statistics", None, None)
        .await;
    let year = i64::from(chrono::Datelike::year(&tinhso::time::local_now().date()));
    let feedback = stats["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "feedback" && r["agency_code"] == WARD && r["year"] == year)
        .unwrap_or_else(|| panic!("the ward's feedback row this year in {stats}"));
    assert_eq!(
        (&feedback["received"], &feedback["processed"]),
        (&json!(7), &json!(5)),
        "{feedback}"
    );
    assert_eq!(
        feedback["on_time_rate"],
        json!(100.0),
        "five answered in time: published"
    );
    assert_eq!(feedback["rated"], json!(2));
    assert_eq!(
        feedback["satisfaction_rate"],
        Value::Null,
        "two ratings are withheld"
    );

    let resp = app
        .send(
            Request::get("/api/v1/datasets/service-statistics/csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let (status, csv) = text(resp).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("\u{feff}year,kind,agency_code,agency_name,received,processed,on_time,on_time_rate,rated,satisfaction_rate"), "{csv}");
    assert!(csv.contains(&format!("{year},feedback,{WARD},")), "{csv}");

    let (status, problem) = app
        .api("GET", "/api/v1/datasets/no-such-dataset", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["status"], 404);
    let (status, _) = app.get("/api/v1/datasets/no-such-dataset/csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
