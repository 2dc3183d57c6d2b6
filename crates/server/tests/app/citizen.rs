//! The citizen's journey (issue 12), on both databases: the store of papers reused when
//! applying (and refused when the paper is someone else's), the application form pre-filled
//! from the account with an explicit receiving agency, errors and answers in form order, the
//! result first on a returned dossier, procedure pages with their legal basis and templates,
//! and form 01 only once a dossier is accepted.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::json;

const PASSWORD: &str = "TinhSo@2026";
const CITIZEN: &str = "congdan@tinhso.local";
const CITIZEN2: &str = "congdan2@tinhso.local";
const CLERK: &str = "motcua.hacthanh@tinhso.local";
const SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const COMMUNE: &str = "000.00.60.H56";
const BIRTH: &str = "1.001193";
const APPLY: &str = "/procedures/1.001193/apply";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

on_both_databases!(
    a_paper_from_the_store_is_reused_not_uploaded_again,
    someone_elses_paper_is_refused_with_the_form_kept,
    removing_a_paper_from_the_store_leaves_dossiers_whole,
    the_form_is_prefilled_and_asks_for_the_agency,
    a_returned_dossier_shows_its_result_first_and_answers_in_form_order,
    procedure_pages_show_legal_basis_conditions_and_templates,
    a_linked_request_also_asks_for_the_agency,
    replacing_a_reused_paper_on_a_draft_keeps_the_shared_file,
    a_supplement_can_come_from_the_store,
    the_api_lists_the_store_and_applies_with_stored_papers,
);

