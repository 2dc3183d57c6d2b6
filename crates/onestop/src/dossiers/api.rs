//! The one-stop API: public tracking, submission with an idempotency key, reading a dossier,
//! taking actions, assigning a specialist and the caller's own work. The same service as the
//! pages, so the same rules apply.

use super::citizen::{PublicDossier, public_view};
use super::policy::{DossierAction, QueueAction, checked, may_queue, visible};
use super::service::{self, ActionInput, Application, Saved, Who};
use super::{Dossier, store};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("onestop")
        .api(Access::Public, routes!(track))
        .api(Access::SignedIn, routes!(submit))
        .api(Access::Entity("dossier"), routes!(read))
        .api(Access::Entity("dossier"), routes!(act))
        .api(Access::Entity("dossier"), routes!(assign))
        .api(Access::Entity("dossier_queue"), routes!(my_work))
        .api(Access::SignedIn, routes!(my_papers))
}

/// Public status of a dossier by its code: no personal data.
#[utoipa::path(get, path = "/api/v1/track/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "Dossier code, e.g. 000.00.60.H56-261124-0001")),
    responses((status = 200, body = PublicDossier), (status = 404, description = "No such dossier", content_type = "application/problem+json")))]
pub async fn track(
    State(state): State<Ctx>,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicDossier>> {
    Ok(Json(
        public_view(&state, code.trim())
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewApplication {
    /// National procedure code.
    pub procedure: String,
    /// Code of the receiving agency (one of the procedure's agencies).
    pub agency: String,
    /// Answers to the procedure's form, by field key.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// `false` saves a draft.
    #[serde(default = "yes")]
    pub submit: bool,
    /// Papers from the applicant's store, by the form's paper field: the `id` of a paper listed
    /// by `GET /api/v1/papers`. Nothing is uploaded again; someone else's id is refused (422).
    #[serde(default)]
    pub papers: BTreeMap<String, String>,
}

/// The caller's store of papers: every paper they uploaded and every result issued to them,
/// newest first; each `id` can be given in `papers` when applying.
#[utoipa::path(get, path = "/api/v1/papers", tag = "dossiers",
    responses((status = 200, body = Vec<super::papers::StorePaper>)),
    security(("bearer" = ["dossiers"])))]
pub async fn my_papers(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<super::papers::StorePaper>>> {
    may_queue(&state, &auth.principal, QueueAction::Papers).await?;
    let user = auth.require_user()?;
    Ok(Json(super::papers::list(&state.db, &user.id).await?))
}

/// The papers an API application names from the store, each checked to be a paper field of the
/// procedure and a paper of the caller's own.
async fn stored_papers(
    state: &Ctx,
    user_id: &str,
    procedure: &crate::catalog::Procedure,
    wanted: &BTreeMap<String, String>,
) -> Result<Vec<(String, super::papers::StorePaper)>, AppError> {
    let mut reused = Vec::new();
    let mut errors = Vec::new();
    for (field, id) in wanted {
        let is_paper = procedure.form.iter().any(|f| {
            &f.key == field && matches!(f.kind, tinhso_domain::procedure::FieldKind::File)
        });
        if !is_paper {
            errors.push(tinhso_kernel::error::FieldError::new(
                field,
                "Thủ tục không có giấy tờ này.",
            ));
            continue;
        }
        match super::papers::owned(&state.db, user_id, id).await? {
            Some(paper) => reused.push((field.clone(), paper)),
            None => errors.push(tinhso_kernel::error::FieldError::new(
                field,
                "Giấy tờ đã chọn không có trong kho giấy tờ của bạn. Vui lòng chọn lại hoặc tải tệp lên.",
            )),
        }
    }
    if errors.is_empty() {
        Ok(reused)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DossierRef {
    pub id: String,
    pub code: Option<String>,
    pub state: String,
}

async fn reference(state: &Ctx, id: &str) -> Result<DossierRef, AppError> {
    let d = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(DossierRef {
        id: d.id,
        code: d.code.map(|c| c.to_string()),
        state: d.state.as_str().to_owned(),
    })
}

/// Submit an application (or save a draft). The `Idempotency-Key` header makes a retry return
/// the same dossier instead of a second one. New papers are uploaded through the web form; papers
/// already in the applicant's store are named in `papers`.
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = NewApplication,
    params(("Idempotency-Key" = String, Header, description = "Unique per application, e.g. a UUID")),
    responses((status = 201, body = DossierRef), (status = 200, description = "Already submitted with this key", body = DossierRef),
        (status = 422, description = "Invalid answers; saved as a draft", content_type = "application/problem+json")),
    security(("bearer" = ["dossiers"])))]
pub async fn submit(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<NewApplication>,
) -> ApiResult<(StatusCode, Json<DossierRef>)> {
    may_queue(&state, &auth.principal, QueueAction::Submit).await?;
    let user = auth.require_user()?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let procedure = crate::catalog::store::by_code(&state.db, &body.procedure)
        .await?
        .ok_or_else(|| AppError::validation("procedure", "Không có thủ tục với mã này."))?;
    let agency = tinhso_directory::find(&state.db, &body.agency)
        .await?
        .ok_or_else(|| {
            AppError::validation("agency", "Cơ quan đã chọn không giải quyết thủ tục này.")
        })?;
    let reused = stored_papers(&state, &user.id, &procedure, &body.papers).await?;
    let saved = service::save_application(
        &state,
        &Who { user, ip: &ip },
        Application {
            procedure: &procedure,
            agency_id: &agency.id,
            agency_code: &agency.code.to_string(),
            idempotency_key: &key,
            answers: body.answers,
            files: Vec::new(),
            file_errors: Vec::new(),
            reused,
            submit: body.submit,
        },
    )
    .await?;
    let status = match &saved {
        Saved::Invalid(_, errors) => return Err(AppError::Validation(errors.clone()).into()),
        Saved::AlreadySubmitted(_) => StatusCode::OK,
        Saved::Draft(_) | Saved::Submitted(_) => StatusCode::CREATED,
    };
    Ok((status, Json(reference(&state, saved.id()).await?)))
}

/// One dossier, for its applicant or an official of the agency holding it.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers",
    params(("id" = String, Path, description = "Dossier id")),
    responses((status = 200, body = Object), (status = 404, description = "No such dossier or not yours", content_type = "application/problem+json")),
    security(("bearer" = ["dossiers"])))]
pub async fn read(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Dossier>> {
    Ok(Json(visible(&state, &auth.principal, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActionRequest {
    /// accept, refuse, forward, request_supplement, complete_step, approve, return_result,
    /// apologize, stop, withdraw.
    pub action: String,
    #[serde(default)]
    pub note: String,
    /// For `apologize`: the new appointment day, YYYY-MM-DD.
    #[schema(format = Date)]
    pub new_due: Option<String>,
    /// For `forward`: the competent agency's code.
    pub target_agency: Option<String>,
}

/// Take an action on a dossier. Refused with 403 when the caller's role may not take it at
/// this step, 409 when the dossier's state does not allow it.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/actions", tag = "dossiers", request_body = ActionRequest,
    params(("id" = String, Path, description = "Dossier id")),
    responses((status = 200, body = DossierRef), (status = 403, description = "Not allowed for this caller", content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the dossier's state", content_type = "application/problem+json")),
    security(("bearer" = ["dossiers"])))]
pub async fn act(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<ActionRequest>,
) -> ApiResult<Json<DossierRef>> {
    let d = visible(&state, &auth.principal, &id).await?;
    let user = auth.require_user()?;
    let action = body
        .action
        .parse()
        .map_err(|_| AppError::validation("action", "Thao tác không hợp lệ."))?;
    let new_due = match body.new_due.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(day) => Some(
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|_| AppError::validation("new_due", "Ngày hẹn mới có dạng YYYY-MM-DD."))?,
        ),
    };
    let input = ActionInput {
        action,
        note: body.note,
        new_due,
        target_agency: body.target_agency,
        files: Vec::new(),
        reused: Vec::new(),
    };
    service::act(&state, &Who { user, ip: &ip }, &d.id, input).await?;
    Ok(Json(reference(&state, &d.id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AssignRequest {
    /// Id of an active specialist of the agency holding the dossier.
    pub assignee: String,
}

/// Assign a dossier to a named specialist, or reassign it: for a leader or the one-stop clerk
/// of the agency holding it. Audited; the specialist is emailed.
#[utoipa::path(put, path = "/api/v1/dossiers/{id}/assignee", tag = "dossiers", request_body = AssignRequest,
    params(("id" = String, Path, description = "Dossier id")),
    responses((status = 200, body = DossierRef), (status = 403, description = "Not a leader or one-stop clerk of the holding agency", content_type = "application/problem+json"),
        (status = 404, description = "No such dossier in the caller's agency", content_type = "application/problem+json"),
        (status = 409, description = "The dossier is finished", content_type = "application/problem+json"),
        (status = 422, description = "Not an active specialist of the holding agency", content_type = "application/problem+json")),
    security(("bearer" = ["dossiers"])))]
pub async fn assign(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<AssignRequest>,
) -> ApiResult<Json<DossierRef>> {
    checked(&state, &auth.principal, &id, DossierAction::Assign).await?;
    let user = auth.require_user()?;
    super::assignment::assign(&state, &Who { user, ip: &ip }, &id, body.assignee.trim()).await?;
    Ok(Json(reference(&state, &id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    pub id: String,
    pub code: Option<String>,
    pub procedure_name: String,
    pub state: String,
    /// Due moment, Vietnam local time (YYYY-MM-DDTHH:MM:SS); none before the clock starts.
    pub due_local: Option<String>,
    /// overdue, due_today, later or no_deadline.
    pub urgency: String,
}

/// The dossiers assigned to the caller and still open, most pressing first: overdue, then due
/// today, then by due moment.
#[utoipa::path(get, path = "/api/v1/me/work", tag = "dossiers",
    responses((status = 200, body = [WorkItem])),
    security(("bearer" = ["dossiers"])))]
pub async fn my_work(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<WorkItem>>> {
    may_queue(&state, &auth.principal, QueueAction::Work).await?;
    let user = auth.require_user()?;
    let now = tinhso_kernel::time::local_now_typed();
    let work = super::assignment::my_work(&state.db, &user.id).await?;
    Ok(Json(
        work.into_iter()
            .map(|d| WorkItem {
                urgency: tinhso_domain::dossier::urgency(d.due, now)
                    .as_str()
                    .to_owned(),
                due_local: d.due.map(super::LocalDateTime::to_text),
                id: d.id,
                code: d.code.map(|c| c.to_string()),
                procedure_name: d.procedure_name,
                state: d.state.as_str().to_owned(),
            })
            .collect(),
    ))
}
