//! The incoming processing flow and comments on draft versions under `/api/v1/documents`, with
//! Decree 30/2020 Appendix VI and edXML style names (`Directions`, `LeadUnit`,
//! `SupportingUnits`, `DueDate`, `StatusCode`…). Token scope `documents`.

use crate::api::{OfficialDoc, signed_in, who};
use crate::assignments::{self, AssignmentStep, DirectionInput, UnitInput};
use crate::policy::{DocumentAction, checked};
use crate::store::processing::{self, Assignment, Comment, Note};
use crate::{Direction, Document};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tinhso_domain::official_doc::assignment::{self as rules, AssignmentState};
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::time::LocalDateTime;
use utoipa_axum::routes;

pub fn routes() -> Routes {
    Routes::new("documents")
        .api(Access::Entity("document"), routes!(present))
        .api(Access::Entity("document"), routes!(direct))
        .api(Access::Entity("document"), routes!(close))
        .api(Access::Entity("document"), routes!(return_to_sender))
        .api(Access::Entity("document"), routes!(recall_request))
        .api(Access::Entity("document"), routes!(accept_recall))
        .api(Access::Entity("document"), routes!(refuse_recall))
        .api(Access::Entity("document"), routes!(assignment_action))
        .api(Access::Entity("document"), routes!(overdue))
        .api(Access::Entity("document"), routes!(assigned))
        .api(Access::Entity("document"), routes!(timeliness))
        .api(Access::Entity("document"), routes!(comments, comment))
}

/// A note on a unit's assignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocAssignmentNote {
    /// `pass_down`, `progress`, `result`, or `closed` (closed by the system, the reason as
    /// content).
    pub kind: String,
    pub author: Option<String>,
    pub content: String,
    pub created_at: String,
}

/// A unit named in the leader's direction: its part, deadline, handler and how it ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocAssignment {
    pub id: String,
    /// The unit's identifier code and name.
    pub organ_id: String,
    pub organ_name: String,
    /// `lead` (chủ trì) or `supporting` (phối hợp).
    pub role: String,
    /// The leader's direction (bút phê).
    pub directions: String,
    /// The working days given, when the deadline was given so.
    pub working_days: Option<i64>,
    /// The deadline, Vietnam local time (`2026-12-04T17:00:00`).
    pub due_date: String,
    /// The unit's specialist it was passed down to.
    pub handler: Option<String>,
    pub handler_name: Option<String>,
    /// `assigned`, `in_progress` or `closed`.
    pub state: String,
    /// Past its deadline and still open.
    pub overdue: bool,
    /// `completed`, `redirected`, `document_closed` or `recalled`.
    pub close_reason: Option<String>,
    pub closed_date: Option<String>,
    /// The unit's result.
    pub result: Option<String>,
    /// `on_time` or `late`, for a unit that completed it.
    pub timeliness: Option<String>,
    pub notes: Vec<OfficialDocAssignmentNote>,
}

/// A comment on a version of a draft.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocComment {
    pub id: String,
    pub version: i64,
    pub author: String,
    pub author_name: String,
    pub content: String,
    pub created_at: String,
}

impl From<Comment> for OfficialDocComment {
    fn from(c: Comment) -> Self {
        OfficialDocComment {
            id: c.id,
            version: c.version,
            author: c.author_id,
            author_name: c.author_name,
            content: c.body,
            created_at: c.created_at,
        }
    }
}

/// The recipient's processing status, as its sender sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingStatus {
    /// The recipient's incoming state: registered, presented, directed, in_progress, done,
    /// closed, returned, recalled.
    pub state: String,
    /// The edXML status code (03 registered, 04 assigned, 05 in progress, 06 done, 15
    /// recalled).
    pub status_code: String,
    /// When it last changed (UTC), once the recipient acted.
    pub updated_at: Option<String>,
}

