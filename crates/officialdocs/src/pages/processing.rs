//! The incoming processing flow on the officials' pages: on an incoming document's page, the
//! steps the person may take now (the clerk presents it, a leader directs it to the agency's
//! units with a deadline each, a unit's leader passes its part down, a unit reports and closes
//! its part, the clerk or a leader closes the document), and two lists: the agency's overdue
//! assignments and a person's open ones. Every step calls the same service functions as the
//! API (`crate::assignments`) and is decided by `DocumentPolicy` there and here.

use super::{Shown, official, printed_number, refusal_text, render_document, section, store, who};
use crate::Direction;
use crate::Document;
use crate::assignments::{self, AssignmentStep, DirectionInput, UnitInput};
use crate::exchange::answer::Decision;
use crate::policy::{DocumentAction, DocumentPolicy, checked};
use crate::store::processing;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use std::collections::BTreeMap;
use tinhso_domain::official_doc::assignment::{self as rules, AssignmentAction, AssignmentState};
use tinhso_domain::official_doc::incoming::{self, IncomingAction};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::User;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::Path;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::Page;
use tinhso_kernel::web::confirm::{self, Confirmation};

pub fn routes() -> Routes {
    let entity = Access::Entity("document");
    Routes::new("documents")
        .get("/office/documents/overdue", entity, overdue_page)
        .get("/office/documents/assigned", entity, assigned_page)
        .post("/office/documents/{id}/processing", entity, process)
        .post(
            "/office/documents/{id}/assignments/{assignment_id}",
            entity,
            assignment_step,
        )
}

/// The `done` messages of the flow's steps (`doc_done_<step>`).
pub const DONE: [&str; 9] = [
    "present",
    "recall_accept",
    "recall_refuse",
    "return_to_sender",
    "direct",
    "close_document",
    "pass_down",
    "report",
    "close_assignment",
];

/// What a person typed in one of the flow's forms, given back after a refusal: `form` names
/// the form (`present`, `direct`, `close`, or `<assignment id>:<step>`).
pub struct FlowKept {
    pub form: String,
    pub values: BTreeMap<String, String>,
}

type FormFields = axum::Form<BTreeMap<String, String>>;

fn field<'a>(form: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    form.get(key).map(|v| v.trim()).unwrap_or_default()
}

/// The agency's units a leader directs a document to (the agency's child units).
async fn units_of(state: &Ctx, agency_id: &str) -> Result<Vec<Value>, AppError> {
    Ok(tinhso_directory::store::all(&state.db)
        .await?
        .into_iter()
        .filter(|a| a.parent_id.as_deref() == Some(agency_id))
        .map(|a| context! { code => a.code.to_string(), name => a.name })
        .collect())
}

/// The steps of a unit's assignment that `actor` may take now, in the order of the page.
fn assignment_steps(state: AssignmentState, actor: rules::AssignmentActor) -> Vec<&'static str> {
    [
        (AssignmentAction::PassDown, "pass_down"),
        (AssignmentAction::Report, "report"),
        (AssignmentAction::Close, "close"),
    ]
    .into_iter()
    .filter(|(action, _)| rules::act(state, *action, actor).is_ok())
    .map(|(_, name)| name)
    .collect()
}

/// What the document page offers `user` of the incoming flow on `d`: the document's steps, the
/// direction form's units and the open assignments `user` works on, with what they typed.
pub async fn offer(
    state: &Ctx,
    page_lang: tinhso_kernel::web::i18n::Lang,
    user: &User,
    d: &Document,
    kept: Option<&FlowKept>,
) -> Result<Value, AppError> {
    let crate::State::In(doc_state) = d.state else {
        return Ok(Value::from(()));
    };
    if d.direction != Direction::In {
        return Ok(Value::from(()));
    }
    let involvement = processing::involvement(&state.db, &d.id, user).await?;
    let may = |a| DocumentPolicy::incoming_actor(user, d, a, involvement).is_ok();
    let (present, direct, close, give_back) = (
        may(IncomingAction::Present),
        may(IncomingAction::Direct),
        may(IncomingAction::Close),
        may(IncomingAction::ReturnToSender),
    );
    let units = if direct {
        units_of(state, &d.agency_id).await?
    } else {
        Vec::new()
    };
    let mut mine = Vec::new();
    if !incoming::is_final(doc_state) {
        for a in processing::assignments(&state.db, &d.id).await? {
            let Ok(from) = a.state.parse::<AssignmentState>() else {
                continue;
            };
            let Some(actor) = assignments::assignment_actor(user, &a) else {
                continue;
            };
            let steps = assignment_steps(from, actor);
            if steps.is_empty() {
                continue;
            }
            let people = if steps.contains(&"pass_down") {
                store::unit_people(&state.db, &a.unit_id)
                    .await?
                    .into_iter()
                    .map(|(id, name)| context! { id => id, name => name })
                    .collect()
            } else {
                Vec::new()
            };
            mine.push(context! {
                id => a.id, unit_name => a.unit_name, role => a.role, due => a.due_local,
                steps => steps, people => people, handler => a.handler_id,
            });
        }
    }
    // A recall from the sending platform waiting for the agency's clerk.
    let recall_request = if crate::exchange::answer::may_answer(user, d) {
        crate::exchange::store::recall_request(&state.db, &d.id)
            .await?
            // Waiting for the clerk, or closed by the copy's return: then the page says why
            // it can no longer be answered.
            .filter(|r| r.state == "pending" || r.state == "closed")
            .map(|r| {
                context! {
                    from => d.organ_name.clone(), organ_id => r.from_organ_id,
                    description => r.description, requested_at => r.requested_at,
                    closed => r.state == "closed",
                    reason => r.reason.map(|t| tinhso_kernel::web::i18n::message(page_lang, &t)),
                    decided_at => r.decided_at,
                }
            })
    } else {
        None
    };
    let any =
        present || direct || close || give_back || !mine.is_empty() || recall_request.is_some();
    Ok(context! {
        any => any, present => present, direct => direct, close => close, units => units,
        give_back => give_back, recall_request => recall_request,
        assignments => mine, kept_form => kept.map(|k| k.form.clone()),
        values => kept.map(|k| k.values.clone()).unwrap_or_default(),
    })
}

