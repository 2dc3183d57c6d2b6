//! Receiving: `POST /exchange/v1/messages`. Authenticate the request (peer, date, nonce,
//! signature: 401 before the body is read for the first three) → parse and validate → XMLDSig
//! with the peer's configured key → the sender within the peer's `organ_ids` → one
//! transaction: the dedupe key, the registration of the package as an incoming document in
//! each addressed agency's register (`source = exchange`), the event, the audit row and the
//! statuses back (01, 03) → 202. Before it, the signatures of the package's PDF files are
//! checked ([`super::arrival`]): one that fails refuses the package (422, nothing registered);
//! the others' results are kept with each registered copy's files. A duplicate gets the first
//! answer (200); any failure is a 422 problem+json in Vietnamese and registers nothing. A
//! status updates the sender's recipient.

use super::deliver::{self, Delivery};
use super::store::{self, Received};
use super::{HEADER_DATE, HEADER_NONCE, HEADER_PEER, HEADER_SIGNATURE, MESSAGES_PATH, Peer};
use crate::store::{NewDocument, Version};
use crate::{Direction, events};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_domain::official_doc::{DocType, Urgency};
use tinhso_edxml::{EDXML_NS, Package, Status};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::{AppError, Problem};
use tinhso_kernel::events::{NewEvent, emit};
use tinhso_kernel::module::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("documents").post(MESSAGES_PATH, Access::Public, messages)
}

fn problem(status: StatusCode, slug: &str, detail: impl Into<String>) -> Response {
    Problem::new(status, slug, detail).into_response()
}

fn unauthorized(detail: &str) -> Response {
    problem(StatusCode::UNAUTHORIZED, "exchange-unauthorized", detail)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request's credentials, checked before the body is read.
struct Credentials {
    peer: Peer,
    date: String,
    nonce: String,
    signature: String,
}

async fn authenticate(state: &Ctx, headers: &HeaderMap) -> Result<Credentials, Response> {
    let (Some(peer), Some(date), Some(nonce), Some(signature)) = (
        header(headers, HEADER_PEER),
        header(headers, HEADER_DATE),
        header(headers, HEADER_NONCE),
        header(headers, HEADER_SIGNATURE),
    ) else {
        return Err(unauthorized(
            "Thiếu tiêu đề xác thực liên thông (Tinhso-Peer, Tinhso-Date, Tinhso-Nonce, Tinhso-Signature).",
        ));
    };
    let Some(peer) = super::peer(state, peer) else {
        return Err(unauthorized(
            "Nền tảng gửi không có trong danh sách liên thông.",
        ));
    };
    if !super::date_is_fresh(date, chrono::Utc::now()) {
        return Err(unauthorized(
            "Thời điểm của yêu cầu lệch quá 5 phút so với máy chủ.",
        ));
    }
    if !super::nonce_is_valid(nonce) {
        return Err(unauthorized("Mã dùng một lần (Tinhso-Nonce) không hợp lệ."));
    }
    match store::nonce_seen(&state.db, &peer.id, nonce).await {
        Ok(false) => {}
        Ok(true) => return Err(unauthorized("Yêu cầu bị phát lại.")),
        Err(e) => return Err(e.into_problem()),
    }
    Ok(Credentials {
        peer,
        date: date.to_owned(),
        nonce: nonce.to_owned(),
        signature: signature.to_owned(),
    })
}

async fn messages(State(state): State<Ctx>, headers: HeaderMap, body: Body) -> Response {
    let c = match authenticate(&state, &headers).await {
        Ok(c) => c,
        Err(response) => return response,
    };
    let limit = state.config.exchange.max_package_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return AppError::PayloadTooLarge.into_problem();
    };
    let text = super::signing_string("POST", MESSAGES_PATH, &c.date, &c.nonce, &bytes);
    if !super::request_signature_ok_any(&c.peer.keys, &text, &c.signature) {
        return unauthorized("Chữ ký của yêu cầu liên thông không hợp lệ.");
    }
    let now = tinhso_kernel::time::now();
    let cutoff =
        tinhso_kernel::time::to_text(now - chrono::Duration::seconds(super::NONCE_KEEP_SECONDS));
    match store::remember_nonce(
        &state.db,
        &c.peer.id,
        &c.nonce,
        &tinhso_kernel::time::to_text(now),
        &cutoff,
    )
    .await
    {
        Ok(true) => {}
        Ok(false) => return unauthorized("Yêu cầu bị phát lại."),
        Err(e) => return e.into_problem(),
    }
    match accept(&state, &c.peer, &bytes, limit).await {
        Ok((status, answer)) => (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            answer,
        )
            .into_response(),
        Err(Refused::Invalid(detail)) => {
            problem(StatusCode::UNPROCESSABLE_ENTITY, "exchange-refused", detail)
        }
        Err(Refused::Internal(e)) => e.into_problem(),
    }
}

