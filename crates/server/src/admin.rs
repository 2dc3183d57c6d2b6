//! Back-office pages: each role's home, and administration of agencies, officials and the
//! audit trail. Every handler asks `authorize` before reading or writing.

use crate::accounts::{self, OfficialInput};
use crate::agencies::model::{AgencyInput, AgencyKind};
use crate::agencies::{csv_io, store};
use crate::app::AppState;
use crate::audit::{self, Actor, AuditFilter};
use crate::auth::Role;
use crate::auth::authz::{Action, authorize};
use crate::auth::session::Auth;
use crate::error::{AppError, PageResult};
use crate::extract::{Path, Query};
use crate::module::{Access, Routes};
use crate::net::ClientIp;
use crate::web::confirm::{self, Confirmation};
use crate::web::sv;
use crate::web::{Page, form_errors, import_page, read_upload};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

pub fn routes() -> Routes {
    Routes::new("platform")
        .get("/office", Access::Entity("office"), office)
        .get("/admin/agencies/new", Access::Entity("agency"), agency_new)
        .post("/admin/agencies", Access::Entity("agency"), agency_create)
        .get(
            "/admin/agencies/{code}/edit",
            Access::Entity("agency"),
            agency_edit,
        )
        .post(
            "/admin/agencies/{code}/edit",
            Access::Entity("agency"),
            agency_update,
        )
        .get(
            "/admin/agencies/import",
            Access::Entity("agency"),
            import_form,
        )
        .post("/admin/agencies/import", Access::Entity("agency"), import)
        .get(
            "/admin/agencies/export.csv",
            Access::Entity("agency"),
            export,
        )
        .get("/admin/officials", Access::Entity("official"), officials)
        .post(
            "/admin/officials",
            Access::Entity("official"),
            official_create,
        )
        .get(
            "/admin/officials/new",
            Access::Entity("official"),
            official_new,
        )
        .get(
            "/admin/officials/{id}",
            Access::Entity("official"),
            official_edit,
        )
        .post(
            "/admin/officials/{id}",
            Access::Entity("official"),
            official_update,
        )
        .get("/admin/audit", Access::Entity("audit"), audit_log)
}

async fn office(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let p = page.principal();
    authorize(&state.db, &p, Action::BackOffice).await?;
    let user = page.require_user()?;
    let agency = match &user.agency_id {
        Some(id) => store::by_id(&state.db, id).await?,
        None => None,
    };
    let is_admin = user.has_role(Role::SystemAdmin) || user.has_role(Role::AgencyAdmin);
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    let mine = crate::dossiers::assignment::landing(&state, user).await?;
    page.render("office.html", context! { agency => sv(&agency), is_admin => is_admin, is_system_admin => user.has_role(Role::SystemAdmin), roles => roles, ..mine })
}

fn kinds() -> Vec<&'static str> {
    AgencyKind::ALL.iter().map(|k| k.as_str()).collect()
}

async fn agency_new(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ParentQuery>,
) -> PageResult<impl IntoResponse> {
    let parent = match &q.parent {
        Some(code) => store::by_code(&state.db.pool, code).await?,
        None => None,
    };
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: parent.as_ref().map(|p| p.id.as_str()),
        },
    )
    .await?;
    let form = context! { parent_code => q.parent, kind => "unit" };
    page.render("admin/agency_form.html", context! { form => sv(&form), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => false })
}

#[derive(serde::Deserialize)]
struct ParentQuery {
    parent: Option<String>,
}

