//! The agency's seal from a key the server does not hold (docs/signatures-design.md §4): the
//! agency's certificate on the document clerk's USB token (văn thư's token, PKCS#11 at the
//! desk) or at a remote-signing provider, where the clerk confirms on a phone.
//!
//! Issuing then waits for a signature made elsewhere, so it is done in two steps:
//!
//! 1. **"Ban hành" reserves the number** ([`start`]): the same checks as an issue with the
//!    server's key (the clerk may issue, the latest version carries the leader's valid
//!    signature, the metadata is complete), then the next number of the agency's register is
//!    taken and kept as a reservation (`doc_number_reservations`) in one transaction, so the
//!    sealed PDF can carry the number and notation. The seal's signed attributes are prepared
//!    over that numbered stamp and a signing session opened (kind `desk` or the provider's).
//! 2. **The signature completes the issue** ([`SEAL_SIGNED`]): in one transaction the
//!    reservation is used, the sealed file kept as the new version, the document issued on
//!    that number, its recipients delivered or queued for exchange, and everything audited.
//!
//! A number is never given to another document (Decree 30/2020 Art. 15). A session that ends
//! without a signature — refused on the phone, expired, failed ([`SEAL_ENDED`]), or cancelled
//! because the document was returned or signed again meanwhile ([`release_pending`]) — leaves
//! its number in the register's log as *not used*, with the reason (`document.number_unused`).
//! A reservation left pending past [`STALE_AFTER`] (a node that died between the steps) is
//! released the same way by the next issue.
//!
//! Appendices in separate files need one agency signature each: with a desk token or a phone
//! that would be one confirmation per file, which this slice does not offer yet, so such a
//! document is refused here with the reason (the server's key signs them all at once).

use crate::service::{self, Who};
use crate::store::{self, reservations::Reservation};
use crate::{Direction, Document};
use serde_json::json;
use tinhso_domain::official_doc::outgoing::{self, OutgoingAction, OutgoingState};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::signing::{
    DeskSignRequest, DeskStarted, RemoteSignRequest, RemoteSigned, RemoteStarted, SigningEnded,
};

/// Where the agency's key is: on the document clerk's USB token (its certificate as
/// `tinhso desk-sign --seal` read it), or at a remote-signing provider.
pub use tinhso_kernel::signing::KeyElsewhere as SealKey;

/// A seal that waits for its signature: what the desk tool signs, or the phone's session.
#[derive(Clone, Debug)]
pub enum SealStarted {
    Desk(DeskStarted),
    Remote(RemoteStarted),
}

impl SealStarted {
    pub fn session_id(&self) -> &str {
        match self {
            SealStarted::Desk(s) => &s.session_id,
            SealStarted::Remote(s) => &s.session_id,
        }
    }
}

/// The seal that came, handed to the issue: the reservation it was made for, the signing
/// module's completion and the sealed file.
pub(crate) struct SealedElsewhere {
    pub reservation_id: String,
    pub signed: RemoteSigned,
    pub pdf: bytes::Bytes,
}

/// How long a reservation may stay pending before the next issue releases it: twice a signing
/// session's five minutes.
pub const STALE_AFTER: chrono::Duration = chrono::Duration::minutes(10);

const APPENDICES: &str = "Văn bản có phụ lục trong tệp riêng: mỗi phụ lục cần chữ ký số của cơ quan, nên chưa đóng dấu số được bằng USB token hay ký số từ xa. Hãy ban hành với khóa của cơ quan trên máy chủ, hoặc đưa phụ lục vào cùng tệp văn bản.";
const CHANGED: &str =
    "Văn bản vừa thay đổi trong lúc đóng dấu số: hãy tải lại trang và ban hành lại.";
const GONE: &str = "Số đã giữ cho lần ban hành này không còn hiệu lực (phiên ký đã kết thúc hoặc văn bản đã chuyển bước): văn bản chưa được ban hành.";
const STALE: &str = "Phiên đóng dấu số không hoàn tất trong thời hạn.";

