//! Sending: the `exchange.deliver` job posts one package (an issued document to one outside
//! recipient) or one status message to a peer. The job queue leases and retries it with its
//! back-off; a 4xx answer other than 408/429 is final (the recipient row says `failed`).

use super::store;
use super::{HEADER_DATE, HEADER_NONCE, HEADER_PEER, HEADER_SIGNATURE, MESSAGES_PATH, Peer};
use crate::Document;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tinhso_edxml::{
    Attachment, ManifestReference, Organ, OtherInfo, Package, ResponseFor, SignerInfo, Status,
    StatusCode, TraceHeader,
};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::jobs::{self, Job};
use tinhso_kernel::module::{BoxFut, JobKind};

pub static DELIVER: JobKind = JobKind {
    name: "exchange.deliver",
    run,
};

/// What one delivery job sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// A job payload, built once per job and serialized at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Delivery {
    /// The issued document to one outside recipient (a `document_recipients` row).
    Package { recipient_id: String },
    /// A status about a package received from `peer`.
    Status {
        peer: String,
        /// Our agency that registered it.
        from_organ_id: String,
        from_name: String,
        /// The package's sender and identity.
        sender_organ_id: String,
        code: String,
        promulgation_date: String,
        document_id: String,
        status_code: String,
        /// Why (a refusal's reason), sent as the status's `Description`.
        #[serde(default)]
        description: Option<String>,
        /// The status's `Timestamp`, fixed when queued so that a retry is the same message
        /// (the receiver's dedupe key includes it); older jobs have none and take the time of
        /// sending.
        #[serde(default)]
        timestamp: Option<String>,
    },
}

/// Queues a delivery in the caller's transaction.
pub async fn enqueue(tx: &mut Conn, delivery: &Delivery) -> Result<(), AppError> {
    let payload = serde_json::to_value(delivery).map_err(|e| AppError::Internal(e.into()))?;
    jobs::enqueue(tx, &Job::of(&DELIVER, payload)).await?;
    Ok(())
}

/// `yyyy/MM/dd` from our `YYYY-MM-DD`.
fn edxml_date(date: &str) -> String {
    date.replace('-', "/")
}

/// The package's DocumentId: `OrganId,yyyy/MM/dd,CodeNumber/CodeNotation`.
pub fn document_id_of(d: &Document) -> Option<String> {
    Some(format!(
        "{},{},{}/{}",
        d.organ_id,
        edxml_date(d.issued_date.as_deref()?),
        d.code_number.as_deref()?,
        d.code_notation.as_deref()?
    ))
}

/// Queues the delivery of issued document `d` to each of its outside recipients whose code a
/// peer speaks for (called in the issuing transaction).
pub async fn queue_for_issued(
    state: &Ctx,
    tx: &mut Conn,
    d: &Document,
    now: &str,
) -> Result<usize, AppError> {
    let Some(document_id) = document_id_of(d) else {
        return Ok(0);
    };
    let mut queued = 0;
    for (recipient_id, code) in store::coded_outside_recipients(tx, &d.id).await? {
        if super::peer_for(state, &code).is_none() {
            continue;
        }
        store::queue_delivery(tx, &recipient_id, &document_id, now).await?;
        enqueue(tx, &Delivery::Package { recipient_id }).await?;
        queued += 1;
    }
    Ok(queued)
}

fn organ(code: &str, name: &str) -> anyhow::Result<Organ> {
    Ok(Organ {
        organ_id: code
            .parse()
            .map_err(|_| anyhow::anyhow!("bad agency code {code}"))?,
        organization_in_charge: None,
        organ_name: name.to_owned(),
        organ_add: None,
        email: None,
        telephone: None,
        fax: None,
        website: None,
    })
}

pub fn timestamp_now() -> String {
    tinhso_kernel::time::local_now()
        .format("%Y/%m/%d %H:%M:%S")
        .to_string()
}

