//! Types, units and registers as data (issue 14 §1): the 29 types of Decree 30 with their
//! abbreviations, each issuer's units with the abbreviations its notations use (`12/UBND-VX`:
//! the issuer's and its drafting unit's), set by the issuer's agency administrator, and the
//! year's registers with the number each will give next.

pub mod store;

use crate::policy::SCOPE;
use axum::extract::{Query, State};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tinhso_directory::Agency;
use tinhso_domain::official_doc::{Abbreviation, DocType};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("documents")
        .api(Access::Public, routes!(types))
        .api(Access::Entity(SetupPolicy::KIND), routes!(units))
        .api(Access::Entity(SetupPolicy::KIND), routes!(set_abbreviation))
        .api(Access::Entity(SetupPolicy::KIND), routes!(registers))
}

/// What is done to an agency's document set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupAction {
    /// See the issuer's units and their abbreviations: its officials.
    ViewUnits,
    /// Set the abbreviation of the issuer or of one of its units: the issuer's agency
    /// administrator, or a system administrator.
    SetAbbreviation,
    /// See the year's registers: the issuer's document clerks and leaders.
    ViewRegisters,
}

/// Who sees and sets an issuer's units, abbreviations and registers. The entity is the agency
/// concerned; for a unit, decisions are about its issuer (its parent).
pub struct SetupPolicy;

impl Policy for SetupPolicy {
    const KIND: &'static str = "document_setup";
    type Entity = Agency;
    type Action = SetupAction;
    type Grant = ();
    const SCOPES: &'static [&'static str] = &[SCOPE];

    fn scope(_action: SetupAction) -> &'static str {
        SCOPE
    }

    async fn decide(
        cx: &Cx<'_>,
        who: &Subject<'_>,
        agency: &Agency,
        action: SetupAction,
    ) -> Result<Decision<()>, AppError> {
        let Some(user) = who.user() else {
            return Ok(Err(Refusal::SignIn));
        };
        // Someone working in one of the issuer's units belongs to the issuer too.
        let own_parent = match user.agency_id.as_deref() {
            Some(own) if own != agency.id => tinhso_directory::store::by_id(cx.db, own)
                .await?
                .and_then(|a| a.parent_id),
            _ => None,
        };
        Ok(SetupPolicy::decision(
            user,
            own_parent.as_deref(),
            agency,
            action,
        ))
    }
}

impl SetupPolicy {
    /// The decision for a signed-in `user` (whose agency's parent is `own_parent`) about
    /// `agency`, an issuer or one of its units: pure.
    pub fn decision(
        user: &User,
        own_parent: Option<&str>,
        agency: &Agency,
        action: SetupAction,
    ) -> Decision<()> {
        if user.has_role(Role::SystemAdmin) && action == SetupAction::SetAbbreviation {
            return Ok(());
        }
        let mine = user.agency_id.as_deref();
        let of_issuer = mine == Some(agency.id.as_str())
            || (mine.is_some() && mine == agency.parent_id.as_deref())
            || own_parent == Some(agency.id.as_str());
        if !(user.is_official() && of_issuer) {
            return Err(Refusal::Hidden);
        }
        let allowed = match action {
            SetupAction::ViewUnits => true,
            SetupAction::SetAbbreviation => user.has_role(Role::AgencyAdmin),
            SetupAction::ViewRegisters => {
                user.has_role(Role::DocumentClerk) || user.has_role(Role::Leader)
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }
}

/// One of the 29 types of document of Decree 30 (Appendix III).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocType {
    /// Stable code, e.g. `decision`: what `TypeName` accepts, with the name and abbreviation.
    pub code: String,
    /// `Quyết định`.
    pub name: String,
    /// `QĐ`; none for the công văn, whose notation names the drafting unit instead.
    pub abbreviation: Option<String>,
    /// Its place in the Decree's list, 1 to 29.
    pub ordinal: u8,
}

/// The 29 types of document of Decree 30/2020 with their abbreviations, in the Decree's order.
#[utoipa::path(get, path = "/api/v1/documents/types", tag = "documents",
    responses((status = 200, body = [OfficialDocType])))]
pub async fn types() -> Json<Vec<OfficialDocType>> {
    Json(
        DocType::ALL
            .iter()
            .map(|t| OfficialDocType {
                code: t.as_str().to_owned(),
                name: t.name_vi().to_owned(),
                abbreviation: t.abbreviation().map(str::to_owned),
                ordinal: t.ordinal(),
            })
            .collect(),
    )
}

/// An issuer or one of its units, with its abbreviation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocUnit {
    pub organ_id: String,
    pub organ_name: String,
    /// `true` for the issuer itself, `false` for its units.
    pub issuer: bool,
    /// What notations use: `STP` for the issuer, `HCTP` for a unit; none until set.
    pub abbreviation: Option<String>,
}