/// Starts the issue of `id` with the agency's seal from `key` (module docs, step 1): the
/// number reserved and the signing session opened. 404/403/409/422 as for an issue with the
/// server's key; nothing is reserved when the checks fail, and a reservation whose session
/// cannot start is released at once as not used.
pub async fn start(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    key: SealKey,
) -> Result<SealStarted, AppError> {
    let plan = service::plan_seal(state, who, id).await?;
    if !plan.appendices.is_empty() {
        return Err(AppError::Conflict(APPENDICES.into()));
    }
    // The key is checked before a number is taken: a wrong certificate or a provider that
    // holds none leaves no gap in the register.
    let d = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .check_signing_key(tinhso_kernel::signing::KeyCheck {
            signer: tinhso_kernel::signing::SignAs::Agency(d.agency_id.clone()),
            operator: who.user.id.clone(),
            key: key.clone(),
        })
        .await
        .unwrap_or_else(|| {
            Err(AppError::Conflict(
                "Nền tảng chưa bật chức năng ký số.".into(),
            ))
        })?;
    let (d, reservation) = reserve(state, who, id, &plan.latest).await?;
    let number = format!("{}/{}", reservation.code_number, reservation.code_notation);
    let day = reservation
        .issued_date
        .parse()
        .map_err(|e: chrono::ParseError| AppError::Internal(e.into()))?;
    let request = service::seal_request(who, &d, plan.pdf.clone(), &number, day);
    let title = format!("Đóng dấu số: {} — {}", number, d.subject.trim());
    let context = json!({ "reservation": reservation.id });
    let return_to = format!("/office/documents/{id}");
    let started = match key {
        SealKey::Desk { certificate } => state
            .start_desk_signing(DeskSignRequest {
                request,
                operator: who.user.id.clone(),
                certificate,
                title,
                completion: SEAL_SIGNED.name,
                ended: Some(SEAL_ENDED.name),
                context,
                return_to,
            })
            .await
            .map(|r| r.map(SealStarted::Desk)),
        SealKey::Remote { provider } => state
            .start_remote_signing(RemoteSignRequest {
                request,
                operator: who.user.id.clone(),
                provider,
                title,
                completion: SEAL_SIGNED.name,
                ended: Some(SEAL_ENDED.name),
                context,
                return_to,
            })
            .await
            .map(|r| r.map(SealStarted::Remote)),
    }
    .unwrap_or_else(|| {
        Err(AppError::Conflict(
            "Nền tảng chưa bật chức năng ký số.".into(),
        ))
    });
    match started {
        Ok(started) => {
            store::reservations::set_session(&state.db, &reservation.id, started.session_id())
                .await?;
            Ok(started)
        }
        Err(e) => {
            let reason = format!("Không bắt đầu được phiên đóng dấu số: {}", reason_of(&e));
            release_one(state, &who.actor, &reservation, &reason).await?;
            Err(e)
        }
    }
}

/// What people read of `e`: its message, or a system error's generic one.
fn reason_of(e: &AppError) -> String {
    match e {
        AppError::Conflict(m) => m.clone(),
        AppError::Validation(errors) => errors
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        _ => "lỗi của hệ thống.".into(),
    }
}

