//! Filing, routing and answering reports. Each change runs in one transaction with its
//! timeline row, audit row and outbox event; the event's subscriber
//! (`notices::NOTIFY_FOLLOWERS`) tells everyone following the report.

use super::Report;
use super::policy::{FeedbackReportPolicy, ReportAction};
use super::store::{self, Photo};
use bytes::Bytes;
use tinhso_domain::feedback::{
    Action, Filer, Status, check_point, public_reporter_name, transition,
};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::auth::User;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::files::IncomingFile;
use tinhso_kernel::storage::{self, StoredFile};

mod effects;

/// Who files a report: a signed-in account, or someone anonymous with contact details kept
/// private.
pub struct Reporter {
    pub user: Option<User>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub ip: String,
}

pub struct NewReport {
    pub category: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub admin_unit: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    /// The reporter ticked "show my name in public" (honoured for signed-in reporters only).
    pub show_name: bool,
    pub keep_location_in_photos: bool,
    /// (file name, bytes) as sent.
    pub photos: Vec<(String, Bytes)>,
    pub source: &'static str,
    pub idempotency_key: Option<String>,
}

fn parse_coordinate(text: Option<&str>) -> Result<Option<f64>, ()> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.replace(',', ".").parse().map(Some).map_err(|_| ()),
    }
}

