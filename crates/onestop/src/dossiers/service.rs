//! What happens to a dossier: submission (online or at the counter) and every processing
//! action. Each runs in one transaction that checks the state machine and the actor, writes
//! the dossier, its timeline, the audit trail and the notifications together, or nothing.

use super::policy::DossierPolicy;
use super::store::{self, Event, NewDossier, StoredFile};
use super::upload;
use super::{Dossier, LocalDateTime, local_now};
use crate::catalog::Procedure;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tinhso_domain::agency_code::AgencyCode;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::calendar::{Calendar, CutoffRule};
use tinhso_domain::dossier::Channel;
use tinhso_domain::dossier::{self, Action, Actor, DossierCode, DossierState, TransitionError};
use tinhso_domain::procedure::FieldKind;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::events::NewEvent;
use tinhso_kernel::files::IncomingFile;
use tinhso_kernel::jobs::{self, Job};

/// Who acts, as the audit trail records it.
pub struct Who<'a> {
    pub user: &'a User,
    pub ip: &'a str,
}

impl Who<'_> {
    pub(crate) fn audit_actor(&self) -> audit::Actor {
        audit::Actor {
            label: format!("user:{}", self.user.id),
            ip: self.ip.to_owned(),
        }
    }
}

/// A citizen's form as sent.
pub struct Application<'a> {
    pub procedure: &'a Procedure,
    pub agency_id: &'a str,
    pub agency_code: &'a str,
    /// Makes a double click or a retry land on the same dossier.
    pub idempotency_key: &'a str,
    pub answers: BTreeMap<String, String>,
    pub files: Vec<IncomingFile>,
    pub file_errors: Vec<FieldError>,
    /// Papers taken from the applicant's store (`papers::owned` already checked them), by field.
    pub reused: Vec<(String, super::papers::StorePaper)>,
    pub submit: bool,
}

#[derive(Debug)]
pub enum Saved {
    Draft(String),
    Submitted(String),
    /// The key was already used for a submitted dossier: nothing new was made.
    AlreadySubmitted(String),
    /// Saved as a draft, but not submitted because of these problems.
    Invalid(String, Vec<FieldError>),
}

impl Saved {
    pub fn id(&self) -> &str {
        match self {
            Saved::Draft(id)
            | Saved::Submitted(id)
            | Saved::AlreadySubmitted(id)
            | Saved::Invalid(id, _) => id,
        }
    }
}

fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::WrongActor => AppError::Forbidden,
        other => AppError::Conflict(other.to_string()),
    }
}

/// Checks that the procedure can be applied for online at this agency.
pub fn check_online(procedure: &Procedure, agency_code: &str) -> Result<(), AppError> {
    if procedure.online_level == tinhso_domain::procedure::OnlineLevel::Information {
        return Err(AppError::BadRequest(
            "Thủ tục này chỉ cung cấp thông tin, chưa nhận hồ sơ trực tuyến.".into(),
        ));
    }
    if !procedure.agencies.iter().any(|a| a == agency_code) {
        return Err(AppError::validation(
            "agency",
            "Cơ quan đã chọn không giải quyết thủ tục này.",
        ));
    }
    Ok(())
}

/// Saves a citizen's application as a draft or submits it.
pub async fn save_application(
    state: &Ctx,
    who: &Who<'_>,
    app: Application<'_>,
) -> Result<Saved, AppError> {
    if who.user.is_official() {
        return Err(AppError::Forbidden);
    }
    check_online(app.procedure, app.agency_code)?;
    let key = app.idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::BadRequest(
            "Thiếu hoặc sai khóa gửi hồ sơ (Idempotency-Key).".into(),
        ));
    }
    let existing = {
        let mut conn = state.db.pool.acquire().await?;
        store::by_idempotency_key(&mut conn, &who.user.id, key).await?
    };
    let id = existing.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let stored =
        upload::put_all(state.storage.as_ref(), &id, FilePurpose::Paper, &app.files).await?;
    let reused: Vec<StoredFile> = app
        .reused
        .iter()
        .map(|(field, paper)| super::papers::reuse(paper, &id, field))
        .collect();
    let mut result = save_in_tx(state, who, &app, key, &id, &stored, &reused).await;
    if matches!(result, Err(AppError::Conflict(_))) {
        // A concurrent request with the same key created the dossier first: answer as it did.
        result = save_in_tx(state, who, &app, key, &id, &stored, &reused).await;
    }
    match &result {
        // Only new uploads are discarded: a reused paper's object belongs to other dossiers.
        Ok(Saved::AlreadySubmitted(_)) | Err(_) => {
            upload::discard(state.storage.as_ref(), &stored).await
        }
        _ => {}
    }
    result
}

