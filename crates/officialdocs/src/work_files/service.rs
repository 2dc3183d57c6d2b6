//! Every change to a file list or a work file, each in one transaction with its audit row:
//! drafting and amending the yearly list, its approval, opening and closing files, placing
//! documents in them by reference. Each decides again on the row it locked.

use super::policy::{Keeping, WorkFileAction, WorkFilePolicy};
use super::store::{self, FileChange, FileList, Heading, WorkFile};
use crate::service::Who;
use crate::{Direction, Document, events};
use chrono::NaiveDate;
use serde_json::json;
use tinhso_domain::agency_code::AgencyCode;
use tinhso_domain::official_doc::Abbreviation;
use tinhso_domain::official_doc::work_file::{
    self as rules, DepositClock, FileAction, FileCode, FileError, FileNotation, FileNumbering,
    FileRole, FileState, Retention,
};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::events::{NewEvent, emit};

/// The longest heading or file title we accept (as a document's subject).
const MAX_TITLE_CHARS: usize = 500;
/// A file in the list, not opened yet (ours: the Decree's states start at open).
pub const PLANNED: &str = "planned";

/// The states of a list.
pub const DRAFT: &str = "draft";
pub const APPROVED: &str = "approved";
pub const AMENDING: &str = "amending";

fn today() -> NaiveDate {
    tinhso_kernel::time::local_now().date()
}

fn keeping_of_list(l: &FileList) -> Keeping {
    Keeping {
        agency_id: l.agency_id.clone(),
        creator_id: None,
    }
}

/// What a decision about file `f` looks at.
pub fn keeping_of_file(f: &WorkFile) -> Keeping {
    Keeping {
        agency_id: f.agency_id.clone(),
        creator_id: f.creator_id.clone(),
    }
}

fn decide(who: &Who<'_>, k: &Keeping, action: WorkFileAction) -> Result<(), AppError> {
    WorkFilePolicy::decision(who.user, k, action).map_err(AppError::from)
}

fn file_error(field: &str, e: FileError) -> AppError {
    match e {
        FileError::NotAllowedInState => AppError::Conflict(e.to_string()),
        FileError::WrongRole => AppError::Forbidden,
        other => AppError::validation(field, other.to_string()),
    }
}

fn title(field: &str, text: &str) -> Result<String, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AppError::validation(field, "Thông tin này là bắt buộc."));
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::validation(field, "Tối đa 500 ký tự."));
    }
    Ok(t.to_owned())
}

fn date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::validation(field, "Ngày có dạng YYYY-MM-DD.")),
    }
}

fn abbreviation(field: &str, text: &str) -> Result<Abbreviation, AppError> {
    Abbreviation::new(text).map_err(|_| {
        AppError::validation(
            field,
            "Chữ viết tắt của đề mục gồm chữ in hoa và chữ số, ví dụ TCCB.",
        )
    })
}

fn numbering(text: Option<&str>) -> Result<FileNumbering, AppError> {
    match text.map(str::trim).unwrap_or("per_heading") {
        "" | "per_heading" => Ok(FileNumbering::PerHeading),
        "whole_list" => Ok(FileNumbering::WholeList),
        _ => Err(AppError::validation(
            "Numbering",
            "Cách đánh số hồ sơ là per_heading (theo từng đề mục lớn) hoặc whole_list (liên tục cả danh mục).",
        )),
    }
}

/// Refuses a change to an approved list (frozen until an amendment is opened).
pub fn editable(l: &FileList) -> Result<(), AppError> {
    if l.state == APPROVED {
        return Err(AppError::Conflict(
            "Danh mục hồ sơ đã được phê duyệt: muốn sửa, hãy mở một đợt sửa đổi (amend) rồi trình phê duyệt lại.".into(),
        ));
    }
    Ok(())
}

async fn agency_code(state: &Ctx, agency_id: &str) -> Result<AgencyCode, AppError> {
    Ok(tinhso_directory::store::by_id(&state.db, agency_id)
        .await?
        .ok_or(AppError::NotFound)?
        .code)
}

/// A heading as the clerk gives it.
#[derive(Debug, Clone)]
pub struct HeadingInput {
    pub abbreviation: String,
    pub title: String,
}