/// Working days typed in `key` (`None` when empty).
fn days(form: &BTreeMap<String, String>, key: &str, errors: &mut Vec<FieldError>) -> Option<u32> {
    let text = field(form, key);
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                key,
                "Số ngày làm việc là một số nguyên dương.",
            ));
            None
        }
    }
}

fn optional(form: &BTreeMap<String, String>, key: &str) -> Option<String> {
    Some(field(form, key).to_owned()).filter(|t| !t.is_empty())
}

/// A unit's deadline as typed: working days in `days_key` or a date in `date_key`, exactly
/// one of them (said here in the form's words; the service checks it again).
fn unit_deadline(
    form: &BTreeMap<String, String>,
    organ_id: &str,
    days_key: &str,
    date_key: &str,
    errors: &mut Vec<FieldError>,
) -> UnitInput {
    let due_date = optional(form, date_key);
    let typed_days = !field(form, days_key).is_empty();
    if typed_days == due_date.is_some() {
        errors.push(FieldError::new(
            days_key,
            "Cho mỗi đơn vị một thời hạn: số ngày làm việc hoặc ngày hạn giải quyết, không nhập cả hai.",
        ));
    }
    UnitInput {
        organ_id: organ_id.to_owned(),
        working_days: days(form, days_key, errors),
        due_date,
    }
}

/// The direction as typed: `LeadUnit` with `LeadDays` or `LeadDate`, each supporting unit
/// ticked as `support_<code>` with `days_<code>` or `date_<code>` (separate names: the form
/// readers keep one value a name).
fn direction_input(form: &BTreeMap<String, String>) -> Result<DirectionInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let lead_code = field(form, "LeadUnit").to_owned();
    if lead_code.is_empty() {
        errors.push(FieldError::new("LeadUnit", "Chọn đơn vị chủ trì."));
    }
    let lead = unit_deadline(form, &lead_code, "LeadDays", "LeadDate", &mut errors);
    let mut supporting = Vec::new();
    for code in form.keys().filter_map(|k| k.strip_prefix("support_")) {
        let (days_key, date_key) = (format!("days_{code}"), format!("date_{code}"));
        supporting.push(unit_deadline(form, code, &days_key, &date_key, &mut errors));
    }
    if errors.is_empty() {
        Ok(DirectionInput {
            directions: field(form, "Directions").to_owned(),
            lead,
            supporting,
        })
    } else {
        Err(errors)
    }
}

/// The page after a step: the document again with its `done` message, or with the refusal or
/// the field errors and what was typed.
async fn finish(
    state: &Ctx,
    page: &Page,
    user: &User,
    id: &str,
    result: Result<(), AppError>,
    done: &str,
    kept: &FlowKept,
) -> PageResult<Response> {
    let shown_errors;
    let shown = match result {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/office/documents/{id}?done={done}")).into_response());
        }
        Err(AppError::Validation(errors)) => {
            shown_errors = errors;
            Shown {
                errors: &shown_errors,
                flow: Some(kept),
                ..Shown::default()
            }
        }
        Err(e) => Shown {
            refusal: Some(refusal_text(page.lang, e)?),
            flow: Some(kept),
            ..Shown::default()
        },
    };
    let d = crate::store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render_document(state, page, user, &d, shown).await
}

