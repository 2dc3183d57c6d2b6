//! The edXML exchange (docs/signatures-design.md §7, slice 10) through HTTP, on both
//! databases: request authentication (unknown peer, bad signature, skew, replay: 401 before
//! anything is registered), a package registered once however often it comes, a tampered or
//! out-of-scope package refused with nothing registered; and two platforms peered with each
//! other's keys (one on SQLite, one on PostgreSQL, each served on a real socket): an issued
//! document goes out from the job queue, is registered on the other side, and the statuses 01
//! and 03 come back to the sender's recipient; a document issued with the seal travels with its
//! appendices, each signed by the agency, which the receiver registers as appendices after
//! checking their signatures on arrival.

use crate::common::{Kind, TestApp, multipart, text};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tinhso_edxml::{
    Attachment, ManifestReference, Organ, OtherInfo, Package, ResponseFor, SignerInfo, SigningKey,
    Status, StatusCode as EdStatus, TraceHeader,
};
use tinhso_officialdocs::exchange::{self as ex, MESSAGES_PATH};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
/// The peer's agency (Văn phòng Chính phủ), not in the demo province.
pub(crate) const VPCP: &str = "000.00.00.G22";
/// Sở Tư pháp, in the demo province.
pub(crate) const STP: &str = "000.00.14.H56";

on_both_kinds!(
    requests_are_authenticated_before_anything_is_registered,
    a_package_is_registered_once_and_a_tampered_one_not_at_all,
    two_platforms_exchange_an_issued_document_and_its_statuses,
    two_platforms_exchange_the_appendices_the_agency_signed,
    the_receiver_s_steps_go_back_as_statuses_and_a_recall_is_answered,
    a_returned_document_sends_02_and_refuses_the_recall_with_why,
    a_copy_returned_while_its_recall_waits_settles_the_request,
    a_recall_made_while_the_package_is_on_its_way_still_reaches_the_copy,
    bad_statuses_and_recalls_are_refused_with_a_problem,
    statuses_and_recalls_come_only_from_the_peer_that_exchanged_the_package,
    overlapping_peers_are_refused_at_start,
    an_unacknowledged_delivery_fails_after_72_hours_and_can_be_sent_again,
    only_system_administrators_see_the_exchange_key_page,
    a_peer_rotating_its_key_is_accepted_with_either_key,
);

pub(crate) fn peer_key() -> SigningKey {
    SigningKey::from_slice(&[7u8; 32]).unwrap()
}

pub(crate) fn pem_file(dir: &std::path::Path, name: &str, key: &SigningKey) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, ex::public_key_pem(key.verifying_key())).unwrap();
    path
}

pub(crate) fn peer(
    id: &str,
    base_url: &str,
    organ_ids: &[&str],
    cert: std::path::PathBuf,
) -> tinhso::config::PeerConfig {
    tinhso::config::PeerConfig {
        id: id.into(),
        base_url: base_url.into(),
        organ_ids: organ_ids.iter().map(|s| s.to_string()).collect(),
        cert_file: vec![cert],
        legacy_sha1: false,
    }
}

/// The demo province with peer `vpcp` (key [`peer_key`]) speaking for Văn phòng Chính phủ.
async fn receiver(kind: Kind) -> (TestApp, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let cert = pem_file(keys.path(), "vpcp.pem", &peer_key());
    let app = TestApp::new_with(kind, |c| {
        c.exchange.peers = vec![peer("vpcp", "http://127.0.0.1:9", &[VPCP], cert)];
    })
    .await;
    (app, keys)
}

fn organ(code: &str, name: &str) -> Organ {
    Organ {
        organ_id: code.parse().unwrap(),
        organization_in_charge: None,
        organ_name: name.into(),
        organ_add: None,
        email: None,
        telephone: None,
        fax: None,
        website: None,
    }
}

pub(crate) fn package(from: &str, subject: &str) -> Package {
    Package {
        from: organ(from, "Văn phòng Chính phủ"),
        to: vec![organ(STP, "Sở Tư pháp")],
        document_id: format!("{from},2026/11/30,1234/VPCP-KSTT"),
        code_number: "1234".into(),
        code_notation: "VPCP-KSTT".into(),
        place: "Hà Nội".into(),
        promulgation_date: "2026/11/30".into(),
        document_type: "1".into(),
        type_detail: "11".into(),
        type_name: "Công văn".into(),
        subject: subject.into(),
        content: None,
        signer: SignerInfo {
            competence: "KT. BỘ TRƯỞNG".into(),
            position: "Phó Chủ nhiệm".into(),
            full_name: "Nguyễn Văn Bình".into(),
        },
        due_date: None,
        other_info: OtherInfo::default(),
        steering_type: None,
        to_places: vec![],
        response_for: None,
        trace_headers: vec![TraceHeader {
            organ_id: from.parse().unwrap(),
            timestamp: "2026/11/30 08:15:00".into(),
        }],
        business: None,
        references: vec![ManifestReference {
            content_id: "cid:van-ban-1".into(),
            content_type: "application/pdf".into(),
            description: None,
            attachment_name: "1234-VPCP-KSTT.pdf".into(),
        }],
        attachments: vec![Attachment {
            content_id: "cid:van-ban-1".into(),
            attachment_name: "1234-VPCP-KSTT.pdf".into(),
            description: None,
            content_type: "application/pdf".into(),
            content: PDF.to_vec(),
        }],
    }
}

pub(crate) struct Signed<'a> {
    peer: &'a str,
    key: &'a SigningKey,
    date: String,
    nonce: String,
}

impl Signed<'_> {
    pub(crate) fn now<'a>(peer: &'a str, key: &'a SigningKey) -> Signed<'a> {
        Signed {
            peer,
            key,
            date: chrono::Utc::now().to_rfc3339(),
            nonce: uuid::Uuid::now_v7().simple().to_string(),
        }
    }
}

