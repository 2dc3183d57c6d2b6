//! What each action does to a report beyond its new status: one function per action, called by
//! `service::apply` between the transition and the record (status, timeline, audit, event), in
//! the same transaction.

use crate::Report;
use crate::store;
use tinhso_domain::feedback::Status;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;
use tinhso_kernel::storage::StoredFile;

/// What an action's effect adds to its event.
pub(super) struct Effect {
    /// Facts of this action for the event's payload (`{}` when none).
    pub extra: serde_json::Value,
    /// The agency the report was handed to, when the action moved it.
    pub moved_to: Option<String>,
}

impl Effect {
    fn facts(extra: serde_json::Value) -> Self {
        Effect {
            extra,
            moved_to: None,
        }
    }

    fn none() -> Self {
        Effect::facts(serde_json::json!({}))
    }
}

/// A note of `min` to 5000 characters, or `message` on `field`.
fn needs_note(note: &str, min: usize, field: &str, message: &str) -> Result<(), AppError> {
    let length = note.chars().count();
    if length < min || length > 5000 {
        Err(AppError::validation(field, message))
    } else {
        Ok(())
    }
}

/// The coordinator hands the report to the agency named by its code.
pub(super) async fn assign(
    db: &Db,
    tx: &mut Conn,
    r: &Report,
    target_agency: Option<&str>,
) -> Result<Effect, AppError> {
    let code = target_agency.unwrap_or_default();
    let agency = tinhso_directory::find(db, code).await?.ok_or_else(|| {
        AppError::validation("target_agency", "Chọn cơ quan có trách nhiệm giải quyết.")
    })?;
    store::set_agency(tx, &r.id, &agency.id).await?;
    Ok(Effect {
        extra: serde_json::json!({ "previous_agency_id": r.agency_id, "agency_code": agency.code }),
        moved_to: Some(agency.id),
    })
}

/// The handling agency accepts the report: nothing beyond the status.
pub(super) fn accept() -> Effect {
    Effect::none()
}

/// The handling agency answers, with the files already put in the object store.
pub(super) async fn answer(
    tx: &mut Conn,
    r: &Report,
    note: &str,
    answered_by: Option<&str>,
    files: &[StoredFile],
) -> Result<Effect, AppError> {
    needs_note(note, 10, "answer", "Nội dung trả lời từ 10 đến 5000 ký tự.")?;
    store::set_answer(
        tx,
        &r.id,
        note,
        (
            &tinhso_kernel::time::now_text(),
            &tinhso_kernel::time::local_text(tinhso_kernel::time::local_now()),
        ),
        answered_by,
    )
    .await?;
    // A new answer (after a reopening) replaces the old one, files included; the old files stay
    // stored, out of the public page.
    store::supersede_answer_files(tx, &r.id).await?;
    record_answer_files(tx, &r.id, files).await?;
    Ok(Effect::facts(serde_json::json!({ "files": files.len() })))
}

async fn record_answer_files(
    tx: &mut Conn,
    report_id: &str,
    files: &[StoredFile],
) -> Result<(), AppError> {
    let at = tinhso_kernel::time::now_text();
    for f in files {
        store::insert_file(
            tx,
            &store::NewFile {
                id: &f.id,
                report_id,
                purpose: "answer",
                file_name: &f.file_name,
                media_type: &f.media_type,
                size_bytes: f.size_bytes,
                storage_key: &f.key,
                created_at: &at,
            },
        )
        .await?;
    }
    Ok(())
}

/// The agency says the report is not theirs to handle, with the reason.
pub(super) async fn reject(tx: &mut Conn, r: &Report, note: &str) -> Result<Effect, AppError> {
    needs_note(
        note,
        5,
        "note",
        "Vui lòng ghi rõ lý do không thuộc thẩm quyền.",
    )?;
    store::set_reject_reason(tx, &r.id, note).await?;
    Ok(Effect::none())
}

/// The reporter is not satisfied with the answer, and says why.
pub(super) async fn reopen(tx: &mut Conn, r: &Report, note: &str) -> Result<Effect, AppError> {
    needs_note(note, 5, "note", "Vui lòng cho biết vì sao chưa hài lòng.")?;
    store::set_reopened(tx, &r.id).await?;
    Ok(Effect::none())
}

/// The reporter rates the answer (1 to 4), with an optional comment.
pub(super) async fn rate(
    tx: &mut Conn,
    r: &Report,
    rating: Option<i64>,
    note: &str,
) -> Result<Effect, AppError> {
    let rating = rating
        .filter(|v| (1..=4).contains(v))
        .ok_or_else(|| AppError::validation("rating", "Chọn một mức đánh giá."))?;
    let comment = Some(note).filter(|n| !n.is_empty());
    store::set_rating(tx, &r.id, rating, comment).await?;
    Ok(Effect::facts(serde_json::json!({ "rating": rating })))
}

/// The report repeats another one still being handled: its followers follow the original.
pub(super) async fn mark_duplicate(
    db: &Db,
    tx: &mut Conn,
    r: &Report,
    duplicate_of: Option<&str>,
) -> Result<Effect, AppError> {
    let target = duplicate_of.map(str::trim).unwrap_or_default();
    let original = store::by_code(db, target)
        .await?
        .filter(|o| o.code != r.code && o.status != Status::Duplicate)
        .ok_or_else(|| {
            AppError::validation("duplicate_of", "Nhập mã một phản ánh khác đang được xử lý.")
        })?;
    store::set_duplicate_of(tx, &r.id, &original.code).await?;
    for email in store::followers(tx, &r.id).await? {
        store::follow(tx, &original.id, &email).await?;
    }
    Ok(Effect::facts(
        serde_json::json!({ "duplicate_of": original.code, "duplicate_of_id": original.id }),
    ))
}