enum Refused {
    Invalid(String),
    Internal(AppError),
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Internal(e.into())
    }
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Internal(e)
    }
}

fn invalid(detail: impl Into<String>) -> Refused {
    Refused::Invalid(detail.into())
}

/// Reads, checks and records one message: (200 or 202, the answer's JSON).
async fn accept(
    state: &Ctx,
    peer: &Peer,
    bytes: &[u8],
    limit: usize,
) -> Result<(StatusCode, String), Refused> {
    let root = tinhso_edxml::read_valid(bytes, limit).map_err(|e| invalid(e.to_string()))?;
    super::xml_signature_ok_any(&root, &peer.keys).map_err(|e| invalid(e.to_string()))?;
    let is_status = root
        .child(EDXML_NS, "edXMLHeader")
        .and_then(|h| h.child(EDXML_NS, "Status"))
        .is_some();
    if is_status {
        let status = Status::from_valid(&root).map_err(|e| invalid(e.to_string()))?;
        accept_status(state, peer, &status).await
    } else {
        let package = Package::from_valid(&root).map_err(|e| invalid(e.to_string()))?;
        accept_package(state, peer, &package, bytes).await
    }
}

fn check_sender(peer: &Peer, code: &str) -> Result<(), Refused> {
    if peer.serves(code) {
        Ok(())
    } else {
        Err(invalid(format!(
            "Cơ quan gửi {code} không thuộc các cơ quan nền tảng {} được gửi thay.",
            peer.id
        )))
    }
}

/// `yyyy/MM/dd` → `YYYY-MM-DD`.
fn our_date(date: &str) -> String {
    date.replace('/', "-")
}

async fn accept_package(
    state: &Ctx,
    peer: &Peer,
    p: &Package,
    bytes: &[u8],
) -> Result<(StatusCode, String), Refused> {
    let sender = p.from.organ_id.to_string();
    check_sender(peer, &sender)?;
    // The addressed agencies that are ours.
    let mut agencies = Vec::new();
    for to in &p.to {
        if let Some(agency) = tinhso_directory::find(&state.db, &to.organ_id.to_string()).await? {
            agencies.push((agency, to.organ_id.to_string()));
        }
    }
    if agencies.is_empty() {
        return Err(invalid(
            "Không có cơ quan nhận nào của gói văn bản trên nền tảng này.",
        ));
    }
    let doc_type = p
        .type_detail
        .parse::<u8>()
        .ok()
        .and_then(|n| DocType::ALL.into_iter().find(|t| t.ordinal() == n))
        .or_else(|| DocType::from_name_vi(&p.type_name))
        .ok_or_else(|| invalid(format!("Loại văn bản “{}” không được hỗ trợ.", p.type_name)))?;
    let urgency = Urgency::from_edxml_priority(p.other_info.priority).unwrap_or(Urgency::Normal);
    let business = p.business.as_ref().map_or(0, |b| b.doc_type);
    let dedupe_key = format!(
        "package|{sender}|{}|{business}|{}",
        p.document_id,
        hex::encode(Sha256::digest(bytes))
    );
    // A copy delivered again (a retry after a lost answer) gets the first answer, unchecked again.
    {
        let mut tx = state.db.begin().await?;
        if let Some(answer) = store::answer_for(&mut tx, &dedupe_key).await? {
            return Ok((StatusCode::OK, answer));
        }
    }
    // The PDF files' signatures, checked before anything is stored or registered.
    let attachments: Vec<(&str, &str, &[u8])> = p
        .attachments
        .iter()
        .map(|a| {
            (
                a.attachment_name.as_str(),
                a.content_type.as_str(),
                a.content.as_slice(),
            )
        })
        .collect();
    let checks = match super::arrival::check(state, &attachments).await? {
        super::arrival::Verdict::Register(checks) => checks,
        super::arrival::Verdict::Refuse(why) => {
            tracing::warn!(peer = %peer.id, from = %sender, document = %p.document_id, "exchange: package refused on its signatures");
            return Err(invalid(why));
        }
    };
    // The attachments go to the object store before the transaction (removed if it fails).
    let appendix = appendix_flags(p);
    let mut files = Vec::new();
    for a in &p.attachments {
        let id = uuid::Uuid::now_v7().to_string();
        let storage_key = format!("documents/exchange/{id}");
        tinhso_kernel::storage::put(
            state.storage.as_ref(),
            &storage_key,
            bytes::Bytes::from(a.content.clone()),
        )
        .await
        .map_err(AppError::Internal)?;
        files.push(Version {
            id,
            version: 0,
            file_name: a.attachment_name.clone(),
            media_type: a.content_type.clone(),
            size_bytes: a.content.len() as i64,
            sha256: hex::encode(Sha256::digest(&a.content)),
            storage_key,
            created_at: String::new(),
        });
    }
    let outcome = register(
        state,
        peer,
        p,
        &agencies,
        doc_type,
        urgency,
        &dedupe_key,
        (&files, &appendix),
        &checks,
    )
    .await;
    if !matches!(outcome, Ok((StatusCode::ACCEPTED, _))) {
        let keys: Vec<&str> = files.iter().map(|f| f.storage_key.as_str()).collect();
        tinhso_kernel::storage::discard(state.storage.as_ref(), &keys).await;
    }
    outcome
}