/// Checks everything a reporter sends; every problem at once, by field.
async fn check(
    state: &Ctx,
    r: &NewReport,
    who: &Reporter,
) -> Result<(Option<(f64, f64)>, Vec<IncomingFile>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let chars = |s: &str| s.trim().chars().count();
    match store::category(&state.db, &r.category).await {
        Ok(Some(_)) => {}
        _ => errors.push(FieldError::new(
            "category",
            "Vui lòng chọn lĩnh vực phản ánh.",
        )),
    }
    if !(5..=200).contains(&chars(&r.title)) {
        errors.push(FieldError::new("title", "Tiêu đề từ 5 đến 200 ký tự."));
    }
    if !(10..=5000).contains(&chars(&r.description)) {
        errors.push(FieldError::new(
            "description",
            "Nội dung phản ánh từ 10 đến 5000 ký tự.",
        ));
    }
    if chars(&r.address) > 300 {
        errors.push(FieldError::new("address", "Địa chỉ tối đa 300 ký tự."));
    }
    if chars(&who.name) > 100 {
        errors.push(FieldError::new("name", "Họ và tên tối đa 100 ký tự."));
    }
    if who.email.chars().count() > 254 {
        errors.push(FieldError::new("email", "Email tối đa 254 ký tự."));
    }
    if r.idempotency_key.as_deref().is_some_and(|k| k.len() > 100) {
        errors.push(FieldError::new("_key", "Mã gửi lại tối đa 100 ký tự."));
    }
    if let Some(unit) = r.admin_unit.as_deref().filter(|u| !u.is_empty()) {
        let known = store::admin_unit_exists(&state.db, unit).await;
        if !matches!(known, Ok(true)) {
            errors.push(FieldError::new(
                "admin_unit",
                "Đơn vị hành chính không có trong danh mục.",
            ));
        }
    }
    let point = match (
        parse_coordinate(r.lat.as_deref()),
        parse_coordinate(r.lon.as_deref()),
    ) {
        (Ok(None), Ok(None)) => None,
        (Ok(Some(lat)), Ok(Some(lon))) => match check_point(lat, lon) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new("lat", e.to_string()));
                None
            }
        },
        _ => {
            errors.push(FieldError::new(
                "lat",
                "Vĩ độ và kinh độ phải là số, nhập cả hai hoặc bỏ trống cả hai.",
            ));
            None
        }
    };
    if who.user.is_none() {
        if who.email.is_empty() && who.phone.is_empty() {
            errors.push(FieldError::new(
                "email",
                "Vui lòng để lại email hoặc số điện thoại để nhận kết quả trả lời.",
            ));
        }
        if !who.email.is_empty() && tinhso_domain::identity::email(&who.email).is_err() {
            errors.push(FieldError::new("email", "Email không hợp lệ."));
        }
        if !who.phone.is_empty() && tinhso_domain::identity::phone(&who.phone).is_err() {
            errors.push(FieldError::new("phone", "Số điện thoại không hợp lệ."));
        }
    }
    if r.photos.len() > super::photos::MAX_PHOTOS {
        errors.push(FieldError::new("photos", "Tối đa 5 ảnh."));
    }
    let mut photos = Vec::new();
    for (name, bytes) in r.photos.iter().take(super::photos::MAX_PHOTOS) {
        match super::photos::prepare(name, bytes, r.keep_location_in_photos) {
            Ok((clean, media)) => photos.push(IncomingFile {
                field_key: "photos".into(),
                file_name: name.clone(),
                media_type: media,
                bytes: clean,
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok((point, photos))
    } else {
        Err(errors)
    }
}

/// Files a report: checked, routed to the responsible agency with its deadline, stored with
/// its photos, with its event `feedback.submitted` (whose subscriber acknowledges it to the
/// reporter). Returns the report code.
pub async fn submit(state: &Ctx, who: &Reporter, r: NewReport) -> Result<String, AppError> {
    let (point, photos) = check(state, &r, who).await.map_err(AppError::Validation)?;
    let email = who
        .user
        .as_ref()
        .and_then(|u| u.email.clone())
        .unwrap_or_else(|| who.email.trim().to_owned());
    if let Some(key) = &r.idempotency_key
        && let Some(code) = existing(state, &email, key).await?
    {
        return Ok(code);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let stored =
        storage::put_all(state.storage.as_ref(), &format!("feedback/{id}"), &photos).await?;
    let result = insert(state, who, &r, &id, &email, point, &stored).await;
    if result.is_err() {
        storage::discard_files(state.storage.as_ref(), &stored).await;
    }
    result
}

async fn existing(state: &Ctx, email: &str, key: &str) -> Result<Option<String>, AppError> {
    store::code_by_key(&state.db, email, key).await
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    state: &Ctx,
    who: &Reporter,
    r: &NewReport,
    id: &str,
    email: &str,
    point: Option<(f64, f64)>,
    photos: &[StoredFile],
) -> Result<String, AppError> {
    let db = &state.db;
    let calendar = tinhso_kernel::calendar::load(db).await?;
    let category = store::category(db, &r.category)
        .await?
        .ok_or_else(|| AppError::validation("category", "Vui lòng chọn lĩnh vực phản ánh."))?;
    let now = tinhso_kernel::time::local_now();
    let mut tx = db.begin().await?;
    let unit = r.admin_unit.as_deref().filter(|u| !u.is_empty());
    let agency = store::route(&mut tx, &category.code, unit).await?;
    let due = calendar
        .count_start(now, None)
        .and_then(|start| {
            calendar.add_working_time(
                start,
                tinhso_domain::calendar::WorkDuration::days(category.deadline_days),
            )
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("calendar: {e}")))?;
    let status = if agency.is_some() {
        Status::Assigned
    } else {
        Status::Received
    };
    let day = now.format("%y%m%d").to_string();
    let seq = tinhso_kernel::db::next_sequence(db, &mut tx, &format!("feedback:{day}")).await?;
    let code = format!("PA-{day}-{seq:04}");
    let name = who
        .user
        .as_ref()
        .map(|u| u.full_name.clone())
        .unwrap_or_else(|| who.name.trim().to_owned());
    let at = tinhso_kernel::time::now_text();
    let reporter_id = who.user.as_ref().map(|u| u.id.clone());
    store::insert_report(
        &mut tx,
        &store::NewReportRow {
            id,
            code: &code,
            category_code: &category.code,
            title: &tinhso_domain::text::normalize(&r.title),
            description: r.description.trim(),
            address: &tinhso_domain::text::normalize(&r.address),
            admin_unit_code: unit,
            point,
            reporter_id: reporter_id.as_deref(),
            reporter_name: &name,
            reporter_email: email,
            reporter_phone: who.phone.trim(),
            // Someone without an account gave their name as a private contact detail: never
            // shown.
            show_name: r.show_name && who.user.is_some(),
            source: r.source,
            agency_id: agency.as_deref(),
            status: status.as_str(),
            received_local: &tinhso_kernel::time::local_text(now),
            due_local: &tinhso_kernel::time::local_text(due),
            idempotency_key: r.idempotency_key.as_deref(),
            now: &at,
            search_folded: &store::search_text(&r.title, &r.description, &r.address),
        },
    )
    .await?;
    for photo in photos {
        store::insert_file(
            &mut tx,
            &store::NewFile {
                id: &photo.id,
                report_id: id,
                purpose: "report",
                file_name: &tinhso_domain::attachment::clean_file_name(&photo.file_name),
                media_type: &photo.media_type,
                size_bytes: photo.size_bytes,
                storage_key: &photo.key,
                created_at: &at,
            },
        )
        .await?;
    }
    store::follow(&mut tx, id, email).await?;
    // The timeline holds what the public may know of the reporter, not their private name.
    let filer = match &who.user {
        Some(_) => Filer::Account {
            opted_in: r.show_name,
        },
        None => Filer::Anonymous,
    };
    let public_name = public_reporter_name(filer, &name)
        .map(str::to_owned)
        .unwrap_or_else(|| super::UNNAMED_REPORTER.into());
    let timeline_id = event(
        &mut tx,
        id,
        &public_name,
        "submit",
        Status::Received,
        status,
        "",
    )
    .await?;
    let label = actor_label(who.user.as_ref());
    audit_change(
        state,
        &mut tx,
        &label,
        &who.ip,
        id,
        "feedback.submitted",
        serde_json::json!({ "code": code, "agency": agency, "show_name": r.show_name && who.user.is_some() }),
    )
    .await?;
    let facts = super::events::Facts {
        report_id: id,
        code: &code,
        category: &category.code,
        agency_id: agency.as_deref(),
    };
    emit(
        state,
        &mut tx,
        &super::events::SUBMITTED,
        &label,
        id,
        super::events::payload(
            &facts,
            Status::Received,
            status,
            Some(&timeline_id),
            serde_json::json!({ "admin_unit": unit, "source": r.source, "due": tinhso_kernel::time::local_text(due) }),
        ),
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(code)
}

fn actor_label(user: Option<&User>) -> String {
    user.map(|u| format!("user:{}", u.id))
        .unwrap_or_else(|| "anonymous".into())
}

async fn event(
    tx: &mut Conn,
    report_id: &str,
    actor: &str,
    action: &str,
    from: Status,
    to: Status,
    note: &str,
) -> Result<String, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    store::insert_event(
        tx,
        &store::NewEvent {
            id: &id,
            report_id,
            at: &tinhso_kernel::time::now_text(),
            actor_name: actor,
            action,
            from_status: from.as_str(),
            to_status: to.as_str(),
            note,
        },
    )
    .await?;
    Ok(id)
}

/// The outbox event of a change to a report, in the same transaction as its timeline row.
async fn emit(
    state: &Ctx,
    tx: &mut Conn,
    kind: &'static tinhso_kernel::events::EventKind,
    actor_label: &str,
    report_id: &str,
    payload: serde_json::Value,
) -> Result<(), AppError> {
    tinhso_kernel::events::emit(
        state,
        tx,
        tinhso_kernel::events::NewEvent {
            kind,
            aggregate_id: report_id,
            payload,
            actor: &audit::Actor {
                label: actor_label.to_owned(),
                ip: String::new(),
            },
        },
    )
    .await
    .map(|_| ())
}

#[allow(clippy::too_many_arguments)]
async fn audit_change(
    state: &Ctx,
    tx: &mut Conn,
    label: &str,
    ip: &str,
    id: &str,
    action: &str,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        &state.db,
        tx,
        &audit::Actor {
            label: label.to_owned(),
            ip: ip.to_owned(),
        },
        Change {
            action,
            entity_type: "feedback",
            entity_id: id,
            before: serde_json::Value::Null,
            after,
        },
    )
    .await
}

/// An official's or the reporter's action on a report.
pub struct ActionInput {
    pub action: Action,
    pub note: String,
    pub target_agency: Option<String>,
    pub duplicate_of: Option<String>,
    pub rating: Option<i64>,
    /// Files published with an answer (already checked by content when read).
    pub files: Vec<IncomingFile>,
}

/// Who acts on a report: a signed-in account, or the reporter proving it with the key sent to
/// them when they filed it (anonymous reporters have no account to sign in with).
pub enum Actor<'a> {
    User(&'a User),
    ReporterKey(&'a str),
}

impl Actor<'_> {
    fn user(&self) -> Option<&User> {
        match self {
            Actor::User(u) => Some(u),
            Actor::ReporterKey(_) => None,
        }
    }

    fn name(&self, r: &Report) -> String {
        match self {
            Actor::User(u) if r.reporter_id.as_deref() != Some(u.id.as_str()) => {
                u.full_name.clone()
            }
            Actor::User(_) | Actor::ReporterKey(_) => r.public_name_or_anonymous(),
        }
    }

    fn label(&self, r: &Report) -> String {
        match self {
            Actor::User(u) => format!("user:{}", u.id),
            Actor::ReporterKey(_) => format!("reporter:{}", r.code),
        }
    }
}

/// The reporter's key for a report (see `policy::reporter_key`).
pub fn reporter_key(state: &Ctx, code: &str) -> String {
    super::policy::reporter_key(&state.secret, code)
}

/// Whether `key` is the reporter's key for the report `code` (compared in constant time).
pub fn is_reporter_key(state: &Ctx, code: &str, key: &str) -> bool {
    super::policy::is_reporter_key(&state.secret, code, key)
}

/// The policy's decision for `actor` on `r` as it stands (decided again on the locked row:
/// the page's check may be a moment old).
fn decide(state: &Ctx, actor: &Actor, r: &Report, action: ReportAction) -> Result<(), AppError> {
    let (user, key) = match actor {
        Actor::User(u) => (Some(*u), None),
        Actor::ReporterKey(k) => (None, Some(*k)),
    };
    Ok(FeedbackReportPolicy::decision(
        &state.secret,
        user,
        key,
        r,
        action,
    )?)
}

/// At most this many files with one answer.
pub const MAX_ANSWER_FILES: usize = 5;

/// Puts an answer's files in the object store; photos lose their camera data first.
async fn store_answer_files(
    state: &Ctx,
    files: &[IncomingFile],
) -> Result<Vec<StoredFile>, AppError> {
    if files.len() > MAX_ANSWER_FILES {
        return Err(AppError::validation(
            "answer",
            format!("Mỗi trả lời đính kèm tối đa {MAX_ANSWER_FILES} tệp."),
        ));
    }
    let mut prepared = Vec::with_capacity(files.len());
    for f in files {
        let mut f = f.clone();
        if f.media_type.starts_with("image/") {
            f.bytes = super::photos::prepare(&f.file_name, &f.bytes, false)
                .map_err(|e| AppError::Validation(vec![FieldError::new("answer", e.message)]))?
                .0;
        }
        prepared.push(f);
    }
    storage::put_all(state.storage.as_ref(), "feedback/answers", &prepared).await
}

/// Takes an action on a report: its files stored first, then one transaction (or nothing).
pub async fn act(
    state: &Ctx,
    actor: Actor<'_>,
    ip: &str,
    code: &str,
    input: ActionInput,
) -> Result<Report, AppError> {
    let files = if input.action == Action::Answer && !input.files.is_empty() {
        // Nobody gets to put files in the store for a report they may not answer.
        let r = store::by_code(&state.db, code)
            .await?
            .ok_or(AppError::NotFound)?;
        decide(state, &actor, &r, ReportAction::Act(input.action))?;
        store_answer_files(state, &input.files).await?
    } else {
        Vec::new()
    };
    let result = apply(state, &actor, ip, code, input, &files).await;
    if result.is_err() {
        storage::discard_files(state.storage.as_ref(), &files).await;
    }
    result
}

/// One action, in one transaction: the transition, the action's effect, then the record.
async fn apply(
    state: &Ctx,
    actor: &Actor<'_>,
    ip: &str,
    code: &str,
    input: ActionInput,
    files: &[StoredFile],
) -> Result<Report, AppError> {
    let db = &state.db;
    let mut tx = db.begin().await?;
    let mut r = store::for_update(db, &mut tx, code)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(state, actor, &r, ReportAction::Act(input.action))?;
    let to = transition(r.status, input.action, r.reopened)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let note = input.note.trim().to_owned();
    let effect = match input.action {
        Action::Assign => effects::assign(db, &mut tx, &r, input.target_agency.as_deref()).await?,
        Action::Accept => effects::accept(),
        Action::Answer => {
            let by = actor.user().map(|u| u.id.as_str());
            effects::answer(&mut tx, &r, &note, by, files).await?
        }
        Action::Reject => effects::reject(&mut tx, &r, &note).await?,
        Action::Reopen => effects::reopen(&mut tx, &r, &note).await?,
        Action::Rate => effects::rate(&mut tx, &r, input.rating, &note).await?,
        Action::MarkDuplicate => {
            effects::mark_duplicate(db, &mut tx, &r, input.duplicate_of.as_deref()).await?
        }
    };
    let change = Recorded {
        action: input.action,
        to,
        note: &note,
        files: files.len(),
        effect,
    };
    record(state, &mut tx, actor, ip, &r, change).await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    r.status = to;
    Ok(r)
}

/// An action taken, as `record` writes it.
struct Recorded<'a> {
    action: Action,
    to: Status,
    note: &'a str,
    files: usize,
    effect: effects::Effect,
}

/// Writes what an action did: the report's new status, its timeline row, its audit row and
/// its outbox event.
async fn record(
    state: &Ctx,
    tx: &mut Conn,
    actor: &Actor<'_>,
    ip: &str,
    r: &Report,
    change: Recorded<'_>,
) -> Result<(), AppError> {
    let Recorded {
        action,
        to,
        note,
        files,
        effect,
    } = change;
    store::set_status(tx, &r.id, to.as_str(), &tinhso_kernel::time::now_text()).await?;
    let action_name = action.as_str();
    let timeline_id = event(tx, &r.id, &actor.name(r), action_name, r.status, to, note).await?;
    let label = actor.label(r);
    audit_change(
        state,
        tx,
        &label,
        ip,
        &r.id,
        &format!("feedback.{action_name}"),
        serde_json::json!({ "from": r.status.as_str(), "to": to.as_str(), "note": note, "files": files }),
    )
    .await?;
    let agency_id = effect.moved_to.or_else(|| r.agency_id.clone());
    let facts = super::events::Facts {
        report_id: &r.id,
        code: &r.code,
        category: &r.category_code,
        agency_id: agency_id.as_deref(),
    };
    let payload = super::events::payload(&facts, r.status, to, Some(&timeline_id), effect.extra);
    let kind = super::events::of_action(action);
    emit(state, tx, kind, &label, &r.id, payload).await
}

/// Hides a report's content from the public (abuse, personal data), with a reason.
pub async fn hide(
    state: &Ctx,
    user: &User,
    ip: &str,
    code: &str,
    reason: &str,
) -> Result<(), AppError> {
    let db = &state.db;
    let mut tx = db.begin().await?;
    let r = store::for_update(db, &mut tx, code)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(state, &Actor::User(user), &r, ReportAction::Hide)?;
    if reason.trim().chars().count() < 5 {
        return Err(AppError::validation(
            "reason",
            "Vui lòng ghi lý do ẩn nội dung.",
        ));
    }
    store::set_hidden(
        &mut tx,
        &r.id,
        reason.trim(),
        &tinhso_kernel::time::now_text(),
    )
    .await?;
    audit_change(
        state,
        &mut tx,
        &format!("user:{}", user.id),
        ip,
        &r.id,
        "feedback.hidden",
        serde_json::json!({ "reason": reason.trim() }),
    )
    .await?;
    let facts = super::events::Facts {
        report_id: &r.id,
        code: &r.code,
        category: &r.category_code,
        agency_id: r.agency_id.as_deref(),
    };
    emit(
        state,
        &mut tx,
        &super::events::HIDDEN,
        &format!("user:{}", user.id),
        &r.id,
        super::events::payload(&facts, r.status, r.status, None, serde_json::json!({})),
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// Open reports that look like what is being written: nearby (within 300 m) or with similar
/// words, in the same category.
pub async fn similar(
    state: &Ctx,
    category: &str,
    text: &str,
    point: Option<(f64, f64)>,
) -> Result<Vec<Report>, AppError> {
    let candidates = store::list(
        &state.db,
        &store::Filter {
            category: Some(category.to_owned()),
            status: Some("open".into()),
            public: true,
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    let mut scored: Vec<(f64, Report)> = candidates
        .into_iter()
        .filter_map(|r| {
            let words = tinhso_domain::feedback::similarity(
                text,
                &format!("{} {}", r.title, r.description),
            );
            let near = match (point, r.lat.zip(r.lon)) {
                (Some(a), Some(b)) => tinhso_domain::feedback::distance_m(a, b) <= 300.0,
                _ => false,
            };
            (words >= 0.25 || near).then_some((words + f64::from(u8::from(near)), r))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(scored.into_iter().take(5).map(|(_, r)| r).collect())
}

/// A signed-in citizen follows an existing report instead of filing a duplicate.
pub async fn follow(state: &Ctx, user: &User, code: &str) -> Result<(), AppError> {
    let r = store::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = user
        .email
        .clone()
        .ok_or_else(|| AppError::BadRequest("Tài khoản chưa có email để nhận thông báo.".into()))?;
    let mut tx = state.db.begin().await?;
    store::follow(&mut tx, &r.id, &email).await?;
    tx.commit().await?;
    Ok(())
}

/// Photos of a report that may be shown publicly.
pub fn public_photos(photos: Vec<Photo>) -> Vec<Photo> {
    photos.into_iter().filter(|p| !p.hidden).collect()
}