pub(crate) async fn post(app: &TestApp, s: &Signed<'_>, body: &[u8]) -> (StatusCode, Value) {
    let text_to_sign = ex::signing_string("POST", MESSAGES_PATH, &s.date, &s.nonce, body);
    let req = Request::post(MESSAGES_PATH)
        .header(header::CONTENT_TYPE, "application/xml")
        .header("Tinhso-Peer", s.peer)
        .header("Tinhso-Date", &s.date)
        .header("Tinhso-Nonce", &s.nonce)
        .header("Tinhso-Signature", ex::sign_request(s.key, &text_to_sign))
        .body(Body::from(body.to_vec()))
        .unwrap();
    let resp = app.send(req).await;
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (_, body) = text(resp).await;
    if !status.is_success() {
        assert_eq!(content_type, "application/problem+json", "{status} {body}");
    }
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

pub(crate) async fn exchanged(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM documents WHERE source = 'exchange'")
        .await
}

async fn requests_are_authenticated_before_anything_is_registered(kind: Kind) {
    let (app, _keys) = receiver(kind).await;
    let body = package(VPCP, "V/v liên thông văn bản")
        .to_signed_xml(&peer_key())
        .unwrap();
    let key = peer_key();

    let (status, problem) = post(&app, &Signed::now("la", &key), &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("không có trong danh sách"),
        "{problem}"
    );

    let mut old = Signed::now("vpcp", &key);
    old.date = (chrono::Utc::now() - chrono::Duration::minutes(6)).to_rfc3339();
    let (status, problem) = post(&app, &old, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("lệch quá 5 phút"),
        "{problem}"
    );

    let stranger = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let (status, problem) = post(&app, &Signed::now("vpcp", &stranger), &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Chữ ký của yêu cầu"),
        "{problem}"
    );

    // Missing headers.
    let req = Request::post(MESSAGES_PATH)
        .header(header::CONTENT_TYPE, "application/xml")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(exchanged(&app).await, 0);

    let first = Signed::now("vpcp", &key);
    let (status, answer) = post(&app, &first, &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let (status, problem) = post(&app, &first, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the same nonce again");
    assert!(
        problem["detail"].as_str().unwrap().contains("phát lại"),
        "{problem}"
    );
    assert_eq!(exchanged(&app).await, 1);
}

async fn a_package_is_registered_once_and_a_tampered_one_not_at_all(kind: Kind) {
    let (app, _keys) = receiver(kind).await;
    let key = peer_key();
    let body = package(VPCP, "V/v báo cáo tình hình")
        .to_signed_xml(&key)
        .unwrap();
    let (status, first) = post(&app, &Signed::now("vpcp", &key), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let incoming = first["Registered"][0]["DocumentId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Delivered again (a retry after a lost answer): the first answer, nothing new.
    let (status, again) = post(&app, &Signed::now("vpcp", &key), &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    assert_eq!(exchanged(&app).await, 1);

    // Registered in Sở Tư pháp's arrival register, with the file, readable by its clerk.
    let clerk = app
        .token("vanthu.tuphap@tinhso.local", &["documents"])
        .await;
    let (status, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{incoming}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["Source"], "exchange");
    assert_eq!(doc["Subject"], "V/v báo cáo tình hình");
    assert_eq!(doc["CodeNotation"], "VPCP-KSTT");
    assert_eq!(doc["Versions"].as_array().unwrap().len(), 1, "{doc}");
    assert!(doc["ArrivalNumber"].as_i64().unwrap() >= 1);
    assert_eq!(
        app.count_where("audit_log", "action", "document.exchange_receive")
            .await,
        1
    );
    // The statuses 01 and 03 are queued for the peer.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'exchange.deliver'")
            .await,
        2
    );

    // Tampered after signing: the XML signature fails, nothing is registered.
    let other = String::from_utf8(
        package(VPCP, "V/v báo cáo tình hình quý IV")
            .to_signed_xml(&key)
            .unwrap(),
    )
    .unwrap();
    let tampered = other.replace("quý IV", "quý III");
    let (status, problem) = post(&app, &Signed::now("vpcp", &key), tampered.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Chữ ký số XML"),
        "{problem}"
    );

    // A sender the peer does not speak for.
    let foreign = package("000.00.00.H38", "V/v khác")
        .to_signed_xml(&key)
        .unwrap();
    let (status, problem) = post(&app, &Signed::now("vpcp", &key), &foreign).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("không thuộc"),
        "{problem}"
    );

    // Not XML we read.
    let (status, _) = post(&app, &Signed::now("vpcp", &key), b"<!DOCTYPE x><x/>").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(exchanged(&app).await, 1);
}

/// A platform served on a real socket: the app and its address.
async fn served(
    kind: Kind,
    listener: std::net::TcpListener,
    tweak: impl FnOnce(&mut tinhso::config::Config),
) -> TestApp {
    let app = TestApp::new_with(kind, tweak).await;
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    app
}

fn bind() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

async fn run_jobs(app: &TestApp) {
    tinhso::jobs::run_due(&app.state).await.expect("jobs run");
}

/// The first recipient of outgoing document `id`, as the sender's clerk sees it.
async fn sender_view(a: &TestApp, clerk: &str, id: &str) -> Value {
    let (status, doc) = a
        .api("GET", &format!("/api/v1/documents/{id}"), Some(clerk), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc["To"][0].clone()
}

async fn two_platforms_exchange_an_issued_document_and_its_statuses(kind: Kind) {
    let other = match kind {
        Kind::Sqlite => Kind::Postgres,
        Kind::Postgres => Kind::Sqlite,
    };
    let keys = tempfile::tempdir().unwrap();
    let (key_a, key_b) = (
        SigningKey::from_slice(&[3u8; 32]).unwrap(),
        SigningKey::from_slice(&[5u8; 32]).unwrap(),
    );
    let (cert_a, cert_b) = (
        pem_file(keys.path(), "a.pem", &key_a),
        pem_file(keys.path(), "b.pem", &key_b),
    );
    let (listener_a, url_a) = bind();
    let (listener_b, url_b) = bind();
    // A: the demo province, whose Hạc Thành writes to Văn phòng Chính phủ on platform B.
    let a = served(kind, listener_a, |c| {
        c.exchange.id = "thanhhoa".into();
        c.exchange.key = Some(tinhso::config::Secret(hex::encode([3u8; 32])));
        c.exchange.peers = vec![peer("trunguong", &url_b, &[VPCP], cert_b)];
    })
    .await;
    // B: a platform that holds Văn phòng Chính phủ.
    let b = served(other, listener_b, |c| {
        c.exchange.id = "trunguong".into();
        c.exchange.key = Some(tinhso::config::Secret(hex::encode([5u8; 32])));
        c.exchange.peers = vec![peer("thanhhoa", &url_a, &["*.H56"], cert_a)];
    })
    .await;
    let now = tinhso::time::now_text();
    sqlx::query(
        "INSERT INTO agencies (id, code, name, name_folded, kind, created_at, updated_at)
         VALUES ('vpcp', $1, 'Văn phòng Chính phủ', 'van phong chinh phu', 'ministry', $2, $2)",
    )
    .bind(VPCP)
    .bind(&now)
    .execute(&b.state.db.pool)
    .await
    .unwrap();

    let token = |email: &'static str| a.token(email, &["documents"]);
    let (drafter, leader, clerk) = (
        token("chuyenvien.hacthanh@tinhso.local").await,
        token("lanhdao.hacthanh@tinhso.local").await,
        token("vanthu.hacthanh@tinhso.local").await,
    );
    let (status, created) = a
        .api(
            "POST",
            "/api/v1/documents",
            Some(&drafter),
            Some(json!({
                "TypeName": "decision",
                "Subject": "Quyết định về việc liên thông văn bản",
                "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
                "To": [{"OrganId": VPCP, "OrganName": "Văn phòng Chính phủ"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (content_type, body) = multipart(&[], &[("file", "qd.pdf", PDF)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {drafter}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(a.send(req).await.status(), StatusCode::CREATED);
    for (token, action) in [
        (&drafter, "submit"),
        (&leader, "approve_content"),
        (&clerk, "approve_form"),
        (&leader, "sign"),
        (&clerk, "issue"),
    ] {
        let (status, doc) = a
            .api(
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                Some(token),
                Some(json!({ "Action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let to = sender_view(&a, &clerk, &id).await;
    assert_eq!(to["OrganId"], VPCP);
    assert_eq!(to["Exchange"]["State"], "queued", "{to}");

    run_jobs(&a).await;
    let to = sender_view(&a, &clerk, &id).await;
    assert_eq!(to["Exchange"]["State"], "sent", "{to}");
    let registered: (String, String, String) = sqlx::query_as(
        "SELECT d.subject, d.organ_id, v.sha256 FROM documents d
         JOIN document_versions v ON v.document_id = d.id
         WHERE d.source = 'exchange' AND d.agency_id = 'vpcp'",
    )
    .fetch_one(&b.state.db.pool)
    .await
    .unwrap();
    assert_eq!(registered.0, "Quyết định về việc liên thông văn bản");
    assert!(
        registered.1.ends_with(".H56"),
        "the sender's code: {}",
        registered.1
    );
    assert_eq!(registered.2.len(), 64);

    // B's statuses (01 then 03) come back to A's recipient.
    run_jobs(&b).await;
    let to = sender_view(&a, &clerk, &id).await;
    assert_eq!(to["Exchange"]["StatusCode"], "03", "{to}");
    assert_eq!(to["Exchange"]["StatusLabel"], "Đã vào sổ");
    assert_eq!(
        a.count_where("audit_log", "action", "document.exchange_status")
            .await,
        2
    );
}

/// Posts `pdf` to `path` (multipart `file`, and the text `fields`) with `token`: (status, JSON).
async fn post_file(
    app: &TestApp,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
    name: &str,
    pdf: &[u8],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(fields, &[("file", name, pdf)]);
    let req = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let (status, body) = text(app.send(req).await).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn two_platforms_exchange_the_appendices_the_agency_signed(kind: Kind) {
    let p = peered(kind).await;
    let a = &p.a;
    let subject = "Quyết định ban hành danh mục kèm phụ lục liên thông";
    let (status, created) = a
        .api(
            "POST",
            "/api/v1/documents",
            Some(&p.drafter),
            Some(json!({
                "TypeName": "decision",
                "Subject": subject,
                "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
                "To": [{"OrganId": VPCP, "OrganName": "Văn phòng Chính phủ"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let pdf = crate::document_signing::decision_pdf();
    let (status, version) = post_file(
        a,
        &p.drafter,
        &format!("/api/v1/documents/{id}/versions"),
        &[],
        "qd.pdf",
        &pdf,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let (status, appendix) = post_file(
        a,
        &p.drafter,
        &format!("/api/v1/documents/{id}/appendices"),
        &[("Title", "Phụ lục I. Danh sách đơn vị")],
        "phu-luc.pdf",
        &pdf,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{appendix}");
    for (token, action) in [
        (&p.drafter, "submit"),
        (&p.leader, "approve_content"),
        (&p.clerk, "approve_form"),
    ] {
        let (status, doc) = a
            .api(
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                Some(token),
                Some(json!({ "Action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    let (status, signed) = a
        .api(
            "POST",
            &format!("/api/v1/documents/{id}/signatures"),
            Some(&p.leader),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    for (token, body) in [
        (&p.leader, json!({ "Action": "sign" })),
        (&p.clerk, json!({ "Action": "issue", "Seal": true })),
    ] {
        let (status, doc) = a
            .api(
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{doc}");
    }
    let (_, issued) = a
        .api(
            "GET",
            &format!("/api/v1/documents/{id}"),
            Some(&p.clerk),
            None,
        )
        .await;
    let sent = &issued["Appendices"][0];
    assert!(sent["SignedAt"].is_string(), "{issued}");
    assert_eq!(sent["FileName"], "phu-luc.issued.pdf");

    // The package goes out with both files; B registers the appendix as one.
    run_jobs(a).await;
    assert_eq!(
        sender_view(a, &p.clerk, &id).await["Exchange"]["State"],
        "sent"
    );
    let (incoming,): (String,) =
        sqlx::query_as("SELECT id FROM documents WHERE source = 'exchange' AND subject = $1")
            .bind(subject)
            .fetch_one(&p.b.state.db.pool)
            .await
            .unwrap();
    let (status, doc) =
        p.b.api(
            "GET",
            &format!("/api/v1/documents/{incoming}"),
            Some(&p.b_clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["Versions"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["Versions"][0]["FileName"], "qd.issued.pdf", "{doc}");
    let appendices = doc["Appendices"].as_array().unwrap();
    assert_eq!(appendices.len(), 1, "{doc}");
    let received = &appendices[0];
    assert_eq!(received["Position"], 1);
    assert_eq!(received["Title"], "Phụ lục I. Danh sách đơn vị");
    assert_eq!(received["FileName"], "phu-luc.issued.pdf");
    assert_eq!(received["Sha256"], sent["Sha256"], "the agency-signed file");
    // Its signature was checked on arrival too: intact, the agency's, whose root B does not
    // know (A's demo CA): registered, said so.
    let checks = doc["ArrivalSignatures"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{doc}");
    let check = &checks[1];
    assert_eq!(check["FileName"], "phu-luc.issued.pdf", "{check}");
    assert_eq!(check["Indication"], "INDETERMINATE", "{check}");
    let signatures = check["Signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{check}");
    assert_eq!(signatures[0]["Agency"], true, "{check}");
    assert_eq!(signatures[0]["Integrity"], true, "{check}");
    let indication: String = sqlx::query_scalar(
        "SELECT arrival_indication FROM document_appendices WHERE document_id = $1",
    )
    .bind(&incoming)
    .fetch_one(&p.b.state.db.pool)
    .await
    .unwrap();
    assert_eq!(indication, "INDETERMINATE");
    // B's clerk downloads it: the bytes A signed.
    let req = Request::get(format!(
        "/api/v1/documents/{incoming}/appendices/{}/file",
        received["Id"].as_str().unwrap()
    ))
    .header(header::AUTHORIZATION, format!("Bearer {}", p.b_clerk))
    .body(Body::empty())
    .unwrap();
    let resp = p.b.send(req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    use sha2::Digest;
    assert_eq!(
        Value::from(hex::encode(sha2::Sha256::digest(&bytes))),
        sent["Sha256"]
    );
}

/// Two platforms on real sockets, peered with each other's keys: A (the demo province, `kind`)
/// whose Hạc Thành writes to Văn phòng Chính phủ on B (the other database), where B's Sở Tư
/// pháp goes by Văn phòng Chính phủ's code so that its demo clerk and director receive it, and
/// its Phòng Hành chính tư pháp has a head to handle what it is given.
struct Peered {
    a: TestApp,
    b: TestApp,
    _keys: tempfile::TempDir,
    drafter: String,
    leader: String,
    clerk: String,
    b_clerk: String,
    b_director: String,
    b_unit_head: String,
}

/// B's unit under the renamed Sở Tư pháp.
const HCTP: &str = "000.02.14.H56";

async fn peered(kind: Kind) -> Peered {
    let other = match kind {
        Kind::Sqlite => Kind::Postgres,
        Kind::Postgres => Kind::Sqlite,
    };
    let keys = tempfile::tempdir().unwrap();
    let (key_a, key_b) = (
        SigningKey::from_slice(&[3u8; 32]).unwrap(),
        SigningKey::from_slice(&[5u8; 32]).unwrap(),
    );
    let (cert_a, cert_b) = (
        pem_file(keys.path(), "a.pem", &key_a),
        pem_file(keys.path(), "b.pem", &key_b),
    );
    let (listener_a, url_a) = bind();
    let (listener_b, url_b) = bind();
    // Revocation is not fetched online: the signed files carry their answers (B-LT).
    let a = served(kind, listener_a, |c| {
        c.exchange.id = "thanhhoa".into();
        c.exchange.key = Some(tinhso::config::Secret(hex::encode([3u8; 32])));
        c.exchange.peers = vec![peer("trunguong", &url_b, &[VPCP], cert_b)];
        c.signatures.online_revocation = false;
    })
    .await;
    let b = served(other, listener_b, |c| {
        c.exchange.id = "trunguong".into();
        c.exchange.key = Some(tinhso::config::Secret(hex::encode([5u8; 32])));
        c.exchange.peers = vec![peer("thanhhoa", &url_a, &["*.H56"], cert_a)];
        c.signatures.online_revocation = false;
    })
    .await;
    sqlx::query("UPDATE agencies SET code = $1 WHERE code = $2")
        .bind(VPCP)
        .bind(STP)
        .execute(&b.state.db.pool)
        .await
        .unwrap();
    let now = tinhso::time::now_text();
    sqlx::query(
        "INSERT INTO users (id, kind, email, full_name, agency_id, created_at, updated_at)
         SELECT 'hctp-head', 'official', 'tp.hctp@tinhso.local', 'Trưởng phòng thử nghiệm', id, $1, $1
         FROM agencies WHERE code = $2",
    )
    .bind(&now)
    .bind(HCTP)
    .execute(&b.state.db.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ('hctp-head', 'leader')")
        .execute(&b.state.db.pool)
        .await
        .unwrap();
    Peered {
        drafter: a
            .token("chuyenvien.hacthanh@tinhso.local", &["documents"])
            .await,
        leader: a
            .token("lanhdao.hacthanh@tinhso.local", &["documents"])
            .await,
        clerk: a
            .token("vanthu.hacthanh@tinhso.local", &["documents"])
            .await,
        b_clerk: b.token("vanthu.tuphap@tinhso.local", &["documents"]).await,
        b_director: b.token("lanhdao.tuphap@tinhso.local", &["documents"]).await,
        b_unit_head: b.token("tp.hctp@tinhso.local", &["documents"]).await,
        a,
        b,
        _keys: keys,
    }
}

impl Peered {
    /// Hạc Thành's decision to Văn phòng Chính phủ, issued on A, delivered to B and registered
    /// there: (A's outgoing id, B's incoming id).
    async fn issued(&self, subject: &str) -> (String, String) {
        let a = &self.a;
        let (status, created) = a
            .api(
                "POST",
                "/api/v1/documents",
                Some(&self.drafter),
                Some(json!({
                    "TypeName": "decision",
                    "Subject": subject,
                    "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
                    "To": [{"OrganId": VPCP, "OrganName": "Văn phòng Chính phủ"}]
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["Id"].as_str().unwrap().to_owned();
        let (content_type, body) = multipart(&[], &[("file", "qd.pdf", PDF)]);
        let req = Request::post(format!("/api/v1/documents/{id}/versions"))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.drafter))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        assert_eq!(a.send(req).await.status(), StatusCode::CREATED);
        for (token, action) in [
            (&self.drafter, "submit"),
            (&self.leader, "approve_content"),
            (&self.clerk, "approve_form"),
            (&self.leader, "sign"),
            (&self.clerk, "issue"),
        ] {
            let (status, doc) = a
                .api(
                    "POST",
                    &format!("/api/v1/documents/{id}/actions"),
                    Some(token),
                    Some(json!({ "Action": action })),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{action}: {doc}");
        }
        run_jobs(a).await;
        let (incoming,): (String,) =
            sqlx::query_as("SELECT id FROM documents WHERE source = 'exchange' AND subject = $1")
                .bind(subject)
                .fetch_one(&self.b.state.db.pool)
                .await
                .unwrap();
        (id, incoming)
    }

    async fn b_post(&self, token: &str, path: &str, body: Value) -> Value {
        let (status, doc) = self.b.api("POST", path, Some(token), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {doc}");
        doc
    }

    /// What A's clerk sees of the recipient once B's queued statuses are delivered.
    async fn after_b_sends(&self, id: &str) -> Value {
        run_jobs(&self.b).await;
        sender_view(&self.a, &self.clerk, id).await["Exchange"].clone()
    }
}

async fn the_receiver_s_steps_go_back_as_statuses_and_a_recall_is_answered(kind: Kind) {
    let p = peered(kind).await;
    let (id, incoming) = p.issued("Quyết định giao chỉ tiêu liên thông").await;
    let doc = format!("/api/v1/documents/{incoming}");
    assert_eq!(p.after_b_sends(&id).await["StatusCode"], "03");

    // Presented (nothing to tell), then directed: 04.
    p.b_post(&p.b_clerk, &format!("{doc}/present"), json!({}))
        .await;
    let directed = p
        .b_post(
            &p.b_director,
            &format!("{doc}/direction"),
            json!({
                "Directions": "Giao Phòng Hành chính tư pháp chủ trì.",
                "LeadUnit": {"OrganId": HCTP, "WorkingDays": 5},
                "SupportingUnits": [],
            }),
        )
        .await;
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["StatusCode"], "04", "{seen}");
    assert_eq!(seen["StatusLabel"], "Đã phân công");

    // The lead unit reports progress: 05; closes its part: the document is done, 06.
    let lead = directed["Assignments"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead_path = format!("{doc}/assignments/{lead}/actions");
    p.b_post(
        &p.b_unit_head,
        &lead_path,
        json!({"Action": "report", "Note": "Đang tổng hợp"}),
    )
    .await;
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["StatusCode"], "05", "{seen}");
    assert_eq!(seen["StatusLabel"], "Đang xử lý");
    p.b_post(
        &p.b_unit_head,
        &lead_path,
        json!({"Action": "close", "Result": "Đã giao chỉ tiêu"}),
    )
    .await;
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["StatusCode"], "06", "{seen}");
    assert_eq!(seen["StatusLabel"], "Hoàn thành");
    // 01, 03, 04, 05, 06: each recorded once on A.
    assert_eq!(
        p.a.count_where("audit_log", "action", "document.exchange_status")
            .await,
        5
    );

    // Only the issuing office recalls: B's clerk cannot act on A, A's drafter may not.
    let recall = format!("/api/v1/documents/{id}/actions");
    let (status, _) =
        p.a.api(
            "POST",
            &recall,
            Some(&p.drafter),
            Some(json!({"Action": "recall", "Confirm": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, out) =
        p.a.api(
            "POST",
            &recall,
            Some(&p.clerk),
            Some(json!({"Action": "recall", "Confirm": true, "Note": "Sai căn cứ"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let seen = sender_view(&p.a, &p.clerk, &id).await["Exchange"].clone();
    assert_eq!(seen["Recall"], "requested", "{seen}");

    // 13 goes to B, where it waits for B's clerk: nothing is withdrawn or answered yet.
    run_jobs(&p.a).await;
    let (status, copy) = p.b.api("GET", &doc, Some(&p.b_clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{copy}");
    assert_eq!(copy["State"], "done", "{copy}");
    let request_path = format!("{doc}/recall-request");
    let (status, request) = p.b.api("GET", &request_path, Some(&p.b_clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["State"], "pending", "{request}");
    assert_eq!(
        p.b.count_where("audit_log", "action", "document.exchange_recall_request")
            .await,
        1
    );
    // B's clerk is told in the inbox.
    assert_eq!(
        p.b.count(
            "SELECT COUNT(*) FROM inbox_items WHERE topic = 'documents.exchange_recall_requests'"
        )
        .await,
        1
    );
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["Recall"], "requested", "{seen}");
    // The clerk's page and register show it; the director's do not.
    p.b.clear_cookies();
    let (status, _, _) = p.b.login("vanthu.tuphap@tinhso.local", "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = p.b.get(&format!("/office/documents/{incoming}")).await;
    assert!(page.contains("doc-recall-request"), "{page}");
    assert!(page.contains("Đồng ý thu hồi"), "{page}");
    let (_, register) = p.b.get("/office/documents/incoming").await;
    assert!(register.contains("recall-requests"), "{register}");
    // Refusing without a reason is a message on the page; nothing changes.
    let form = format!("/office/documents/{incoming}");
    let (status, page, _) =
        p.b.post_form(
            &form,
            &format!("{form}/processing"),
            &[("step", "recall_refuse"), ("Reason", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("Hãy nêu lý do"), "{page}");
    // Only B's clerk answers: the director is refused, A's clerk does not see it.
    let accept = format!("{request_path}/accept");
    let (status, _) = p.b.api("POST", &accept, Some(&p.b_director), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    p.b.clear_cookies();
    let (status, _, _) =
        p.b.login("lanhdao.tuphap@tinhso.local", "TinhSo@2026")
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = p.b.get(&format!("/office/documents/{incoming}")).await;
    assert!(!page.contains("doc-recall-request"), "{page}");
    assert_eq!(
        p.b.count("SELECT COUNT(*) FROM exchange_recall_requests WHERE state = 'pending'")
            .await,
        1
    );
    // B's clerk accepts on the page: withdrawn (the unit's part closes), 15 goes back.
    p.b.clear_cookies();
    let (status, _, _) = p.b.login("vanthu.tuphap@tinhso.local", "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, location) =
        p.b.post_form(
            &form,
            &format!("{form}/processing"),
            &[("step", "recall_accept")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.unwrap_or_default().contains("done=recall_accept"),
        "back to the page with its message"
    );
    let (_, copy) = p.b.api("GET", &doc, Some(&p.b_clerk), None).await;
    assert_eq!(copy["State"], "recalled", "{copy}");
    assert_eq!(
        p.b.count_where("audit_log", "action", "document.exchange_recall")
            .await,
        1
    );
    // Answering again: the same answer changes nothing, the other one is refused.
    let (status, again) = p.b.api("POST", &accept, Some(&p.b_clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["State"], "accepted", "{again}");
    let (status, _) =
        p.b.api(
            "POST",
            &format!("{request_path}/refuse"),
            Some(&p.b_clerk),
            Some(json!({"Reason": "Đã thực hiện xong"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        p.b.count_where("audit_log", "action", "document.exchange_recall")
            .await,
        1
    );
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["Recall"], "accepted", "{seen}");
    assert_eq!(seen["StatusCode"], "06", "the processing status stays");
    // Run again: nothing is sent twice, nothing changes.
    run_jobs(&p.a).await;
    run_jobs(&p.b).await;
    assert_eq!(
        p.a.count_where("audit_log", "action", "document.exchange_recall_answer")
            .await,
        1
    );
    // The page shows it to the sender.
    p.a.clear_cookies();
    let (status, _, _) =
        p.a.login("vanthu.hacthanh@tinhso.local", "TinhSo@2026")
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page) = p.a.get(&format!("/office/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Nơi nhận đã thu hồi"), "{page}");
    assert!(page.contains("Hoàn thành"), "{page}");
}

async fn a_returned_document_sends_02_and_refuses_the_recall_with_why(kind: Kind) {
    let p = peered(kind).await;
    let (id, incoming) = p.issued("Công văn gửi nhầm cơ quan").await;
    let back = format!("/api/v1/documents/{incoming}/return");
    // A reason is required; the director may not return it (the clerk's step).
    let (status, problem) =
        p.b.api(
            "POST",
            &back,
            Some(&p.b_clerk),
            Some(json!({"Reason": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) =
        p.b.api(
            "POST",
            &back,
            Some(&p.b_director),
            Some(json!({"Reason": "Không thuộc thẩm quyền"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let returned = p
        .b_post(
            &p.b_clerk,
            &back,
            json!({"Reason": "Văn bản không thuộc thẩm quyền giải quyết của Văn phòng Chính phủ"}),
        )
        .await;
    assert_eq!(returned["State"], "returned");
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["StatusCode"], "02", "{seen}");
    assert_eq!(seen["StatusLabel"], "Bị từ chối");
    assert!(
        seen["StatusDetail"]
            .as_str()
            .unwrap()
            .contains("không thuộc thẩm quyền"),
        "{seen}"
    );

    // Recalled afterwards: B has nothing to withdraw and says why (16).
    let (status, out) =
        p.a.api(
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            Some(&p.clerk),
            Some(json!({"Action": "recall", "Confirm": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    run_jobs(&p.a).await;
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["Recall"], "refused", "{seen}");
    assert!(
        seen["RecallDetail"].as_str().unwrap().contains("trả lại"),
        "{seen}"
    );
    assert_eq!(seen["StatusCode"], "02", "never steps back");
}

/// Signs `app`'s cookie jar in as `email` (the demo password).
async fn as_official(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, _, _) = app.login(email, "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email}");
}

async fn a_copy_returned_while_its_recall_waits_settles_the_request(kind: Kind) {
    let p = peered(kind).await;
    let (id, incoming) = p.issued("Công văn gửi nhầm, thu hồi khi đang chờ").await;
    assert_eq!(p.after_b_sends(&id).await["StatusCode"], "03");
    // A recalls it; the 13 reaches B, where it waits for B's clerk.
    let (status, out) =
        p.a.api(
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            Some(&p.clerk),
            Some(json!({"Action": "recall", "Confirm": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    run_jobs(&p.a).await;
    let request_path = format!("/api/v1/documents/{incoming}/recall-request");
    let (status, request) = p.b.api("GET", &request_path, Some(&p.b_clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["State"], "pending", "{request}");

    // Before answering it, B's clerk returns the copy to its sender (not for this agency).
    let returned = p
        .b_post(
            &p.b_clerk,
            &format!("/api/v1/documents/{incoming}/return"),
            json!({"Reason": "Văn bản không thuộc thẩm quyền của cơ quan"}),
        )
        .await;
    assert_eq!(returned["State"], "returned");

    // The request is settled with the return: closed, saying why, and no longer answerable.
    let (status, request) = p.b.api("GET", &request_path, Some(&p.b_clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["State"], "closed", "{request}");
    let why = request["Reason"].as_str().unwrap_or_default().to_owned();
    assert!(why.contains("trả lại nơi gửi"), "{request}");
    assert!(request["DecidedAt"].is_string(), "{request}");
    let (status, problem) =
        p.b.api(
            "POST",
            &format!("{request_path}/accept"),
            Some(&p.b_clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("không còn chờ trả lời"), "{problem}");
    assert!(detail.contains(&why), "{problem}");
    let (status, problem) =
        p.b.api(
            "POST",
            &format!("{request_path}/refuse"),
            Some(&p.b_clerk),
            Some(json!({"Reason": "Đã trả lại"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        p.b.count("SELECT COUNT(*) FROM exchange_recall_requests WHERE state = 'pending'")
            .await,
        0
    );
    // Audited once, as its own step; nobody accepted or refused it.
    for (action, expected) in [
        ("document.exchange_recall_close", 1),
        ("document.return_to_sender", 1),
        ("document.exchange_recall", 0),
        ("document.exchange_recall_refuse", 0),
    ] {
        assert_eq!(
            p.b.count_where("audit_log", "action", action).await,
            expected,
            "{action}"
        );
    }

    // What B's clerk sees: the page says why, without the buttons; the register does not list
    // it among the requests waiting.
    as_official(&p.b, "vanthu.tuphap@tinhso.local").await;
    let page_path = format!("/office/documents/{incoming}");
    let (_, page) = p.b.get(&page_path).await;
    assert!(page.contains("doc-recall-closed"), "{page}");
    assert!(
        page.contains("Đề nghị thu hồi không còn chờ trả lời"),
        "{page}"
    );
    assert!(page.contains(&why), "{page}");
    assert!(!page.contains("doc-recall-accept"), "{page}");
    assert!(!page.contains("doc-recall-refuse"), "{page}");
    let (_, register) = p.b.get("/office/documents/incoming").await;
    assert!(!register.contains("recall-requests"), "{register}");
    // A form posted from a page opened before the return is refused on the page (422, as the
    // pages answer every refusal) with the same reason.
    let (status, page, _) =
        p.b.post_form(
            &page_path,
            &format!("{page_path}/processing"),
            &[("step", "recall_accept")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("không còn chờ trả lời"), "{page}");
    let (_, copy) =
        p.b.api(
            "GET",
            &format!("/api/v1/documents/{incoming}"),
            Some(&p.b_clerk),
            None,
        )
        .await;
    assert_eq!(copy["State"], "returned", "{copy}");

    // What A's clerk sees: returned (02, the clerk's reason), and the recall refused with why
    // (16) — told once, however often the queues run.
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["StatusCode"], "02", "{seen}");
    assert!(
        seen["StatusDetail"]
            .as_str()
            .unwrap_or_default()
            .contains("không thuộc thẩm quyền"),
        "{seen}"
    );
    assert_eq!(seen["Recall"], "refused", "{seen}");
    assert!(
        seen["RecallDetail"]
            .as_str()
            .unwrap_or_default()
            .contains("trả lại nơi gửi"),
        "{seen}"
    );
    run_jobs(&p.b).await;
    run_jobs(&p.a).await;
    assert_eq!(
        p.a.count_where("audit_log", "action", "document.exchange_recall_answer")
            .await,
        1
    );
    as_official(&p.a, "vanthu.hacthanh@tinhso.local").await;
    let (_, page) = p.a.get(&format!("/office/documents/{id}")).await;
    assert!(page.contains("Nơi nhận từ chối thu hồi"), "{page}");
}

async fn a_recall_made_while_the_package_is_on_its_way_still_reaches_the_copy(kind: Kind) {
    let p = peered(kind).await;
    let (id, incoming) = p.issued("Quyết định thu hồi khi đang gửi").await;
    // The moment the delivery job has posted the package (B registered it) and not yet
    // recorded B's answer: A's row still says queued.
    let (recipient,): (String,) = sqlx::query_as(
        "SELECT id FROM document_recipients WHERE document_id = $1 AND organ_id IS NOT NULL",
    )
    .bind(&id)
    .fetch_one(&p.a.state.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE document_recipients SET exchange_state = 'queued' WHERE id = $1")
        .bind(&recipient)
        .execute(&p.a.state.db.pool)
        .await
        .unwrap();
    // A's clerk recalls it then: as far as A knows it never left, so nothing is asked of B.
    let (status, out) =
        p.a.api(
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            Some(&p.clerk),
            Some(json!({"Action": "recall", "Confirm": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let seen = sender_view(&p.a, &p.clerk, &id).await["Exchange"].clone();
    assert_eq!(seen["Recall"], "withdrawn", "{seen}");
    assert_eq!(seen["State"], "cancelled", "{seen}");
    // B's acceptance of the post is recorded now: the copy over there is live, so A asks for
    // it back (13) rather than leaving it forgotten.
    ex::deliver::finish(
        &p.a.state,
        &recipient,
        "sent",
        None,
        &tinhso::time::now_text(),
    )
    .await
    .unwrap();
    let seen = sender_view(&p.a, &p.clerk, &id).await["Exchange"].clone();
    assert_eq!(seen["Recall"], "requested", "{seen}");
    assert_eq!(seen["State"], "sent", "{seen}");
    run_jobs(&p.a).await;
    let request_path = format!("/api/v1/documents/{incoming}/recall-request");
    let (status, request) = p.b.api("GET", &request_path, Some(&p.b_clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["State"], "pending", "{request}");
    let accepted = p
        .b_post(&p.b_clerk, &format!("{request_path}/accept"), json!({}))
        .await;
    assert_eq!(accepted["State"], "accepted", "{accepted}");
    let seen = p.after_b_sends(&id).await;
    assert_eq!(seen["Recall"], "accepted", "{seen}");
    // A failure recorded after a recall that withdrew a package in time changes nothing:
    // no failure, no notice to the clerks.
    let (other, _) = p.issued("Quyết định thứ hai thu hồi khi đang gửi").await;
    let (second,): (String,) = sqlx::query_as(
        "SELECT id FROM document_recipients WHERE document_id = $1 AND organ_id IS NOT NULL",
    )
    .bind(&other)
    .fetch_one(&p.a.state.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE document_recipients SET exchange_state = 'queued' WHERE id = $1")
        .bind(&second)
        .execute(&p.a.state.db.pool)
        .await
        .unwrap();
    let (status, out) =
        p.a.api(
            "POST",
            &format!("/api/v1/documents/{other}/actions"),
            Some(&p.clerk),
            Some(json!({"Action": "recall", "Confirm": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let failures =
        p.a.count("SELECT COUNT(*) FROM inbox_items WHERE topic = 'documents.exchange_failures'")
            .await;
    ex::deliver::finish(
        &p.a.state,
        &second,
        "failed",
        Some("HTTP 400"),
        &tinhso::time::now_text(),
    )
    .await
    .unwrap();
    let seen = sender_view(&p.a, &p.clerk, &other).await["Exchange"].clone();
    assert_eq!(seen["State"], "cancelled", "{seen}");
    assert_eq!(seen["Recall"], "withdrawn", "{seen}");
    assert_eq!(
        p.a.count("SELECT COUNT(*) FROM inbox_items WHERE topic = 'documents.exchange_failures'")
            .await,
        failures
    );
}

fn status_of(from: &str, about: &str, document_id: &str, code: EdStatus) -> Status {
    Status {
        response_for: ResponseFor {
            organ_id: about.parse().unwrap(),
            code: "1234/VPCP-KSTT".into(),
            promulgation_date: "2026/11/30".into(),
            document_id: document_id.into(),
        },
        from: organ(from, "Văn phòng Chính phủ"),
        status_code: code,
        description: None,
        timestamp: "2026/11/30 09:00:00".into(),
        staff_info: None,
    }
}

async fn bad_statuses_and_recalls_are_refused_with_a_problem(kind: Kind) {
    let (app, _keys) = receiver(kind).await;
    let key = peer_key();
    let body = package(VPCP, "V/v đề nghị phối hợp")
        .to_signed_xml(&key)
        .unwrap();
    let (status, answer) = post(&app, &Signed::now("vpcp", &key), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let incoming = answer["Registered"][0]["DocumentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let document_id = format!("{VPCP},2026/11/30,1234/VPCP-KSTT");

    // A status code the standard does not define.
    let xml = String::from_utf8(
        status_of(VPCP, VPCP, &document_id, EdStatus::Registered)
            .to_signed_xml(&key)
            .unwrap(),
    )
    .unwrap();
    let unknown = xml.replace("StatusCode>03<", "StatusCode>99<");
    assert_ne!(unknown, xml);
    let (code, problem) = post(&app, &Signed::now("vpcp", &key), unknown.as_bytes()).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("StatusCode"),
        "{problem}"
    );

    // A recall of a document we never received.
    for (about, id) in [
        (VPCP, format!("{VPCP},2026/11/30,99/VPCP-KSTT")),
        // The same number and notation, another day: another document.
        (VPCP, format!("{VPCP},2026/11/29,1234/VPCP-KSTT")),
    ] {
        let xml = status_of(VPCP, about, &id, EdStatus::Recall)
            .to_signed_xml(&key)
            .unwrap();
        let (code, problem) = post(&app, &Signed::now("vpcp", &key), &xml).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{id}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("Không tìm thấy văn bản đến"),
            "{problem}"
        );
    }
    let xml = status_of(VPCP, "000.00.00.G23", &document_id, EdStatus::Recall)
        .to_signed_xml(&key)
        .unwrap();
    let (code, problem) = post(&app, &Signed::now("vpcp", &key), &xml).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Chỉ cơ quan ban hành"),
        "{problem}"
    );
    // An answer to a recall nobody asked for.
    let xml = status_of(VPCP, VPCP, &document_id, EdStatus::RecallAccepted)
        .to_signed_xml(&key)
        .unwrap();
    let (code, problem) = post(&app, &Signed::now("vpcp", &key), &xml).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    // A recall from a platform that is not a peer.
    let stranger = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let xml = status_of(VPCP, VPCP, &document_id, EdStatus::Recall)
        .to_signed_xml(&stranger)
        .unwrap();
    let (code, problem) = post(&app, &Signed::now("la", &stranger), &xml).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{problem}");
    // Nothing above touched the registered copy.
    let clerk = app
        .token("vanthu.tuphap@tinhso.local", &["documents"])
        .await;
    let (_, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{incoming}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(doc["State"], "registered", "{doc}");

    // The real recall, twice (a retry): one pending request, the same answer.
    let xml = status_of(VPCP, VPCP, &document_id, EdStatus::Recall)
        .to_signed_xml(&key)
        .unwrap();
    let (code, first) = post(&app, &Signed::now("vpcp", &key), &xml).await;
    assert_eq!(code, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["Pending"][0], incoming.as_str(), "{first}");
    let (code, again) = post(&app, &Signed::now("vpcp", &key), &xml).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(again, first);
    // Asked again later (a new message): still pending, nothing sent.
    let mut later = status_of(VPCP, VPCP, &document_id, EdStatus::Recall);
    later.timestamp = "2026/11/30 09:05:00".into();
    let (code, answer) = post(
        &app,
        &Signed::now("vpcp", &key),
        &later.to_signed_xml(&key).unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["Pending"][0], incoming.as_str(), "{answer}");
    let path = format!("/api/v1/documents/{incoming}/recall-request");
    let (_, request) = app.api("GET", &path, Some(&clerk), None).await;
    assert_eq!(request["State"], "pending", "{request}");
    assert_eq!(request["FromOrganId"], VPCP, "{request}");
    // 01, 03 for the package; nothing for the recall yet.
    let deliveries = "SELECT COUNT(*) FROM jobs WHERE kind = 'exchange.deliver'";
    assert_eq!(app.count(deliveries).await, 2);

    // The clerk refuses: a reason is required (422), then 16 goes with it.
    let refuse = format!("{path}/refuse");
    for reason in ["", "   "] {
        let (status, problem) = app
            .api(
                "POST",
                &refuse,
                Some(&clerk),
                Some(json!({"Reason": reason})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    }
    let long = "x".repeat(2001);
    let (status, _) = app
        .api("POST", &refuse, Some(&clerk), Some(json!({"Reason": long})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let director = app
        .token("lanhdao.tuphap@tinhso.local", &["documents"])
        .await;
    let reason = "Văn bản đã được thực hiện, đề nghị ban hành văn bản thay thế";
    let (status, _) = app
        .api(
            "POST",
            &refuse,
            Some(&director),
            Some(json!({"Reason": reason})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count(deliveries).await, 2);
    let (status, refused) = app
        .api(
            "POST",
            &refuse,
            Some(&clerk),
            Some(json!({"Reason": reason})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{refused}");
    assert_eq!(refused["State"], "refused", "{refused}");
    assert_eq!(refused["Reason"], reason, "{refused}");
    let (_, doc) = app
        .api(
            "GET",
            &format!("/api/v1/documents/{incoming}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(doc["State"], "registered", "{doc}");
    let status_16 = "SELECT COUNT(*) FROM jobs WHERE kind = 'exchange.deliver' \
                     AND payload LIKE '%\"status_code\":\"16\"%'";
    assert_eq!(app.count(status_16).await, 1);
    assert_eq!(
        app.count_where("audit_log", "action", "document.exchange_recall_refuse")
            .await,
        1
    );
    // Refusing again changes nothing; accepting now is refused.
    let (status, again) = app
        .api(
            "POST",
            &refuse,
            Some(&clerk),
            Some(json!({"Reason": "khác"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["Reason"], reason, "{again}");
    let (status, _) = app
        .api("POST", &format!("{path}/accept"), Some(&clerk), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A recall asked once more is answered with the same refusal.
    later.timestamp = "2026/11/30 10:00:00".into();
    let (code, answer) = post(
        &app,
        &Signed::now("vpcp", &key),
        &later.to_signed_xml(&key).unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["Refused"][0], incoming.as_str(), "{answer}");
    assert_eq!(app.count(status_16).await, 2);
    assert_eq!(app.count(deliveries).await, 4);
    assert_eq!(
        app.count_where("audit_log", "action", "document.exchange_recall_refuse")
            .await,
        1
    );
    assert_eq!(
        app.count_where("audit_log", "action", "document.exchange_recall")
            .await,
        0
    );
}

async fn an_unacknowledged_delivery_fails_after_72_hours_and_can_be_sent_again(kind: Kind) {
    // A peer that never answers (nothing listens on port 9).
    let keys = tempfile::tempdir().unwrap();
    let cert = pem_file(keys.path(), "vpcp.pem", &peer_key());
    let a = TestApp::new_with(kind, |c| {
        c.exchange.peers = vec![peer("vpcp", "http://127.0.0.1:9", &[VPCP], cert)];
    })
    .await;
    let token = |email: &'static str| a.token(email, &["documents"]);
    let (drafter, leader, clerk) = (
        token("chuyenvien.hacthanh@tinhso.local").await,
        token("lanhdao.hacthanh@tinhso.local").await,
        token("vanthu.hacthanh@tinhso.local").await,
    );
    let (status, created) = a
        .api(
            "POST",
            "/api/v1/documents",
            Some(&drafter),
            Some(json!({
                "TypeName": "decision",
                "Subject": "Quyết định chưa gửi được",
                "SignerInfo": {"Position": "Chủ tịch", "FullName": "Mai Thị Thu"},
                "To": [{"OrganId": VPCP, "OrganName": "Văn phòng Chính phủ"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    let (content_type, body) = multipart(&[], &[("file", "qd.pdf", PDF)]);
    let req = Request::post(format!("/api/v1/documents/{id}/versions"))
        .header(header::AUTHORIZATION, format!("Bearer {drafter}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(a.send(req).await.status(), StatusCode::CREATED);
    for (token, action) in [
        (&drafter, "submit"),
        (&leader, "approve_content"),
        (&clerk, "approve_form"),
        (&leader, "sign"),
        (&clerk, "issue"),
    ] {
        let (status, doc) = a
            .api(
                "POST",
                &format!("/api/v1/documents/{id}/actions"),
                Some(token),
                Some(json!({ "Action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {doc}");
    }
    // The attempt fails (nobody listens); the job will retry.
    run_jobs(&a).await;
    assert_eq!(
        sender_view(&a, &clerk, &id).await["Exchange"]["State"],
        "queued"
    );

    let sweep = |hours: i64| {
        ex::failures::sweep(
            &a.state,
            chrono::Utc::now() + chrono::Duration::hours(hours),
        )
    };
    assert_eq!(sweep(71).await.unwrap(), 0, "within the 72 hours");
    assert_eq!(sweep(73).await.unwrap(), 1);
    assert_eq!(sweep(74).await.unwrap(), 0, "failed once");
    let to = sender_view(&a, &clerk, &id).await;
    assert_eq!(to["Exchange"]["State"], "failed", "{to}");
    assert!(
        to["Exchange"]["Detail"]
            .as_str()
            .unwrap()
            .contains("72 giờ"),
        "{to}"
    );
    assert!(
        a.emailed("vanthu.hacthanh@tinhso.local", "Gửi liên thông thất bại")
            .await
    );
    assert_eq!(
        a.count("SELECT COUNT(*) FROM inbox_items WHERE topic = 'documents.exchange_failures'")
            .await,
        a.count(
            "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
             WHERE r.role = 'document_clerk' AND u.agency_id =
               (SELECT agency_id FROM users WHERE email = 'vanthu.hacthanh@tinhso.local')"
        )
        .await
    );

    // The page offers "Gửi lại" to the clerk.
    a.clear_cookies();
    let (status, _, _) = a.login("vanthu.hacthanh@tinhso.local", "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page) = a.get(&format!("/office/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"doc-resend\""), "{page}");
    assert!(page.contains("Gửi liên thông thất bại"), "{page}");

    // Only the issuing office's clerk sends it again, once.
    let resend = format!("/api/v1/documents/{id}/recipients/{VPCP}/resend");
    let (status, _) = a.api("POST", &resend, Some(&drafter), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = a
        .api(
            "POST",
            &format!("/api/v1/documents/{id}/recipients/000.00.00.G99/resend"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, doc) = a.api("POST", &resend, Some(&clerk), None).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["To"][0]["Exchange"]["State"], "queued", "{doc}");
    let (status, problem) = a.api("POST", &resend, Some(&clerk), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        a.count_where("audit_log", "action", "document.exchange_resend")
            .await,
        1
    );
    // A new window: not failed again before 72 hours from the resend.
    assert_eq!(sweep(71).await.unwrap(), 0);
    assert_eq!(sweep(73).await.unwrap(), 1);
}

async fn only_system_administrators_see_the_exchange_key_page(kind: Kind) {
    let (app, _keys) = receiver(kind).await;
    // An official: refused.
    let (status, _, _) = app.login("vanthu.tuphap@tinhso.local", "TinhSo@2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = app.get("/admin/exchange").await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status}"
    );
    assert!(!html.contains("BEGIN PUBLIC KEY"));
    // The administrator: the key to give peers, its fingerprint, and the peer.
    crate::signatures_pki::sign_in_admin(&app).await;
    let (status, html) = app.get("/admin/exchange").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let own = ex::public_key_pem_of(&app.state.keys.exchange).unwrap();
    // As the page escapes it: a base64 line may hold a `/`.
    let line = own.lines().nth(1).unwrap().replace('/', "&#x2f;");
    assert!(html.contains(&line), "{html}");
    assert!(
        html.contains(&ex::admin::fingerprint(&own)),
        "the fingerprint: {html}"
    );
    assert!(html.contains("data-peer=\"vpcp\""), "{html}");
    assert!(html.contains(VPCP), "{html}");
    assert!(
        html.contains(&ex::admin::fingerprint(&ex::public_key_pem(
            peer_key().verifying_key()
        ))),
        "the peer's key fingerprint"
    );
}

/// A peer in the middle of its key rotation lists two keys (`cert_file = [old, new]`): a
/// request and a package signed by either is accepted, by both at once too; a key that is
/// neither is refused with 401 (the request) or 422 (the package's XML signature) and nothing
/// is registered. The page shows each key's fingerprint, and this platform's own next key
/// while it announces one.
async fn a_peer_rotating_its_key_is_accepted_with_either_key(kind: Kind) {
    let keys = tempfile::tempdir().unwrap();
    let old = peer_key();
    let new = SigningKey::from_slice(&[8u8; 32]).unwrap();
    let stranger = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let files = vec![
        pem_file(keys.path(), "vpcp-old.pem", &old),
        pem_file(keys.path(), "vpcp-new.pem", &new),
    ];
    let next_hex = "2a".repeat(32);
    let app = TestApp::new_with(kind, |c| {
        let mut vpcp = peer("vpcp", "http://127.0.0.1:9", &[VPCP], files[0].clone());
        vpcp.cert_file = files.clone();
        c.exchange.peers = vec![vpcp];
        c.exchange.next_key = Some(tinhso::config::Secret(next_hex.clone()));
    })
    .await;

    // The old key, for the request and the package.
    let body = package(VPCP, "V/v khóa cũ").to_signed_xml(&old).unwrap();
    let (status, answer) = post(&app, &Signed::now("vpcp", &old), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    // The new key.
    let body = package(VPCP, "V/v khóa mới").to_signed_xml(&new).unwrap();
    let (status, answer) = post(&app, &Signed::now("vpcp", &new), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    // Mid-switch: a package signed by the new key sent with a request by the old.
    let body = package(VPCP, "V/v đang đổi khóa")
        .to_signed_xml(&new)
        .unwrap();
    let (status, answer) = post(&app, &Signed::now("vpcp", &old), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(exchanged(&app).await, 3);

    // A key that is neither: the request 401, the package's signature 422.
    let body = package(VPCP, "V/v khóa lạ")
        .to_signed_xml(&stranger)
        .unwrap();
    let (status, problem) = post(&app, &Signed::now("vpcp", &stranger), &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Chữ ký của yêu cầu"),
        "{problem}"
    );
    let (status, problem) = post(&app, &Signed::now("vpcp", &new), &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Chữ ký số XML"),
        "{problem}"
    );
    assert_eq!(exchanged(&app).await, 3);

    // The page: both of the peer's keys, and this platform's next key beside its current one.
    crate::signatures_pki::sign_in_admin(&app).await;
    let (status, html) = app.get("/admin/exchange").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for key in [&old, &new] {
        let print = ex::admin::fingerprint(&ex::public_key_pem(key.verifying_key()));
        assert!(html.contains(&print), "{print}: {html}");
    }
    assert!(
        !html.contains(&ex::admin::fingerprint(&ex::public_key_pem(
            stranger.verifying_key()
        ))),
        "{html}"
    );
    assert!(html.contains("data-testid=\"exchange-next-key\""), "{html}");
    let next = tinhso::keys::parse(&next_hex).unwrap();
    let next_pem = ex::public_key_pem_of(&next).unwrap();
    assert!(html.contains(&ex::admin::fingerprint(&next_pem)), "{html}");
    // It still signs with the current key.
    let own = ex::public_key_pem_of(&app.state.keys.exchange).unwrap();
    assert_ne!(own, next_pem);
    assert_eq!(
        ex::public_key_pem(ex::own_key(&app.state).unwrap().verifying_key()),
        own
    );
}

/// The package A sent to B: (A's agency code, its DocumentId).
async fn sent_package(a: &TestApp, id: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT d.organ_id, r.exchange_document_id FROM document_recipients r
         JOIN documents d ON d.id = r.document_id WHERE r.document_id = $1",
    )
    .bind(id)
    .fetch_one(&a.state.db.pool)
    .await
    .unwrap()
}

async fn statuses_and_recalls_come_only_from_the_peer_that_exchanged_the_package(kind: Kind) {
    let mut p = peered(kind).await;
    let (id, incoming) = p.issued("Công văn về liên thông đúng nền tảng").await;
    assert_eq!(p.after_b_sends(&id).await["StatusCode"], "03");
    let (hac_thanh, document_id) = sent_package(&p.a, &id).await;
    let delivered_to: (Option<String>,) =
        sqlx::query_as("SELECT exchange_peer FROM document_recipients WHERE document_id = $1")
            .bind(&id)
            .fetch_one(&p.a.state.db.pool)
            .await
            .unwrap();
    assert_eq!(delivered_to.0.as_deref(), Some("trunguong"));
    // A recalls it (13 queued, not sent here): B's answer is awaited.
    let (status, out) =
        p.a.api(
            "POST",
            &format!("/api/v1/documents/{id}/actions"),
            Some(&p.clerk),
            Some(json!({"Action": "recall", "Confirm": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");

    // Another platform now speaks for Văn phòng Chính phủ on A (the configuration changed),
    // and for Hạc Thành on B. Each serves the agency, but neither exchanged the package.
    let hub = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let hub_cert = pem_file(p._keys.path(), "hub.pem", &hub);
    let cert = hub_cert.clone();
    p.a.restart_with(|c| {
        c.exchange.peers = vec![peer("hub", "http://127.0.0.1:9", &[VPCP], cert)];
    })
    .await;
    let cert = hub_cert.clone();
    p.b.restart_with(|c| {
        c.exchange.peers = vec![peer("hub", "http://127.0.0.1:9", &["*.H56"], cert)];
    })
    .await;

    // A status and a recall answer about A's package, from the hub: refused, nothing changes.
    let mut done = status_of(VPCP, &hac_thanh, &document_id, EdStatus::Done);
    done.response_for.code = document_id.rsplit(',').next().unwrap().into();
    for code in [EdStatus::Done, EdStatus::RecallRefused] {
        let mut status = done.clone();
        status.status_code = code;
        let xml = status.to_signed_xml(&hub).unwrap();
        let (status, problem) = post(&p.a, &Signed::now("hub", &hub), &xml).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    }
    let seen = sender_view(&p.a, &p.clerk, &id).await["Exchange"].clone();
    assert_eq!(seen["StatusCode"], "03", "{seen}");
    assert_eq!(seen["Recall"], "requested", "{seen}");
    assert_eq!(
        p.a.count_where("audit_log", "action", "document.exchange_recall_answer")
            .await,
        0
    );
    assert_eq!(
        p.a.count_where("audit_log", "action", "document.exchange_status")
            .await,
        2,
        "01 and 03 only"
    );

    // A recall of the package from the hub on B: refused, no request, the copy untouched.
    let mut recall = status_of(&hac_thanh, &hac_thanh, &document_id, EdStatus::Recall);
    recall.from = organ(&hac_thanh, "UBND phường Hạc Thành");
    let xml = recall.to_signed_xml(&hub).unwrap();
    let (status, problem) = post(&p.b, &Signed::now("hub", &hub), &xml).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Không tìm thấy văn bản đến"),
        "{problem}"
    );
    assert_eq!(
        p.b.count("SELECT COUNT(*) FROM exchange_recall_requests")
            .await,
        0
    );
    let (_, copy) =
        p.b.api(
            "GET",
            &format!("/api/v1/documents/{incoming}"),
            Some(&p.b_clerk),
            None,
        )
        .await;
    assert_eq!(copy["State"], "registered", "{copy}");
    assert_eq!(
        p.b.count("SELECT COUNT(*) FROM exchange_messages WHERE peer = 'hub'")
            .await,
        0
    );
}

async fn overlapping_peers_are_refused_at_start(kind: Kind) {
    let keys = tempfile::tempdir().unwrap();
    let cert = pem_file(keys.path(), "vpcp.pem", &peer_key());
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _) = crate::common::fresh_database(kind, dir.path()).await;
    let mut config = crate::common::test_config(&database_url, dir.path());
    config.exchange.peers = vec![
        peer("vpcp", "http://127.0.0.1:9", &["*.G22"], cert.clone()),
        peer("hub", "http://127.0.0.1:9", &[VPCP], cert.clone()),
    ];
    let refused = tinhso::app::start(config.clone(), None)
        .await
        .err()
        .expect("overlapping peers are refused")
        .to_string();
    assert!(
        refused.contains("exchange peers vpcp and hub overlap")
            && refused.contains("*.G22")
            && refused.contains(VPCP),
        "{refused}"
    );
    // Distinct codes start.
    config.exchange.peers[0].organ_ids = vec!["*.G23".into()];
    tinhso::app::start(config, None).await.expect("app starts");
}