/// Which of `p`'s attachments are appendices in separate files: those after the first (the
/// document itself) that `OtherInfo/Appendixes/Appendix` names by their attachment name, as
/// our packages do (`deliver::package_of`). The others are the document's versions.
pub fn appendix_flags(p: &Package) -> Vec<bool> {
    p.attachments
        .iter()
        .enumerate()
        .map(|(n, a)| {
            n > 0
                && p.other_info
                    .appendixes
                    .iter()
                    .any(|name| name.trim() == a.attachment_name.trim())
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn register(
    state: &Ctx,
    peer: &Peer,
    p: &Package,
    agencies: &[(tinhso_directory::Agency, String)],
    doc_type: DocType,
    urgency: Urgency,
    dedupe_key: &str,
    (files, appendix): (&[Version], &[bool]),
    checks: &[(usize, super::arrival::ArrivalFile)],
) -> Result<(StatusCode, String), Refused> {
    let sender = p.from.organ_id.to_string();
    let now = tinhso_kernel::time::now_text();
    let today = tinhso_kernel::time::local_now().date();
    let year = i64::from(chrono::Datelike::year(&today));
    let arrival_date = today.to_string();
    let issued_date = our_date(&p.promulgation_date);
    let due_date = p.due_date.as_deref().map(our_date);
    let folded = tinhso_domain::text::fold(&p.subject);
    let duplicate = format!(
        "{}|{}/{}|{}",
        sender, p.code_number, p.code_notation, issued_date
    );
    let mut tx = state.db.begin().await?;
    if let Some(answer) = store::answer_for(&mut tx, dedupe_key).await? {
        return Ok((StatusCode::OK, answer));
    }
    let mut registered = Vec::new();
    for (agency, code) in agencies {
        let incoming_id = uuid::Uuid::now_v7().to_string();
        let arrival =
            crate::store::take_number(&mut tx, &agency.id, Direction::In, "arrival", year).await?;
        crate::store::insert_document(
            &mut tx,
            &NewDocument {
                id: &incoming_id,
                agency_id: &agency.id,
                direction: Direction::In,
                state: IncomingState::Registered.as_str(),
                doc_type: doc_type.as_str(),
                urgency: urgency.as_str(),
                subject: &p.subject,
                subject_folded: &folded,
                drafting_unit_id: None,
                drafter_id: None,
                signer_position: &p.signer.position,
                signer_full_name: &p.signer.full_name,
                authority_prefix: Some(p.signer.competence.as_str())
                    .filter(|c| !c.is_empty() && *c != p.signer.position),
                page_amount: i64::from(p.other_info.page_amount.unwrap_or(1)),
                issued_amount: i64::from(p.other_info.promulgation_amount.unwrap_or(1)),
                description: p.content.as_deref().unwrap_or_default(),
                due_date: due_date.as_deref(),
                code_number: Some(&p.code_number),
                code_notation: Some(&p.code_notation),
                issued_date: Some(&issued_date),
                organ_id: &sender,
                organ_name: &p.from.organ_name,
                register: Some(("arrival", year, arrival)),
                arrival_date: Some(&arrival_date),
                source: Some("exchange"),
                origin_id: None,
                duplicate_key: Some(&duplicate),
                created_by: None,
                now: &now,
            },
        )
        .await?;
        let (mut version, mut position) = (0, 0);
        for (n, f) in files.iter().enumerate() {
            let check = checks.iter().find(|(i, _)| *i == n).map(|(_, c)| c);
            if appendix.get(n).copied().unwrap_or(false) {
                // An appendix, with its signature check as seen on arrival.
                position += 1;
                let result = check
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| AppError::Internal(e.into()))?;
                let copy = crate::store::appendices::Appendix {
                    id: uuid::Uuid::now_v7().to_string(),
                    document_id: incoming_id.clone(),
                    position,
                    title: p.attachments[n]
                        .description
                        .clone()
                        .filter(|t| !t.trim().is_empty()),
                    file_name: f.file_name.clone(),
                    media_type: f.media_type.clone(),
                    size_bytes: f.size_bytes,
                    sha256: f.sha256.clone(),
                    storage_key: f.storage_key.clone(),
                    created_at: now.clone(),
                    signed_file_name: None,
                    signed_size_bytes: None,
                    signed_sha256: None,
                    signed_storage_key: None,
                    signed_at: None,
                    certificate_serial: None,
                    arrival_result: result,
                };
                crate::store::appendices::insert(
                    &mut tx,
                    &copy,
                    None,
                    check.map(|c| c.indication.as_str()),
                )
                .await?;
                continue;
            }
            version += 1;
            let copy = Version {
                id: uuid::Uuid::now_v7().to_string(),
                version,
                created_at: now.clone(),
                ..f.clone()
            };
            crate::store::insert_version(&mut tx, &incoming_id, &copy, None).await?;
            if let Some(check) = check {
                super::arrival::insert(&mut tx, &incoming_id, &copy.id, check).await?;
            }
        }
        emit(
            state,
            &mut tx,
            NewEvent {
                kind: &events::RECEIVED,
                aggregate_id: &incoming_id,
                payload: json!({
                    "document_id": incoming_id,
                    "agency_id": agency.id,
                    "origin_id": null,
                    "source": "exchange",
                    "arrival_number": arrival,
                    "arrival_year": year,
                }),
                actor: &Actor::system(),
            },
        )
        .await?;
        audit::record(
            &state.db,
            &mut tx,
            &Actor {
                label: format!("exchange:{}", peer.id),
                ip: String::new(),
            },
            Change {
                action: "document.exchange_receive",
                entity_type: "document",
                entity_id: &incoming_id,
                before: json!(null),
                after: json!({
                    "peer": peer.id,
                    "from": sender,
                    "document_id": p.document_id,
                    "agency": code,
                    "arrival_number": arrival,
                    "signatures": checks.iter().map(|(_, c)| json!({
                        "file": c.file_name,
                        "indication": c.indication,
                    })).collect::<Vec<_>>(),
                    "appendices": appendix.iter().filter(|a| **a).count(),
                }),
            },
        )
        .await?;
        for status_code in ["01", "03"] {
            deliver::enqueue(
                &mut tx,
                &Delivery::Status {
                    peer: peer.id.clone(),
                    from_organ_id: code.clone(),
                    from_name: agency.name.clone(),
                    sender_organ_id: sender.clone(),
                    code: format!("{}/{}", p.code_number, p.code_notation),
                    promulgation_date: p.promulgation_date.clone(),
                    document_id: p.document_id.clone(),
                    status_code: status_code.to_owned(),
                    description: None,
                    timestamp: Some(deliver::timestamp_now()),
                },
            )
            .await?;
        }
        registered
            .push(json!({"DocumentId": incoming_id, "OrganId": code, "ArrivalNumber": arrival}));
    }
    let answer = json!({ "Status": "registered", "Registered": registered }).to_string();
    let fresh = store::insert_message(
        &mut tx,
        &Received {
            dedupe_key,
            peer: &peer.id,
            kind: "package",
            from_organ_id: &sender,
            document_id: &p.document_id,
            answer: &answer,
            now: &now,
        },
    )
    .await?;
    if !fresh {
        // A concurrent copy won: answer as it did, keep nothing of ours.
        drop(tx);
        let mut tx = state.db.begin().await?;
        let first = store::answer_for(&mut tx, dedupe_key)
            .await?
            .unwrap_or(answer);
        return Ok((StatusCode::OK, first));
    }
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, answer))
}

