//! Appendices in separate files (phụ lục, văn bản kèm theo; Decree 30/2020 Appendix I,
//! docs/signatures-design.md §3 "Appendices"): PDF files attached to an outgoing document beside
//! its versions. The drafter adds and removes them while the document is a draft, as they
//! upload its own file (`DocumentAction::EditAppendices`); each upload is checked as the
//! agency's signature will check it (a PDF the strict reader reads, not encrypted, not
//! certified against changes), so that an issue does not fail on it later. At an issue with the
//! agency's digital seal, the văn thư's step signs each appendix with the agency's certificate
//! (PAdES, B-LT when the status services answer) with a text stamp in the first page's top
//! right corner — the number and notation and the signing time, no image — in the issuing
//! transaction: one appendix that cannot be signed refuses the issue as a whole. The recipients
//! on the platform get the signed files with their copy, those of other platforms in the edXML
//! package (`exchange::deliver`), where the receiving side registers them as appendices
//! (`exchange::receive`) after checking their signatures on arrival.

use crate::Document;
use crate::policy::{DocumentAction, DocumentPolicy};
use crate::service::Who;
use crate::store::appendices::{self as store, Appendix, SignedFile};
use serde_json::{Value, json};
use sha2::Digest;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::files::IncomingFile;

/// Most appendices one document has.
pub const MAX_APPENDICES: usize = 20;
/// Most bytes a document's appendices take together: with its own 10 MB file, its edXML
/// package stays under the exchange's 64 MiB once in base64.
pub const MAX_TOTAL_BYTES: i64 = 30 * 1024 * 1024;
/// An appendix's title, as edXML's `Appendix` and `Description` (Text250) carry it.
pub const MAX_TITLE_CHARS: usize = 250;

/// The kinds an appendix may be: a PDF, which the agency signs at issue.
pub const ACCEPTED: &[tinhso_domain::attachment::FileKind] =
    &[tinhso_domain::attachment::FileKind::Pdf];

