//! Administration of officials: an agency's administrator creates accounts for its officials
//! and sets their roles; a system administrator does so for every agency. Every handler asks
//! the officials policy (`crate::policy`) before reading or writing.

use crate as accounts;
use crate::OfficialInput;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use tinhso_directory::store;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::Role;

use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::Path;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::sv;
use tinhso_kernel::web::{Page, form_errors};

pub fn routes() -> Routes {
    Routes::new("accounts")
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

async fn officials(State(state): State<Ctx>, page: Page) -> PageResult<impl IntoResponse> {
    let user = page.require_user()?;
    let root = managed_root(&page)?;
    if let Some(agency) = &root {
        crate::policy::may_manage(&state, &page.principal(), agency).await?;
    } else if user.needs_totp_enrolment() {
        return Err(AppError::SecondFactorRequired.into());
    }
    let list = accounts::list_officials(&state.db, root.as_deref()).await?;
    page.render("admin/officials.html", context! { officials => sv(&list) })
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

async fn official_new(State(state): State<Ctx>, page: Page) -> PageResult<impl IntoResponse> {
    let root = managed_root(&page)?;
    tinhso_kernel::auth::platform::may(&state, &page.principal(), PlatformAction::BackOffice)
        .await?;
    let default_agency = match &root {
        Some(id) => store::by_id(&state.db, id)
            .await?
            .map(|a| a.code.to_string()),
        None => None,
    };
    let agencies = managed_agencies(&state, root.as_deref()).await?;
    page.render("admin/official_form.html", context! { form => context! { agency_code => default_agency, roles => Vec::<String>::new() }, all_roles => role_names(), agencies => agencies })
}

/// The agencies an administrator may add officials to, by name, for the choice list.
async fn managed_agencies(
    state: &Ctx,
    root: Option<&str>,
) -> Result<Vec<minijinja::Value>, AppError> {
    let all = store::all(&state.db).await?;
    Ok(tinhso_directory::grouped_by_kind(
        tinhso_directory::subtree(all, root),
    ))
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
    State(state): State<Ctx>,
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
    match crate::create_official(&state, &actor, Some(&p), &input).await {
        Ok(_) => Ok(Redirect::to("/admin/officials?created=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let agencies = managed_agencies(&state, root.as_deref()).await?;
            let html = page.render("admin/official_form.html", context! { form => sv(&input), errors => tinhso_kernel::web::form_errors_in(&errors, &["agency_code", "full_name", "email", "phone", "roles"]), all_roles => role_names(), agencies => agencies })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn official_edit(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<impl IntoResponse> {
    let official = accounts::official_access(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::policy::may_manage(&state, &page.principal(), &official.agency_id).await?;
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
    State(state): State<Ctx>,
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
    state: &Ctx,
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

/// Used by the API and the CLI: officials may be created without a session.
pub async fn create_admin(
    state: &Ctx,
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
    crate::create_official(state, &Actor::system(), None, &input).await
}
