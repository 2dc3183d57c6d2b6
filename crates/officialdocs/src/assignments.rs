//! The incoming processing flow (Decree 30/2020, Art. 23–24), each step in one transaction with
//! its audit row and its event: the clerk presents a registered document to a leader, the
//! leader directs it (bút phê) to a lead unit and supporting units with a deadline each, the
//! units pass it down to specialists, report progress and close their part; the lead unit's
//! closing makes the document handled (`done`), and the clerk or a leader closes it. Every
//! change of the incoming state is written on the sender's recipient row in the same
//! transaction, so the sender sees the processing status of what it sent.

use crate::events;
use crate::policy::{self, DocumentAction, DocumentPolicy};
use crate::service::Who;
use crate::store::{self, processing};
use crate::{Document, State};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};
use tinhso_domain::official_doc::assignment::{
    self, AssignmentAction, AssignmentActor, AssignmentRole, AssignmentState, CloseReason,
    MAX_NOTE_CHARS,
};
use tinhso_domain::official_doc::incoming::{
    self, Deadline, Direction, IncomingAction, IncomingRole, IncomingState, UnitDeadline,
};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{EventKind, NewEvent, emit};
use tinhso_kernel::time::LocalDateTime;

/// A unit named in a direction, as the leader gives it: the unit's identifier code and either
/// working days or a date (`YYYY-MM-DD`).
#[derive(Debug, Clone, Default)]
pub struct UnitInput {
    pub organ_id: String,
    pub working_days: Option<u32>,
    pub due_date: Option<String>,
}

/// The leader's direction as given.
#[derive(Debug, Clone, Default)]
pub struct DirectionInput {
    pub directions: String,
    pub lead: UnitInput,
    pub supporting: Vec<UnitInput>,
}

/// A document step or an assignment step done inside `tx`: its audit row and its event.
struct Record<'a> {
    action: &'static str,
    before: Value,
    after: Value,
    event: &'static EventKind,
    payload: Value,
    entity: &'a str,
}

async fn record(state: &Ctx, tx: &mut Conn, actor: &Actor, r: Record<'_>) -> Result<(), AppError> {
    audit::record(
        &state.db,
        tx,
        actor,
        Change {
            action: r.action,
            entity_type: "document",
            entity_id: r.entity,
            before: r.before,
            after: r.after,
        },
    )
    .await?;
    emit(
        state,
        tx,
        NewEvent {
            kind: r.event,
            aggregate_id: r.entity,
            payload: r.payload,
            actor,
        },
    )
    .await?;
    Ok(())
}

fn incoming_state(d: &Document) -> Result<IncomingState, AppError> {
    match d.state {
        State::In(s) => Ok(s),
        State::Out(_) => Err(AppError::Conflict(
            "Thao tác này chỉ dành cho văn bản đến.".into(),
        )),
    }
}

/// Moves incoming document `d` to `to` by `who`'s step and tells its sender, in `tx`: on the
/// platform through the sender's recipient row, across platforms by the edXML status it means
/// (with `reason`, a refusal's); a recall request the step leaves nothing to decide on is
/// settled with it ([`crate::exchange::answer::settle_on_move`]).
async fn move_to(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    d: &Document,
    to: IncomingState,
    reason: Option<&str>,
    now: &str,
) -> Result<(), AppError> {
    let from = incoming_state(d)?;
    store::set_state(tx, &d.id, to.as_str(), now).await?;
    processing::set_recipient_status(tx, &d.id, to.as_str(), now).await?;
    crate::exchange::statuses::on_incoming_state(state, tx, d, to, reason).await?;
    crate::exchange::answer::settle_on_move(state, tx, who, d, from, to, now).await
}