/// The package of issued document `d` for recipient `to`: its first attachment the issued file,
/// then each appendix in a separate file (the agency-signed copy when it was issued with the
/// seal), named in `OtherInfo/Appendixes/Appendix` by its attachment name so that the receiver
/// registers it as an appendix (ContentId `cid:phu-luc-<n>`, its title as `Description`).
async fn package_of(
    state: &Ctx,
    d: &Document,
    to: &store::Outgoing,
    document_id: &str,
) -> anyhow::Result<Package> {
    let file = crate::store::versions(&state.db, &d.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("the issued document has no file"))?;
    let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), &file.storage_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the issued file is missing from the store"))?;
    let content_id = "cid:van-ban-1".to_owned();
    let name = file.file_name.clone();
    let mut references = vec![ManifestReference {
        content_id: content_id.clone(),
        content_type: file.media_type.clone(),
        description: None,
        attachment_name: name.clone(),
    }];
    let mut attachments = vec![Attachment {
        content_id,
        attachment_name: name,
        description: None,
        content_type: file.media_type,
        content: bytes.to_vec(),
    }];
    let mut appendixes = Vec::new();
    for a in crate::store::appendices::list(&state.db, &d.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        let served = a.served();
        let content = tinhso_kernel::storage::get(state.storage.as_ref(), served.storage_key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("appendix {} is missing from the store", a.id))?;
        let content_id = format!("cid:phu-luc-{}", a.position);
        references.push(ManifestReference {
            content_id: content_id.clone(),
            content_type: a.media_type.clone(),
            description: a.title.clone(),
            attachment_name: served.file_name.to_owned(),
        });
        attachments.push(Attachment {
            content_id,
            attachment_name: served.file_name.to_owned(),
            description: a.title.clone(),
            content_type: a.media_type.clone(),
            content: content.to_vec(),
        });
        appendixes.push(served.file_name.to_owned());
    }
    Ok(Package {
        from: organ(&d.organ_id, &d.organ_name)?,
        to: vec![organ(&to.organ_id, &to.name)?],
        document_id: document_id.to_owned(),
        code_number: d.code_number.clone().unwrap_or_default(),
        code_notation: d.code_notation.clone().unwrap_or_default(),
        place: d.organ_name.clone(),
        promulgation_date: edxml_date(d.issued_date.as_deref().unwrap_or_default()),
        document_type: "1".into(),
        type_detail: d.doc_type.ordinal().to_string(),
        type_name: d.doc_type.name_vi().to_owned(),
        subject: d.subject.clone(),
        content: None,
        signer: SignerInfo {
            // The schema wants a competence; a head signing in their own name has none, so
            // their position stands there (the receiver reads it back as no prefix).
            competence: d
                .authority_prefix
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| d.signer_position.clone()),
            position: d.signer_position.clone(),
            full_name: d.signer_full_name.clone(),
        },
        due_date: d.due_date.as_deref().map(edxml_date),
        other_info: OtherInfo {
            priority: d.urgency.edxml_priority(),
            page_amount: u32::try_from(d.page_amount).ok(),
            promulgation_amount: u32::try_from(d.issued_amount).ok(),
            appendixes,
            ..OtherInfo::default()
        },
        steering_type: None,
        to_places: vec![],
        response_for: None,
        trace_headers: vec![TraceHeader {
            organ_id: d
                .organ_id
                .parse()
                .map_err(|_| anyhow::anyhow!("bad issuer code"))?,
            timestamp: timestamp_now(),
        }],
        business: None,
        references,
        attachments,
    })
}

/// How a post ended.
pub enum Posted {
    Accepted,
    /// Refused for good (4xx other than 408/429), with the peer's detail.
    Refused(String),
}

/// Posts a signed message to `peer` with the request signature headers.
pub async fn post(state: &Ctx, peer: &Peer, body: Vec<u8>) -> anyhow::Result<Posted> {
    let key = super::own_key(state)?;
    let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let nonce = uuid::Uuid::now_v7().simple().to_string();
    let text = super::signing_string("POST", MESSAGES_PATH, &date, &nonce, &body);
    let signature = super::sign_request(&key, &text);
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .post(format!("{}{MESSAGES_PATH}", peer.base_url))
        .header(reqwest::header::CONTENT_TYPE, "application/xml")
        .header(HEADER_PEER, &state.config.exchange.id)
        .header(HEADER_DATE, date)
        .header(HEADER_NONCE, nonce)
        .header(HEADER_SIGNATURE, signature)
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    match status {
        200..=299 => Ok(Posted::Accepted),
        408 | 429 => anyhow::bail!("peer {} answered {status}, will retry", peer.id),
        400..=499 => {
            let detail = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("HTTP {status}"));
            Ok(Posted::Refused(detail))
        }
        _ => anyhow::bail!("peer {} answered {status}", peer.id),
    }
}

fn run(state: &Ctx, payload: serde_json::Value) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let delivery: Delivery = serde_json::from_value(payload)?;
        match delivery {
            Delivery::Package { recipient_id } => send_package(state, &recipient_id).await,
            Delivery::Status { .. } => send_status(state, delivery).await,
        }
    })
}