/// What the document view adds for the processing flow: the units' assignments (incoming), the
/// comments (outgoing) and the recipients' processing status (outgoing).
#[derive(Debug, Default)]
pub struct Extras {
    pub assignments: Vec<OfficialDocAssignment>,
    pub comments: Vec<OfficialDocComment>,
    statuses: HashMap<String, ProcessingStatus>,
}

impl Extras {
    pub async fn load(state: &Ctx, d: &Document) -> Result<Extras, AppError> {
        let mut extras = Extras::default();
        match d.direction {
            Direction::In => {
                extras.assignments = assignment_views(state, &d.id).await?;
            }
            Direction::Out => {
                extras.comments = processing::comments(&state.db, &d.id)
                    .await?
                    .into_iter()
                    .map(Into::into)
                    .collect();
                for (incoming_id, s, at) in processing::recipient_statuses(&state.db, &d.id).await?
                {
                    let Ok(parsed) = s.parse::<IncomingState>() else {
                        continue;
                    };
                    extras.statuses.insert(
                        incoming_id,
                        ProcessingStatus {
                            state: parsed.as_str().to_owned(),
                            status_code: parsed.edxml_status().to_owned(),
                            updated_at: at,
                        },
                    );
                }
            }
        }
        Ok(extras)
    }

    /// The processing status of the copy delivered as `incoming_id`.
    pub fn status(&self, incoming_id: Option<&str>) -> Option<ProcessingStatus> {
        incoming_id.and_then(|id| self.statuses.get(id).cloned())
    }
}

fn assignment_view(
    a: Assignment,
    notes: &mut HashMap<String, Vec<OfficialDocAssignmentNote>>,
    now: chrono::NaiveDateTime,
) -> OfficialDocAssignment {
    let state = a.state.parse().unwrap_or(AssignmentState::Closed);
    let overdue = LocalDateTime::parse(&a.due_local)
        .is_some_and(|due| rules::is_overdue(state, due.naive(), now));
    OfficialDocAssignment {
        notes: notes.remove(&a.id).unwrap_or_default(),
        id: a.id,
        organ_id: a.unit_code,
        organ_name: a.unit_name,
        role: a.role,
        directions: a.instructions,
        working_days: a.deadline_days,
        due_date: a.due_local,
        handler: a.handler_id,
        handler_name: a.handler_name,
        state: a.state,
        overdue,
        close_reason: a.close_reason,
        closed_date: a.closed_local,
        result: a.result,
        timeliness: a.timeliness,
    }
}

async fn assignment_views(
    state: &Ctx,
    document_id: &str,
) -> Result<Vec<OfficialDocAssignment>, AppError> {
    let mut notes: HashMap<String, Vec<OfficialDocAssignmentNote>> = HashMap::new();
    for n in processing::notes(&state.db, document_id).await? {
        let Note {
            assignment_id,
            kind,
            author_name,
            body,
            created_at,
            ..
        } = n;
        notes
            .entry(assignment_id)
            .or_default()
            .push(OfficialDocAssignmentNote {
                kind,
                author: author_name,
                content: body,
                created_at,
            });
    }
    let now = tinhso_kernel::time::local_now();
    Ok(processing::assignments(&state.db, document_id)
        .await?
        .into_iter()
        .map(|a| assignment_view(a, &mut notes, now))
        .collect())
}

async fn document(state: &Ctx, id: &str) -> Result<OfficialDoc, AppError> {
    let d = crate::store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::api::view(state, d).await
}

/// A step with no more than a note.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocStepRequest {
    #[serde(default)]
    pub note: String,
}

/// Present a registered incoming document to the agency's leaders: its document clerk (văn
/// thư). 403 for anyone else of the agency, 404 for other agencies, 409 when it is not
/// registered.
#[utoipa::path(post, path = "/api/v1/documents/{id}/present", tag = "documents", request_body = OfficialDocStepRequest,
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the document's state", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn present(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocStepRequest>,
) -> ApiResult<Json<OfficialDoc>> {
    let action = tinhso_domain::official_doc::incoming::IncomingAction::Present;
    checked(
        &state,
        &auth.principal,
        &id,
        DocumentAction::Process(action),
    )
    .await?;
    assignments::present(&state, &who(&auth, &ip)?, &id, &body.note).await?;
    Ok(Json(document(&state, &id).await?))
}