async fn save_in_tx(
    state: &Ctx,
    who: &Who<'_>,
    app: &Application<'_>,
    key: &str,
    id: &str,
    stored: &[StoredFile],
    reused: &[StoredFile],
) -> Result<Saved, AppError> {
    let db = &state.db;
    let mut tx = db.begin().await?;
    let id = match store::by_idempotency_key(&mut tx, &who.user.id, key).await? {
        Some(existing) => existing,
        None => {
            store::insert_draft(
                &mut tx,
                &NewDossier {
                    id,
                    procedure: app.procedure,
                    agency_id: app.agency_id,
                    applicant_id: Some(&who.user.id),
                    applicant_name: &who.user.full_name,
                    applicant_email: who.user.email.as_deref().unwrap_or(""),
                    applicant_phone: "",
                    channel: Channel::Online,
                    idempotency_key: Some(key),
                    group_id: None,
                },
            )
            .await?;
            id.to_owned()
        }
    };
    let mut d = store::for_update(db, &mut tx, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.state != DossierState::Draft {
        tx.commit().await?;
        return Ok(Saved::AlreadySubmitted(id));
    }
    let mut replaced = Vec::new();
    for f in stored.iter().chain(reused) {
        replaced.extend(store::delete_draft_paper(&mut tx, &id, &f.field_key).await?);
        store::insert_file(&mut tx, f, &who.user.id).await?;
    }
    // A replaced draft paper may be a reused one whose object other dossiers still hold.
    let replaced = store::unreferenced(&mut tx, replaced).await?;
    d.answers.extend(tinhso_domain::procedure::draft_answers(
        &app.procedure.form,
        &app.answers,
    ));
    d.agency_id = app.agency_id.to_owned();
    let mut errors = app.file_errors.clone();
    if app.submit {
        let papers = files_in_tx(&mut tx, &id).await?;
        errors.extend(check_application(app.procedure, &mut d, &papers));
    }
    let saved = if app.submit && errors.is_empty() {
        submit(state, &mut tx, who, &mut d, app.agency_code).await?;
        Saved::Submitted(id.clone())
    } else if errors.is_empty() {
        Saved::Draft(id.clone())
    } else {
        Saved::Invalid(id.clone(), errors)
    };
    store::update(&mut tx, &d).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    for key in replaced {
        let _ = tinhso_kernel::storage::delete(state.storage.as_ref(), &key).await;
    }
    Ok(saved)
}

async fn files_in_tx(tx: &mut Conn, dossier_id: &str) -> Result<Vec<String>, AppError> {
    store::paper_fields(tx, dossier_id).await
}

/// Checks the answers (cleaning them in place) and that every required paper is attached.
fn check_application(procedure: &Procedure, d: &mut Dossier, papers: &[String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match tinhso_domain::procedure::check_answers(&procedure.form, &d.answers) {
        Ok(clean) => d.answers = clean,
        Err(problems) => errors.extend(problems.into_iter().map(|(k, m)| FieldError::new(&k, m))),
    }
    errors.extend(missing_papers(procedure, papers));
    errors
}

/// Checks answers and papers of one procedure without a stored dossier; the cleaned answers.
pub fn check_answers_and_papers(
    procedure: &Procedure,
    answers: &BTreeMap<String, String>,
    papers: &[IncomingFile],
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let keys: Vec<String> = papers.iter().map(|f| f.field_key.clone()).collect();
    let mut errors = Vec::new();
    let clean = match tinhso_domain::procedure::check_answers(&procedure.form, answers) {
        Ok(clean) => clean,
        Err(problems) => {
            errors.extend(problems.into_iter().map(|(k, m)| FieldError::new(&k, m)));
            BTreeMap::new()
        }
    };
    errors.extend(missing_papers(procedure, &keys));
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn missing_papers(procedure: &Procedure, papers: &[String]) -> Vec<FieldError> {
    procedure
        .form
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::File) && f.required && !papers.contains(&f.key))
        .map(|f| FieldError::new(&f.key, format!("Vui lòng đính kèm “{}”.", f.label)))
        .collect()
}

/// Submits a dossier already written in `tx` (used by linked requests).
pub async fn submit_in_tx(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    d: &mut Dossier,
) -> Result<(), AppError> {
    let agency_code = d.agency_code.clone();
    submit(state, tx, who, d, &agency_code).await
}

/// Gives the dossier its national code and moves it to the desk.
async fn submit(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    d: &mut Dossier,
    agency_code: &str,
) -> Result<(), AppError> {
    let position = dossier::transition(d.position(), Action::Submit, Actor::Applicant)
        .map_err(transition_error)?;
    let code = new_code(state, tx, agency_code).await?;
    let from = d.state;
    d.code = Some(code);
    d.state = position.state;
    d.step = position.step;
    d.submitted_at = Some(tinhso_kernel::time::now_text());
    record(
        state,
        tx,
        who,
        d,
        Action::Submit,
        from,
        "",
        serde_json::json!({}),
    )
    .await
}

/// The next dossier code of the agency for today (Vietnam time): no gap, no duplicate.
async fn new_code(state: &Ctx, tx: &mut Conn, agency_code: &str) -> Result<DossierCode, AppError> {
    let agency: AgencyCode = agency_code.parse().map_err(|_| {
        AppError::Internal(anyhow::anyhow!("agency code {agency_code} is not valid"))
    })?;
    let today = local_now().date();
    let sequence = tinhso_kernel::db::next_sequence(
        &state.db,
        tx,
        &DossierCode::sequence_name(&agency, today),
    )
    .await?;
    let code =
        DossierCode::new(agency, today, sequence).map_err(|e| AppError::Conflict(e.to_string()))?;
    if DossierCode::sequence_needs_warning(code.sequence) {
        warn_numbers_running_out(tx, &code).await?;
    }
    Ok(code)
}

/// Tells operators (the log, a metric and an email to every system administrator) that an
/// agency's dossier numbers for the day are running out, long before they widen or end.
async fn warn_numbers_running_out(tx: &mut Conn, code: &DossierCode) -> Result<(), AppError> {
    let message = format!(
        "Cơ quan {} đã tiếp nhận {} hồ sơ trong ngày {}. Mã hồ sơ dùng 4 chữ số đến 9999, sau đó \
         chuyển sang 5 chữ số (tối đa {}).",
        code.agency,
        tinhso_kernel::web::format::number(
            tinhso_kernel::web::i18n::Lang::Vi,
            i64::from(code.sequence)
        ),
        code.date.format("%d/%m/%Y"),
        tinhso_kernel::web::format::number(
            tinhso_kernel::web::i18n::Lang::Vi,
            i64::from(dossier::MAX_SEQUENCE)
        )
    );
    tracing::warn!(agency = %code.agency, sequence = code.sequence, "dossier numbers for the day are running out");
    metrics::counter!("dossier_code_sequence_warnings_total").increment(1);
    for to in store::people::system_admin_emails(tx).await? {
        jobs::enqueue(
            tx,
            &Job::SendEmail(tinhso_kernel::mail::Email {
                to,
                subject: "[Tỉnh Số] Số thứ tự hồ sơ trong ngày sắp hết".into(),
                body: message.clone(),
            }),
        )
        .await?;
    }
    Ok(())
}

/// A walk-in or postal application registered by a one-stop clerk: submitted and accepted at
/// once, so the receipt (form 01) can be printed at the counter.
pub struct CounterApplication<'a> {
    pub procedure: &'a Procedure,
    pub applicant_name: String,
    pub applicant_email: String,
    pub applicant_phone: String,
    /// `None`: the form named no known channel.
    pub channel: Option<Channel>,
    pub answers: BTreeMap<String, String>,
    pub files: Vec<IncomingFile>,
    pub file_errors: Vec<FieldError>,
}