/// A step of the document itself: `step` is `present`, `direct` or `close` (the last through
/// the confirmation step: it closes every unit's part still open).
async fn process(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    // Someone who may not read the document learns nothing about it (404).
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    let step = field(&form, "step").to_owned();
    if let Some(decision) = match step.as_str() {
        "recall_accept" => Some(Decision::Accept),
        "recall_refuse" => Some(Decision::Refuse(field(&form, "Reason").to_owned())),
        _ => None,
    } {
        let kept = FlowKept {
            form: step.clone(),
            values: form.clone(),
        };
        let who = who(&user, &ip);
        let result = crate::exchange::answer::decide(&state, &who, &id, decision)
            .await
            .map(|_| ());
        return finish(&state, &page, &user, &id, result, &step, &kept).await;
    }
    let action = match step.as_str() {
        "present" => IncomingAction::Present,
        "direct" => IncomingAction::Direct,
        "close" => IncomingAction::Close,
        "return" => IncomingAction::ReturnToSender,
        _ => return Err(AppError::BadRequest("Thao tác không hợp lệ.".into()).into()),
    };
    let kept = FlowKept {
        form: step.clone(),
        values: form.clone(),
    };
    let involvement = processing::involvement(&state.db, &id, &user).await?;
    if let Err(r) = DocumentPolicy::incoming_actor(&user, &d, action, involvement) {
        return finish(&state, &page, &user, &id, Err(r.into()), "", &kept).await;
    }
    let who = who(&user, &ip);
    let note = field(&form, "Note");
    let (result, done) = match action {
        IncomingAction::Present => (
            assignments::present(&state, &who, &id, note).await,
            "present",
        ),
        IncomingAction::ReturnToSender => (
            assignments::return_to_sender(&state, &who, &id, field(&form, "Reason")).await,
            "return_to_sender",
        ),
        IncomingAction::Direct => {
            let result = match direction_input(&form) {
                Ok(input) => assignments::direct(&state, &who, &id, input).await,
                Err(errors) => Err(AppError::Validation(errors)),
            };
            (result, "direct")
        }
        _ => {
            if !confirm::given(form.get("confirm").map(String::as_str)) {
                let back = format!("/office/documents/{id}");
                return Confirmation::new("doc_close", format!("{back}/processing"), back)
                    .keep("step", "close")
                    .fact("doc_subject", d.subject.clone())
                    .fact("doc_number", printed_number(&d).unwrap_or_default())
                    .fact("doc_note", note)
                    .keep("Note", note)
                    .render(&page);
            }
            (
                assignments::close_document(&state, &who, &id, note).await,
                "close_document",
            )
        }
    };
    finish(&state, &page, &user, &id, result, done, &kept).await
}

/// A unit's step on its part: `step` is `pass_down` (to `Handler`, a person of the unit),
/// `report` (a progress `Note`) or `close` (with its `Result`).
async fn assignment_step(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, assignment_id)): Path<(String, String)>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    let name = field(&form, "step").to_owned();
    let kept = FlowKept {
        form: format!("{assignment_id}:{name}"),
        values: form.clone(),
    };
    let note = field(&form, "Note").to_owned();
    let (step, done) = match name.as_str() {
        "pass_down" => {
            let handler_id = field(&form, "Handler").to_owned();
            if handler_id.is_empty() {
                let errors = vec![FieldError::new(
                    "Handler",
                    "Chọn chuyên viên của đơn vị để giao.",
                )];
                let result = Err(AppError::Validation(errors));
                return finish(&state, &page, &user, &id, result, "", &kept).await;
            }
            (AssignmentStep::PassDown { handler_id, note }, "pass_down")
        }
        "report" => (AssignmentStep::Report { note }, "report"),
        "close" => (
            AssignmentStep::Close {
                result: field(&form, "Result").to_owned(),
            },
            "close_assignment",
        ),
        _ => return Err(AppError::BadRequest("Thao tác không hợp lệ.".into()).into()),
    };
    let who = who(&user, &ip);
    let result = assignments::act_on_assignment(&state, &who, &id, &assignment_id, step).await;
    finish(&state, &page, &user, &id, result, done, &kept).await
}

fn open_row(o: processing::OpenAssignment) -> Value {
    let number = match (&o.code_number, &o.code_notation) {
        (Some(n), Some(s)) => Some(format!("{n}/{s}")),
        _ => None,
    };
    context! {
        document_id => o.document_id, subject => o.subject, number => number,
        organ_name => o.organ_name, arrival_number => o.arrival_number, unit_name => o.unit_name,
        role => o.role, due => o.due_local, handler_name => o.handler_name,
    }
}

/// "Văn bản quá hạn": the agency's open assignments past their deadline, for its clerk and
/// leaders.
async fn overdue_page(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    if !assignments::sees_agency_reports(&user) {
        return Err(AppError::Forbidden.into());
    }
    let rows = assignments::overdue_for(&state, &user).await?;
    let rows: Vec<Value> = rows.into_iter().map(open_row).collect();
    Ok(page
        .render(
            "documents_overdue.html",
            context! { rows => rows, section => section(&user), tab => "overdue" },
        )?
        .into_response())
}

/// "Việc được giao": the open assignments the official works on.
async fn assigned_page(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let rows = assignments::assigned_to(&state, &user).await?;
    let rows: Vec<Value> = rows.into_iter().map(open_row).collect();
    Ok(page
        .render(
            "documents_assigned.html",
            context! { rows => rows, section => section(&user), tab => "assigned" },
        )?
        .into_response())
}