/// A unit named in a direction: its identifier code and either `WorkingDays` (counted on the
/// platform calendar from the direction) or `DueDate` (YYYY-MM-DD, due at the close of office).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocUnitDeadline {
    pub organ_id: String,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub due_date: Option<String>,
}

impl From<OfficialDocUnitDeadline> for UnitInput {
    fn from(u: OfficialDocUnitDeadline) -> Self {
        UnitInput {
            organ_id: u.organ_id,
            working_days: u.working_days,
            due_date: u.due_date,
        }
    }
}

/// The leader's direction (bút phê).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocDirection {
    /// What to do (at most 2000 characters).
    #[serde(default)]
    pub directions: String,
    /// The lead unit (đơn vị chủ trì): a unit of the agency.
    pub lead_unit: OfficialDocUnitDeadline,
    /// Supporting units (phối hợp), none or more, never the lead unit.
    #[serde(default)]
    pub supporting_units: Vec<OfficialDocUnitDeadline>,
}

/// Direct a presented incoming document (a leader of the agency): the lead unit, supporting
/// units and a deadline for each. Directing again replaces the open assignments. 422 for a
/// unit that is not a unit of the agency, the lead unit also supporting, a deadline of zero
/// working days or in the past.
#[utoipa::path(post, path = "/api/v1/documents/{id}/direction", tag = "documents", request_body = OfficialDocDirection,
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not a leader of the agency", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the document's state", content_type = "application/problem+json"),
        (status = 422, description = "Invalid unit or deadline", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn direct(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocDirection>,
) -> ApiResult<Json<OfficialDoc>> {
    let action = tinhso_domain::official_doc::incoming::IncomingAction::Direct;
    checked(
        &state,
        &auth.principal,
        &id,
        DocumentAction::Process(action),
    )
    .await?;
    let input = DirectionInput {
        directions: body.directions,
        lead: body.lead_unit.into(),
        supporting: body.supporting_units.into_iter().map(Into::into).collect(),
    };
    assignments::direct(&state, &who(&auth, &ip)?, &id, input).await?;
    Ok(Json(document(&state, &id).await?))
}

/// Close an incoming document: a handled one (its clerk, a leader, the lead unit), or one a
/// leader read for information only. Units still open on it are closed with it.
#[utoipa::path(post, path = "/api/v1/documents/{id}/close", tag = "documents", request_body = OfficialDocStepRequest,
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not allowed for this caller", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not handled yet, or already closed", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn close(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocStepRequest>,
) -> ApiResult<Json<OfficialDoc>> {
    let action = tinhso_domain::official_doc::incoming::IncomingAction::Close;
    checked(
        &state,
        &auth.principal,
        &id,
        DocumentAction::Process(action),
    )
    .await?;
    assignments::close_document(&state, &who(&auth, &ip)?, &id, &body.note).await?;
    Ok(Json(document(&state, &id).await?))
}

/// Why a registered document goes back to its sender.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocReturnRequest {
    /// Required: not authentic, not for this agency, … (sent to a sender on another platform
    /// as the description of status 02).
    #[serde(default)]
    pub reason: String,
}