pub async fn register_at_counter(
    state: &Ctx,
    who: &Who<'_>,
    app: CounterApplication<'_>,
) -> Result<String, AppError> {
    let agency_id = who.user.agency_id.clone().ok_or(AppError::Forbidden)?;
    if !who.user.has_role(Role::OneStopClerk) {
        return Err(AppError::Forbidden);
    }
    let agency = tinhso_directory::store::by_id(&state.db, &agency_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    check_online_or_counter(app.procedure, &agency.code.to_string())?;
    let mut errors = app.file_errors.clone();
    if app.applicant_name.trim().is_empty() {
        errors.push(FieldError::new(
            "applicant_name",
            "Vui lòng nhập họ tên người nộp.",
        ));
    }
    if !app.applicant_email.trim().is_empty()
        && tinhso_domain::identity::email(&app.applicant_email).is_err()
    {
        errors.push(FieldError::new("applicant_email", "Email không hợp lệ."));
    }
    if !matches!(app.channel, Some(Channel::Counter | Channel::Post)) {
        errors.push(FieldError::new(
            "channel",
            "Kênh tiếp nhận là tại quầy hoặc bưu chính.",
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let papers: Vec<String> = app.files.iter().map(|f| f.field_key.clone()).collect();
    let mut probe = blank(&id, &app, &agency);
    errors.extend(check_application(app.procedure, &mut probe, &papers));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let stored =
        upload::put_all(state.storage.as_ref(), &id, FilePurpose::Paper, &app.files).await?;
    let result = counter_tx(state, who, &app, &agency, &id, probe, &stored).await;
    if result.is_err() {
        upload::discard(state.storage.as_ref(), &stored).await;
    }
    result.map(|_| id)
}

fn check_online_or_counter(procedure: &Procedure, agency_code: &str) -> Result<(), AppError> {
    if !procedure.agencies.iter().any(|a| a == agency_code) {
        return Err(AppError::validation(
            "procedure",
            "Cơ quan của bạn không giải quyết thủ tục này.",
        ));
    }
    Ok(())
}

fn blank(
    id: &str,
    app: &CounterApplication<'_>,
    agency: &tinhso_directory::model::Agency,
) -> Dossier {
    Dossier {
        id: id.to_owned(),
        code: None,
        procedure_code: app.procedure.code.clone(),
        procedure_name: app.procedure.name.clone(),
        agency_id: agency.id.clone(),
        agency_code: agency.code.to_string(),
        agency_name: agency.name.clone(),
        applicant_id: None,
        applicant_name: app.applicant_name.trim().to_owned(),
        applicant_email: app.applicant_email.trim().to_owned(),
        applicant_phone: app.applicant_phone.trim().to_owned(),
        channel: app.channel.unwrap_or(Channel::Counter), // refused above when not counter or post
        state: DossierState::Draft,
        step: 0,
        steps: app.procedure.steps.clone(),
        processing: app.procedure.processing,
        cutoff: app.procedure.cutoff.clone(),
        answers: app.answers.clone(),
        idempotency_key: None,
        clock_start: None,
        due: None,
        submitted_at: None,
        accepted_at: None,
        finished_at: None,
        finished_local: None,
        supplement_requests: 0,
        outcome: None,
        apologised: false,
        fee_due: 0,
        fee_paid: 0,
        group_id: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        assignee_id: None,
        assignee_name: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

async fn counter_tx(
    state: &Ctx,
    who: &Who<'_>,
    app: &CounterApplication<'_>,
    agency: &tinhso_directory::model::Agency,
    id: &str,
    mut d: Dossier,
    stored: &[StoredFile],
) -> Result<(), AppError> {
    let db = &state.db;
    let mut tx = db.begin().await?;
    store::insert_draft(
        &mut tx,
        &NewDossier {
            id,
            procedure: app.procedure,
            agency_id: &agency.id,
            applicant_id: None,
            applicant_name: &d.applicant_name,
            applicant_email: &d.applicant_email,
            applicant_phone: &d.applicant_phone,
            channel: d.channel,
            idempotency_key: None,
            group_id: None,
        },
    )
    .await?;
    for f in stored {
        store::insert_file(&mut tx, f, &who.user.id).await?;
    }
    let code = new_code(state, &mut tx, &agency.code.to_string()).await?;
    d.code = Some(code);
    d.state = DossierState::Submitted;
    d.submitted_at = Some(tinhso_kernel::time::now_text());
    record(
        state,
        &mut tx,
        who,
        &d,
        Action::Submit,
        DossierState::Draft,
        "",
        serde_json::json!({ "channel": app.channel }),
    )
    .await?;
    let calendar = tinhso_kernel::calendar::load(db).await?;
    apply(
        state,
        &mut tx,
        who,
        &calendar,
        &mut d,
        Actor::OneStopClerk,
        &ActionInput::new(Action::Accept),
    )
    .await?;
    store::update(&mut tx, &d).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// What an official or the applicant sends with an action.
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub action: Action,
    pub note: String,
    /// Form 04: the new appointment day.
    pub new_due: Option<NaiveDate>,
    /// Forward: the competent agency's code.
    pub target_agency: Option<String>,
    /// Supplement papers or the result.
    pub files: Vec<IncomingFile>,
    /// Supplement papers taken from the applicant's store (`papers::owned` checked them).
    pub reused: Vec<super::papers::StorePaper>,
}

impl ActionInput {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            note: String::new(),
            new_due: None,
            target_agency: None,
            files: Vec::new(),
            reused: Vec::new(),
        }
    }
}

/// Takes an action on a dossier, or explains why not. Returns the dossier as it now is.
pub async fn act(
    state: &Ctx,
    who: &Who<'_>,
    dossier_id: &str,
    input: ActionInput,
) -> Result<Dossier, AppError> {
    let purpose = match input.action {
        Action::ReturnResult => FilePurpose::Result,
        _ => FilePurpose::Supplement,
    };
    let stored = upload::put_all(state.storage.as_ref(), dossier_id, purpose, &input.files).await?;
    let reused: Vec<StoredFile> = input
        .reused
        .iter()
        .map(|paper| {
            let mut f = super::papers::reuse(paper, dossier_id, "supplement");
            f.purpose = purpose;
            f
        })
        .collect();
    let all: Vec<StoredFile> = stored.iter().chain(&reused).cloned().collect();
    let result = act_in_tx(state, who, dossier_id, &input, &all).await;
    if result.is_err() {
        // Only new uploads: a reused paper's object belongs to its other dossiers.
        upload::discard(state.storage.as_ref(), &stored).await;
    }
    result
}

async fn act_in_tx(
    state: &Ctx,
    who: &Who<'_>,
    dossier_id: &str,
    input: &ActionInput,
    stored: &[StoredFile],
) -> Result<Dossier, AppError> {
    let db = &state.db;
    let calendar = tinhso_kernel::calendar::load(db).await?;
    let mut tx = db.begin().await?;
    let mut d = store::for_update(db, &mut tx, dossier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Decided again on the locked row: the page's check may be a moment old.
    let actor = DossierPolicy::actor(who.user, &d, input.action)?;
    for f in stored {
        store::insert_file(&mut tx, f, &who.user.id).await?;
    }
    apply(state, &mut tx, who, &calendar, &mut d, actor, input).await?;
    store::update(&mut tx, &d).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(d)
}

/// Applies an action to the loaded dossier: the state machine, then the action's effect (on
/// the deadline, the papers, the agency…), then the timeline, audit and event rows (the
/// applicant is told by the event's subscriber, `notices::NOTIFY_APPLICANT`).
async fn apply(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    calendar: &Calendar,
    d: &mut Dossier,
    actor: Actor,
    input: &ActionInput,
) -> Result<(), AppError> {
    let next = dossier::transition(d.position(), input.action, actor).map_err(transition_error)?;
    let from = d.state;
    let now: LocalDateTime = local_now().into();
    let note = input.note.trim().to_owned();
    let detail = effect(state, tx, calendar, d, input, &note, now).await?;
    d.state = next.state;
    d.step = next.step;
    record(state, tx, who, d, input.action, from, &note, detail).await
}

/// What `input.action` does to the dossier besides moving it: one function per action, each
/// checking what it needs and returning the `detail` of its timeline and audit rows.
async fn effect(
    state: &Ctx,
    tx: &mut Conn,
    calendar: &Calendar,
    d: &mut Dossier,
    input: &ActionInput,
    note: &str,
    now: LocalDateTime,
) -> Result<serde_json::Value, AppError> {
    match input.action {
        Action::Accept => on_accept(calendar, d, now),
        Action::Refuse | Action::Stop => on_refuse_or_stop(d, note),
        Action::RequestSupplement => on_request_supplement(tx, d, note, now).await,
        Action::Supplement => on_supplement(tx, calendar, d, input, now).await,
        Action::Approve => Ok(on_approve(calendar, d, now)),
        Action::ReturnResult => on_return_result(tx, d).await,
        Action::Forward => on_forward(state, tx, d, input).await,
        Action::Apologize => on_apologize(calendar, d, input, note),
        Action::Withdraw => Ok(on_withdraw(d)),
        Action::Submit | Action::CompleteStep => Ok(no_detail()),
    }
}

fn no_detail() -> serde_json::Value {
    serde_json::json!({})
}

/// Acceptance starts the clock and fixes the appointment.
fn on_accept(
    calendar: &Calendar,
    d: &mut Dossier,
    now: LocalDateTime,
) -> Result<serde_json::Value, AppError> {
    let (start, due) = appointment_if_accepted(calendar, now, d.processing, d.cutoff.as_deref())
        .map_err(calendar_error)?;
    d.clock_start = Some(start);
    d.due = Some(due);
    d.accepted_at = Some(tinhso_kernel::time::now_text());
    Ok(serde_json::json!({ "due": d.due.unwrap_or(now).to_text() }))
}

/// A refusal or a stop needs its reason, and finishes the dossier.
fn on_refuse_or_stop(d: &mut Dossier, note: &str) -> Result<serde_json::Value, AppError> {
    require_note(note, REASON_NEEDED)?;
    d.finished_at = Some(tinhso_kernel::time::now_text());
    Ok(no_detail())
}

/// A supplement request says what is missing, and stops the clock.
async fn on_request_supplement(
    tx: &mut Conn,
    d: &mut Dossier,
    note: &str,
    now: LocalDateTime,
) -> Result<serde_json::Value, AppError> {
    require_note(note, "Vui lòng ghi rõ giấy tờ cần bổ sung và lý do.")?;
    d.supplement_requests += 1;
    store::start_pause(tx, &d.id, now).await?;
    Ok(no_detail())
}

/// The applicant's supplement brings papers, restarts the clock and moves the appointment by
/// the time it stood still.
async fn on_supplement(
    tx: &mut Conn,
    calendar: &Calendar,
    d: &mut Dossier,
    input: &ActionInput,
    now: LocalDateTime,
) -> Result<serde_json::Value, AppError> {
    if input.files.is_empty() && input.reused.is_empty() {
        return Err(AppError::validation(
            "file",
            "Vui lòng đính kèm giấy tờ bổ sung.",
        ));
    }
    store::end_pause(tx, &d.id, now).await?;
    if let Some(start) = d.clock_start {
        let pauses = store::pauses(tx, &d.id).await?;
        d.due = Some(
            calendar
                .due_with_pauses(start.naive(), d.processing, None, &pauses)
                .map_err(calendar_error)?
                .into(),
        );
    }
    Ok(no_detail())
}

/// Approval finishes the processing and counts its outcome against the appointment (late
/// whenever the agency had to apologise).
fn on_approve(calendar: &Calendar, d: &mut Dossier, now: LocalDateTime) -> serde_json::Value {
    d.finished_at = Some(tinhso_kernel::time::now_text());
    d.finished_local = Some(now);
    let status = calendar.finished_status(d.due.unwrap_or(now).naive(), now.naive());
    d.outcome = Some(if d.apologised {
        dossier::Outcome::Late
    } else {
        dossier::outcome(status, d.supplement_requests)
    });
    no_detail()
}

/// The result is handed over only with a result file.
async fn on_return_result(tx: &mut Conn, d: &Dossier) -> Result<serde_json::Value, AppError> {
    // The files sent with this action are already written in `tx`.
    if !has_result_file(tx, &d.id).await? {
        return Err(AppError::validation(
            "file",
            "Vui lòng đính kèm tệp kết quả giải quyết.",
        ));
    }
    Ok(no_detail())
}

/// Forwarding moves the dossier to another competent agency, without its specialist.
async fn on_forward(
    state: &Ctx,
    tx: &mut Conn,
    d: &mut Dossier,
    input: &ActionInput,
) -> Result<serde_json::Value, AppError> {
    let target = forward_target(state, d, input.target_agency.as_deref()).await?;
    let detail =
        serde_json::json!({ "from": d.agency_code, "to": target.code, "to_name": target.name });
    d.agency_id = target.id;
    d.agency_code = target.code.to_string();
    d.agency_name = target.name;
    // The specialist named here has no reach in the other agency.
    super::assignment::clear(tx, &d.id).await?;
    d.assignee_id = None;
    Ok(detail)
}

/// An apology (form 04) gives its reason and a new appointment.
fn on_apologize(
    calendar: &Calendar,
    d: &mut Dossier,
    input: &ActionInput,
    note: &str,
) -> Result<serde_json::Value, AppError> {
    require_note(note, "Vui lòng ghi rõ lý do chậm trễ.")?;
    let new_due = apology_due(calendar, d, input.new_due)?;
    let detail = serde_json::json!({ "previous_due": d.due.map(LocalDateTime::to_text), "new_due": new_due.to_text() });
    d.due = Some(new_due);
    d.apologised = true;
    Ok(detail)
}

/// A withdrawal finishes the dossier.
fn on_withdraw(d: &mut Dossier) -> serde_json::Value {
    d.finished_at = Some(tinhso_kernel::time::now_text());
    no_detail()
}

/// The message for a refusal or a stop without its reason.
pub(crate) const REASON_NEEDED: &str = "Vui lòng ghi rõ lý do.";

pub(crate) fn require_note(note: &str, message: &str) -> Result<(), AppError> {
    if note.chars().count() < 3 {
        return Err(AppError::validation("note", message));
    }
    if note.chars().count() > 4000 {
        return Err(AppError::validation("note", "Nội dung tối đa 4000 ký tự."));
    }
    Ok(())
}

/// When the clock of a dossier accepted at `now` starts and its appointment: the end of the
/// working time `processing` after the count start (cutoff rule applied). Shown to citizens
/// before they apply, and fixed by the acceptance itself, so both always agree.
pub fn appointment_if_accepted(
    calendar: &Calendar,
    now: LocalDateTime,
    processing: tinhso_domain::calendar::WorkDuration,
    cutoff: Option<&str>,
) -> Result<(LocalDateTime, LocalDateTime), tinhso_domain::calendar::CalendarError> {
    let start = calendar.count_start(now.naive(), cutoff_rule(cutoff).as_ref())?;
    Ok((
        start.into(),
        calendar.add_working_time(start, processing)?.into(),
    ))
}

fn cutoff_rule(cutoff: Option<&str>) -> Option<CutoffRule> {
    cutoff
        .and_then(|c| chrono::NaiveTime::parse_from_str(c, "%H:%M").ok())
        .map(CutoffRule::new)
}

fn calendar_error(e: tinhso_domain::calendar::CalendarError) -> AppError {
    AppError::Internal(anyhow::anyhow!("calendar: {e}"))
}

async fn has_result_file(tx: &mut Conn, dossier_id: &str) -> Result<bool, AppError> {
    Ok(store::result_file_count(tx, dossier_id).await? > 0)
}

pub(crate) async fn forward_target(
    state: &Ctx,
    d: &Dossier,
    target: Option<&str>,
) -> Result<tinhso_directory::model::Agency, AppError> {
    let bad = || {
        AppError::validation(
            "target_agency",
            "Chọn một cơ quan khác có thẩm quyền giải quyết thủ tục này.",
        )
    };
    let code = target
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != d.agency_code)
        .ok_or_else(bad)?;
    let procedure = crate::catalog::store::by_code(&state.db, &d.procedure_code)
        .await?
        .ok_or_else(bad)?;
    if !procedure.agencies.iter().any(|a| a == code) {
        return Err(bad());
    }
    tinhso_directory::find(&state.db, code)
        .await?
        .ok_or_else(bad)
}

/// How far an apology may move an appointment: a late dossier gets a new date, not a new year.
const MAX_APOLOGY_DAYS: i64 = 90;

/// The new appointment of form 04: a working day after the current due day (at most
/// `MAX_APOLOGY_DAYS` later), at closing time.
fn apology_due(
    calendar: &Calendar,
    d: &Dossier,
    day: Option<NaiveDate>,
) -> Result<LocalDateTime, AppError> {
    let day = day.ok_or_else(|| AppError::validation("new_due", "Vui lòng chọn ngày hẹn mới."))?;
    let current = d
        .due
        .map(|t| t.naive().date())
        .unwrap_or_else(|| local_now().date());
    if day <= current || day <= local_now().date() {
        return Err(AppError::validation(
            "new_due",
            "Ngày hẹn mới phải sau ngày hẹn cũ và sau hôm nay.",
        ));
    }
    if day > current + chrono::Duration::days(MAX_APOLOGY_DAYS) {
        return Err(AppError::validation(
            "new_due",
            "Ngày hẹn mới tối đa 90 ngày sau ngày hẹn cũ.",
        ));
    }
    if !calendar.is_working_day(day) {
        return Err(AppError::validation(
            "new_due",
            "Ngày hẹn mới phải là ngày làm việc.",
        ));
    }
    Ok(day
        .and_time(calendar.office_hours_on(day).afternoon_end)
        .into())
}

/// One timeline row and one audit row for the action.
#[allow(clippy::too_many_arguments)]
async fn record(
    state: &Ctx,
    tx: &mut Conn,
    who: &Who<'_>,
    d: &Dossier,
    action: Action,
    from: DossierState,
    note: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    let name = action.as_str().to_owned();
    let event = Event {
        at: tinhso_kernel::time::now_text(),
        actor_name: who.user.full_name.clone(),
        action: name.clone(),
        from_state: from.as_str().to_owned(),
        to_state: d.state.as_str().to_owned(),
        step: i64::from(d.step),
        note: note.to_owned(),
        detail: detail.clone(),
    };
    let timeline_id = store::insert_event(tx, &d.id, Some(&who.user.id), &event).await?;
    let actor = who.audit_actor();
    let payload = super::events::payload(action, d, from, &timeline_id, &detail);
    audit::record(
        &state.db,
        tx,
        &actor,
        Change {
            action: &format!("dossier.{name}"),
            entity_type: "dossier",
            entity_id: &d.id,
            before: serde_json::json!({ "state": from.as_str() }),
            after: serde_json::json!({ "state": d.state.as_str(), "step": d.step, "code": d.code, "note": note, "detail": detail }),
        },
    )
    .await?;
    tinhso_kernel::events::emit(
        state,
        tx,
        NewEvent {
            kind: super::events::of_action(action),
            aggregate_id: &d.id,
            payload,
            actor: &actor,
        },
    )
    .await?;
    Ok(())
}

/// The applicant rates the handling of a finished dossier, once.
pub async fn rate(
    state: &Ctx,
    who: &Who<'_>,
    dossier_id: &str,
    rating: i64,
    comment: &str,
) -> Result<(), AppError> {
    if !(1..=4).contains(&rating) {
        return Err(AppError::validation("rating", "Chọn một mức đánh giá."));
    }
    if comment.chars().count() > 2000 {
        return Err(AppError::validation("comment", "Góp ý tối đa 2000 ký tự."));
    }
    let db = &state.db;
    let mut tx = db.begin().await?;
    let mut d = store::for_update(db, &mut tx, dossier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    DossierPolicy::rating(who.user, &d)?;
    d.rating = Some(rating);
    d.rating_comment = Some(comment.trim().to_owned()).filter(|c| !c.is_empty());
    d.rated_at = Some(tinhso_kernel::time::now_text());
    store::update(&mut tx, &d).await?;
    audit::record(
        db,
        &mut tx,
        &who.audit_actor(),
        Change {
            action: "dossier.rated",
            entity_type: "dossier",
            entity_id: &d.id,
            before: serde_json::Value::Null,
            after: serde_json::json!({ "rating": rating }),
        },
    )
    .await?;
    tinhso_kernel::events::emit(
        state,
        &mut tx,
        NewEvent {
            kind: &super::events::RATED,
            aggregate_id: &d.id,
            payload: serde_json::json!({ "dossier_id": d.id, "code": d.code, "rating": rating }),
            actor: &who.audit_actor(),
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}