async fn save_agency(
    state: &AppState,
    page: &Page,
    ip: String,
    form: AgencyInput,
    editing: bool,
) -> PageResult<Response> {
    let parent = match form
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => store::by_code(&state.db.pool, code).await?,
        None => None,
    };
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: parent.as_ref().map(|p| p.id.as_str()),
        },
    )
    .await?;
    let actor = Actor {
        label: page.principal().actor_label(),
        ip,
    };
    let mut tx = state.db.begin().await?;
    match store::upsert(&state.db, &mut tx, &actor, &form, editing).await {
        Ok(agency) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/agencies/{}", agency.code)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            tx.rollback().await?;
            let html = page.render(
                "admin/agency_form.html",
                context! { form => sv(&form), errors => crate::web::form_errors_in(&errors, &csv_io::HEADER), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => editing },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn agency_create(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<AgencyInput>,
) -> PageResult<Response> {
    save_agency(&state, &page, ip, form, false).await
}

async fn agency_edit(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> PageResult<impl IntoResponse> {
    let agency = store::by_code(&state.db.pool, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: agency.parent_id.as_deref(),
        },
    )
    .await?;
    let form = AgencyInput {
        code: agency.code.clone(),
        name: agency.name.clone(),
        kind: agency.kind.as_str().into(),
        parent_code: agency.parent_code.clone(),
        admin_unit_code: agency.admin_unit_code.clone(),
        address: agency.address.clone(),
        phone: agency.phone.clone(),
        email: agency.email.clone(),
        website: agency.website.clone(),
    };
    page.render("admin/agency_form.html", context! { form => sv(&form), kinds => kinds(), units => sv(store::admin_units(&state.db).await?), editing => true })
}

async fn agency_update(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    axum::Form(mut form): axum::Form<AgencyInput>,
) -> PageResult<Response> {
    let existing = store::by_code(&state.db.pool, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    // The agency must also be editable where it stands now, not only where it moves to.
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageAgency {
            parent: existing.parent_id.as_deref(),
        },
    )
    .await?;
    form.code = code;
    save_agency(&state, &page, ip, form, true).await
}

async fn import_form(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    authorize(&state.db, &page.principal(), Action::ManageDirectory).await?;
    page.render("admin/import.html", context! {})
}

const MAX_CSV_BYTES: usize = 10 * 1024 * 1024;

async fn import(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    authorize(&state.db, &auth.principal, Action::ManageDirectory).await?;
    let upload = match read_upload(multipart, MAX_CSV_BYTES, &[".csv", ".txt"], "CSV").await {
        Ok(upload) => upload,
        Err(e) => return import_page(&page, "admin/import.html", Err(e), false),
    };
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let partial = upload.fields.contains("partial");
    let report = csv_io::import(&state.db, &actor, &upload.bytes, partial, &|_| {}).await?;
    import_page(
        &page,
        "admin/import.html",
        Ok(sv(&report)),
        report.errors.is_empty(),
    )
}

async fn export(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    authorize(&state.db, &page.principal(), Action::ManageDirectory).await?;
    let bytes = csv_io::export(&state.db).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"agencies.csv\"",
            ),
        ],
        bytes,
    ))
}

