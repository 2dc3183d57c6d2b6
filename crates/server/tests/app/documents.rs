//! Official documents (văn bản đi, văn bản đến) through the API, on both databases: the
//! outgoing flow from draft to the numbered, registered and delivered document, the recipient
//! agency's incoming list, the refusals (wrong role, other agency, a secret document, missing
//! metadata, a file that is not a PDF or DOCX), numbering at the same instant, and a paper
//! document registered twice.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, multipart, text};
use serde_json::{Value, json};

const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const CLERK: &str = "vanthu.tuphap@tinhso.local";
const ONE_STOP: &str = "motcua.tuphap@tinhso.local";
const OTHER_SPECIALIST: &str = "chuyenvien.hacthanh@tinhso.local";
const RECIPIENT_LEADER: &str = "lanhdao.hacthanh@tinhso.local";
const RECIPIENT: &str = "000.00.60.H56";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

on_both_databases!(
    a_decision_goes_from_draft_to_the_recipients_register,
    wrong_people_secret_documents_and_missing_metadata_are_refused,
    two_issues_at_the_same_instant_get_consecutive_numbers,
    a_paper_document_registered_twice_warns,
    a_units_letter_is_reviewed_by_its_head_and_a_recall_warns_then_withdraws_the_copy,
    every_read_is_logged_and_the_agencys_clerk_sees_the_log
);

pub(crate) struct People {
    pub(crate) drafter: String,
    pub(crate) leader: String,
    pub(crate) clerk: String,
}

pub(crate) async fn people(app: &TestApp) -> People {
    People {
        drafter: app.token(DRAFTER, &["documents"]).await,
        leader: app.token(LEADER, &["documents"]).await,
        clerk: app.token(CLERK, &["documents"]).await,
    }
}