/// The title typed, trimmed; none when empty; 422 past [`MAX_TITLE_CHARS`].
pub fn clean_title(text: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_TITLE_CHARS || text.chars().any(char::is_control) {
        return Err(AppError::validation(
            "Title",
            "Tên phụ lục tối đa 250 ký tự, trên một dòng.",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Checks that `file` can be an appendix: a PDF (by its content) that the agency's signature
/// can be added to — read by the signer's strict reader off the async threads, on a thread of
/// its own that never lets a hostile file take the server down.
pub async fn check_file(file: &IncomingFile) -> Result<(), AppError> {
    if file.media_type != "application/pdf" {
        // The platform's own wording (`attachment::AttachmentError::NotAccepted`).
        return Err(AppError::validation(
            "file",
            format!("Tệp “{}” không phải {}.", file.file_name, "PDF"),
        ));
    }
    let bytes = file.bytes.clone();
    let checked = tokio::task::spawn_blocking(move || tinhso_pades::sign::check_signable(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    checked.map(|_| ()).map_err(|e| {
        AppError::validation(
            "file",
            format!(
                "Tệp “{}” không dùng được làm phụ lục vì cơ quan sẽ không ký số được khi ban hành: {}. Hãy xuất lại tệp PDF (không đặt mật khẩu) rồi tải lên lại.",
                file.file_name, e
            ),
        )
    })
}

/// Whether `user` may add or remove appendices of `d` now.
pub fn may_edit(user: &tinhso_kernel::auth::User, d: &Document) -> bool {
    DocumentPolicy::decision(user, d, DocumentAction::EditAppendices).is_ok()
}

/// Adds `file` (checked by [`check_file`] here) as the last appendix of document `id`, with its
/// `title`: stored first, then recorded under the document's lock with the policy decided
/// again, the count and total size checked, audited `document.appendix_add`; the stored file is
/// removed again when that fails.
pub async fn add(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    file: &IncomingFile,
    title: Option<&str>,
) -> Result<Appendix, AppError> {
    let title = clean_title(title)?;
    check_file(file).await?;
    let appendix_id = uuid::Uuid::now_v7().to_string();
    let storage_key = format!("documents/{id}/appendices/{appendix_id}");
    tinhso_kernel::storage::put(state.storage.as_ref(), &storage_key, file.bytes.clone())
        .await
        .map_err(AppError::Internal)?;
    let result = async {
        let mut tx = state.db.begin().await?;
        let d = crate::store::for_update(&state.db, &mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        DocumentPolicy::decision(who.user, &d, DocumentAction::EditAppendices)
            .map_err(AppError::from)?;
        let existing = store::list_in(&mut tx, id).await?;
        if existing.len() >= MAX_APPENDICES {
            return Err(AppError::validation(
                "file",
                format!("Mỗi văn bản có tối đa {MAX_APPENDICES} phụ lục."),
            ));
        }
        let total: i64 =
            existing.iter().map(|a| a.size_bytes).sum::<i64>() + file.bytes.len() as i64;
        if total > MAX_TOTAL_BYTES {
            return Err(AppError::validation(
                "file",
                "Tổng dung lượng các phụ lục của một văn bản tối đa 30 MB.",
            ));
        }
        let appendix = Appendix {
            id: appendix_id.clone(),
            document_id: id.to_owned(),
            position: store::next_position(&mut tx, id).await?,
            title: title.clone(),
            file_name: file.file_name.clone(),
            media_type: file.media_type.to_owned(),
            size_bytes: file.bytes.len() as i64,
            sha256: hex::encode(sha2::Sha256::digest(&file.bytes)),
            storage_key: storage_key.clone(),
            created_at: tinhso_kernel::time::now_text(),
            signed_file_name: None,
            signed_size_bytes: None,
            signed_sha256: None,
            signed_storage_key: None,
            signed_at: None,
            certificate_serial: None,
            arrival_result: None,
        };
        store::insert(&mut tx, &appendix, Some(&who.user.id), None).await?;
        audit::record(
            &state.db,
            &mut tx,
            &who.actor,
            Change {
                action: "document.appendix_add",
                entity_type: "document",
                entity_id: id,
                before: json!(null),
                after: json!({
                    "appendix": appendix.id,
                    "position": appendix.position,
                    "title": appendix.title,
                    "file_name": appendix.file_name,
                    "size_bytes": appendix.size_bytes,
                    "sha256": appendix.sha256,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(appendix)
    }
    .await;
    if result.is_err() {
        tinhso_kernel::storage::discard(state.storage.as_ref(), &[storage_key.as_str()]).await;
    }
    result
}

/// Removes appendix `appendix_id` of document `id` (the same people, while the same state),
/// audited `document.appendix_remove`; its file leaves the object store once that is recorded.
pub async fn remove(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    appendix_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let d = crate::store::for_update(&state.db, &mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    DocumentPolicy::decision(who.user, &d, DocumentAction::EditAppendices)
        .map_err(AppError::from)?;
    let appendix = store::list_in(&mut tx, id)
        .await?
        .into_iter()
        .find(|a| a.id == appendix_id)
        .ok_or(AppError::NotFound)?;
    if !store::delete(&mut tx, id, appendix_id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "document.appendix_remove",
            entity_type: "document",
            entity_id: id,
            before: json!({
                "appendix": appendix.id,
                "position": appendix.position,
                "title": appendix.title,
                "file_name": appendix.file_name,
                "sha256": appendix.sha256,
            }),
            after: json!(null),
        },
    )
    .await?;
    tx.commit().await?;
    // Before issue nothing else points to the file (copies are made at issue).
    tinhso_kernel::storage::discard(state.storage.as_ref(), &[appendix.storage_key.as_str()]).await;
    Ok(())
}

/// An appendix to sign at an issue with the seal, with its bytes (read before the issuing
/// transaction).
pub struct Planned {
    pub appendix: Appendix,
    pub pdf: bytes::Bytes,
}

/// The appendices of document `id` with their files, for [`seal`].
pub async fn plan(state: &Ctx, id: &str) -> Result<Vec<Planned>, AppError> {
    let mut out = Vec::new();
    for appendix in store::list(&state.db, id).await? {
        let pdf = tinhso_kernel::storage::get(state.storage.as_ref(), &appendix.storage_key)
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "appendix {} of {id}: its file is missing",
                    appendix.id
                ))
            })?;
        out.push(Planned { appendix, pdf });
    }
    Ok(out)
}

/// The signing time as the stamp shows it: ISO 8601, Vietnam time.
fn stamp_time() -> String {
    tinhso_kernel::time::local_now()
        .format("%Y-%m-%dT%H:%M:%S+07:00")
        .to_string()
}

/// A refusal of the agency's signature on `a`, saying which appendix and that nothing was
/// issued.
fn refused_on(a: &Appendix, e: AppError) -> AppError {
    match e {
        AppError::Conflict(message) => AppError::Conflict(format!(
            "Không ký số được phụ lục {} (“{}”): {}. Văn bản chưa được ban hành.",
            a.position,
            a.file_name,
            message.trim_end_matches('.')
        )),
        AppError::Validation(errors) => AppError::Conflict(format!(
            "Không ký số được phụ lục {} (“{}”): {}. Văn bản chưa được ban hành.",
            a.position,
            a.file_name,
            errors
                .iter()
                .map(|e| e.message.trim_end_matches('.'))
                .collect::<Vec<_>>()
                .join("; ")
        )),
        other => other,
    }
}

/// The agency's signature on each of `planned` (document `d`'s appendices, as read before the
/// issuing transaction), inside it once the number is known: they must still be the
/// appendices recorded; each is signed with the agency's certificate, its stamp in the first
/// page's top right corner (the number and notation, the signing time; no image), stored beside
/// the upload, its `signature.seal` row recorded in `tx`. Any failure fails the issue, and the
/// caller removes every key pushed on `stored`. Returns what `document.issue` records.
pub async fn seal(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    planned: &[Planned],
    number: &str,
    stored: &mut Vec<String>,
) -> Result<Vec<Value>, AppError> {
    let now: Vec<(String, String)> = store::list_in(tx, &d.id)
        .await?
        .into_iter()
        .map(|a| (a.id, a.sha256))
        .collect();
    let planned_ids: Vec<(String, String)> = planned
        .iter()
        .map(|p| (p.appendix.id.clone(), p.appendix.sha256.clone()))
        .collect();
    if now != planned_ids {
        return Err(AppError::Conflict(
            "Phụ lục của văn bản vừa thay đổi trong lúc đóng dấu số: hãy tải lại trang và ban hành lại.".into(),
        ));
    }
    let mut out = Vec::new();
    for p in planned {
        let a = &p.appendix;
        let signed = state
            .sign_pdf(tinhso_kernel::signing::SignRequest {
                signer: tinhso_kernel::signing::SignAs::Agency(d.agency_id.clone()),
                actor: who.actor.clone(),
                entity_type: "document",
                entity_id: d.id.clone(),
                pdf: p.pdf.clone(),
                reason: Some(format!(
                    "Ban hành phụ lục {} kèm theo văn bản số {number}",
                    a.position
                )),
                location: None,
                stamp: Some(tinhso_kernel::signing::StampRequest {
                    place: tinhso_kernel::signing::StampPlace::FirstPageTopRight,
                    lines: vec![number.to_owned(), stamp_time()],
                }),
            })
            .await
            .ok_or_else(|| AppError::Conflict("Nền tảng chưa bật chức năng ký số.".into()))?
            .map_err(|e| refused_on(a, e))?;
        let key = format!("documents/{}/appendices/{}.issued", d.id, a.id);
        let bytes = bytes::Bytes::from(signed.pdf.clone());
        tinhso_kernel::storage::put(state.storage.as_ref(), &key, bytes.clone())
            .await
            .map_err(AppError::Internal)?;
        stored.push(key.clone());
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        let file_name = crate::service::sealed_name(&a.file_name);
        store::set_signed(
            tx,
            &a.id,
            &SignedFile {
                file_name: &file_name,
                size_bytes: bytes.len() as i64,
                sha256: &sha256,
                storage_key: &key,
                signed_at: &tinhso_kernel::time::now_text(),
                certificate_serial: &signed.serial,
            },
        )
        .await?;
        signed.record_audit(&state.db, tx).await?;
        out.push(json!({
            "appendix": a.id,
            "position": a.position,
            "uploaded_sha256": a.sha256,
            "sha256": sha256,
            "certificate_serial": signed.serial,
        }));
    }
    Ok(out)
}

/// Copies document `from`'s appendices to `to` (a recipient's incoming copy, in the issuing
/// transaction): the files delivered (the signed ones when signed), pointed to, not copied.
pub async fn copy_to(
    tx: &mut tinhso_kernel::db::Conn,
    from: &str,
    to: &str,
    now: &str,
) -> Result<(), AppError> {
    for a in store::list_in(tx, from).await? {
        let served = a.served();
        let copy = Appendix {
            id: uuid::Uuid::now_v7().to_string(),
            document_id: to.to_owned(),
            position: a.position,
            title: a.title.clone(),
            file_name: served.file_name.to_owned(),
            media_type: a.media_type.clone(),
            size_bytes: served.size_bytes,
            sha256: served.sha256.to_owned(),
            storage_key: served.storage_key.to_owned(),
            created_at: now.to_owned(),
            signed_file_name: None,
            signed_size_bytes: None,
            signed_sha256: None,
            signed_storage_key: None,
            signed_at: a.signed_at.clone(),
            certificate_serial: a.certificate_serial.clone(),
            arrival_result: None,
        };
        store::insert(tx, &copy, None, None).await?;
    }
    Ok(())
}
