//! The edXML exchange (docs/signatures-design.md §7, slice 10) through HTTP, on both
//! databases: request authentication (unknown peer, bad signature, skew, replay: 401 before
//! anything is registered), a package registered once however often it comes, a tampered or
//! out-of-scope package refused with nothing registered; and two platforms peered with each
//! other's keys (one on SQLite, one on PostgreSQL, each served on a real socket): an issued
//! document goes out from the job queue, is registered on the other side, and the statuses 01
//! and 03 come back to the sender's recipient.

use crate::common::{Kind, TestApp, multipart, text};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tinhso_edxml::{
    Attachment, ManifestReference, Organ, OtherInfo, Package, SignerInfo, SigningKey, TraceHeader,
};
use tinhso_officialdocs::exchange::{self as ex, MESSAGES_PATH};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
/// The peer's agency (Văn phòng Chính phủ), not in the demo province.
const VPCP: &str = "000.00.00.G22";
/// Sở Tư pháp, in the demo province.
const STP: &str = "000.00.14.H56";

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::common::Kind::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(crate::common::Kind::Postgres).await;
                }
            }
        )*
    };
}

on_both!(
    requests_are_authenticated_before_anything_is_registered,
    a_package_is_registered_once_and_a_tampered_one_not_at_all,
    two_platforms_exchange_an_issued_document_and_its_statuses
);

fn peer_key() -> SigningKey {
    SigningKey::from_slice(&[7u8; 32]).unwrap()
}

fn pem_file(dir: &std::path::Path, name: &str, key: &SigningKey) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, ex::public_key_pem(key.verifying_key())).unwrap();
    path
}

fn peer(
    id: &str,
    base_url: &str,
    organ_ids: &[&str],
    cert: std::path::PathBuf,
) -> tinhso::config::PeerConfig {
    tinhso::config::PeerConfig {
        id: id.into(),
        base_url: base_url.into(),
        organ_ids: organ_ids.iter().map(|s| s.to_string()).collect(),
        cert_file: cert,
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

fn package(from: &str, subject: &str) -> Package {
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

struct Signed<'a> {
    peer: &'a str,
    key: &'a SigningKey,
    date: String,
    nonce: String,
}

impl Signed<'_> {
    fn now<'a>(peer: &'a str, key: &'a SigningKey) -> Signed<'a> {
        Signed {
            peer,
            key,
            date: chrono::Utc::now().to_rfc3339(),
            nonce: uuid::Uuid::now_v7().simple().to_string(),
        }
    }
}

async fn post(app: &TestApp, s: &Signed<'_>, body: &[u8]) -> (StatusCode, Value) {
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

async fn exchanged(app: &TestApp) -> i64 {
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