/// Return a registered incoming document to its sender: its document clerk (văn thư), with
/// the reason. A document that came through the edXML exchange sends status 02 back.
#[utoipa::path(post, path = "/api/v1/documents/{id}/return", tag = "documents", request_body = OfficialDocReturnRequest,
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not registered (presented or handled already)", content_type = "application/problem+json"),
        (status = 422, description = "No reason given", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn return_to_sender(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocReturnRequest>,
) -> ApiResult<Json<OfficialDoc>> {
    let action = tinhso_domain::official_doc::incoming::IncomingAction::ReturnToSender;
    checked(
        &state,
        &auth.principal,
        &id,
        DocumentAction::Process(action),
    )
    .await?;
    assignments::return_to_sender(&state, &who(&auth, &ip)?, &id, &body.reason).await?;
    Ok(Json(document(&state, &id).await?))
}

/// A recall (edXML status 13) the sending platform asked for an incoming copy registered from
/// the exchange, and the receiving document clerk's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocRecallRequest {
    /// The incoming document (our copy).
    pub document_id: String,
    /// The sender's agency code and the package's edXML `DocumentId`.
    pub from_organ_id: String,
    pub exchange_document_id: String,
    /// What the sender wrote with the recall.
    pub description: Option<String>,
    /// `pending`, `accepted` (withdrawn, 15 sent), `refused` (16 sent with `Reason`) or
    /// `closed` (the copy was returned to its sender while the request waited: 16 sent, with
    /// `Reason` saying there is nothing left to withdraw; it can no longer be answered).
    pub state: String,
    pub reason: Option<String>,
    pub requested_at: String,
    pub decided_at: Option<String>,
}

impl From<crate::exchange::store::RecallRequest> for OfficialDocRecallRequest {
    fn from(r: crate::exchange::store::RecallRequest) -> Self {
        OfficialDocRecallRequest {
            document_id: r.document_id,
            from_organ_id: r.from_organ_id,
            exchange_document_id: r.exchange_document_id,
            description: r.description,
            state: r.state,
            reason: r.reason,
            requested_at: r.requested_at,
            decided_at: r.decided_at,
        }
    }
}

/// Why a recall is refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocRecallRefusal {
    /// Required, at most 2000 characters: sent to the sender as the description of status 16.
    #[serde(default)]
    pub reason: String,
}