/// Drafts the caller's agency's list for `year`; returns its id.
pub async fn create_list(
    state: &Ctx,
    who: &Who<'_>,
    year: i32,
    numbering_text: Option<&str>,
    headings: Vec<HeadingInput>,
) -> Result<String, AppError> {
    let agency_id = who.user.agency_id.clone().ok_or(AppError::Forbidden)?;
    decide(
        who,
        &Keeping {
            agency_id: agency_id.clone(),
            creator_id: None,
        },
        WorkFileAction::ManageList,
    )?;
    if !(2000..=9999).contains(&year) {
        return Err(AppError::validation(
            "Year",
            "Năm của danh mục có 4 chữ số.",
        ));
    }
    let numbering = numbering(numbering_text)?;
    let mut checked = Vec::new();
    for h in &headings {
        let a = abbreviation("Headings", &h.abbreviation)?;
        if checked
            .iter()
            .any(|(b, _): &(Abbreviation, String)| *b == a)
        {
            return Err(AppError::validation(
                "Headings",
                "Hai đề mục lớn không được trùng chữ viết tắt.",
            ));
        }
        checked.push((a, title("Headings", &h.title)?));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    if store::list_of_year(&mut tx, &agency_id, i64::from(year)).await? {
        return Err(AppError::Conflict(format!(
            "Cơ quan đã có danh mục hồ sơ năm {year}."
        )));
    }
    let numbering_text = serde_json::to_value(numbering)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    store::insert_list(
        &mut tx,
        &FileList {
            id: id.clone(),
            agency_id: agency_id.clone(),
            year: i64::from(year),
            numbering: numbering_text.clone(),
            state: DRAFT.into(),
            amendments: 0,
            approved_by: None,
            approved_at: None,
            created_at: now.clone(),
            updated_at: now.clone(),
        },
    )
    .await?;
    for (position, (a, t)) in checked.iter().enumerate() {
        store::insert_heading(
            &mut tx,
            &Heading {
                id: uuid::Uuid::now_v7().to_string(),
                list_id: id.clone(),
                position: position as i64 + 1,
                abbreviation: a.to_string(),
                title: t.clone(),
            },
        )
        .await?;
    }
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "work_file_list.create",
            entity_type: "work_file_list",
            entity_id: &id,
            before: json!(null),
            after: json!({ "year": year, "numbering": numbering_text, "headings": checked.len() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a major heading to a list being drafted or amended; returns its id.
pub async fn add_heading(
    state: &Ctx,
    who: &Who<'_>,
    list_id: &str,
    input: HeadingInput,
) -> Result<String, AppError> {
    let a = abbreviation("Abbreviation", &input.abbreviation)?;
    let t = title("Title", &input.title)?;
    let mut tx = state.db.begin().await?;
    let l = store::list_for_update(&state.db, &mut tx, list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(who, &keeping_of_list(&l), WorkFileAction::ManageList)?;
    editable(&l)?;
    let existing = store::headings_in(&mut tx, list_id).await?;
    if existing.iter().any(|h| h.abbreviation == a.as_str()) {
        return Err(AppError::Conflict(format!("Danh mục đã có đề mục {a}.")));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let position = existing.len() as i64 + 1;
    store::insert_heading(
        &mut tx,
        &Heading {
            id: id.clone(),
            list_id: list_id.to_owned(),
            position,
            abbreviation: a.to_string(),
            title: t.clone(),
        },
    )
    .await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "work_file_list.add_heading",
            entity_type: "work_file_list",
            entity_id: list_id,
            before: json!(null),
            after: json!({ "heading": a.as_str(), "number": rules::roman(position as u32), "title": t }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A file as the clerk plans it in the list.
#[derive(Debug, Clone, Default)]
pub struct FileInput {
    /// `01.TCCB`; when empty, the next number under `heading`.
    pub notation: Option<String>,
    /// The major heading's abbreviation (`TCCB`); may be left out when the notation names it.
    pub heading: Option<String>,
    pub title: String,
    /// `Vĩnh viễn`, `20 năm`.
    pub retention: String,
    /// The person responsible for the file (người lập hồ sơ), an official of the agency.
    pub creator_id: Option<String>,
    pub description: String,
}

/// Plans a file in a list being drafted or amended; returns its id.
pub async fn add_file(
    state: &Ctx,
    who: &Who<'_>,
    list_id: &str,
    input: FileInput,
) -> Result<String, AppError> {
    let file_title = title("Title", &input.title)?;
    let retention: Retention = input
        .retention
        .parse()
        .map_err(|e| file_error("Maintenance", e))?;
    let given = match input
        .notation
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => Some(
            n.parse::<FileNotation>()
                .map_err(|e| file_error("FileNotation", e))?,
        ),
        None => None,
    };
    let heading_abbreviation = match (&given, input.heading.as_deref().map(str::trim)) {
        (Some(n), None | Some("")) => n.heading.clone(),
        (Some(n), Some(h)) => {
            let h = abbreviation("Heading", h)?;
            if h != n.heading {
                return Err(AppError::validation(
                    "FileNotation",
                    "Số và ký hiệu hồ sơ phải mang chữ viết tắt của đề mục lớn chứa nó.",
                ));
            }
            h
        }
        (None, Some(h)) if !h.is_empty() => abbreviation("Heading", h)?,
        (None, _) => {
            return Err(AppError::validation(
                "Heading",
                "Chọn đề mục lớn của hồ sơ (chữ viết tắt, ví dụ TCCB).",
            ));
        }
    };
    let creator = input
        .creator_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    let l = store::list_for_update(&state.db, &mut tx, list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(who, &keeping_of_list(&l), WorkFileAction::ManageList)?;
    editable(&l)?;
    let heading = store::headings_in(&mut tx, list_id)
        .await?
        .into_iter()
        .find(|h| h.abbreviation == heading_abbreviation.as_str())
        .ok_or_else(|| {
            AppError::validation(
                "Heading",
                "Danh mục không có đề mục lớn với chữ viết tắt này.",
            )
        })?;
    if let Some(c) = &creator
        && !store::works_at(&mut tx, c, &l.agency_id).await?
    {
        return Err(AppError::validation(
            "CreatorId",
            "Người lập hồ sơ phải là công chức của cơ quan.",
        ));
    }
    let notation = match given {
        Some(n) => n,
        None => {
            let numbering: FileNumbering =
                serde_json::from_value(json!(l.numbering)).unwrap_or(FileNumbering::PerHeading);
            let scope = match numbering {
                FileNumbering::PerHeading => Some(heading.id.as_str()),
                FileNumbering::WholeList => None,
            };
            let next = store::last_number(&mut tx, list_id, scope).await? + 1;
            FileNotation::new(
                u32::try_from(next).map_err(|e| AppError::Internal(e.into()))?,
                heading_abbreviation.clone(),
            )
            .map_err(|e| file_error("FileNotation", e))?
        }
    };
    let notation_text = notation.to_string();
    if store::notation_taken(&mut tx, list_id, &notation_text).await? {
        return Err(AppError::Conflict(format!(
            "Danh mục hồ sơ năm {} đã có hồ sơ số {notation_text}.",
            l.year
        )));
    }
    let code = FileCode {
        agency: agency_code(state, &l.agency_id).await?,
        year: i32::try_from(l.year).map_err(|e| AppError::Internal(e.into()))?,
        notation: notation.clone(),
    }
    .to_string();
    let id = uuid::Uuid::now_v7().to_string();
    store::insert_file(
        &mut tx,
        &WorkFile {
            id: id.clone(),
            list_id: list_id.to_owned(),
            agency_id: l.agency_id.clone(),
            heading_id: heading.id.clone(),
            number: i64::from(notation.number),
            notation: notation_text.clone(),
            code: code.clone(),
            title: file_title.clone(),
            retention: retention.to_string(),
            creator_id: creator.clone(),
            description: input.description.trim().to_owned(),
            state: PLANNED.into(),
            start_date: None,
            end_date: None,
            deposit_due: None,
            deposit_noticed_at: None,
            created_at: now.clone(),
            updated_at: now.clone(),
        },
    )
    .await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "work_file_list.add_file",
            entity_type: "work_file_list",
            entity_id: list_id,
            before: json!(null),
            after: json!({ "file_id": id, "code": code, "title": file_title,
                "retention": retention.to_string(), "creator_id": creator }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What is done to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListAction {
    /// A leader approves the draft or the amendment: the list is frozen.
    Approve,
    /// The clerk opens an amendment of the approved list.
    Amend,
}

impl std::str::FromStr for ListAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim() {
            "approve" => Ok(ListAction::Approve),
            "amend" => Ok(ListAction::Amend),
            _ => Err(()),
        }
    }
}

/// Approves a list or opens its amendment.
pub async fn list_action(
    state: &Ctx,
    who: &Who<'_>,
    list_id: &str,
    action: ListAction,
    note: &str,
) -> Result<(), AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    let l = store::list_for_update(&state.db, &mut tx, list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audit_action, to) = match action {
        ListAction::Approve => {
            decide(who, &keeping_of_list(&l), WorkFileAction::Approve)?;
            if l.state == APPROVED {
                return Err(AppError::Conflict(
                    "Danh mục hồ sơ đã được phê duyệt.".into(),
                ));
            }
            if store::headings_in(&mut tx, list_id).await?.is_empty() {
                return Err(AppError::Conflict(
                    "Danh mục hồ sơ chưa có đề mục nào.".into(),
                ));
            }
            store::approve_list(&mut tx, list_id, &who.user.id, &now).await?;
            ("work_file_list.approve", APPROVED)
        }
        ListAction::Amend => {
            decide(who, &keeping_of_list(&l), WorkFileAction::ManageList)?;
            if l.state != APPROVED {
                return Err(AppError::Conflict(
                    "Chỉ mở đợt sửa đổi cho danh mục đã được phê duyệt.".into(),
                ));
            }
            if note.trim().is_empty() {
                return Err(AppError::validation(
                    "Note",
                    "Ghi rõ lý do sửa đổi, bổ sung danh mục hồ sơ.",
                ));
            }
            store::set_list_state(&mut tx, list_id, AMENDING, &now).await?;
            ("work_file_list.amend", AMENDING)
        }
    };
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: audit_action,
            entity_type: "work_file_list",
            entity_id: list_id,
            before: json!({ "state": l.state }),
            after: json!({ "state": to, "note": note.trim() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What is done to a file, with its dates.
#[derive(Debug, Clone, Default)]
pub struct FileStep {
    /// `open` or `close`.
    pub action: String,
    /// Opening: the day the work began (today when empty).
    pub start_date: Option<String>,
    /// Closing: the day the work ended (today when empty).
    pub end_date: Option<String>,
    /// Closing: the retention confirmed, when it differs from the list's.
    pub retention: Option<String>,
}

/// Opens a planned file of an approved list, or closes an open one (retention and end date
/// fixed, deposit deadline set).
pub async fn file_action(
    state: &Ctx,
    who: &Who<'_>,
    file_id: &str,
    step: FileStep,
) -> Result<(), AppError> {
    let start = date("StartDate", step.start_date.as_deref())?;
    let end = date("EndDate", step.end_date.as_deref())?;
    let new_retention = match step
        .retention
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => Some(
            r.parse::<Retention>()
                .map_err(|e| file_error("Maintenance", e))?,
        ),
        None => None,
    };
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    let f = store::file_for_update(&state.db, &mut tx, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(who, &keeping_of_file(&f), WorkFileAction::Handle)?;
    let retention: Retention = f
        .retention
        .parse()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("bad retention {}", f.retention)))?;
    let (audit_action, change, after) = match step.action.trim() {
        "open" => {
            if f.state != PLANNED {
                return Err(AppError::Conflict(FileError::NotAllowedInState.to_string()));
            }
            let l = store::list_for_update(&state.db, &mut tx, &f.list_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if l.state != APPROVED {
                return Err(AppError::Conflict(
                    "Chỉ mở hồ sơ từ danh mục hồ sơ đã được phê duyệt.".into(),
                ));
            }
            let start = start.unwrap_or_else(today).to_string();
            let after = json!({ "state": FileState::Open.as_str(), "start_date": start });
            (
                "work_file.open",
                (FileState::Open.as_str(), retention, Some(start), None, None),
                after,
            )
        }
        "close" => {
            let from: FileState = f
                .state
                .parse()
                .map_err(|_| AppError::Conflict(FileError::NotAllowedInState.to_string()))?;
            let retention = new_retention.unwrap_or(retention);
            let to = rules::transition(from, FileAction::Close, FileRole::Creator, retention)
                .map_err(|e| file_error("Action", e))?;
            let started = date("StartDate", f.start_date.as_deref())?.unwrap_or_else(today);
            let end = end.unwrap_or_else(today);
            rules::check_dates(started, end).map_err(|e| file_error("EndDate", e))?;
            let due = retention
                .must_deposit()
                .then(|| rules::deposit_due(DepositClock::WorkEnded(end)).to_string());
            let after = json!({ "state": to.as_str(), "end_date": end.to_string(),
                "retention": retention.to_string(), "deposit_due": due });
            (
                "work_file.close",
                (
                    to.as_str(),
                    retention,
                    f.start_date.clone(),
                    Some(end.to_string()),
                    due,
                ),
                after,
            )
        }
        _ => {
            return Err(AppError::validation(
                "Action",
                "Thao tác với hồ sơ là open hoặc close.",
            ));
        }
    };
    let (to, retention, start_date, end_date, deposit_due) = change;
    let retention_text = retention.to_string();
    store::set_file(
        &mut tx,
        file_id,
        &FileChange {
            state: to,
            retention: &retention_text,
            start_date: start_date.as_deref(),
            end_date: end_date.as_deref(),
            deposit_due: deposit_due.as_deref(),
            now: &now,
        },
    )
    .await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: audit_action,
            entity_type: "work_file",
            entity_id: file_id,
            before: json!({ "state": f.state, "retention": f.retention }),
            after,
        },
    )
    .await?;
    if audit_action == "work_file.close" {
        emit(
            state,
            &mut tx,
            NewEvent {
                kind: &events::WORK_FILE_CLOSED,
                aggregate_id: file_id,
                payload: json!({
                    "file_id": file_id,
                    "agency_id": f.agency_id,
                    "code": f.code,
                    "end_date": end_date,
                    "deposit_due": deposit_due,
                }),
                actor: &who.actor,
            },
        )
        .await?;
    }
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// Places document `document_id` of the file's agency in open file `file_id`, by reference.
pub async fn place(
    state: &Ctx,
    who: &Who<'_>,
    file_id: &str,
    document_id: &str,
) -> Result<i64, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    let f = store::file_for_update(&state.db, &mut tx, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(who, &keeping_of_file(&f), WorkFileAction::Handle)?;
    accepting(&f)?;
    // Another agency's document, or none: the same answer, so ids cannot be probed.
    let d = crate::store::by_id(&state.db, document_id.trim())
        .await?
        .filter(|d| d.agency_id == f.agency_id)
        .ok_or_else(|| {
            AppError::validation(
                "DocumentId",
                "Không có văn bản này trong sổ văn bản của cơ quan.",
            )
        })?;
    placeable(&d)?;
    if store::is_placed(&mut tx, file_id, &d.id).await? {
        return Err(AppError::Conflict("Văn bản đã có trong hồ sơ này.".into()));
    }
    let last = store::last_ordinal(&mut tx, file_id)
        .await?
        .and_then(|n| u32::try_from(n).ok());
    let ordinal = rules::next_doc_ordinal(last)
        .ok_or_else(|| AppError::Conflict("Một hồ sơ có tối đa 999 văn bản.".into()))?;
    store::place(
        &mut tx,
        file_id,
        &d.id,
        i64::from(ordinal),
        &who.user.id,
        &now,
    )
    .await?;
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "work_file.add_document",
            entity_type: "work_file",
            entity_id: file_id,
            before: json!(null),
            after: json!({ "document_id": d.id, "ordinal": ordinal }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(i64::from(ordinal))
}

/// Refuses a document that cannot go into a file: an outgoing one not numbered yet (an
/// incoming one is registered when it arrives).
pub fn placeable(d: &Document) -> Result<(), AppError> {
    if d.direction == Direction::Out && d.reg_number.is_none() {
        return Err(AppError::validation(
            "DocumentId",
            "Chỉ đưa vào hồ sơ văn bản đi đã ban hành hoặc văn bản đến đã vào sổ.",
        ));
    }
    Ok(())
}

/// Takes a document out of an open file (the document itself stays as it is).
pub async fn unplace(
    state: &Ctx,
    who: &Who<'_>,
    file_id: &str,
    document_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let f = store::file_for_update(&state.db, &mut tx, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    decide(who, &keeping_of_file(&f), WorkFileAction::Handle)?;
    accepting(&f)?;
    if !store::unplace(&mut tx, file_id, document_id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "work_file.remove_document",
            entity_type: "work_file",
            entity_id: file_id,
            before: json!({ "document_id": document_id }),
            after: json!(null),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a change to the documents of a file that is not open.
pub fn accepting(f: &WorkFile) -> Result<(), AppError> {
    let open = f
        .state
        .parse::<FileState>()
        .is_ok_and(rules::accepts_documents);
    if open {
        Ok(())
    } else if f.state == PLANNED {
        Err(AppError::Conflict(
            "Hồ sơ chưa được mở: hãy mở hồ sơ trước khi đưa văn bản vào.".into(),
        ))
    } else {
        Err(AppError::Conflict(
            "Hồ sơ đã đóng: không thêm hoặc bớt văn bản.".into(),
        ))
    }
}
