//! Declared values (tự khai, docs/operations-design.md §2): what the platform cannot measure
//! itself — procedures published on time in the national database, dossiers synchronised to
//! the national portal — entered by a leader of the scope for a declared indicator of the
//! index version in force, for a period, with an issued document as evidence. The index reads
//! the live value whose window is the narrowest containing the window it computes. Each
//! change is audited in its transaction; bad input is refused with its field and nothing is
//! stored.

use crate::policy::{self, OpsAction};
use crate::store::declarations::{self as store, Declaration};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tinhso_domain::ops::period::{Basis, Window};
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{Principal, User};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::module::reference::{self, Resolved};

/// Longest note kept with a value.
const NOTE_MAX: usize = 2000;

/// What a leader declares.
#[derive(Debug, Clone)]
pub struct DeclarationInput {
    pub indicator: String,
    pub scope: Scope,
    pub period: String,
    pub basis: Basis,
    /// In the indicator's unit: a share from 0 to 1 for every seeded indicator.
    pub value: f64,
    pub note: String,
    /// The id of an issued document of the documents module.
    pub evidence_document: String,
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(field, message)])
}

/// Declares a value, replacing the live one of the same indicator, scope and window. Returns
/// the stored declaration.
pub async fn declare(
    ctx: &Ctx,
    principal: &Principal,
    user: &User,
    actor: &Actor,
    input: DeclarationInput,
) -> Result<Declaration, AppError> {
    policy::checked_for(ctx, principal, &input.scope, OpsAction::Declare).await?;
    let window = crate::index::window_of(&input.period, input.basis)?;
    check_value(&input)?;
    let evidence = evidence_of(ctx, user, &input.evidence_document).await?;
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    let version = crate::versions::active_on(&mut tx, window.to)
        .await?
        .ok_or_else(|| {
            invalid(
                "period",
                "Chưa có phiên bản bộ chỉ số nào áp dụng cho kỳ này.",
            )
        })?;
    let declared_indicator = version
        .definition
        .groups
        .iter()
        .flat_map(|g| &g.indicators)
        .any(|i| i.key == input.indicator && i.declared);
    if !declared_indicator {
        return Err(invalid(
            "indicator",
            &format!(
                "Chỉ số “{}” không phải chỉ số tự khai của bộ chỉ số {} đang áp dụng cho kỳ này.",
                input.indicator, version.code
            ),
        ));
    }
    let d = Declaration {
        id: uuid::Uuid::now_v7().to_string(),
        version: version.code.clone(),
        indicator: input.indicator.clone(),
        scope: input.scope.key(),
        period: input.period.clone(),
        basis: input.basis.as_str().to_owned(),
        window_from: window.from.to_string(),
        window_to: window.to.to_string(),
        value: input.value,
        note: input.note.trim().to_owned(),
        evidence_document: evidence.id.clone(),
        evidence_label: evidence.label.clone(),
        state: "declared".into(),
        declared_by: user.id.clone(),
        declared_at: now.clone(),
        ended_at: None,
        end_reason: None,
    };
    let before = store::live_exact(&mut tx, &d).await?;
    if let Some(old) = &before {
        store::end(&mut tx, &old.id, "replaced", &user.id, &now, "").await?;
    }
    store::insert(&mut tx, &d).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "ops.declare",
            entity_type: "ops_declaration",
            entity_id: &d.id,
            before: before
                .as_ref()
                .map(|o| serde_json::json!({"id": o.id, "value": o.value}))
                .unwrap_or(serde_json::Value::Null),
            after: serde_json::json!({
                "version": d.version, "indicator": d.indicator, "scope": d.scope,
                "period": d.period, "basis": d.basis, "value": d.value,
                "evidence_document": d.evidence_document,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// The issued document a value rests on, or the 422 saying why it cannot be.
async fn evidence_of(
    ctx: &Ctx,
    user: &User,
    id: &str,
) -> Result<tinhso_kernel::module::Referenced, AppError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(invalid(
            "evidence_document",
            "Cần có văn bản đã ban hành làm minh chứng cho số liệu tự khai.",
        ));
    }
    let missing = "Nền tảng này không có mô-đun văn bản để làm minh chứng.";
    match reference::resolve(ctx, "issued_document", id, user, missing).await? {
        Resolved::Found(doc) => Ok(doc),
        Resolved::Refused(why) => Err(invalid("evidence_document", &why)),
    }
}

fn check_value(input: &DeclarationInput) -> Result<(), AppError> {
    if !input.value.is_finite() || !(0.0..=1.0).contains(&input.value) {
        return Err(invalid(
            "value",
            "Giá trị tự khai là một tỷ lệ từ 0 đến 1 (ví dụ 0,95 cho 95%).",
        ));
    }
    if input.note.chars().count() > NOTE_MAX {
        return Err(invalid("note", "Ghi chú tối đa 2000 ký tự."));
    }
    Ok(())
}

/// Withdraws a live value, with a reason; the index then reads none (or a wider window's).
pub async fn withdraw(
    ctx: &Ctx,
    principal: &Principal,
    user: &User,
    actor: &Actor,
    id: &str,
    reason: &str,
) -> Result<Declaration, AppError> {
    let mut tx = ctx.db.begin().await?;
    let d = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let scope = Scope::parse(&d.scope).ok_or(AppError::NotFound)?;
    policy::checked_for(ctx, principal, &scope, OpsAction::Declare).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > NOTE_MAX {
        return Err(invalid(
            "reason",
            "Cần nêu lý do rút số liệu tự khai (tối đa 2000 ký tự).",
        ));
    }
    if d.state != "declared" {
        return Err(AppError::Conflict(
            "Số liệu này đã được thay thế hoặc đã rút.".into(),
        ));
    }
    let now = tinhso_kernel::time::now_text();
    store::end(&mut tx, &d.id, "withdrawn", &user.id, &now, reason).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "ops.withdraw",
            entity_type: "ops_declaration",
            entity_id: &d.id,
            before: serde_json::json!({"state": "declared", "value": d.value}),
            after: serde_json::json!({"state": "withdrawn", "reason": reason}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Declaration {
        state: "withdrawn".into(),
        ended_at: Some(now),
        end_reason: Some(reason.to_owned()),
        ..d
    })
}

/// The live values a window of `scope` reads under `version`: per indicator, the one whose
/// window is the narrowest containing `window` (the latest declared among equals).
pub async fn for_window(
    tx: &mut Conn,
    version: &str,
    scope: &str,
    window: Window,
) -> Result<BTreeMap<String, Declaration>, AppError> {
    let rows = store::live_covering(
        tx,
        version,
        scope,
        &window.from.to_string(),
        &window.to.to_string(),
    )
    .await?;
    Ok(narrowest(rows))
}

/// Per indicator, the declaration with the narrowest window, the latest among equals.
pub fn narrowest(rows: Vec<Declaration>) -> BTreeMap<String, Declaration> {
    let span = |d: &Declaration| {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        match (day(&d.window_from), day(&d.window_to)) {
            (Some(f), Some(t)) => (t - f).num_days(),
            _ => i64::MAX,
        }
    };
    let mut out: BTreeMap<String, Declaration> = BTreeMap::new();
    for d in rows {
        let better = out.get(&d.indicator).is_none_or(|held| {
            (span(&d), std::cmp::Reverse(&d.declared_at))
                < (span(held), std::cmp::Reverse(&held.declared_at))
        });
        if better {
            out.insert(d.indicator.clone(), d);
        }
    }
    out
}