/// The agency whose officials an admin manages: everything for a system admin.
fn managed_root(page: &Page) -> Result<Option<String>, AppError> {
    let user = page.require_user()?;
    if user.has_role(Role::SystemAdmin) {
        Ok(None)
    } else if user.has_role(Role::AgencyAdmin) {
        Ok(user.agency_id.clone())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn officials(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let user = page.require_user()?;
    let root = managed_root(&page)?;
    if let Some(agency) = &root {
        authorize(
            &state.db,
            &page.principal(),
            Action::ManageOfficials { agency },
        )
        .await?;
    } else if user.needs_totp_enrolment() {
        return Err(AppError::SecondFactorRequired.into());
    }
    let list = accounts::list_officials(&state.db, root.as_deref()).await?;
    page.render("admin/officials.html", context! { officials => sv(&list) })
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

async fn official_new(State(state): State<AppState>, page: Page) -> PageResult<impl IntoResponse> {
    let root = managed_root(&page)?;
    authorize(&state.db, &page.principal(), Action::BackOffice).await?;
    let default_agency = match &root {
        Some(id) => store::by_id(&state.db, id).await?.map(|a| a.code),
        None => None,
    };
    let agencies = managed_agencies(&state, root.as_deref()).await?;
    page.render("admin/official_form.html", context! { form => context! { agency_code => default_agency, roles => Vec::<String>::new() }, all_roles => role_names(), agencies => agencies })
}

/// The agencies an administrator may add officials to, by name, for the choice list.
async fn managed_agencies(
    state: &AppState,
    root: Option<&str>,
) -> Result<Vec<minijinja::Value>, AppError> {
    let all = store::all(&state.db).await?;
    Ok(crate::agencies::grouped_by_kind(crate::agencies::subtree(
        all, root,
    )))
}

#[derive(serde::Deserialize)]
struct OfficialForm {
    agency_code: String,
    full_name: String,
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: Vec<String>,
}

async fn official_create(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum_extra::extract::Form(form): axum_extra::extract::Form<OfficialForm>,
) -> PageResult<Response> {
    let root = managed_root(&page)?;
    let p = page.principal();
    let input = OfficialInput {
        agency_code: form.agency_code,
        full_name: form.full_name,
        email: form.email,
        phone: form.phone,
        roles: form.role,
        password: None,
    };
    let actor = Actor {
        label: p.actor_label(),
        ip,
    };
    match accounts::create_official(&state, &actor, Some(&p), &input).await {
        Ok(_) => Ok(Redirect::to("/admin/officials?created=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let agencies = managed_agencies(&state, root.as_deref()).await?;
            let html = page.render("admin/official_form.html", context! { form => sv(&input), errors => crate::web::form_errors_in(&errors, &["agency_code", "full_name", "email", "phone", "roles"]), all_roles => role_names(), agencies => agencies })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn official_edit(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<impl IntoResponse> {
    let official = accounts::official_access(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(
        &state.db,
        &page.principal(),
        Action::ManageOfficials {
            agency: &official.agency_id,
        },
    )
    .await?;
    let agency = store::by_id(&state.db, &official.agency_id).await?;
    page.render(
        "admin/official_edit.html",
        context! { official => sv(&official), agency => sv(&agency), all_roles => role_names() },
    )
}

#[derive(serde::Deserialize)]
struct AccessForm {
    #[serde(default)]
    role: Vec<String>,
    #[serde(default)]
    disabled: Option<String>,
    confirm: Option<String>,
}

async fn official_update(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<AccessForm>,
) -> PageResult<Response> {
    let p = page.principal();
    let actor = Actor {
        label: p.actor_label(),
        ip,
    };
    let disabled = form.disabled.is_some();
    if !confirm::given(form.confirm.as_deref()) {
        match access_confirmation(&state, &page, &id, &form.role, disabled).await {
            Ok(Some(step)) => return step.render(&page),
            Ok(None) => {}
            // A change that would be refused is refused by the update itself, below.
            Err(AppError::Validation(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    match accounts::update_official(&state, &actor, &p, &id, &form.role, disabled).await {
        Ok(()) => Ok(Redirect::to("/admin/officials?updated=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let official = accounts::official_access(&state.db, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let agency = store::by_id(&state.db, &official.agency_id).await?;
            let html = page.render(
                "admin/official_edit.html",
                context! { official => sv(&official), agency => sv(&agency), all_roles => role_names(), errors => form_errors(&errors) },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A change of access that takes something away (a role removed, the account disabled) is
/// confirmed first, listing what goes; granting needs no confirmation. `None` when nothing is
/// taken away; an error when the change is not the caller's to make.
async fn access_confirmation(
    state: &AppState,
    page: &Page,
    id: &str,
    roles: &[String],
    disabled: bool,
) -> Result<Option<Confirmation>, AppError> {
    let (before, _) =
        accounts::check_access_change(state, &page.principal(), id, roles, disabled).await?;
    let removed: Vec<String> = before
        .roles
        .iter()
        .filter(|r| !roles.contains(r))
        .map(|r| page.tr(&format!("role_{r}")))
        .collect();
    let disabling = disabled && !before.disabled;
    if removed.is_empty() && !disabling {
        return Ok(None);
    }
    let back = format!("/admin/officials/{id}");
    let mut step = Confirmation::new("official_access", back.clone(), back)
        .fact("name", before.full_name.clone())
        .fact("email", before.email.clone().unwrap_or_default())
        .fact("confirm_roles_removed", removed.join(", "));
    if disabling {
        step = step
            .fact("account_disabled", page.tr("confirm_yes"))
            .keep("disabled", "1");
    }
    for role in roles {
        step = step.keep("role", role.clone());
    }
    Ok(Some(step))
}

async fn audit_log(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<AuditFilter>,
) -> PageResult<impl IntoResponse> {
    authorize(&state.db, &page.principal(), Action::ReadAudit).await?;
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

/// Used by the API and the CLI: officials may be created without a session.
pub async fn create_admin(
    state: &AppState,
    agency_code: &str,
    email: &str,
    full_name: &str,
    password: &str,
) -> Result<String, AppError> {
    let input = OfficialInput {
        agency_code: agency_code.into(),
        full_name: full_name.into(),
        email: email.into(),
        phone: String::new(),
        roles: vec![Role::SystemAdmin.as_str().into()],
        password: Some(password.into()),
    };
    accounts::create_official(state, &Actor::system(), None, &input).await
}

/// Full names of the people who appear as actors (`user:<id>`, `token:<id>`) on a page of the
/// audit trail, read in one query.
async fn people_named(
    state: &AppState,
    entries: &[audit::AuditEntry],
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

/// Who acted, in words: a person's name, "the system", the payment gateway.
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
    if let Some(provider) = actor.strip_prefix("payment:") {
        return format!("{} ({provider})", tr("audit_actor_payment"));
    }
    match actor {
        "system" => tr("audit_actor_system"),
        "system:restore" => tr("audit_actor_restore"),
        "anonymous" => tr("audit_actor_anonymous"),
        other => other.to_owned(),
    }
}

/// An audit action ("dossier.accept") in the reader's language; an action without a label
/// shows itself, so it is noticed (and the test of labels fails).
pub fn audit_action_label(lang: crate::web::i18n::Lang, action: &str) -> String {
    let table = crate::web::i18n::table(lang);
    let key = format!("audit_{}", action.replace(['.', ':'], "_"));
    if let Some(label) = table.get(&key) {
        return label.clone();
    }
    if let Some(step) = action
        .strip_prefix("dossier.")
        .and_then(|verb| table.get(&format!("action_{verb}")))
    {
        return format!("{}: {step}", crate::web::i18n::text(lang, "audit_dossier"));
    }
    action.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    /// Every action the platform writes to the audit trail (`grep 'action: "'` and the dossier
    /// and feedback actions), in both languages.
    #[test]
    fn every_audit_action_has_a_label() {
        // Every `action: "…"` the source writes, read from the source so a new one cannot be
        // forgotten here.
        let mut fixed = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (at, _) in text.match_indices("action: \"") {
                        let rest = &text[at + 9..];
                        let action = &rest[..rest.find('"').unwrap()];
                        let plain = action
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                        if plain && action.contains('.') {
                            fixed.push(action.to_owned());
                        }
                    }
                }
            }
        }
        assert!(fixed.iter().any(|a| a == "user.register"), "{fixed:?}");
        fixed.extend(
            [
                "feedback.assign",
                "feedback.accept",
                "feedback.answer",
                "feedback.reject",
                "feedback.reopen",
                "feedback.rate",
                "feedback.mark_duplicate",
                "feedback.remind",
                "feedback.escalate",
                "procedure.create",
                "procedure.update",
                "session.password_ok",
            ]
            .map(str::to_owned),
        );
        let dossier = [
            "submit",
            "accept",
            "refuse",
            "request_supplement",
            "supplement",
            "complete_step",
            "approve",
            "return_result",
            "stop",
            "withdraw",
            "forward",
            "apologize",
        ];
        let actions = fixed
            .iter()
            .map(|a| a.to_string())
            .chain(dossier.iter().map(|v| format!("dossier.{v}")));
        for action in actions {
            for lang in [Lang::Vi, Lang::En] {
                let label = audit_action_label(lang, &action);
                assert_ne!(label, action, "{action} has no label in {lang:?}");
            }
        }
        assert_eq!(
            audit_action_label(Lang::Vi, "dossier.accept"),
            "Hồ sơ: Tiếp nhận hồ sơ"
        );
    }
}