/// Locks incoming document `id` and decides, on the locked row, the step `action` by `who`:
/// the document, its state before and after.
async fn locked_step(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    id: &str,
    action: IncomingAction,
) -> Result<(Document, IncomingState, IncomingState), AppError> {
    let d = store::for_update(&state.db, tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let involvement = processing::involvement_in(tx, id, who.user).await?;
    DocumentPolicy::decision_with(who.user, &d, DocumentAction::Process(action), involvement)
        .map_err(AppError::from)?;
    let role = DocumentPolicy::incoming_actor(who.user, &d, action, involvement)
        .map_err(AppError::from)?;
    let from = incoming_state(&d)?;
    let to =
        incoming::transition(from, action, role).map_err(|e| AppError::Conflict(e.to_string()))?;
    Ok((d, from, to))
}

fn note_text(field: &str, text: &str, required: bool) -> Result<String, AppError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(AppError::validation(field, "Thông tin này là bắt buộc."));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::validation(
            field,
            "Nội dung dài tối đa 2000 ký tự.",
        ));
    }
    Ok(text.to_owned())
}

/// The clerk presents a registered document to the agency's leaders (Art. 23.1).
pub async fn present(state: &Ctx, who: &Who<'_>, id: &str, note: &str) -> Result<(), AppError> {
    let note = note_text("Note", note, false)?;
    let mut tx = state.db.begin().await?;
    let (d, from, to) = locked_step(state, &mut tx, who, id, IncomingAction::Present).await?;
    let now = tinhso_kernel::time::now_text();
    move_to(state, &mut tx, who, &d, to, None, &now).await?;
    record(
        state,
        &mut tx,
        &who.actor,
        Record {
            action: "document.present",
            before: json!({ "state": from.as_str() }),
            after: json!({ "state": to.as_str(), "note": note }),
            event: &events::PRESENTED,
            payload: json!({ "document_id": id, "agency_id": d.agency_id }),
            entity: id,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

fn deadline(field: &str, unit: &UnitInput) -> Result<Deadline, AppError> {
    let date = unit
        .due_date
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (unit.working_days, date) {
        (Some(days), None) => Ok(Deadline::WorkingDays(days)),
        (None, Some(text)) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Deadline::Date)
            .map_err(|_| AppError::validation(field, "Ngày có dạng YYYY-MM-DD.")),
        _ => Err(AppError::validation(
            field,
            "Cho mỗi đơn vị một thời hạn: số ngày làm việc (WorkingDays) hoặc hạn giải quyết (DueDate).",
        )),
    }
}

/// The unit named by `code`: a unit of `agency_id` in the directory.
async fn unit_of(
    state: &Ctx,
    field: &str,
    agency_id: &str,
    code: &str,
) -> Result<tinhso_directory::Agency, AppError> {
    let unit = tinhso_directory::find(&state.db, code.trim()).await?;
    match unit {
        Some(u) if u.parent_id.as_deref() == Some(agency_id) => Ok(u),
        Some(_) => Err(AppError::validation(
            field,
            "Đơn vị được giao phải là đơn vị trực thuộc cơ quan nhận văn bản.",
        )),
        None => Err(AppError::validation(
            field,
            "Không có đơn vị với mã định danh này.",
        )),
    }
}

fn direction_error(e: incoming::DirectionError) -> AppError {
    let field = match e {
        incoming::DirectionError::LeadAlsoSupporting
        | incoming::DirectionError::DuplicateSupporting => "SupportingUnits",
        incoming::DirectionError::InstructionsTooLong => "Directions",
        incoming::DirectionError::Calendar(_) => {
            return AppError::Internal(anyhow::anyhow!("calendar: {e}"));
        }
        _ => "DueDate",
    };
    AppError::validation(field, e.to_string())
}

/// The direction with the units resolved to directory ids (checked to be units of the agency).
async fn resolve(
    state: &Ctx,
    agency_id: &str,
    input: &DirectionInput,
) -> Result<Direction<String>, AppError> {
    let lead = unit_of(state, "LeadUnit", agency_id, &input.lead.organ_id).await?;
    let mut supporting = Vec::new();
    for s in &input.supporting {
        let unit = unit_of(state, "SupportingUnits", agency_id, &s.organ_id).await?;
        supporting.push(UnitDeadline {
            unit: unit.id,
            due: deadline("SupportingUnits", s)?,
        });
    }
    Ok(Direction {
        instructions: input.directions.trim().to_owned(),
        lead: UnitDeadline {
            unit: lead.id,
            due: deadline("LeadUnit", &input.lead)?,
        },
        supporting,
    })
}

/// Closes every open assignment of document `id` for `reason`, inside `tx`, each with its
/// audit row and `document.assignment_closed` event. Returns the ids closed.
pub async fn close_open(
    state: &Ctx,
    tx: &mut Conn,
    actor: &Actor,
    id: &str,
    reason: CloseReason,
    now: &str,
) -> Result<Vec<String>, AppError> {
    let local = LocalDateTime::from(tinhso_kernel::time::local_now()).to_text();
    let mut closed = Vec::new();
    for a in processing::open_assignments_in(tx, id).await? {
        let closing = processing::Closing {
            reason: reason.as_str(),
            result: "",
            timeliness: None,
            closed_by: None,
            closed_local: &local,
            now,
        };
        if !processing::close_assignment(tx, &a.id, &closing).await? {
            continue;
        }
        processing::insert_note(tx, &a.id, "closed", None, reason.as_str(), now).await?;
        record(
            state,
            tx,
            actor,
            Record {
                action: "document.assignment_close",
                before: json!({ "assignment": a.id, "state": a.state }),
                after: json!({ "assignment": a.id, "state": "closed", "reason": reason.as_str() }),
                event: &events::ASSIGNMENT_CLOSED,
                payload: json!({
                    "document_id": id,
                    "assignment_id": a.id,
                    "unit_id": a.unit_id,
                    "role": a.role,
                    "reason": reason.as_str(),
                    "timeliness": null,
                }),
                entity: id,
            },
        )
        .await?;
        closed.push(a.id);
    }
    Ok(closed)
}

/// The leader directs the document (bút phê): the lead unit, the supporting units, a deadline
/// each, counted in working days on the platform calendar or given as a date. A new direction
/// replaces the open assignments of the previous one.
pub async fn direct(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: DirectionInput,
) -> Result<(), AppError> {
    // Who may direct comes first: someone who may not learns nothing about the units.
    let d = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let involvement = processing::involvement(&state.db, id, who.user).await?;
    DocumentPolicy::decision_with(
        who.user,
        &d,
        DocumentAction::Process(IncomingAction::Direct),
        involvement,
    )
    .map_err(AppError::from)?;
    let direction = resolve(state, &d.agency_id, &input).await?;
    direction.validate().map_err(direction_error)?;
    let calendar = tinhso_kernel::calendar::load(&state.db).await?;
    let directed_local = tinhso_kernel::time::local_now();
    let due = direction
        .due_moments(&calendar, directed_local)
        .map_err(direction_error)?;
    let mut tx = state.db.begin().await?;
    let (d, from, to) = locked_step(state, &mut tx, who, id, IncomingAction::Direct).await?;
    let now = tinhso_kernel::time::now_text();
    let replaced = close_open(
        state,
        &mut tx,
        &who.actor,
        id,
        CloseReason::Redirected,
        &now,
    )
    .await?;
    let units = std::iter::once((&direction.lead, AssignmentRole::Lead)).chain(
        direction
            .supporting
            .iter()
            .map(|s| (s, AssignmentRole::Supporting)),
    );
    let mut made = Vec::new();
    for ((unit, role), (_, due_at)) in units.zip(&due) {
        let assignment_id = uuid::Uuid::now_v7().to_string();
        let due_local = LocalDateTime::from(*due_at).to_text();
        let days = match unit.due {
            Deadline::WorkingDays(days) => Some(i64::from(days)),
            Deadline::Date(_) => None,
        };
        processing::insert_assignment(
            &mut tx,
            &processing::NewAssignment {
                id: &assignment_id,
                document_id: id,
                agency_id: &d.agency_id,
                unit_id: &unit.unit,
                role: role.as_str(),
                instructions: &direction.instructions,
                directed_by: &who.user.id,
                deadline_days: days,
                due_local: &due_local,
                now: &now,
            },
        )
        .await?;
        made.push(json!({
            "assignment_id": assignment_id,
            "unit_id": unit.unit,
            "role": role.as_str(),
            "due_local": due_local,
        }));
    }
    move_to(state, &mut tx, who, &d, to, None, &now).await?;
    record(
        state,
        &mut tx,
        &who.actor,
        Record {
            action: "document.direct",
            before: json!({ "state": from.as_str() }),
            after: json!({
                "state": to.as_str(),
                "directions": direction.instructions,
                "assignments": made,
                "replaced": replaced,
            }),
            event: &events::DIRECTED,
            payload: json!({
                "document_id": id,
                "agency_id": d.agency_id,
                "assignments": made,
                "replaced": replaced,
            }),
            entity: id,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// The clerk or a leader closes a handled document (or a leader one read for information
/// only); any unit still open on it is closed with it.
pub async fn close_document(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    note: &str,
) -> Result<(), AppError> {
    let note = note_text("Note", note, false)?;
    let mut tx = state.db.begin().await?;
    let (d, from, to) = locked_step(state, &mut tx, who, id, IncomingAction::Close).await?;
    let now = tinhso_kernel::time::now_text();
    let left_open = close_open(
        state,
        &mut tx,
        &who.actor,
        id,
        CloseReason::DocumentClosed,
        &now,
    )
    .await?;
    move_to(state, &mut tx, who, &d, to, None, &now).await?;
    record(
        state,
        &mut tx,
        &who.actor,
        Record {
            action: "document.close",
            before: json!({ "state": from.as_str() }),
            after: json!({ "state": to.as_str(), "note": note, "closed_assignments": left_open }),
            event: &events::CLOSED,
            payload: json!({ "document_id": id, "agency_id": d.agency_id, "from": from.as_str() }),
            entity: id,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// The clerk returns a registered document to its sender (not authentic, or not for this
/// agency), saying why: a sender on another platform gets status 02 with the reason.
pub async fn return_to_sender(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    let reason = note_text("Reason", reason, true)?;
    let mut tx = state.db.begin().await?;
    let (d, from, to) =
        locked_step(state, &mut tx, who, id, IncomingAction::ReturnToSender).await?;
    let now = tinhso_kernel::time::now_text();
    move_to(state, &mut tx, who, &d, to, Some(&reason), &now).await?;
    record(
        state,
        &mut tx,
        &who.actor,
        Record {
            action: "document.return_to_sender",
            before: json!({ "state": from.as_str() }),
            after: json!({ "state": to.as_str(), "reason": reason }),
            event: &events::RETURNED,
            payload: json!({ "document_id": id, "agency_id": d.agency_id }),
            entity: id,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// The recall of outgoing document copies reaches a copy: its open assignments close with the
/// recall as their reason and its sender's row shows it recalled, inside the recall's `tx`.
pub async fn on_recall(
    state: &Ctx,
    tx: &mut Conn,
    actor: &Actor,
    copy_id: &str,
    now: &str,
) -> Result<Vec<String>, AppError> {
    processing::set_recipient_status(tx, copy_id, IncomingState::Recalled.as_str(), now).await?;
    close_open(state, tx, actor, copy_id, CloseReason::Recalled, now).await
}

/// The role in which `user` acts on assignment `a`: a leader of its unit, or the specialist it
/// was passed down to.
pub fn assignment_actor(user: &User, a: &processing::Assignment) -> Option<AssignmentActor> {
    if !user.is_official() {
        return None;
    }
    if user.agency_id.as_deref() == Some(a.unit_id.as_str()) && user.has_role(Role::Leader) {
        Some(AssignmentActor::UnitLeader)
    } else if a.handler_id.as_deref() == Some(user.id.as_str()) {
        Some(AssignmentActor::Handler)
    } else {
        None
    }
}

/// A step on one assignment.
#[derive(Debug, Clone)]
pub enum AssignmentStep {
    /// To this official of the unit (a specialist or a leader).
    PassDown {
        handler_id: String,
        note: String,
    },
    Report {
        note: String,
    },
    Close {
        result: String,
    },
}

impl AssignmentStep {
    fn action(&self) -> AssignmentAction {
        match self {
            AssignmentStep::PassDown { .. } => AssignmentAction::PassDown,
            AssignmentStep::Report { .. } => AssignmentAction::Report,
            AssignmentStep::Close { .. } => AssignmentAction::Close,
        }
    }
}

/// Loads and locks document `id` and its assignment `assignment_id` for `who`, deciding who
/// they are on it: someone who may not read the document learns nothing (404); someone who
/// reads it but is neither the unit's leader nor its handler is refused (403).
async fn locked_assignment(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    id: &str,
    assignment_id: &str,
) -> Result<(Document, processing::Assignment, AssignmentActor), AppError> {
    let d = store::for_update(&state.db, tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let involvement = processing::involvement_in(tx, id, who.user).await?;
    DocumentPolicy::decision_with(who.user, &d, DocumentAction::View, involvement)
        .map_err(AppError::from)?;
    let a = processing::assignment_for_update(&state.db, tx, id, assignment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = assignment_actor(who.user, &a).ok_or(AppError::Forbidden)?;
    if incoming::is_final(incoming_state(&d)?) {
        return Err(AppError::Conflict(
            "Văn bản đã kết thúc xử lý (đã đóng, trả lại hoặc bị thu hồi).".into(),
        ));
    }
    Ok((d, a, actor))
}

/// A unit's step on its assignment: pass down, report progress, close with the result. The
/// lead unit's first step starts the document's handling; its closing makes it `done`.
pub async fn act_on_assignment(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    assignment_id: &str,
    step: AssignmentStep,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let (d, a, actor) = locked_assignment(state, &mut tx, who, id, assignment_id).await?;
    let from: AssignmentState = a
        .state
        .parse()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("assignment state {}", a.state)))?;
    let to = assignment::act(from, step.action(), actor).map_err(|e| match e {
        assignment::AssignmentError::WrongActor => AppError::Forbidden,
        closed => AppError::Conflict(closed.to_string()),
    })?;
    let now = tinhso_kernel::time::now_text();
    let lead = a.role == AssignmentRole::Lead.as_str();
    let (action, event, mut after, mut payload) = match &step {
        AssignmentStep::PassDown { handler_id, note } => {
            let note = note_text("Note", note, false)?;
            match processing::unit_official(&mut tx, &a.unit_id, handler_id).await? {
                Some(true) => {}
                Some(false) => {
                    return Err(AppError::validation(
                        "Handler",
                        "Người được giao phải là chuyên viên hoặc lãnh đạo của đơn vị.",
                    ));
                }
                None => {
                    return Err(AppError::validation(
                        "Handler",
                        "Người được giao không thuộc đơn vị được giao xử lý.",
                    ));
                }
            }
            processing::set_assignment_state(&mut tx, &a.id, to.as_str(), Some(handler_id), &now)
                .await?;
            processing::insert_note(&mut tx, &a.id, "pass_down", Some(&who.user.id), &note, &now)
                .await?;
            (
                "document.assignment_pass_down",
                &events::PASSED_DOWN,
                json!({ "handler": handler_id, "note": note }),
                json!({ "handler_id": handler_id }),
            )
        }
        AssignmentStep::Report { note } => {
            let note = note_text("Note", note, true)?;
            processing::set_assignment_state(&mut tx, &a.id, to.as_str(), None, &now).await?;
            processing::insert_note(&mut tx, &a.id, "progress", Some(&who.user.id), &note, &now)
                .await?;
            (
                "document.assignment_report",
                &events::PROGRESS_REPORTED,
                json!({ "note": note }),
                json!({}),
            )
        }
        AssignmentStep::Close { result } => {
            let result = note_text("Result", result, true)?;
            let closed_local = tinhso_kernel::time::local_now();
            let due = LocalDateTime::parse(&a.due_local)
                .map(NaiveDateTime::from)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("due {}", a.due_local)))?;
            let timeliness = assignment::timeliness(due, closed_local);
            let closing = processing::Closing {
                reason: CloseReason::Completed.as_str(),
                result: &result,
                timeliness: Some(timeliness.as_str()),
                closed_by: Some(&who.user.id),
                closed_local: &LocalDateTime::from(closed_local).to_text(),
                now: &now,
            };
            if !processing::close_assignment(&mut tx, &a.id, &closing).await? {
                return Err(AppError::Conflict(
                    assignment::AssignmentError::Closed.to_string(),
                ));
            }
            processing::insert_note(&mut tx, &a.id, "result", Some(&who.user.id), &result, &now)
                .await?;
            (
                "document.assignment_close",
                &events::ASSIGNMENT_CLOSED,
                json!({ "result": result, "timeliness": timeliness.as_str() }),
                json!({ "role": a.role, "reason": "completed", "timeliness": timeliness.as_str() }),
            )
        }
    };
    after["assignment"] = json!(a.id);
    after["state"] = json!(to.as_str());
    payload["document_id"] = json!(id);
    payload["assignment_id"] = json!(a.id);
    payload["unit_id"] = json!(a.unit_id);
    record(
        state,
        &mut tx,
        &who.actor,
        Record {
            action,
            before: json!({ "assignment": a.id, "state": from.as_str() }),
            after,
            event,
            payload,
            entity: id,
        },
    )
    .await?;
    if lead {
        advance_document(state, &mut tx, who, &d, to == AssignmentState::Closed, &now).await?;
    }
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// The document follows its lead unit: handling starts with the unit's first step (`start`)
/// and is done when it closes (`complete`).
async fn advance_document(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    d: &Document,
    lead_closed: bool,
    now: &str,
) -> Result<(), AppError> {
    // The unit's person acting is the lead unit's handler (Art. 24).
    let from = incoming_state(d)?;
    let mut current = from;
    let mut steps = vec![IncomingAction::Start];
    if lead_closed {
        steps.push(IncomingAction::Complete);
    }
    for action in steps {
        if let Ok(next) = incoming::transition(current, action, IncomingRole::Handler) {
            current = next;
        }
    }
    if current == from {
        return Ok(());
    }
    move_to(state, tx, who, d, current, None, now).await?;
    let done = current == IncomingState::Done;
    audit::record(
        &state.db,
        tx,
        &who.actor,
        Change {
            action: if done {
                "document.complete"
            } else {
                "document.start"
            },
            entity_type: "document",
            entity_id: &d.id,
            before: json!({ "state": from.as_str() }),
            after: json!({ "state": current.as_str() }),
        },
    )
    .await?;
    if done {
        emit(
            state,
            tx,
            NewEvent {
                kind: &events::DONE,
                aggregate_id: &d.id,
                payload: json!({ "document_id": d.id, "agency_id": d.agency_id }),
                actor: &who.actor,
            },
        )
        .await?;
    }
    Ok(())
}

/// Whether `user` sees the agency's overdue assignments and its per-unit counts: its document
/// clerk and its leaders.
pub fn sees_agency_reports(user: &User) -> bool {
    policy::keeps_incoming(user, false)
}

/// The open assignments of `user`'s agency (or unit) past their deadline, the longest overdue
/// first (the first 500): the overdue view of its clerk and leaders.
pub async fn overdue_for(
    state: &Ctx,
    user: &User,
) -> Result<Vec<processing::OpenAssignment>, AppError> {
    let agency = user.agency_id.as_deref().unwrap_or_default();
    let now = LocalDateTime::from(tinhso_kernel::time::local_now()).to_text();
    processing::overdue(&state.db, agency, &now, 500).await
}

/// The open assignments `user` works on, the earliest due first (the first 500): their unit's
/// when they lead it, and those passed down to them.
pub async fn assigned_to(
    state: &Ctx,
    user: &User,
) -> Result<Vec<processing::OpenAssignment>, AppError> {
    let unit = user
        .agency_id
        .as_deref()
        .filter(|_| user.has_role(Role::Leader));
    processing::open_for(&state.db, unit, &user.id, 500).await
}

/// A day typed in a period (`YYYY-MM-DD`), `default` when left empty.
fn day(field: &str, text: Option<&str>, default: NaiveDate) -> Result<NaiveDate, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| AppError::validation(field, "Ngày có dạng YYYY-MM-DD.")),
    }
}

/// Handling on time and late per unit of `user`'s agency (or unit) from `from` to `to`
/// (1 January of this year and today when empty): for its document clerk and leaders, through
/// the API and the page alike.
pub async fn timeliness_for(
    state: &Ctx,
    user: &User,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<processing::UnitTimeliness>, AppError> {
    if !sees_agency_reports(user) {
        return Err(AppError::Forbidden);
    }
    let now = tinhso_kernel::time::local_now();
    let today = now.date();
    let january = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let from = day("From", from, january)?;
    let to = day("To", to, today)?;
    let (from, until) = period(from, to)?;
    let agency = user.agency_id.as_deref().unwrap_or_default();
    let now = LocalDateTime::from(now).to_text();
    processing::timeliness(&state.db, agency, &from, &until, &now).await
}

/// A period's bounds as local-time text: from the first day's start to the day after the last.
pub fn period(from: NaiveDate, to: NaiveDate) -> Result<(String, String), AppError> {
    if to < from {
        return Err(AppError::validation(
            "To",
            "Ngày kết thúc phải sau ngày bắt đầu.",
        ));
    }
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = to
        .succ_opt()
        .unwrap_or(to)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    Ok((
        LocalDateTime::from(start).to_text(),
        LocalDateTime::from(end).to_text(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_kernel::auth::UserKind;

    fn official(id: &str, agency: &str, roles: &[Role]) -> User {
        User {
            id: id.into(),
            kind: UserKind::Official,
            full_name: id.into(),
            email: None,
            agency_id: Some(agency.into()),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    fn assignment(handler: Option<&str>) -> processing::Assignment {
        processing::Assignment {
            id: "a".into(),
            document_id: "d".into(),
            agency_id: "stp".into(),
            unit_id: "hctp".into(),
            unit_code: "000.02.14.H56".into(),
            unit_name: "Phòng".into(),
            role: "lead".into(),
            instructions: String::new(),
            directed_by: "l".into(),
            directed_at: String::new(),
            deadline_days: Some(5),
            due_local: "2026-12-01T17:00:00".into(),
            handler_id: handler.map(Into::into),
            handler_name: None,
            state: "assigned".into(),
            closed_at: None,
            closed_local: None,
            close_reason: None,
            result: None,
            timeliness: None,
        }
    }

    #[test]
    fn the_units_leader_and_its_handler_act_on_an_assignment() {
        let a = assignment(Some("spec"));
        assert_eq!(
            assignment_actor(&official("h", "hctp", &[Role::Leader]), &a),
            Some(AssignmentActor::UnitLeader)
        );
        assert_eq!(
            assignment_actor(&official("spec", "hctp", &[Role::Specialist]), &a),
            Some(AssignmentActor::Handler)
        );
        // Another specialist of the unit, the agency's leader, another unit's leader: no.
        for u in [
            official("other", "hctp", &[Role::Specialist]),
            official("director", "stp", &[Role::Leader]),
            official("h2", "tgpl", &[Role::Leader]),
        ] {
            assert_eq!(assignment_actor(&u, &a), None, "{}", u.id);
        }
    }

    #[test]
    fn a_period_runs_to_the_end_of_its_last_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(
            period(d(11, 1), d(11, 30)).unwrap(),
            (
                "2026-11-01T00:00:00".to_owned(),
                "2026-12-01T00:00:00".to_owned()
            )
        );
        assert!(period(d(11, 30), d(11, 1)).is_err());
    }
}
