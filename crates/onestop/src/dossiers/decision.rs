//! A dossier's result issued as an official document (issue 14 §8): the specialist drafts the
//! decision in the documents module naming the dossier (`DossierCode`); the documents module
//! checks the reference here (`REFERENCE`) and, once the clerk has numbered and issued it,
//! its `document.issued` event carries the dossier's code and the issued file, which
//! `ATTACH_DECISION` attaches to the dossier as its result. Neither module writes the other's
//! tables, nor depends on its crate.

use super::{Dossier, store};
use serde::Deserialize;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::dossier::{DossierCode, DossierState};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::User;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{BoxFut, Event, HandlerError, Subscription};
use tinhso_kernel::module::{Reference, Referenced, Resolved};

/// Dossiers, referred to by their national code.
pub const REFERENCE: Reference = Reference {
    kind: "dossier",
    resolve: |ctx, user, code| Box::pin(resolve(ctx, user, code)),
};

/// Attaches an issued decision to the dossier it names.
pub const ATTACH_DECISION: Subscription = Subscription::new(
    "onestop.attach_decision",
    &["document.issued"],
    attach_decision,
);

const NOT_FOUND: &str =
    "Không có hồ sơ nào với mã này trong các hồ sơ cơ quan bạn đang giải quyết.";

/// The dossier `code` if `user` is an official of the agency holding it and its result is
/// still to come (being processed, or approved and waiting for the result).
async fn resolve(ctx: &Ctx, user: &User, code: &str) -> Result<Resolved, AppError> {
    let Ok(code) = code.trim().parse::<DossierCode>() else {
        return Ok(Resolved::Refused(
            "Mã hồ sơ không đúng dạng (ví dụ 000.00.20.H56-261128-0001).".into(),
        ));
    };
    let Some(d) = store::by_code(&ctx.db, &code).await? else {
        return Ok(Resolved::Refused(NOT_FOUND.into()));
    };
    if !(user.is_official() && user.agency_id.as_deref() == Some(d.agency_id.as_str())) {
        return Ok(Resolved::Refused(NOT_FOUND.into()));
    }
    if !awaits_result(&d) {
        return Ok(Resolved::Refused(format!(
            "Hồ sơ {code} không còn chờ kết quả giải quyết."
        )));
    }
    Ok(Resolved::Found(Referenced {
        id: code.to_string(),
        label: format!("Hồ sơ {code} — {}", d.procedure_name),
        title: d.procedure_name.clone(),
        agency_id: d.agency_id,
    }))
}

/// Whether a decision may still become the dossier's result.
fn awaits_result(d: &Dossier) -> bool {
    matches!(d.state, DossierState::InProgress | DossierState::Approved)
}

/// The part of `document.issued` read here (documented in the documents module's `events`).
#[derive(Deserialize)]
struct Issued {
    document_id: String,
    agency_id: String,
    code_notation: String,
    #[serde(default)]
    dossier_code: Option<String>,
    #[serde(default)]
    file: Option<IssuedFile>,
}

#[derive(Deserialize)]
struct IssuedFile {
    storage_key: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
}

fn attach_decision<'a>(
    ctx: &'a Ctx,
    tx: &'a mut Conn,
    e: &'a Event,
) -> BoxFut<'a, Result<(), HandlerError>> {
    Box::pin(async move {
        if e.version != 1 {
            return Err(HandlerError::Poison(anyhow::anyhow!(
                "{} payload version {} is not known",
                e.kind,
                e.version
            )));
        }
        let issued: Issued = serde_json::from_value(e.payload.clone())
            .map_err(|err| HandlerError::Poison(err.into()))?;
        let (Some(code), Some(file)) = (issued.dossier_code.as_deref(), issued.file.as_ref())
        else {
            return Ok(());
        };
        let code: DossierCode = code
            .parse()
            .map_err(|_| HandlerError::Poison(anyhow::anyhow!("bad dossier code {code}")))?;
        let Some(d) = store::by_code_in(tx, &code).await? else {
            tracing::warn!(%code, document = %issued.document_id, "the decision names no dossier");
            return Ok(());
        };
        if !issued_by_holder(ctx, &d, &issued.agency_id).await? || !awaits_result(&d) {
            tracing::warn!(%code, document = %issued.document_id, state = %d.state.as_str(),
                "the decision was not attached: the dossier is held elsewhere or finished");
            return Ok(());
        }
        if store::has_file_at(tx, &d.id, &file.storage_key).await? {
            return Ok(()); // delivered again
        }
        attach(ctx, tx, e, &d, &issued, file).await?;
        Ok(())
    })
}

/// The decision's issuer is the agency holding the dossier, or the one it belongs to (a
/// commune's dossier decided by its people's committee, a department's by the department).
async fn issued_by_holder(ctx: &Ctx, d: &Dossier, issuer_id: &str) -> Result<bool, AppError> {
    if d.agency_id == issuer_id {
        return Ok(true);
    }
    let holder = tinhso_directory::store::by_id(&ctx.db, &d.agency_id).await?;
    Ok(holder.and_then(|a| a.parent_id).as_deref() == Some(issuer_id))
}

/// Records the issued file as the dossier's result: the same stored object, nothing copied
/// (an issued document's file never changes).
async fn attach(
    ctx: &Ctx,
    tx: &mut Conn,
    e: &Event,
    d: &Dossier,
    issued: &Issued,
    file: &IssuedFile,
) -> Result<(), AppError> {
    let row = store::StoredFile {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: d.id.clone(),
        purpose: FilePurpose::Result,
        field_key: "decision".into(),
        file_name: file.file_name.clone(),
        media_type: file.media_type.clone(),
        size_bytes: file.size_bytes,
        sha256: file.sha256.clone(),
        storage_key: file.storage_key.clone(),
        created_at: tinhso_kernel::time::now_text(),
    };
    let uploader = e.actor.strip_prefix("user:").unwrap_or("system");
    store::insert_file(tx, &row, uploader).await?;
    audit::record(
        &ctx.db,
        tx,
        &Actor {
            label: e.actor.clone(),
            ip: String::new(),
        },
        Change {
            action: "dossier.decision_attached",
            entity_type: "dossier",
            entity_id: &d.id,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "document_id": issued.document_id,
                "code_notation": issued.code_notation,
                "file_id": row.id,
            }),
        },
    )
    .await
}