/// Step 1's transaction: on the locked row, `who` may issue `id` now, the latest version is
/// still `planned`, no other reservation is pending (one past [`STALE_AFTER`] is released),
/// and the next number is taken and kept as a pending reservation, audited
/// `document.number_reserve`.
async fn reserve(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    planned: &store::Version,
) -> Result<(Document, Reservation), AppError> {
    let mut tx = state.db.begin().await?;
    let d = store::for_update(&state.db, &mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.direction != Direction::Out {
        return Err(AppError::NotFound);
    }
    let role = service::issuer_role(who, &d)?;
    let from = d.outgoing_state().ok_or(AppError::NotFound)?;
    outgoing::transition(from, OutgoingAction::Issue, role)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let now = tinhso_kernel::time::now_text();
    if let Some(pending) = store::reservations::pending_in(&mut tx, id).await? {
        refuse_or_release(state, &mut tx, &who.actor, &pending, &now).await?;
    }
    let latest = store::versions_in(&mut tx, id).await?.pop();
    if latest.as_ref().map(|v| (v.version, v.sha256.as_str()))
        != Some((planned.version, planned.sha256.as_str()))
    {
        return Err(AppError::Conflict(CHANGED.into()));
    }
    let n = service::number_for(&mut tx, &d).await?;
    let reservation = Reservation {
        id: uuid::Uuid::now_v7().to_string(),
        document_id: id.to_owned(),
        agency_id: d.agency_id.clone(),
        sequence: n.sequence.clone(),
        year: n.year,
        number: n.number,
        code_number: n.doc_number.code_number(),
        code_notation: n.doc_number.code_notation(),
        issued_date: n.day.to_string(),
        version: planned.version,
        sha256: planned.sha256.clone(),
        state: "pending".into(),
        reason: None,
        session_id: None,
        created_at: now.clone(),
        ended_at: None,
    };
    store::reservations::insert(&mut tx, &reservation, &who.user.id).await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "document.number_reserve",
            entity_type: "document",
            entity_id: id,
            before: json!({ "state": from.as_str() }),
            after: json!({
                "reservation": reservation.id,
                "number": format!("{}/{}", reservation.code_number, reservation.code_notation),
                "register": { "sequence": reservation.sequence, "year": reservation.year, "number": reservation.number },
                "version": planned.version,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((d, reservation))
}

/// A pending reservation met by another issue: refused while its session may still bring the
/// seal, released as not used once past [`STALE_AFTER`].
async fn refuse_or_release(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    pending: &Reservation,
    now: &str,
) -> Result<(), AppError> {
    let stale = tinhso_kernel::time::parse(&pending.created_at)
        .is_none_or(|at| at + STALE_AFTER <= tinhso_kernel::time::now());
    if !stale {
        return Err(AppError::Conflict(format!(
            "Văn bản đang chờ đóng dấu số (USB token hoặc ký số từ xa) với số {}/{} đã giữ: hãy hoàn tất phiên ký đó, hoặc chờ phiên ký kết thúc rồi ban hành lại.",
            pending.code_number, pending.code_notation
        )));
    }
    release(state, tx, actor, pending, STALE, now).await
}

/// For [`service`]'s `act`: the pending reservation an issue goes ahead with. The completion
/// of a seal made elsewhere must find its own reservation still pending; any other issue
/// meets a pending one as [`refuse_or_release`] does. Other actions: none.
pub(crate) async fn reserved_for(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    action: OutgoingAction,
    sealing: service::Sealing<'_>,
    now: &str,
) -> Result<Option<Reservation>, AppError> {
    if action != OutgoingAction::Issue {
        return Ok(None);
    }
    let pending = store::reservations::pending_in(tx, &d.id).await?;
    match (sealing, pending) {
        (service::Sealing::Done(sealed), Some(r)) if r.id == sealed.reservation_id => Ok(Some(r)),
        (service::Sealing::Done(_), _) => Err(AppError::Conflict(GONE.into())),
        (_, Some(r)) => {
            refuse_or_release(state, tx, &who.actor, &r, now).await?;
            Ok(None)
        }
        (_, None) => Ok(None),
    }
}

/// Keeps the seal made elsewhere as the document's new version, in the issuing transaction
/// once the reserved number is set: the version sealed must still be the latest, the signing
/// module's audit row is recorded with it, and the reservation is used. Returns the version
/// and the agency certificate's serial.
pub(crate) async fn keep(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    sealed: &SealedElsewhere,
    stored: &mut Vec<String>,
) -> Result<(store::Version, String), AppError> {
    let r = store::reservations::by_id_in(tx, &sealed.reservation_id)
        .await?
        .ok_or_else(|| AppError::Conflict(GONE.into()))?;
    let latest = store::versions_in(tx, &d.id)
        .await?
        .pop()
        .filter(|v| v.version == r.version && v.sha256 == r.sha256)
        .ok_or_else(|| AppError::Conflict(CHANGED.into()))?;
    let file = tinhso_kernel::files::IncomingFile {
        field_key: "file".into(),
        file_name: service::sealed_name(&latest.file_name),
        media_type: "application/pdf",
        bytes: sealed.pdf.clone(),
    };
    let mut version = service::put(state, &d.id, &file).await?;
    stored.push(version.storage_key.clone());
    service::insert_next_version(tx, &d.id, &mut version, Some(&who.user.id)).await?;
    sealed
        .signed
        .record_audit(&state.db, tx, "document")
        .await?;
    let now = tinhso_kernel::time::now_text();
    if !store::reservations::end(tx, &r.id, "used", None, &now).await? {
        return Err(AppError::Conflict(GONE.into()));
    }
    Ok((version, sealed.signed.serial.clone()))
}

/// Ends reservation `r` as not used, with `reason`, audited `document.number_unused`.
async fn release(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    r: &Reservation,
    reason: &str,
    now: &str,
) -> Result<(), AppError> {
    if !store::reservations::end(tx, &r.id, "unused", Some(reason), now).await? {
        return Ok(());
    }
    audit::record(
        &state.db,
        tx,
        actor,
        Change {
            action: "document.number_unused",
            entity_type: "document",
            entity_id: &r.document_id,
            before: json!({ "reservation": r.id, "state": "pending" }),
            after: json!({
                "reservation": r.id,
                "number": format!("{}/{}", r.code_number, r.code_notation),
                "register": { "sequence": r.sequence, "year": r.year, "number": r.number },
                "session": r.session_id,
                "state": "unused",
                "reason": reason,
            }),
        },
    )
    .await
}

/// Releases reservation `r` in a transaction of its own, after the document's row lock.
async fn release_one(
    state: &Ctx,
    actor: &Actor,
    r: &Reservation,
    reason: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    store::for_update(&state.db, &mut tx, &r.document_id).await?;
    let now = tinhso_kernel::time::now_text();
    release(state, &mut tx, actor, r, reason, &now).await?;
    tx.commit().await?;
    Ok(())
}

/// Releases document `id`'s pending reservation as not used, in `tx` (its signing sessions
/// were just ended with `reason`: the document moved on).
pub(crate) async fn release_pending(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    if let Some(r) = store::reservations::pending_in(tx, id).await? {
        let now = tinhso_kernel::time::now_text();
        release(state, tx, actor, &r, reason, &now).await?;
    }
    Ok(())
}

/// The job kind the signatures module runs once the agency's seal came from the desk token or
/// the phone (module docs, step 2). An error as [`AppError`] ends the session failed with its
/// message, and [`SEAL_ENDED`] then releases the number.
pub static SEAL_SIGNED: tinhso_kernel::module::JobKind = tinhso_kernel::module::JobKind {
    name: "documents.seal_signed",
    run: |state, payload| Box::pin(seal_signed(state, payload)),
};

/// The job kind the signatures module runs when a seal's session ended without a signature
/// (refused, expired, failed): the reserved number is not used.
pub static SEAL_ENDED: tinhso_kernel::module::JobKind = tinhso_kernel::module::JobKind {
    name: "documents.seal_ended",
    run: |state, payload| Box::pin(seal_ended(state, payload)),
};

async fn seal_signed(state: &Ctx, payload: serde_json::Value) -> anyhow::Result<()> {
    let signed: RemoteSigned = serde_json::from_value(payload)?;
    let user = tinhso_kernel::auth::session::load_user(&state.db, &signed.user_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let who = Who {
        user: &user,
        actor: signed.actor(),
    };
    let reservation_id = signed.context["reservation"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("a seal session without its reservation"))?
        .to_owned();
    let pdf = tinhso_kernel::storage::get(state.storage.as_ref(), &signed.pdf_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the sealed file {} is gone", signed.pdf_key))?;
    let id = signed.entity_id.clone();
    let sealed = SealedElsewhere {
        reservation_id,
        signed,
        pdf,
    };
    let mut stored = Vec::new();
    let result = service::issue_sealed_elsewhere(state, &who, &id, &sealed, &mut stored).await;
    if result.is_err() {
        let keys: Vec<&str> = stored.iter().map(String::as_str).collect();
        tinhso_kernel::storage::discard(state.storage.as_ref(), &keys).await;
    }
    result?;
    Ok(())
}

async fn seal_ended(state: &Ctx, payload: serde_json::Value) -> anyhow::Result<()> {
    let ended: SigningEnded = serde_json::from_value(payload)?;
    let Some(reservation_id) = ended.context["reservation"].as_str() else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    store::for_update(&state.db, &mut tx, &ended.entity_id).await?;
    if let Some(r) = store::reservations::by_id_in(&mut tx, reservation_id).await? {
        let actor = Actor {
            label: "system:signatures".into(),
            ip: String::new(),
        };
        let now = tinhso_kernel::time::now_text();
        release(state, &mut tx, &actor, &r, &ended.reason, &now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether document `d`'s latest reservation waits for its seal (the page says so).
pub async fn waiting(state: &Ctx, d: &Document) -> Result<Option<Reservation>, AppError> {
    if d.outgoing_state() != Some(OutgoingState::Approved) {
        return Ok(None);
    }
    Ok(store::reservations::of_document(&state.db, &d.id)
        .await?
        .into_iter()
        .find(|r| r.state == "pending"))
}