async fn send_package(state: &Ctx, recipient_id: &str) -> anyhow::Result<()> {
    let db_err = |e: AppError| anyhow::anyhow!("{e}");
    let Some(to) = store::outgoing(&state.db, recipient_id)
        .await
        .map_err(db_err)?
    else {
        return Ok(());
    };
    if to.exchange_state.as_deref() != Some("queued") {
        return Ok(());
    }
    let d = crate::store::by_id(&state.db, &to.document_id)
        .await
        .map_err(db_err)?
        .ok_or_else(|| anyhow::anyhow!("document {} is gone", to.document_id))?;
    let now = tinhso_kernel::time::now_text();
    let Some(peer) = super::peer_for(state, &to.organ_id) else {
        return finish(state, recipient_id, "failed", Some(NO_PEER), &now).await;
    };
    let document_id = to
        .exchange_document_id
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no DocumentId"))?;
    let package = package_of(state, &d, &to, &document_id).await?;
    // Its statuses and recall answers are taken from this peer only.
    store::set_peer(&state.db, recipient_id, &peer.id)
        .await
        .map_err(db_err)?;
    let key = super::own_key(state)?;
    let xml = match package.to_signed_xml(&key) {
        Ok(xml) => xml,
        Err(e) => return finish(state, recipient_id, "failed", Some(&e.to_string()), &now).await,
    };
    match post(state, &peer, xml).await? {
        Posted::Accepted => finish(state, recipient_id, "sent", None, &now).await,
        Posted::Refused(detail) => finish(state, recipient_id, "failed", Some(&detail), &now).await,
    }
}

const NO_PEER: &str = "Không còn nền tảng liên thông nào nhận văn bản cho cơ quan này.";

/// Records the outcome of posting the package to recipient `recipient_id`: `sent`, or `failed`
/// with `detail` (the sending clerks told). When a recall cancelled the delivery while the
/// package was on its way, a failure changes nothing (nothing reached the peer), and an
/// acceptance means the copy over there is live: it is asked back at once
/// ([`super::recall::reached_after_recall`]).
pub async fn finish(
    state: &Ctx,
    recipient_id: &str,
    outcome: &str,
    detail: Option<&str>,
    now: &str,
) -> anyhow::Result<()> {
    let db_err = |e: AppError| anyhow::anyhow!("{e}");
    let mut tx = state.db.begin().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let recorded = store::set_delivery(&mut tx, recipient_id, outcome, detail, now)
        .await
        .map_err(db_err)?;
    if !recorded {
        if outcome == "sent"
            && let Some(to) = store::outgoing(&state.db, recipient_id)
                .await
                .map_err(db_err)?
        {
            super::recall::reached_after_recall(state, &mut tx, &to, now)
                .await
                .map_err(db_err)?;
        }
    } else if outcome == "failed" {
        // Told to the sending clerks, who may send it again.
        let document_id = store::outgoing(&state.db, recipient_id)
            .await
            .map_err(db_err)?
            .map(|o| o.document_id)
            .unwrap_or_default();
        super::failures::record_failure(
            state,
            &mut tx,
            recipient_id,
            &document_id,
            detail.unwrap_or_default(),
        )
        .await
        .map_err(db_err)?;
    } else {
        tinhso_kernel::audit::record(
            &state.db,
            &mut tx,
            &tinhso_kernel::audit::Actor::system(),
            tinhso_kernel::audit::Change {
                action: "document.exchange_send",
                entity_type: "document_recipient",
                entity_id: recipient_id,
                before: json!(null),
                after: json!({ "state": outcome, "detail": detail }),
            },
        )
        .await
        .map_err(db_err)?;
    }
    tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

async fn send_status(state: &Ctx, delivery: Delivery) -> anyhow::Result<()> {
    let Delivery::Status {
        peer,
        from_organ_id,
        from_name,
        sender_organ_id,
        code,
        promulgation_date,
        document_id,
        status_code,
        description,
        timestamp,
    } = delivery
    else {
        return Ok(());
    };
    let Some(peer) = super::peer(state, &peer) else {
        tracing::warn!(peer, "status for an unknown peer dropped");
        return Ok(());
    };
    let status_code = StatusCode::from_code(&status_code)
        .ok_or_else(|| anyhow::anyhow!("bad status code {status_code}"))?;
    let status = Status {
        response_for: ResponseFor {
            organ_id: sender_organ_id
                .parse()
                .map_err(|_| anyhow::anyhow!("bad sender code"))?,
            code,
            promulgation_date,
            document_id,
        },
        from: organ(&from_organ_id, &from_name)?,
        status_code,
        description,
        timestamp: timestamp.unwrap_or_else(timestamp_now),
        staff_info: None,
    };
    let xml = status.to_signed_xml(&super::own_key(state)?)?;
    match post(state, &peer, xml).await? {
        Posted::Accepted => Ok(()),
        Posted::Refused(detail) => {
            tracing::warn!(peer = peer.id, detail, "status refused by the peer");
            Ok(())
        }
    }
}
