//! Comments on a draft's versions during review (Decree 30/2020, Art. 10–13): the drafter, the
//! unit head, the form checker and the signer comment on a version while the draft is on its way
//! to signature; whoever reads the document reads them, with the document.

use crate::events;
use crate::policy::{DocumentAction, DocumentPolicy};
use crate::service::Who;
use crate::store::{self, processing};
use serde_json::json;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{NewEvent, emit};

/// The longest comment, in characters. Ours.
pub const MAX_COMMENT_CHARS: usize = 4_000;

/// Adds a comment on `version` of draft `id` (its latest when `None`); returns the comment's id.
pub async fn add(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    version: Option<i64>,
    body: &str,
) -> Result<String, AppError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::validation("Content", "Hãy nhập nội dung góp ý."));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::validation(
            "Content",
            "Góp ý dài tối đa 4000 ký tự.",
        ));
    }
    let mut tx = state.db.begin().await?;
    let d = store::for_update(&state.db, &mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    DocumentPolicy::decision(who.user, &d, DocumentAction::Comment).map_err(AppError::from)?;
    let latest = store::next_version(&mut tx, id).await? - 1;
    let version = version.unwrap_or(latest);
    if latest == 0 {
        return Err(AppError::validation(
            "Version",
            "Dự thảo chưa có phiên bản nào để góp ý.",
        ));
    }
    if !(1..=latest).contains(&version) {
        return Err(AppError::validation(
            "Version",
            format!("Dự thảo có các phiên bản từ 1 đến {latest}."),
        ));
    }
    let comment_id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    processing::insert_comment(&mut tx, &comment_id, id, version, &who.user.id, body, &now).await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "document.comment",
            entity_type: "document",
            entity_id: id,
            before: json!(null),
            after: json!({ "comment": comment_id, "version": version, "content": body }),
        },
    )
    .await?;
    emit(
        state,
        &mut tx,
        NewEvent {
            kind: &events::COMMENTED,
            aggregate_id: id,
            payload: json!({ "document_id": id, "comment_id": comment_id, "version": version }),
            actor: &who.actor,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(comment_id)
}