async fn accept_status(
    state: &Ctx,
    peer: &Peer,
    s: &Status,
) -> Result<(StatusCode, String), Refused> {
    let from = s.from.organ_id.to_string();
    check_sender(peer, &from)?;
    let code = s.status_code.code();
    let dedupe_key = format!(
        "status|{from}|{}|{code}|{}",
        s.response_for.document_id, s.timestamp
    );
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    if let Some(answer) = store::answer_for(&mut tx, &dedupe_key).await? {
        return Ok((StatusCode::OK, answer));
    }
    let actor = Actor {
        label: format!("exchange:{}", peer.id),
        ip: String::new(),
    };
    let answer = match code {
        "13" => recall_copies(state, &mut tx, &actor, &peer.id, s, &from, &now).await?,
        "15" | "16" => recall_answered(state, &mut tx, &actor, &peer.id, s, &from, &now).await?,
        _ => processing_status(state, &mut tx, &actor, &peer.id, s, &from, &now).await?,
    };
    store::insert_message(
        &mut tx,
        &Received {
            dedupe_key: &dedupe_key,
            peer: &peer.id,
            kind: "status",
            from_organ_id: &from,
            document_id: &s.response_for.document_id,
            answer: &answer,
            now: &now,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok((StatusCode::ACCEPTED, answer))
}

/// A recipient's processing status (01–06) on the package we sent it.
async fn processing_status(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    peer: &str,
    s: &Status,
    from: &str,
    now: &str,
) -> Result<String, Refused> {
    let code = s.status_code.code();
    let rows = store::apply_status(
        tx,
        &s.response_for.document_id,
        from,
        peer,
        code,
        s.description.as_deref(),
        now,
    )
    .await?;
    if rows.is_empty() {
        return Err(invalid(
            "Không tìm thấy văn bản đã gửi cho cơ quan này ứng với thông điệp trạng thái.",
        ));
    }
    for (recipient_id, document_id) in &rows {
        audit::record(
            &state.db,
            tx,
            actor,
            Change {
                action: "document.exchange_status",
                entity_type: "document",
                entity_id: document_id,
                before: json!(null),
                after: json!({
                    "recipient": recipient_id,
                    "from": from,
                    "status": code,
                    "description": s.description,
                }),
            },
        )
        .await?;
    }
    Ok(json!({ "Status": "accepted", "StatusCode": code }).to_string())
}

/// The sender recalls (13) the package it sent us, through the peer that delivered it: each
/// copy registered from it gets a recall request for its agency's document clerk
/// ([`super::answer`]); a copy withdrawn already is answered 15 again, one returned to its
/// sender 16 with why. A repeated 13 finds the request: still pending, nothing is sent; decided,
/// the decision is sent again.
async fn recall_copies(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    peer: &str,
    s: &Status,
    from: &str,
    now: &str,
) -> Result<String, Refused> {
    let unknown = || {
        invalid(format!(
            "Không tìm thấy văn bản đến nhận qua liên thông từ cơ quan {from} ứng với đề nghị thu hồi {}.",
            s.response_for.document_id
        ))
    };
    if s.response_for.organ_id.to_string() != from {
        return Err(invalid(
            "Chỉ cơ quan ban hành văn bản mới được đề nghị thu hồi văn bản đó.",
        ));
    }
    let (organ, date, number, notation) =
        super::parse_document_id(&s.response_for.document_id).ok_or_else(unknown)?;
    if organ != from {
        return Err(unknown());
    }
    // Only the platform that delivered the package may recall it.
    if !store::package_from_peer(tx, peer, &s.response_for.document_id).await? {
        return Err(unknown());
    }
    let copies = store::exchanged_copies(&state.db, tx, &organ, &date, &number, &notation).await?;
    if copies.is_empty() {
        return Err(unknown());
    }
    let (mut pending, mut recalled, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for (id, _) in copies {
        let Some(d) = crate::store::for_update(&state.db, tx, &id).await? else {
            continue;
        };
        let crate::State::In(current) = d.state else {
            continue;
        };
        let (answer, reason) = match super::recall_outcome(current) {
            super::RecallOutcome::AskClerk => {
                let request = store::RecallRequest {
                    document_id: id.clone(),
                    agency_id: d.agency_id.clone(),
                    peer: peer.to_owned(),
                    from_organ_id: from.to_owned(),
                    exchange_document_id: s.response_for.document_id.clone(),
                    description: s.description.clone(),
                    state: "pending".into(),
                    reason: None,
                    requested_at: now.to_owned(),
                    decided_by: None,
                    decided_at: None,
                };
                if store::insert_recall_request(tx, &request).await? {
                    audit::record(
                        &state.db,
                        tx,
                        actor,
                        Change {
                            action: "document.exchange_recall_request",
                            entity_type: "document",
                            entity_id: &id,
                            before: json!(null),
                            after: json!({
                                "recall_request": "pending",
                                "from": from,
                                "description": s.description,
                            }),
                        },
                    )
                    .await?;
                    super::answer::tell_clerks(state, tx, &d, s.description.as_deref()).await?;
                    pending.push(id.clone());
                    continue;
                }
                // Asked before: pending still (nothing to send), or decided (said again).
                match store::recall_request_in(tx, &id).await? {
                    Some(r) if r.state == "refused" => {
                        refused.push(id.clone());
                        ("16", r.reason)
                    }
                    Some(r) if r.state == "accepted" => {
                        recalled.push(id.clone());
                        ("15", None)
                    }
                    _ => {
                        pending.push(id.clone());
                        continue;
                    }
                }
            }
            super::RecallOutcome::AlreadyRecalled => {
                recalled.push(id.clone());
                ("15", None)
            }
            super::RecallOutcome::Refuse(reason) => {
                refused.push(id.clone());
                ("16", Some(reason.to_owned()))
            }
        };
        super::statuses::queue_via(state, tx, &d, Some(peer), answer, reason.as_deref()).await?;
    }
    Ok(json!({
        "Status": "accepted",
        "StatusCode": "13",
        "Pending": pending,
        "Recalled": recalled,
        "Refused": refused,
    })
    .to_string())
}

/// A recipient answers our recall: 15 withdrawn, 16 refused (with why).
async fn recall_answered(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    peer: &str,
    s: &Status,
    from: &str,
    now: &str,
) -> Result<String, Refused> {
    let code = s.status_code.code();
    let recall = super::recall_state_of(code).unwrap_or("refused");
    let rows = store::apply_recall_answer(
        tx,
        &s.response_for.document_id,
        from,
        peer,
        recall,
        s.description.as_deref(),
        now,
    )
    .await?;
    if rows.is_empty() {
        return Err(invalid(
            "Không có đề nghị thu hồi nào gửi cơ quan này ứng với thông điệp trả lời.",
        ));
    }
    for (recipient_id, document_id) in &rows {
        audit::record(
            &state.db,
            tx,
            actor,
            Change {
                action: "document.exchange_recall_answer",
                entity_type: "document",
                entity_id: document_id,
                before: json!(null),
                after: json!({
                    "recipient": recipient_id,
                    "from": from,
                    "recall": recall,
                    "description": s.description,
                }),
            },
        )
        .await?;
    }
    Ok(json!({ "Status": "accepted", "StatusCode": code }).to_string())
}
