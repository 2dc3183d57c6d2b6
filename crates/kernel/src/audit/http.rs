//! The audit trail for those who may read it: a page with filters and the `/api/v1/audit`
//! entries, actors shown by name.

use super::{AuditEntry, AuditFilter};
use crate::Ctx;
use crate::audit;
use crate::auth::platform::{PlatformAction, may};
use crate::error::AppError;
use crate::error::{ApiResult, PageResult};
use crate::extract::{Caller, Json, Query};
use crate::module::{Access, Routes};
use crate::web::Page;
use axum::extract::State;
use axum::response::IntoResponse;
use minijinja::context;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("platform")
        .get("/admin/audit", Access::Entity("platform"), audit_log)
        .api(Access::Entity("platform"), routes!(audit_entries))
}

async fn audit_log(
    State(state): State<Ctx>,
    page: Page,
    Query(filter): Query<AuditFilter>,
) -> PageResult<impl IntoResponse> {
    may(&state, &page.principal(), PlatformAction::ReadAudit).await?;
    let entries = audit::search(&state.db, &filter).await?;
    let next = entries
        .last()
        .map(|e| e.seq)
        .filter(|_| entries.len() as i64 == filter.limit.unwrap_or(50));
    let names = people_named(&state, &entries).await?;
    let shown: Vec<_> = entries
        .iter()
        .map(|e| {
            context! {
                seq => e.seq, at => e.at.clone(), ip => e.ip.clone(), raw_actor => e.actor.clone(),
                actor => actor_label(page.lang, &e.actor, &names),
                action => e.action.clone(), action_label => audit_action_label(page.lang, &e.action),
                entity_type => e.entity_type.clone(), entity_id => e.entity_id.clone(),
                before => e.before.clone(), after => e.after.clone(),
            }
        })
        .collect();
    page.render("admin/audit.html", context! { entries => shown, filter => context! {
        actor => filter.actor, action => filter.action, entity_type => filter.entity_type, entity_id => filter.entity_id
    }, next => next })
}

/// Full names of the people who appear as actors (`user:<id>`, `token:<id>`) on a page of the
/// audit trail, read in one query.
async fn people_named(
    state: &Ctx,
    entries: &[AuditEntry],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut ids: Vec<&str> = entries.iter().filter_map(|e| person_id(&e.actor)).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT id, full_name, email FROM users WHERE id IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&state.db.pool).await?;
    rows.iter()
        .map(|r| {
            use sqlx::Row;
            let name: String = r.try_get("full_name")?;
            let email: Option<String> = r.try_get("email")?;
            let shown = match email {
                Some(email) => format!("{name} ({email})"),
                None => name,
            };
            Ok((r.try_get("id")?, shown))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

fn person_id(actor: &str) -> Option<&str> {
    actor
        .strip_prefix("user:")
        .or_else(|| actor.strip_prefix("token:"))
}

/// Who acted, in words: a person's name, "the system", or what a module names its actors
/// (the payment gateway).
fn actor_label(
    lang: crate::web::i18n::Lang,
    actor: &str,
    names: &std::collections::HashMap<String, String>,
) -> String {
    let tr = |key: &str| crate::web::i18n::text(lang, key);
    if let Some(id) = person_id(actor) {
        let name = names.get(id).cloned().unwrap_or_else(|| actor.to_owned());
        return if actor.starts_with("token:") {
            format!("{name} — {}", tr("audit_actor_via_token"))
        } else {
            name
        };
    }
    match actor {
        "system" => tr("audit_actor_system"),
        "system:restore" => tr("audit_actor_restore"),
        "anonymous" => tr("audit_actor_anonymous"),
        // `<kind>:<detail>` (`payment:vnpay`): the module that acts as `<kind>` names it as
        // `audit_actor_<kind>` in its locales.
        other => other
            .split_once(':')
            .and_then(|(kind, detail)| {
                let table = crate::web::i18n::table(lang);
                let label = table.get(&format!("audit_actor_{kind}"))?;
                Some(format!("{label} ({detail})"))
            })
            .unwrap_or_else(|| other.to_owned()),
    }
}

/// An audit action ("dossier.accept") in the reader's language: the label `audit_<action>`
/// (dots as underscores) that the module recording it brings in its locales. An action without
/// a label shows itself, so it is noticed (and the test of labels fails).
pub fn audit_action_label(lang: crate::web::i18n::Lang, action: &str) -> String {
    let key = format!("audit_{}", action.replace(['.', ':'], "_"));
    crate::web::i18n::table(lang)
        .get(&key)
        .cloned()
        .unwrap_or_else(|| action.to_owned())
}

/// Audit entries, newest first; page with `before_seq`.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = Vec<AuditEntry>)),
    security(("bearer" = ["audit:read"])))]
pub async fn audit_entries(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(filter): Query<AuditFilter>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    may(&state, &auth.principal, PlatformAction::ReadAudit).await?;
    Ok(Json(audit::search(&state.db, &filter).await?))
}