fn answers() -> Vec<(&'static str, &'static str)> {
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

/// Applies for birth registration at the commune; `extra` adds fields (a stored paper).
async fn apply(
    app: &TestApp,
    key: &str,
    extra: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (StatusCode, String, Option<String>) {
    let mut fields = vec![("_key", key), ("_agency", COMMUNE), ("_intent", "submit")];
    fields.extend(answers());
    fields.extend_from_slice(extra);
    app.post_multipart(APPLY, APPLY, &fields, files).await
}

fn dossier_id(location: &str) -> String {
    location
        .trim_start_matches("/dossiers/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// The store's id of the paper named `file_name`, read from the store page's download link.
fn paper_id(store_page: &str, file_name: &str) -> String {
    let end = store_page
        .find(&format!("\" download>{file_name}"))
        .unwrap_or_else(|| panic!("{file_name} is in the store: {store_page}"));
    let start = store_page[..end].rfind("/account/papers/").unwrap() + "/account/papers/".len();
    store_page[start..end].to_owned()
}

async fn get_bytes(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

async fn a_paper_from_the_store_is_reused_not_uploaded_again(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (status, _, location) = apply(
        &app,
        "store-1",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let first = dossier_id(&location.unwrap());

    let (status, store) = app.get("/account/papers").await;
    assert_eq!(status, StatusCode::OK);
    let id = paper_id(&store, "giay-chung-sinh.pdf");
    let (status, bytes) = get_bytes(&app, &format!("/account/papers/{id}")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));

    // The form offers it for the paper it was first used for.
    let (_, form) = app.get(APPLY).await;
    assert!(form.contains("name=\"store_giay_chung_sinh\""), "{form}");
    assert!(form.contains(&format!("<option value=\"{id}\"")));

    let store_choice = [("store_giay_chung_sinh", id.as_str())];
    let (status, body, location) = apply(&app, "store-2", &store_choice, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let second = dossier_id(&location.unwrap());
    let (_, page) = app.get(&format!("/dossiers/{second}")).await;
    assert!(
        page.contains("giay-chung-sinh.pdf"),
        "the new dossier has the paper"
    );

    // One object, two dossiers: nothing was copied or uploaded again.
    let rows = app
        .count("SELECT COUNT(DISTINCT storage_key) FROM dossier_files WHERE purpose = 'paper'")
        .await;
    assert_eq!(rows, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossier_files WHERE purpose = 'paper'")
            .await,
        2
    );
    let second_file = app
        .count_where("dossier_files", "dossier_id", &second)
        .await;
    assert_eq!(second_file, 1);
    assert_ne!(first, second);
    let (_, store) = app.get("/account/papers").await;
    assert_eq!(
        store.matches("\" download>giay-chung-sinh.pdf").count(),
        1,
        "a reused paper is listed once"
    );
}

async fn someone_elses_paper_is_refused_with_the_form_kept(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    apply(
        &app,
        "mine-1",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    let (_, store) = app.get("/account/papers").await;
    let id = paper_id(&store, "giay-chung-sinh.pdf");

    app.clear_cookies();
    app.login(CITIZEN2, PASSWORD).await;
    let (status, _) = app.get(&format!("/account/papers/{id}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another's paper cannot be downloaded"
    );
    let (status, _) = app.get(&format!("/account/papers/{id}/delete")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let before = app.count("SELECT COUNT(*) FROM dossier_files").await;
    let (status, html, _) = apply(&app, "theirs-1", &[("store_giay_chung_sinh", &id)], &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Giấy tờ đã chọn không có trong kho giấy tờ của bạn"),
        "a clear message: {html}"
    );
    assert!(
        html.contains("value=\"Nguyễn Minh Khôi\""),
        "the form keeps what was typed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossier_files").await,
        before,
        "no row points to the other citizen's paper"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossiers WHERE code IS NOT NULL")
            .await,
        1,
        "nothing was submitted"
    );
}

async fn removing_a_paper_from_the_store_leaves_dossiers_whole(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (_, _, location) = apply(
        &app,
        "remove-1",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    let dossier = dossier_id(&location.unwrap());
    let (_, store) = app.get("/account/papers").await;
    let id = paper_id(&store, "giay-chung-sinh.pdf");

    // A confirmation page first, saying what happens; the removal itself is a POST.
    let confirm = format!("/account/papers/{id}/delete");
    let (status, page) = app.get(&confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("vẫn giữ nguyên bản đã nộp"), "{page}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM paper_store_removed").await,
        0
    );
    let (status, _, location) = app.post_form(&confirm, &confirm, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/account/papers?removed=1"));
    assert_eq!(
        app.count_where("audit_log", "action", "paper_store.remove")
            .await,
        1
    );

    let (_, store) = app.get("/account/papers").await;
    assert!(
        !store.contains("giay-chung-sinh.pdf"),
        "gone from the store"
    );
    let (_, page) = app.get(&format!("/dossiers/{dossier}")).await;
    let link = format!("/dossiers/{dossier}/files/");
    let start = page.find(&link).expect("the dossier still lists its paper");
    let href: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let (status, bytes) = get_bytes(&app, &href).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));
    let (status, _, _) = apply(&app, "remove-2", &[("store_giay_chung_sinh", &id)], &[]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a removed paper cannot be chosen again"
    );
}

async fn the_form_is_prefilled_and_asks_for_the_agency(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    // The citizen tells the account where they live.
    let (status, _, location) = app
        .post_form(
            "/account",
            "/account/profile",
            &[
                ("phone", "0912 345 678"),
                ("address", "Số 5, phố Lê Lai"),
                ("admin_unit_code", "14935"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/account?profile=saved#profile"));
    assert_eq!(
        app.count_where("audit_log", "action", "user.profile").await,
        1
    );
    let (status, html, _) = app
        .post_form(
            "/account",
            "/account/profile",
            &[("phone", "12345"), ("admin_unit_code", "99999")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let phone_error = html.find("Số điện thoại không hợp lệ").unwrap();
    let unit_error = html.find("Vui lòng chọn xã, phường").unwrap();
    assert!(phone_error < unit_error, "errors in form order");

    let (_, form) = app.get(APPLY).await;
    assert!(
        form.contains("đã được điền sẵn từ tài khoản"),
        "the page says so"
    );
    for known in [
        "Nguyễn Văn An",
        "038090000111",
        "Số 5, phố Lê Lai",
        "0912345678",
    ] {
        assert!(
            form.contains(&format!("value=\"{known}\""))
                || form.contains(&format!(">{known}</textarea>")),
            "{known} is pre-filled"
        );
    }
    assert!(
        form.contains("name=\"_agency\" required"),
        "the agency is a required choice"
    );
    let select = &form[form.find("name=\"_agency\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(
        !select.contains("selected"),
        "no agency is chosen for the citizen"
    );
    let first_agency = select.find("<option value=\"000.").unwrap();
    assert!(
        select[first_agency..].starts_with("<option value=\"000.00.61.H56\">")
            && select.contains("(nơi bạn cư trú)"),
        "the citizen's own ward (Quảng Phú) comes first: {select}"
    );

    // Without an agency nothing is saved, and the form comes back as typed.
    let mut fields = vec![
        ("_key", "no-agency"),
        ("_agency", ""),
        ("_intent", "submit"),
    ];
    fields.extend(answers());
    let (status, html, _) = app.post_multipart(APPLY, APPLY, &fields, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Vui lòng chọn cơ quan tiếp nhận hồ sơ."));
    assert!(html.contains("value=\"Nguyễn Minh Khôi\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM dossiers").await, 0);
    // In English too.
    app.get("/lang/en?next=/").await;
    let (_, html, _) = app.post_multipart(APPLY, APPLY, &fields, &[]).await;
    assert!(html.contains("Please choose the agency that receives your dossier."));
    assert!(html.contains("— Choose the receiving agency —"));
    app.get("/lang/vi?next=/").await;

    // The summary lists errors as the form shows its fields, not alphabetically.
    let fields = vec![
        ("_key", "missing"),
        ("_agency", COMMUNE),
        ("_intent", "submit"),
        ("cccd", "038090000111"),
        ("dia_chi", "Số 5"),
    ];
    let (status, html, _) = app.post_multipart(APPLY, APPLY, &fields, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = &html[html.find("role=\"alert\"").unwrap()..];
    let summary = &summary[..summary.find("</ul>").unwrap()];
    let order: Vec<usize> = [
        "#f-ho_ten",
        "#f-ten_tre",
        "#f-ngay_sinh_tre",
        "#f-giay_chung_sinh",
    ]
    .iter()
    .map(|f| {
        summary
            .find(f)
            .unwrap_or_else(|| panic!("{f} in {summary}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{summary}");
}

async fn a_returned_dossier_shows_its_result_first_and_answers_in_form_order(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (_, _, location) = apply(
        &app,
        "result-1",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    let id = dossier_id(&location.unwrap());
    let (_, page) = app.get(&format!("/dossiers/{id}")).await;
    assert!(!page.contains("data-testid=\"result\""), "no result yet");
    assert!(
        !page.contains("/forms/01.pdf"),
        "form 01 is issued at acceptance, not at submission"
    );
    let (status, _) = app.get(&format!("/dossiers/{id}/forms/01.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Templates escape `/` as `&#x2f;`; read the text as a person would.
    let page = page.replace("&#x2f;", "/");
    let answers = &page[page.find("data-testid=\"answers\"").unwrap()..];
    let at = |s: &str| answers.find(s).unwrap_or_else(|| panic!("{s} in answers"));
    assert!(at("Họ và tên người yêu cầu") < at("Số căn cước công dân"));
    assert!(at("Số căn cước công dân") < at("Họ và tên trẻ"));
    assert!(at("Họ và tên trẻ") < at("Ngày sinh của trẻ"));
    assert!(at("Ngày sinh của trẻ") < at("Nơi sinh"));
    assert!(answers.contains("20/11/2026"), "dates as dd/mm/yyyy");
    assert!(!answers.contains("2026-11-20"));

    let clerk = app.token(CLERK, &["dossiers"]).await;
    let specialist = app.token(SPECIALIST, &["dossiers"]).await;
    let leader = app.token(LEADER, &["dossiers"]).await;
    for (token, action) in [
        (&clerk, "accept"),
        (&specialist, "complete_step"),
        (&leader, "approve"),
    ] {
        let (status, body) = app
            .api(
                "POST",
                &format!("/api/v1/dossiers/{id}/actions"),
                Some(token),
                Some(json!({ "action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    let (_, page) = app.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("/forms/01.pdf"), "form 01 once accepted");
    let (status, pdf) = get_bytes(&app, &format!("/dossiers/{id}/forms/01.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));

    app.clear_cookies();
    app.login(CLERK, PASSWORD).await;
    let result = b"%PDF-1.4\nGiay khai sinh\n%%EOF\n";
    let (status, _, _) = app
        .post_multipart(
            &format!("/office/dossiers/{id}"),
            &format!("/office/dossiers/{id}/actions"),
            &[("action", "return_result"), ("confirm", "yes")],
            &[("file_result", "giay-khai-sinh.pdf", result)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, office) = app.get(&format!("/office/dossiers/{id}")).await;
    assert!(
        office.find("data-testid=\"result\"").unwrap()
            < office.find("data-testid=\"dossier-code\"").unwrap(),
        "officials see the result first too"
    );
    let answers = &office[office.find("data-testid=\"answers\"").unwrap()..];
    assert!(answers.find("Họ và tên người yêu cầu").unwrap() < answers.find("Nơi sinh").unwrap());

    assert!(
        app.emailed(CITIZEN, &format!("/dossiers/{id}")).await,
        "the email links to the result"
    );
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
    let (_, page) = app.get(&format!("/dossiers/{id}")).await;
    let section = page
        .find("data-testid=\"result\"")
        .expect("a result section");
    assert!(
        section < page.find("data-testid=\"dossier-code\"").unwrap(),
        "the result comes before everything else"
    );
    assert!(page[section..].contains("Kết quả giải quyết"));
    let link = &page[section..];
    let start = link.find("href=\"").unwrap() + 6;
    let href = &link[start..start + link[start..].find('"').unwrap()];
    let (status, bytes) = get_bytes(&app, href).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &result[..]));

    // The result is in the citizen's store, downloadable but not removable.
    let (_, store) = app.get("/account/papers").await;
    let result_id = paper_id(&store, "giay-khai-sinh.pdf");
    assert!(!store.contains(&format!("/account/papers/{result_id}/delete")));
    let (status, _) = app
        .get(&format!("/account/papers/{result_id}/delete"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn procedure_pages_show_legal_basis_conditions_and_templates(app: TestApp) {
    let (status, page) = app.get(&format!("/procedures/{BIRTH}")).await;
    assert_eq!(status, StatusCode::OK);
    let page = page.replace("&#x2f;", "/");
    for part in [
        "Căn cứ pháp lý",
        "Luật Hộ tịch số 60/2014/QH13",
        "Yêu cầu, điều kiện thực hiện",
        "trong thời hạn 60 ngày",
        "Mẫu đơn, tờ khai",
        "data-testid=\"processing-time\"",
        "data-testid=\"fees\"",
    ] {
        assert!(page.contains(part), "{part}");
    }
    let template = format!("/procedures/{BIRTH}/templates/to-khai-dang-ky-khai-sinh.docx");
    assert!(page.contains(&template));
    let resp = app
        .send(Request::get(&template).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(
        resp.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let (_, body) = text(resp).await;
    assert!(body.starts_with("PK"), "a real DOCX (zip)");
    // Only the procedure's own templates are served.
    for path in [
        format!("/procedures/{BIRTH}/templates/to-khai-dang-ky-ket-hon.docx"),
        format!("/procedures/{BIRTH}/templates/..%2Fprocedures.json"),
        "/procedures/9.999999/templates/to-khai-dang-ky-khai-sinh.docx".to_owned(),
    ] {
        let (status, _) = app.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The catalog orders fields as people read them: "Đất đai" among the D's, not after "V".
    let (_, catalog) = app.get("/procedures").await;
    let at = |s: &str| {
        catalog
            .find(s)
            .unwrap_or_else(|| panic!("{s} in the catalog"))
    };
    assert!(at(">Chứng thực (") < at(">Đất đai ("));
    assert!(at(">Đất đai (") < at(">Hộ tịch ("));
    assert!(at(">Hộ tịch (") < at(">Việc làm ("));
    let listed = &catalog[catalog.find("class=\"results\"").unwrap()..];
    assert!(
        listed
            .find("Cấp lại Giấy chứng nhận quyền sử dụng đất")
            .unwrap()
            < listed.find("Đăng ký khai sinh").unwrap(),
        "Đất đai's procedures come before Hộ tịch's"
    );
    // The agency filter lists names.
    assert!(catalog.contains("<option value=\"000.00.14.H56\">Sở Tư pháp</option>"));
    let (status, p) = app
        .api("GET", &format!("/api/v1/procedures/{BIRTH}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        p["legal_basis"][0]
            .as_str()
            .unwrap()
            .contains("Luật Hộ tịch")
    );
    assert!(!p["conditions"].as_array().unwrap().is_empty());
    assert_eq!(p["templates"][0]["file"], "to-khai-dang-ky-khai-sinh.docx");
    assert_eq!(p["form"][0]["prefill"], "full_name");
}

async fn a_linked_request_also_asks_for_the_agency(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let page = "/linked/LT-KS-TT-BHYT";
    let (_, form) = app.get(page).await;
    assert!(
        form.contains("value=\"Nguyễn Văn An\""),
        "pre-filled from the account"
    );
    assert!(form.contains("name=\"_agency\" required"));
    let mut fields = vec![("_key", "linked-no-agency"), ("_agency", "")];
    fields.extend(answers());
    let files: &[(&str, &str, &[u8])] = &[
        ("file_giay_chung_sinh", "cs.pdf", PDF),
        ("file_cho_o_hop_phap", "nha.pdf", PDF),
    ];
    let (status, html, _) = app.post_multipart(page, page, &fields, files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Vui lòng chọn cơ quan tiếp nhận hồ sơ."));
    assert!(
        html.contains("value=\"Nguyễn Minh Khôi\""),
        "the form is kept"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM dossiers").await,
        0,
        "nothing made"
    );
}

async fn replacing_a_reused_paper_on_a_draft_keeps_the_shared_file(app: TestApp) {
    app.login(CITIZEN, PASSWORD).await;
    let (_, _, location) = apply(
        &app,
        "shared-1",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    let first = dossier_id(&location.unwrap());
    let (_, store) = app.get("/account/papers").await;
    let id = paper_id(&store, "giay-chung-sinh.pdf");

    // A draft takes the stored paper, then the citizen uploads another file in its place.
    let mut fields = vec![
        ("_key", "shared-2"),
        ("_agency", COMMUNE),
        ("_intent", "draft"),
    ];
    fields.extend(answers());
    fields.push(("store_giay_chung_sinh", &id));
    let (status, _, _) = app.post_multipart(APPLY, APPLY, &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    fields.pop();
    let newer = b"%PDF-1.4\nBan moi\n%%EOF\n";
    let (status, _, _) = app
        .post_multipart(
            APPLY,
            APPLY,
            &fields,
            &[("file_giay_chung_sinh", "ban-moi.pdf", newer)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The first dossier's paper, whose object the draft had shared, is still there.
    let (_, page) = app.get(&format!("/dossiers/{first}")).await;
    let link = format!("/dossiers/{first}/files/");
    let start = page.find(&link).unwrap();
    let href: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let (status, bytes) = get_bytes(&app, &href).await;
    assert_eq!(status, StatusCode::OK, "the shared object was not deleted");
    assert_eq!(bytes.as_slice(), PDF);
    let (status, _) = get_bytes(&app, &format!("/account/papers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
}

async fn a_supplement_can_come_from_the_store(app: TestApp) {
    // Another citizen's paper, to be refused.
    app.login(CITIZEN2, PASSWORD).await;
    apply(
        &app,
        "other-1",
        &[],
        &[("file_giay_chung_sinh", "cua-nguoi-khac.pdf", PDF)],
    )
    .await;
    let (_, store) = app.get("/account/papers").await;
    let theirs = paper_id(&store, "cua-nguoi-khac.pdf");
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
    let marriage = b"%PDF-1.4\nGiay chung nhan ket hon\n%%EOF\n";
    apply(
        &app,
        "supp-1",
        &[],
        &[("file_giay_chung_sinh", "ket-hon.pdf", marriage)],
    )
    .await;
    let (_, _, location) = apply(
        &app,
        "supp-2",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    let id = dossier_id(&location.unwrap());
    let clerk = app.token(CLERK, &["dossiers"]).await;
    let specialist = app.token(SPECIALIST, &["dossiers"]).await;
    for (token, body) in [
        (&clerk, json!({"action": "accept"})),
        (
            &specialist,
            json!({"action": "request_supplement", "note": "Bổ sung giấy chứng nhận kết hôn của cha mẹ"}),
        ),
    ] {
        let (status, answer) = app
            .api(
                "POST",
                &format!("/api/v1/dossiers/{id}/actions"),
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let page = format!("/dossiers/{id}");
    let action = format!("/dossiers/{id}/supplement");
    let (_, html) = app.get(&page).await;
    assert!(
        html.contains("name=\"store_supplement\""),
        "the store is offered"
    );
    let (_, store) = app.get("/account/papers").await;
    let paper = paper_id(&store, "ket-hon.pdf");

    // Someone else's paper is refused, and the dossier still waits for the supplement.
    let (status, html, _) = app
        .post_multipart(&page, &action, &[("store_supplement", &theirs)], &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không có trong kho giấy tờ của bạn"));

    let (status, _, _) = app
        .post_multipart(
            &page,
            &action,
            &[("store_supplement", &paper), ("note", "Đã bổ sung")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, d) = app
        .api("GET", &format!("/api/v1/dossiers/{id}"), Some(&clerk), None)
        .await;
    assert_eq!(d["state"], "in_progress");
    let (_, html) = app.get(&page).await;
    assert!(
        html.contains("ket-hon.pdf"),
        "the supplement is on the dossier"
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT storage_key) FROM dossier_files")
            .await,
        3,
        "nothing was copied"
    );
}

async fn the_api_lists_the_store_and_applies_with_stored_papers(app: TestApp) {
    app.login(CITIZEN2, PASSWORD).await;
    apply(
        &app,
        "api-other",
        &[],
        &[("file_giay_chung_sinh", "cua-nguoi-khac.pdf", PDF)],
    )
    .await;
    app.clear_cookies();
    app.login(CITIZEN, PASSWORD).await;
    apply(
        &app,
        "api-mine",
        &[],
        &[("file_giay_chung_sinh", "giay-chung-sinh.pdf", PDF)],
    )
    .await;
    let token = app.token(CITIZEN, &["dossiers"]).await;
    let (status, papers) = app.api("GET", "/api/v1/papers", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let list = papers.as_array().unwrap();
    assert_eq!(list.len(), 1, "only the caller's own papers: {papers}");
    assert_eq!(list[0]["file_name"], "giay-chung-sinh.pdf");
    assert!(
        list[0].get("storage_key").is_none(),
        "where it is stored is not said"
    );
    let mine = list[0]["id"].as_str().unwrap().to_owned();
    let theirs = app
        .count_where("dossier_files", "file_name", "cua-nguoi-khac.pdf")
        .await;
    assert_eq!(theirs, 1);

    let answers: serde_json::Map<String, serde_json::Value> = answers()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    let body = |papers: serde_json::Value| json!({"procedure": BIRTH, "agency": COMMUNE, "answers": answers, "papers": papers});
    let other_id: String = {
        let (_, store) = app.get("/account/papers").await;
        assert!(!store.contains("cua-nguoi-khac.pdf"));
        // Read the other citizen's paper id straight from the database, as an attacker who
        // learnt it somehow would send it.
        let row = sqlx::query("SELECT id FROM dossier_files WHERE file_name = $1")
            .bind("cua-nguoi-khac.pdf")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::get(&row, "id")
    };
    let submit = |key: &'static str, body: serde_json::Value| {
        let token = token.clone();
        let app = &app;
        async move {
            let req = Request::post("/api/v1/dossiers")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body.to_string()))
                .unwrap();
            let resp = app.send(req).await;
            let (status, text) = text(resp).await;
            (
                status,
                serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            )
        }
    };
    let (status, problem) = submit("api-1", body(json!({"giay_chung_sinh": other_id}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "giay_chung_sinh");
    let (status, problem) = submit("api-2", body(json!({"ho_ten": mine}))).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a paper field: {problem}"
    );

    let (status, created) = submit("api-3", body(json!({"giay_chung_sinh": mine}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["state"], "submitted");
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.count_where("dossier_files", "dossier_id", id).await, 1);
}