/// The issuer the caller works for: their agency, or its parent when they work in a unit.
async fn callers_issuer(state: &Ctx, user: &User) -> Result<Agency, AppError> {
    let own_id = user.agency_id.as_deref().ok_or(AppError::NotFound)?;
    let own = tinhso_directory::store::by_id(&state.db, own_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match (&own.kind, own.parent_id.as_deref()) {
        (tinhso_directory::AgencyKind::Unit, Some(parent)) => {
            Ok(tinhso_directory::store::by_id(&state.db, parent)
                .await?
                .unwrap_or(own))
        }
        _ => Ok(own),
    }
}

/// The caller's issuer and its units, with the abbreviations their notations use.
#[utoipa::path(get, path = "/api/v1/documents/units", tag = "documents",
    responses((status = 200, body = [OfficialDocUnit]),
        (status = 404, description = "The caller is not an official of an agency", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn units(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<OfficialDocUnit>>> {
    let who = Subject::of(&auth.principal);
    let user = auth.require_user()?;
    let issuer = callers_issuer(&state, user).await?;
    check::<SetupPolicy>(&Cx::from(&state), &who, &issuer, SetupAction::ViewUnits).await?;
    let rows = store::issuer_and_units(&state.db, &issuer.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| OfficialDocUnit {
                issuer: r.id == issuer.id,
                organ_id: r.code,
                organ_name: r.name,
                abbreviation: r.abbreviation,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AbbreviationInput {
    /// Upper-case letters (Vietnamese ones included) and digits, e.g. `STP`, `HCTP`, `SGDĐT`.
    pub abbreviation: String,
}

/// Set the abbreviation an issuer or one of its units uses in notations: for the issuer's
/// agency administrator. Two units of one issuer may not share one (their công văn could not
/// be told apart). Documents already issued keep their notation.
#[utoipa::path(put, path = "/api/v1/documents/units/{code}", tag = "documents",
    params(("code" = String, Path, description = "The agency's identifier code")),
    request_body = AbbreviationInput,
    responses((status = 200, body = OfficialDocUnit),
        (status = 403, description = "Not the issuer's agency administrator", content_type = "application/problem+json"),
        (status = 404, description = "No such agency among the caller's", content_type = "application/problem+json"),
        (status = 422, description = "Not a valid abbreviation, or a sibling unit's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn set_abbreviation(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    Json(body): Json<AbbreviationInput>,
) -> ApiResult<Json<OfficialDocUnit>> {
    let who = Subject::of(&auth.principal);
    let agency = tinhso_directory::find(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    check::<SetupPolicy>(
        &Cx::from(&state),
        &who,
        &agency,
        SetupAction::SetAbbreviation,
    )
    .await?;
    let abbreviation = Abbreviation::new(&body.abbreviation)
        .map_err(|e| AppError::validation("Abbreviation", e.to_string()))?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    save_abbreviation(&state, &actor, &agency, &abbreviation).await?;
    Ok(Json(OfficialDocUnit {
        organ_id: agency.code.to_string(),
        organ_name: agency.name,
        issuer: agency.kind != tinhso_directory::AgencyKind::Unit,
        abbreviation: Some(abbreviation.as_str().to_owned()),
    }))
}

/// Stores `abbreviation` for `agency`, refusing one a sibling unit uses; audited.
async fn save_abbreviation(
    state: &Ctx,
    actor: &Actor,
    agency: &Agency,
    abbreviation: &Abbreviation,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    if let Some(parent) = agency.parent_id.as_deref()
        && let Some(other) =
            store::sibling_with(&mut tx, parent, &agency.id, abbreviation.as_str()).await?
    {
        return Err(AppError::validation(
            "Abbreviation",
            format!("Chữ viết tắt này đã dùng cho {other}; mỗi đơn vị cần một chữ viết tắt riêng."),
        ));
    }
    let before = crate::store::abbreviation_in(&mut tx, &agency.id).await?;
    let now = tinhso_kernel::time::now_text();
    crate::store::set_abbreviation(&mut tx, &agency.id, abbreviation.as_str(), &now).await?;
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action: "document.unit_abbreviation",
            entity_type: "agency",
            entity_id: &agency.id,
            before: json!({ "abbreviation": before }),
            after: json!({ "abbreviation": abbreviation.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct RegistersQuery {
    /// The calendar year; this year when absent.
    #[param(minimum = 2000, maximum = 2999)]
    pub year: Option<i64>,
}

/// The caller's issuer's registers for a year (outgoing sequences and the arrival register),
/// each with the number the next document gets: for its document clerks and leaders.
#[utoipa::path(get, path = "/api/v1/documents/registers", tag = "documents",
    params(RegistersQuery),
    responses((status = 200, body = [store::RegisterRow]),
        (status = 403, description = "Not a document clerk or leader", content_type = "application/problem+json"),
        (status = 404, description = "The caller is not an official of an agency", content_type = "application/problem+json"),
        (status = 422, description = "A year outside 2000-2999", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn registers(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<RegistersQuery>,
) -> ApiResult<Json<Vec<store::RegisterRow>>> {
    let who = Subject::of(&auth.principal);
    let user = auth.require_user()?;
    let issuer = callers_issuer(&state, user).await?;
    check::<SetupPolicy>(&Cx::from(&state), &who, &issuer, SetupAction::ViewRegisters).await?;
    let year = match q.year {
        None => i64::from(tinhso_kernel::time::local_now().year()),
        Some(y) if (2000..=2999).contains(&y) => y,
        Some(_) => {
            return Err(AppError::validation("Year", "Năm phải từ 2000 đến 2999.").into());
        }
    };
    Ok(Json(store::registers(&state.db, &issuer.id, year).await?))
}