pub(crate) fn draft(subject: &str) -> Value {
    json!({
        "TypeName": "decision",
        "Subject": subject,
        "Priority": 1,
        "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
        "To": [{"OrganId": RECIPIENT}, {"OrganName": "Lưu: VT, HCTP"}],
        "DueDate": "2026-12-31"
    })
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(&[], &[("file", name, bytes)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

pub(crate) async fn act(
    app: &TestApp,
    token: &str,
    id: &str,
    action: Value,
) -> (StatusCode, Value) {
    app.api(
        "POST",
        &format!("/api/v1/documents/{id}/actions"),
        Some(token),
        Some(action),
    )
    .await
}

/// A draft of `subject` taken up to approval (signed), its id.
async fn approved(app: &TestApp, p: &People, subject: &str) -> String {
    approved_draft(app, p, draft(subject), "du-thao.pdf").await
}

/// A draft made of `body`, its file uploaded as `file_name`, taken up to approval, its id.
pub(crate) async fn approved_draft(
    app: &TestApp,
    p: &People,
    body: Value,
    file_name: &str,
) -> String {
    let (status, created) = app
        .api("POST", "/api/v1/documents", Some(&p.drafter), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["State"], "draft");
    assert_eq!(created["OrganId"], "000.00.14.H56");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (status, version) = upload(app, &p.drafter, &id, file_name, PDF).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["Version"], 1);
    for (token, action, state) in [
        (&p.drafter, json!({"Action": "submit"}), "in_review"),
        (
            &p.leader,
            json!({"Action": "approve_content"}),
            "form_check",
        ),
        (
            &p.clerk,
            json!({"Action": "approve_form"}),
            "awaiting_approval",
        ),
        (
            &p.leader,
            json!({"Action": "sign", "SignerInfo": {"Position": "Phó Giám đốc", "FullName": "Hoàng Văn Bình", "Competence": "KT."}}),
            "approved",
        ),
    ] {
        let (status, doc) = act(app, token, &id, action.clone()).await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
        assert_eq!(doc["State"], state, "{action}");
    }
    id
}

async fn a_decision_goes_from_draft_to_the_recipients_register(app: TestApp) {
    let p = people(&app).await;
    let first = approved(
        &app,
        &p,
        "Quyết định phê duyệt kế hoạch phổ biến pháp luật năm 2027",
    )
    .await;
    let (status, issued) = act(&app, &p.clerk, &first, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["State"], "issued");
    assert_eq!(issued["CodeNumber"], "01");
    assert_eq!(issued["CodeNotation"], "QĐ-STP");
    assert_eq!(issued["SignerInfo"]["Competence"], "KT.");
    assert_eq!(issued["SignerInfo"]["Position"], "Phó Giám đốc");
    assert!(issued["IssuedDate"].as_str().is_some());
    let delivered = issued["To"][0]["DeliveredAs"].as_str().unwrap().to_owned();
    assert!(
        issued["To"][1]["DeliveredAs"].is_null(),
        "outside recipients wait for the exchange"
    );

    // The second document of the year gets the next number.
    let second = approved(&app, &p, "Quyết định thành lập tổ công tác").await;
    let (status, issued) = act(&app, &p.clerk, &second, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["CodeNumber"], "02");
    assert_eq!(issued["CodeNotation"], "QĐ-STP");
    // Issued once only.
    let (status, _) = act(&app, &p.clerk, &second, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, sent) = act(&app, &p.clerk, &second, json!({"Action": "send"})).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["State"], "sent");

    // The recipient agency finds both in its incoming register, with consecutive arrival
    // numbers, the sender's number and the file.
    let recipient = app.token(RECIPIENT_LEADER, &["documents"]).await;
    let (status, list) = app
        .api("GET", "/api/v1/documents/incoming", Some(&recipient), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["CodeNumber"], "02");
    assert_eq!(list[1]["Id"], delivered.as_str());
    assert_eq!(list[1]["CodeNumber"], "01");
    assert_eq!(list[1]["CodeNotation"], "QĐ-STP");
    assert_eq!(list[1]["OrganId"], "000.00.14.H56");
    assert_eq!(list[1]["Source"], "platform");
    assert_eq!(list[1]["State"], "registered");
    assert_eq!(list[1]["Priority"], 1);
    assert_eq!(list[1]["Versions"].as_array().unwrap().len(), 1);
    let arrivals: Vec<i64> = list
        .iter()
        .map(|d| d["ArrivalNumber"].as_i64().unwrap())
        .collect();
    assert_eq!(arrivals, vec![2, 1]);
    let (status, copy) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{delivered}"),
            Some(&recipient),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{copy}");
    assert_eq!(copy["Direction"], "in");
    // The sender's own row is not the recipient's to read.
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{first}"),
            Some(&recipient),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Each change is audited, and the issue and the arrivals are events.
    assert_eq!(
        app.count_where("outbox_events", "kind", "document.issued")
            .await,
        2
    );
    assert_eq!(
        app.count_where("outbox_events", "kind", "document.received")
            .await,
        2,
        "the two platform deliveries"
    );
    assert_eq!(
        app.count_where("audit_log", "action", "document.issue")
            .await,
        2
    );
    assert_eq!(
        app.count_where("audit_log", "action", "document.sign")
            .await,
        2
    );
    assert_eq!(
        app.count_where("audit_log", "action", "document.upload_version")
            .await,
        2
    );
}

async fn wrong_people_secret_documents_and_missing_metadata_are_refused(app: TestApp) {
    let p = people(&app).await;
    let other = app.token(OTHER_SPECIALIST, &["documents"]).await;
    let one_stop = app.token(ONE_STOP, &["documents"]).await;
    let documents_before = app.count("SELECT COUNT(*) FROM documents").await;

    // A secret document is refused, whatever else it says.
    let mut secret = draft("Kế hoạch bảo vệ bí mật");
    secret["Secrecy"] = json!("TỐI MẬT");
    let (status, problem) = app
        .api("POST", "/api/v1/documents", Some(&p.drafter), Some(secret))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Secrecy");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TỐI MẬT")
    );

    // Missing metadata is named by its Appendix VI field.
    let missing = json!({"TypeName": "decision", "Subject": " ", "To": []});
    let (status, problem) = app
        .api("POST", "/api/v1/documents", Some(&p.drafter), Some(missing))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "Subject",
            "SignerInfo.Position",
            "SignerInfo.FullName",
            "To"
        ]
    );
    let mut unknown_type = draft("Một văn bản");
    unknown_type["TypeName"] = json!("thư tình");
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&p.drafter),
            Some(unknown_type),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "TypeName");
    // A công văn needs a drafting unit for its notation (UBND-VX); the drafter works in the
    // issuing agency itself, so it must name one.
    let mut letter = draft("Về việc góp ý dự thảo");
    letter["TypeName"] = json!("Công văn");
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&p.drafter),
            Some(letter.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "DraftingUnit");
    letter["DraftingUnit"] = json!("000.02.14.H56");
    let (status, created) = app
        .api("POST", "/api/v1/documents", Some(&p.drafter), Some(letter))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["TypeCode"], "official_letter");
    // Someone who may not draft for the agency: a one-stop clerk, another agency's specialist.
    let mut for_justice = draft("Không được");
    for_justice["OrganId"] = json!("000.00.14.H56");
    for token in [&one_stop, &other] {
        let (status, problem) = app
            .api(
                "POST",
                "/api/v1/documents",
                Some(token),
                Some(for_justice.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    // A token without the documents scope.
    let no_scope = app.token(DRAFTER, &["dossiers"]).await;
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&no_scope),
            Some(draft("Không có quyền")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents").await,
        documents_before + 1,
        "only the công văn with its unit was stored"
    );

    let (status, created) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(&p.drafter),
            Some(draft("Quyết định khen thưởng")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["Id"].as_str().unwrap().to_owned();
    // Files are read by their content: a text file named .pdf, and an image, are refused.
    let (status, problem) = upload(&app, &p.drafter, &id, "gia.pdf", b"not a pdf at all").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = upload(&app, &p.drafter, &id, "anh.png", PNG).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");
    // Nothing to submit yet.
    let (status, problem) = act(&app, &p.drafter, &id, json!({"Action": "submit"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // Only the drafter uploads.
    let (status, _) = upload(&app, &p.leader, &id, "du-thao.pdf", PDF).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(&app, &p.drafter, &id, "du-thao.pdf", PDF).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        app.count_where("document_versions", "document_id", &id)
            .await,
        1
    );

    // Other agencies and people who handle no document do not see it; wrong roles are refused;
    // a step out of order is a conflict.
    for token in [&other, &one_stop] {
        let (status, _) = app
            .api("GET", &format!("/api/v1/documents/{id}"), Some(token), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = act(&app, token, &id, json!({"Action": "submit"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = act(&app, &p.clerk, &id, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = act(&app, &p.clerk, &id, json!({"Action": "submit"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(&app, &p.drafter, &id, json!({"Action": "submit"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&app, &p.drafter, &id, json!({"Action": "approve_content"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(&app, &p.clerk, &id, json!({"Action": "approve_content"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(&app, &p.drafter, &id, "du-thao-2.pdf", PDF).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no new version once submitted"
    );
    let (status, problem) = act(&app, &p.leader, &id, json!({"Action": "fly"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // The unit head sends it back; the drafter may cancel it.
    let (status, doc) = act(
        &app,
        &p.leader,
        &id,
        json!({"Action": "return_for_revision", "Note": "Sửa căn cứ"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["State"], "draft");
    let (status, doc) = act(&app, &p.drafter, &id, json!({"Action": "cancel"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["State"], "cancelled");
    // Nothing issued, nothing delivered.
    assert_eq!(
        app.count_where("outbox_events", "kind", "document.issued")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE direction = 'in' AND source = 'platform'")
            .await,
        0
    );
}

async fn two_issues_at_the_same_instant_get_consecutive_numbers(app: TestApp) {
    let p = people(&app).await;
    let a = approved(&app, &p, "Quyết định thứ nhất").await;
    let b = approved(&app, &p, "Quyết định thứ hai").await;
    let issue = json!({"Action": "issue"});
    let ((status_a, doc_a), (status_b, doc_b)) = tokio::join!(
        act(&app, &p.clerk, &a, issue.clone()),
        act(&app, &p.clerk, &b, issue.clone())
    );
    assert_eq!(status_a, StatusCode::OK, "{doc_a}");
    assert_eq!(status_b, StatusCode::OK, "{doc_b}");
    let mut numbers = vec![
        doc_a["CodeNumber"].as_str().unwrap().to_owned(),
        doc_b["CodeNumber"].as_str().unwrap().to_owned(),
    ];
    numbers.sort();
    assert_eq!(numbers, vec!["01", "02"]);
    // The recipient's arrival numbers are distinct and consecutive too.
    let mut arrivals: Vec<i64> = Vec::new();
    let recipient = app.token(RECIPIENT_LEADER, &["documents"]).await;
    let (_, list) = app
        .api("GET", "/api/v1/documents/incoming", Some(&recipient), None)
        .await;
    for d in list.as_array().unwrap() {
        arrivals.push(d["ArrivalNumber"].as_i64().unwrap());
    }
    arrivals.sort();
    assert_eq!(arrivals, vec![1, 2]);
}

async fn register(
    app: &TestApp,
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (StatusCode, Value) {
    let files: Vec<(&str, &str, &[u8])> = file.iter().map(|(n, b)| ("file", *n, *b)).collect();
    let (content_type, body) = multipart(fields, &files);
    let req = Request::post("/api/v1/documents/incoming")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn a_paper_document_registered_twice_warns(app: TestApp) {
    let p = people(&app).await;
    let paper = [
        ("CodeNumber", "Số: 15 / QĐ – UBND"),
        ("OrganName", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        (
            "Subject",
            "Quyết định phê duyệt danh mục thủ tục hành chính",
        ),
        ("IssuedDate", "2026-01-05"),
        ("ArrivalDate", "2026-01-07"),
        ("Source", "scan"),
    ];
    let (status, first) = register(&app, &p.clerk, &paper, Some(("ban-quet.pdf", PDF))).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["CodeNumber"], "15");
    assert_eq!(first["CodeNotation"], "QĐ-UBND");
    assert_eq!(first["TypeCode"], "decision");
    assert_eq!(first["Source"], "scan");
    assert_eq!(first["Versions"].as_array().unwrap().len(), 1);
    let number = first["ArrivalNumber"].as_i64().unwrap();
    let rows = app.count("SELECT COUNT(*) FROM documents").await;

    // The same number, notation and issuer, typed differently: a warning, nothing stored.
    let again = [
        ("CodeNumber", "15/qđ-ubnd"),
        ("OrganName", "UỶ BAN NHÂN DÂN TỈNH THANH HÓA"),
        (
            "Subject",
            "Quyết định phê duyệt danh mục thủ tục hành chính",
        ),
        ("IssuedDate", "2026-01-05"),
        ("ArrivalDate", "2026-01-08"),
    ];
    let (status, problem) = register(&app, &p.clerk, &again, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("đã được vào sổ văn bản đến"),
        "{problem}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, rows);
    // Confirmed, it is registered with the next arrival number and names the first one.
    let confirmed: Vec<(&str, &str)> = again
        .iter()
        .copied()
        .chain([("ConfirmDuplicate", "true")])
        .collect();
    let (status, second) = register(&app, &p.clerk, &confirmed, None).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["ArrivalNumber"].as_i64().unwrap(), number + 1);
    assert_eq!(second["DuplicateOf"], first["Id"]);

    // Bad registrations: a secret mark, missing metadata, a file that is not a document, the
    // wrong person.
    let secret: Vec<(&str, &str)> = paper.iter().copied().chain([("Secrecy", "Mật")]).collect();
    let (status, problem) = register(&app, &p.clerk, &secret, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "Secrecy");
    let (status, problem) = register(&app, &p.clerk, &[("OrganName", "UBND xã")], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["CodeNumber", "Subject", "IssuedDate"]);
    let other = [
        ("CodeNumber", "16/QĐ-UBND"),
        ("OrganName", "Ủy ban nhân dân tỉnh Thanh Hóa"),
        ("Subject", "Một quyết định khác"),
        ("IssuedDate", "2026-01-05"),
    ];
    let (status, _) = register(&app, &p.clerk, &other, Some(("anh.png", PNG))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = register(&app, &p.drafter, &other, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, rows + 1);

    // The clerk's incoming list has them, newest arrival first.
    let (status, list) = app
        .api("GET", "/api/v1/documents/incoming", Some(&p.clerk), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["Id"], second["Id"]);
    assert_eq!(list[1]["Id"], first["Id"]);
    let (status, _) = app
        .api("GET", "/api/v1/documents/incoming", Some(&p.drafter), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A person of Phòng Hành chính tư pháp (a unit of Sở Tư pháp in the directory), made here: the
/// demo has nobody in a unit. Returns an API token.
async fn unit_person(app: &TestApp, id: &str, email: &str, role: &str) -> String {
    let now = tinhso::time::now_text();
    sqlx::query(
        "INSERT INTO users (id, kind, email, full_name, agency_id, created_at, updated_at)
         SELECT $1, 'official', $2, 'Người của phòng', id, $3, $3 FROM agencies WHERE code = '000.02.14.H56'",
    )
    .bind(id)
    .bind(email)
    .bind(&now)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
        .bind(id)
        .bind(role)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    app.token(email, &["documents"]).await
}

async fn a_units_letter_is_reviewed_by_its_head_and_a_recall_warns_then_withdraws_the_copy(
    app: TestApp,
) {
    let p = people(&app).await;
    let writer = unit_person(
        &app,
        "hctp-writer",
        "chuyenvien.hctp@tinhso.local",
        "specialist",
    )
    .await;
    let head = unit_person(&app, "hctp-head", "truongphong.hctp@tinhso.local", "leader").await;
    let mut letter = draft("Về việc góp ý dự thảo quy chế phối hợp");
    letter["TypeName"] = json!("Công văn");
    letter["Priority"] = json!(0);
    let (status, created) = app
        .api("POST", "/api/v1/documents", Some(&writer), Some(letter))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // The unit's person drafts for its agency.
    assert_eq!(created["OrganId"], "000.00.14.H56");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (status, _) = upload(&app, &writer, &id, "cong-van.pdf", PDF).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = act(&app, &writer, &id, json!({"Action": "submit"})).await;
    assert_eq!(status, StatusCode::OK);
    // The content is the unit head's to approve, not the agency's leader's.
    let (status, _) = act(&app, &p.leader, &id, json!({"Action": "approve_content"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (token, action) in [
        (&head, "approve_content"),
        (&p.clerk, "approve_form"),
        (&p.leader, "sign"),
    ] {
        let (status, doc) = act(&app, token, &id, json!({"Action": action})).await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (status, issued) = act(&app, &p.clerk, &id, json!({"Action": "issue"})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["CodeNumber"], "01");
    assert_eq!(issued["CodeNotation"], "STP-HCTP");
    let copy = issued["To"][0]["DeliveredAs"].as_str().unwrap().to_owned();

    // The recipient started handling it: the recall warns first, and goes ahead when confirmed.
    sqlx::query("UPDATE documents SET state = 'in_progress' WHERE id = $1")
        .bind(&copy)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, problem) = act(&app, &p.leader, &id, json!({"Action": "recall"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("đã bắt đầu xử lý"),
        "{problem}"
    );
    assert_eq!(app.count_where("documents", "state", "recalled").await, 0);
    let (status, recalled) = act(
        &app,
        &p.leader,
        &id,
        json!({"Action": "recall", "Confirm": true, "Note": "Sai căn cứ"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{recalled}");
    assert_eq!(recalled["State"], "recalled");
    let recipient = app.token(RECIPIENT_LEADER, &["documents"]).await;
    let (_, withdrawn) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{copy}"),
            Some(&recipient),
            None,
        )
        .await;
    assert_eq!(withdrawn["State"], "recalled");
    assert_eq!(
        app.count_where("outbox_events", "kind", "document.recalled")
            .await,
        1
    );
    // Recalled is final.
    let (status, _) = act(&app, &p.clerk, &id, json!({"Action": "send"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// Decree 30 asks that access to documents be logged: every read through the API leaves who and
/// when, and the agency's clerk (or a leader) sees the log; the drafter does not.
async fn every_read_is_logged_and_the_agencys_clerk_sees_the_log(app: TestApp) {
    let p = people(&app).await;
    let id = approved(&app, &p, "Quyết định ban hành quy chế lưu trữ").await;
    let reads_before = app.count_where("document_reads", "document_id", &id).await;
    for token in [&p.drafter, &p.drafter, &p.leader] {
        let (status, _) = app
            .api("GET", &format!("/api/v1/documents/{id}"), Some(token), None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        app.count_where("document_reads", "document_id", &id).await,
        reads_before + 3
    );

    let log_path = format!("/api/v1/documents/{id}/reads");
    let (status, log) = app.api("GET", &log_path, Some(&p.clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let log = log.as_array().unwrap();
    assert_eq!(log.len() as i64, reads_before + 3);
    let drafter = app.user_id(DRAFTER).await;
    let leader = app.user_id(LEADER).await;
    assert_eq!(log[0]["UserId"], leader.as_str(), "newest first: {log:?}");
    assert_eq!(
        log.iter()
            .filter(|r| r["UserId"] == drafter.as_str())
            .count(),
        2
    );
    assert!(log[0]["FullName"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(log[0]["ReadAt"].as_str().is_some());

    // The drafter reads the document but not who else did; a stranger finds nothing; reading
    // the log is not itself a read of the document.
    let (status, _) = app.api("GET", &log_path, Some(&p.drafter), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = app.token(RECIPIENT_LEADER, &["documents"]).await;
    let (status, _) = app.api("GET", &log_path, Some(&stranger), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count_where("document_reads", "document_id", &id).await,
        reads_before + 3
    );
}