/// The recall request on an incoming document received through the exchange: for the people
/// of the agency holding it. 404 when none came.
#[utoipa::path(get, path = "/api/v1/documents/{id}/recall-request", tag = "documents",
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDocRecallRequest),
        (status = 404, description = "No such document, not the caller's, or no recall request on it", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn recall_request(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OfficialDocRecallRequest>> {
    checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let request = crate::exchange::store::recall_request(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(request.into()))
}

/// Accept the sending platform's recall of an incoming document: the agency's document clerk
/// (văn thư). The copy is withdrawn (its units stop) and status 15 goes back. Accepting again
/// changes nothing (200, the same answer).
#[utoipa::path(post, path = "/api/v1/documents/{id}/recall-request/accept", tag = "documents",
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDocRecallRequest),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such document, not the caller's, or no recall request on it", content_type = "application/problem+json"),
        (status = 409, description = "Refused already, closed by the document's return to its sender, or the document can no longer be withdrawn (the message says why)", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn accept_recall(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<Json<OfficialDocRecallRequest>> {
    checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let decision = crate::exchange::answer::Decision::Accept;
    let request = crate::exchange::answer::decide(&state, &who(&auth, &ip)?, &id, decision).await?;
    Ok(Json(request.into()))
}

/// Refuse the sending platform's recall of an incoming document, with the reason: the agency's
/// document clerk (văn thư). Status 16 goes back with the reason. Refusing again changes
/// nothing (200, the first reason stays).
#[utoipa::path(post, path = "/api/v1/documents/{id}/recall-request/refuse", tag = "documents", request_body = OfficialDocRecallRefusal,
    params(("id" = String, Path, description = "Incoming document id")),
    responses((status = 200, body = OfficialDocRecallRequest),
        (status = 403, description = "Not the agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such document, not the caller's, or no recall request on it", content_type = "application/problem+json"),
        (status = 409, description = "Accepted already, or closed by the document's return to its sender (the message says why)", content_type = "application/problem+json"),
        (status = 422, description = "No reason given, or longer than 2000 characters", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn refuse_recall(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocRecallRefusal>,
) -> ApiResult<Json<OfficialDocRecallRequest>> {
    checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let decision = crate::exchange::answer::Decision::Refuse(body.reason);
    let request = crate::exchange::answer::decide(&state, &who(&auth, &ip)?, &id, decision).await?;
    Ok(Json(request.into()))
}

/// A unit's step on its assignment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocAssignmentAction {
    /// `pass_down` (the unit's leader, to `Handler`), `report` (a progress `Note`), `close`
    /// (with its `Result`).
    pub action: String,
    /// For `pass_down`: the user id of a specialist or leader of the unit.
    #[serde(default)]
    pub handler: Option<String>,
    #[serde(default)]
    pub note: String,
    /// For `close`: what the unit did.
    #[serde(default)]
    pub result: String,
}

/// A unit's step on its assignment: pass it down to a specialist of the unit (its leader),
/// report progress or close it with the result (its leader or that specialist). The lead
/// unit's closing makes the document handled (`done`). 409 once closed.
#[utoipa::path(post, path = "/api/v1/documents/{id}/assignments/{assignment_id}/actions", tag = "documents",
    request_body = OfficialDocAssignmentAction,
    params(("id" = String, Path, description = "Incoming document id"),
        ("assignment_id" = String, Path, description = "The unit's assignment")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not the unit's leader or handler", content_type = "application/problem+json"),
        (status = 404, description = "No such document or assignment, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "The assignment or the document is closed", content_type = "application/problem+json"),
        (status = 422, description = "Missing note or result, or a handler outside the unit", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn assignment_action(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, assignment_id)): Path<(String, String)>,
    Json(body): Json<OfficialDocAssignmentAction>,
) -> ApiResult<Json<OfficialDoc>> {
    checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let step = match body.action.trim() {
        "pass_down" => AssignmentStep::PassDown {
            handler_id: body
                .handler
                .filter(|h| !h.trim().is_empty())
                .ok_or_else(|| {
                    AppError::validation("Handler", "Chọn chuyên viên của đơn vị để giao.")
                })?,
            note: body.note,
        },
        "report" => AssignmentStep::Report { note: body.note },
        "close" => AssignmentStep::Close {
            result: body.result,
        },
        _ => {
            return Err(AppError::validation(
                "Action",
                "Thao tác là pass_down, report hoặc close.",
            )
            .into());
        }
    };
    assignments::act_on_assignment(&state, &who(&auth, &ip)?, &id, &assignment_id, step).await?;
    Ok(Json(document(&state, &id).await?))
}

/// An open assignment with its document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocOpenAssignment {
    pub document_id: String,
    pub assignment_id: String,
    pub subject: String,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    /// The sender.
    pub organ_name: String,
    pub arrival_number: Option<i64>,
    /// The unit's identifier code and name.
    pub unit_id: String,
    pub unit_name: String,
    pub role: String,
    pub due_date: String,
    pub handler_name: Option<String>,
}

/// The open assignments of the caller's agency (or unit) that are past their deadline, the
/// longest overdue first (the first 500): for its document clerk and leaders.
#[utoipa::path(get, path = "/api/v1/documents/overdue", tag = "documents",
    responses((status = 200, body = [OfficialDocOpenAssignment]),
        (status = 403, description = "Not a document clerk or leader", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn overdue(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<OfficialDocOpenAssignment>>> {
    let user = signed_in(&auth)?;
    if !assignments::sees_agency_reports(user) {
        return Err(AppError::Forbidden.into());
    }
    let rows = assignments::overdue_for(&state, user).await?;
    Ok(Json(rows.into_iter().map(open_view).collect()))
}

fn open_view(o: processing::OpenAssignment) -> OfficialDocOpenAssignment {
    OfficialDocOpenAssignment {
        document_id: o.document_id,
        assignment_id: o.assignment_id,
        subject: o.subject,
        code_number: o.code_number,
        code_notation: o.code_notation,
        organ_name: o.organ_name,
        arrival_number: o.arrival_number,
        unit_id: o.unit_code,
        unit_name: o.unit_name,
        role: o.role,
        due_date: o.due_local,
        handler_name: o.handler_name,
    }
}

/// The open assignments the caller works on, the earliest due first (the first 500): their
/// unit's when they lead it, and those passed down to them.
#[utoipa::path(get, path = "/api/v1/documents/assigned", tag = "documents",
    responses((status = 200, body = [OfficialDocOpenAssignment]),
        (status = 403, description = "Not an official", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn assigned(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<OfficialDocOpenAssignment>>> {
    let user = signed_in(&auth)?;
    if !user.is_official() {
        return Err(AppError::Forbidden.into());
    }
    let rows = assignments::assigned_to(&state, user).await?;
    Ok(Json(rows.into_iter().map(open_view).collect()))
}

/// The period of the per-unit counts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "PascalCase")]
#[into_params(parameter_in = Query, rename_all = "PascalCase")]
pub struct PeriodQuery {
    /// First day (YYYY-MM-DD, Vietnam time); default 1 January this year.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
}

/// A unit's handling in the period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocUnitTimeliness {
    pub unit_id: String,
    pub unit_name: String,
    /// Completed in the period by the deadline.
    pub on_time: i64,
    /// Completed in the period after the deadline.
    pub late: i64,
    /// Still open, due within the period and already past the deadline.
    pub open_overdue: i64,
}

/// Handling on time and late per unit of the caller's agency in a period: for its document
/// clerk and leaders.
#[utoipa::path(get, path = "/api/v1/documents/timeliness", tag = "documents", params(PeriodQuery),
    responses((status = 200, body = [OfficialDocUnitTimeliness]),
        (status = 403, description = "Not a document clerk or leader", content_type = "application/problem+json"),
        (status = 422, description = "Invalid period", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn timeliness(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Vec<OfficialDocUnitTimeliness>>> {
    let user = signed_in(&auth)?;
    let rows =
        assignments::timeliness_for(&state, user, q.from.as_deref(), q.to.as_deref()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| OfficialDocUnitTimeliness {
                unit_id: r.unit_code,
                unit_name: r.unit_name,
                on_time: r.on_time,
                late: r.late,
                open_overdue: r.open_overdue,
            })
            .collect(),
    ))
}

/// The comments on a document's versions, oldest first: for whoever reads the document.
#[utoipa::path(get, path = "/api/v1/documents/{id}/comments", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = [OfficialDocComment]),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn comments(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<OfficialDocComment>>> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    Ok(Json(
        processing::comments(&state.db, &d.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A new comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocCommentRequest {
    /// The version commented on; the latest when absent.
    #[serde(default)]
    pub version: Option<i64>,
    pub content: String,
}

/// Comment on a version of a draft on its way to signature: its drafter, the unit head, the
/// form checker or the signer. 409 once it is approved.
#[utoipa::path(post, path = "/api/v1/documents/{id}/comments", tag = "documents", request_body = OfficialDocCommentRequest,
    params(("id" = String, Path, description = "Document id")),
    responses((status = 201, body = OfficialDocComment),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "No longer under review, or not a draft", content_type = "application/problem+json"),
        (status = 422, description = "Empty comment or no such version", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn comment(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocCommentRequest>,
) -> ApiResult<(StatusCode, Json<OfficialDocComment>)> {
    checked(&state, &auth.principal, &id, DocumentAction::Comment).await?;
    let who = who(&auth, &ip)?;
    let comment_id = crate::comments::add(&state, &who, &id, body.version, &body.content).await?;
    let created = processing::comments(&state.db, &id)
        .await?
        .into_iter()
        .find(|c| c.id == comment_id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(created.into())))
}
