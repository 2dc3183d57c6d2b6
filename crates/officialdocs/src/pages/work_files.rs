//! The work files pages ("Hồ sơ công việc", Decree 30/2020 Art. 28–31): the agency's yearly
//! file lists with their major headings and files, and the forms the policy allows (the
//! document clerk drafts and amends a list, a leader approves it); one file with its documents
//! in chronological order, opened, filled, closed and exported by the clerk or the person
//! responsible; and on a document's page, the agency's open files it can be placed in. Every
//! form calls the same service functions as the API (`work_files::service`), decided by
//! `WorkFilePolicy` there; a refusal comes back next to the form, in the page's language, with
//! what was typed.

use super::{Shown, official, render_document, who};
use crate::Document;
use crate::policy::{DocumentAction, checked};
use crate::work_files::export::chronological;
use crate::work_files::policy::{
    Keeping, WorkFileAction, WorkFilePolicy, checked_file, checked_list, own_agency,
};
use crate::work_files::service::{
    self, FileInput, FileStep, HeadingInput, ListAction, keeping_of_file,
};
use crate::work_files::store::{self as wstore, FileList, WorkFile};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::official_doc::work_file::roman;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::User;
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::{Page, form_errors, i18n};

pub fn routes() -> Routes {
    let e = Access::Entity("work_file");
    Routes::new("documents")
        .get("/office/work-files", e, lists_page)
        .post("/office/work-files", e, create_list)
        .post("/office/work-files/lists/{id}/headings", e, add_heading)
        .post("/office/work-files/lists/{id}/files", e, add_file)
        .post("/office/work-files/lists/{id}/actions", e, list_act)
        .get("/office/work-files/{id}", e, file_page)
        .post("/office/work-files/{id}/actions", e, file_act)
        .post(
            "/office/work-files/{id}/documents/{document_id}/remove",
            e,
            remove_document,
        )
        .post(
            "/office/documents/{id}/work-files",
            Access::Entity("document"),
            place,
        )
}

/// The `done` messages of the document page's placement (`doc_done_<what>`).
pub const DONE: [&str; 1] = ["place"];

/// How many heading rows the new list's form offers (more are added to the draft after).
const HEADING_ROWS: usize = 3;

type FormFields = axum::Form<BTreeMap<String, String>>;

fn field<'a>(form: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    form.get(key).map(|v| v.trim()).unwrap_or_default()
}

fn optional(form: &BTreeMap<String, String>, key: &str) -> Option<String> {
    Some(field(form, key).to_owned()).filter(|t| !t.is_empty())
}

/// What a refused form shows again: which form (`create`, `heading`, `file`, `approve`,
/// `amend`, `open`, `close`, `remove`, `place`), what was typed, the field errors and the
/// refusal, already in the page's language.
#[derive(Default)]
pub struct Kept {
    pub form: String,
    pub values: BTreeMap<String, String>,
    pub errors: Vec<FieldError>,
    pub refusal: Option<String>,
}

/// The form `form` refused with `e`: field errors next to the fields, a refusal (a state that
/// does not allow it, a role that may not) above them; any other error is the error page's.
fn refused(
    lang: i18n::Lang,
    form: &str,
    values: BTreeMap<String, String>,
    e: AppError,
) -> Result<Kept, AppError> {
    let mut kept = Kept {
        form: form.to_owned(),
        values,
        ..Kept::default()
    };
    match e {
        AppError::Validation(errors) => kept.errors = errors,
        AppError::Conflict(message) => kept.refusal = Some(i18n::message(lang, &message)),
        AppError::Forbidden => kept.refusal = Some(i18n::text(lang, "wf_refused_role")),
        other => return Err(other),
    }
    Ok(kept)
}

fn kept_view(kept: Option<&Kept>) -> Value {
    let none = Kept::default();
    let k = kept.unwrap_or(&none);
    let lang = i18n::current();
    context! {
        form => k.form.clone(), values => k.values.clone(), errors => form_errors(&k.errors),
        messages => k.errors.iter().map(|e| i18n::message(lang, &e.message)).collect::<Vec<_>>(),
        refusal => k.refusal.clone(),
    }
}

/// The refusal of a form the page does not show to this person (a stale page, a forged post):
/// said at the top of the page instead of next to its form.
fn orphan(kept: Option<&Kept>, shown: &[&str]) -> Value {
    match kept {
        Some(k) if !shown.contains(&k.form.as_str()) => kept_view(Some(k)),
        _ => Value::from(()),
    }
}

fn status_of(kept: Option<&Kept>) -> StatusCode {
    if kept.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

/// `I. Tổ chức cán bộ`: a heading's Roman numeral (its position) and title.
fn numeral(position: i64) -> String {
    roman(u32::try_from(position).unwrap_or(0)).unwrap_or_default()
}

/// The names of the people responsible for files: the agency's officials, and anyone else a
/// file names (someone who left keeps their files).
async fn names_for(
    state: &Ctx,
    officials: &[(String, String)],
    files: &[WorkFile],
) -> Result<BTreeMap<String, String>, AppError> {
    let mut names: BTreeMap<String, String> = officials.iter().cloned().collect();
    for id in files.iter().filter_map(|f| f.creator_id.as_ref()) {
        if !names.contains_key(id)
            && let Some(name) = wstore::full_name(&state.db, id).await?
        {
            names.insert(id.clone(), name);
        }
    }
    Ok(names)
}

fn file_row(f: &WorkFile, names: &BTreeMap<String, String>) -> Value {
    context! {
        id => f.id.clone(), code => f.code.clone(), notation => f.notation.clone(),
        title => f.title.clone(), retention => f.retention.clone(), state => f.state.clone(),
        creator => f.creator_id.as_ref().and_then(|c| names.get(c)).cloned(),
        description => f.description.clone(), start_date => f.start_date.clone(),
        end_date => f.end_date.clone(), deposit_due => f.deposit_due.clone(),
    }
}

/// A list with its headings, each with its files in the list's order.
async fn list_view(
    state: &Ctx,
    l: &FileList,
    officials: &[(String, String)],
) -> Result<Value, AppError> {
    let headings = wstore::headings(&state.db, &l.id).await?;
    let files = wstore::files_of(&state.db, &l.id).await?;
    let names = names_for(state, officials, &files).await?;
    let approver = match &l.approved_by {
        Some(id) => wstore::full_name(&state.db, id).await?,
        None => None,
    };
    let headings: Vec<Value> = headings
        .iter()
        .map(|h| {
            let mut own: Vec<&WorkFile> = files.iter().filter(|f| f.heading_id == h.id).collect();
            own.sort_by_key(|f| f.number);
            context! {
                number => numeral(h.position), abbreviation => h.abbreviation.clone(),
                title => h.title.clone(),
                files => own.into_iter().map(|f| file_row(f, &names)).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(context! {
        id => l.id.clone(), year => l.year, numbering => l.numbering.clone(),
        state => l.state.clone(), amendments => l.amendments, approver => approver,
        approved_at => l.approved_at.clone(), headings => headings, file_count => files.len(),
    })
}

#[derive(Deserialize, Default)]
struct ListsQuery {
    list: Option<String>,
    done: Option<String>,
}

/// The `done` messages of the lists page (`wf_done_<what>`).
const LIST_DONE: [&str; 5] = ["create", "heading", "file", "approve", "amend"];

/// "Hồ sơ công việc": the agency's file lists, newest year first, and one list in full (the
/// one asked for, or the newest) with the forms `user` may use on it.
async fn render_lists(
    state: &Ctx,
    page: &Page,
    user: &User,
    selected: Option<&str>,
    done: Option<&str>,
    kept: Option<&Kept>,
) -> PageResult<Response> {
    let agency_id = own_agency(state, &page.principal(), WorkFileAction::View).await?;
    let lists = wstore::lists_of(&state.db, &agency_id).await?;
    let current = match selected.filter(|s| !s.is_empty()) {
        Some(id) => Some(
            lists
                .iter()
                .find(|l| l.id == id)
                .ok_or(AppError::NotFound)?,
        ),
        None => lists.first(),
    };
    let keeping = Keeping {
        agency_id: agency_id.clone(),
        creator_id: None,
    };
    let may = |action| WorkFilePolicy::decision(user, &keeping, action).is_ok();
    let (manage, approve) = (
        may(WorkFileAction::ManageList),
        may(WorkFileAction::Approve),
    );
    let officials = if manage {
        wstore::officials(&state.db, &agency_id).await?
    } else {
        Vec::new()
    };
    let mut shown = Vec::new();
    if manage {
        shown.push("create");
    }
    let list = match current {
        Some(l) => {
            // An approved list is frozen: headings and files go in while it is a draft or
            // amended, which is also when a leader may approve it.
            let editable = service::editable(l).is_ok();
            for (form, visible) in [
                ("heading", manage && editable),
                ("file", manage && editable),
                ("approve", approve && editable),
                ("amend", manage && !editable),
            ] {
                if visible {
                    shown.push(form);
                }
            }
            let mut view = list_view(state, l, &officials).await?;
            view = context! {
                ..view,
                ..context! {
                    may_edit => manage && editable, may_approve => approve && editable,
                    may_amend => manage && !editable,
                }
            };
            Some(view)
        }
        None => None,
    };
    let this_year = i64::from(chrono::Datelike::year(
        &tinhso_kernel::time::local_now().date(),
    ));
    let next_year = if lists.iter().any(|l| l.year == this_year) {
        this_year + 1
    } else {
        this_year
    };
    let summaries: Vec<Value> = lists
        .iter()
        .map(|l| {
            context! { id => l.id.clone(), year => l.year, state => l.state.clone(),
            current => current.is_some_and(|c| c.id == l.id) }
        })
        .collect();
    let html = page.render(
        "work_files.html",
        context! {
            lists => summaries, list => list, may_create => manage, next_year => next_year,
            heading_rows => (1..=HEADING_ROWS).collect::<Vec<_>>(),
            officials => officials.into_iter().map(|(id, name)| context! { id => id, name => name }).collect::<Vec<_>>(),
            done => done.filter(|d| LIST_DONE.contains(d)), kept => kept_view(kept),
            orphan => orphan(kept, &shown),
            section => super::section(user),
        },
    )?;
    Ok((status_of(kept), html).into_response())
}

async fn lists_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<ListsQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    render_lists(
        &state,
        &page,
        &user,
        q.list.as_deref(),
        q.done.as_deref(),
        None,
    )
    .await
}

fn to_list(id: &str, done: &str) -> Response {
    Redirect::to(&format!("/office/work-files?list={id}&done={done}")).into_response()
}

/// What a list form's post answers: back to list `Ok(id)` with the form named as done, or the
/// lists again with the refusal next to the form and what was typed kept.
async fn list_step_answer(
    state: &Ctx,
    page: &Page,
    user: &User,
    selected: Option<&str>,
    form_name: &str,
    form: BTreeMap<String, String>,
    result: Result<String, AppError>,
) -> PageResult<Response> {
    match result {
        Ok(id) => Ok(to_list(&id, form_name)),
        Err(e) => {
            let kept = refused(page.lang, form_name, form, e)?;
            render_lists(state, page, user, selected, None, Some(&kept)).await
        }
    }
}

/// Drafts the agency's list for a year with up to three headings (the document clerk).
async fn create_list(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    own_agency(&state, &page.principal(), WorkFileAction::View).await?;
    let headings = (1..=HEADING_ROWS)
        .map(|i| {
            (
                field(&form, &format!("Abbreviation{i}")),
                field(&form, &format!("Title{i}")),
            )
        })
        .filter(|(a, t)| !a.is_empty() || !t.is_empty())
        .map(|(a, t)| HeadingInput {
            abbreviation: a.to_owned(),
            title: t.to_owned(),
        })
        .collect();
    // A year that is not a number is the service's "four digits" refusal.
    let year = field(&form, "Year").parse().unwrap_or(0);
    let result = service::create_list(
        &state,
        &who(&user, &ip),
        year,
        optional(&form, "Numbering").as_deref(),
        headings,
    )
    .await;
    list_step_answer(&state, &page, &user, None, "create", form, result).await
}

/// Adds a major heading to a list being drafted or amended (the document clerk).
async fn add_heading(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    // Someone outside the agency learns nothing of the list (404).
    checked_list(&state, &page.principal(), &id, WorkFileAction::View).await?;
    let input = HeadingInput {
        abbreviation: field(&form, "Abbreviation").to_owned(),
        title: field(&form, "Title").to_owned(),
    };
    let result = service::add_heading(&state, &who(&user, &ip), &id, input).await;
    let result = result.map(|_| id.clone());
    list_step_answer(&state, &page, &user, Some(&id), "heading", form, result).await
}

/// Plans a file in a list being drafted or amended (the document clerk).
async fn add_file(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    checked_list(&state, &page.principal(), &id, WorkFileAction::View).await?;
    let input = FileInput {
        notation: optional(&form, "FileNotation"),
        heading: optional(&form, "Heading"),
        title: field(&form, "Title").to_owned(),
        retention: field(&form, "Maintenance").to_owned(),
        creator_id: optional(&form, "CreatorId"),
        description: field(&form, "Description").to_owned(),
    };
    let result = service::add_file(&state, &who(&user, &ip), &id, input).await;
    let result = result.map(|_| id.clone());
    list_step_answer(&state, &page, &user, Some(&id), "file", form, result).await
}

/// A leader approves the list; the document clerk opens its amendment with the reason.
async fn list_act(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    checked_list(&state, &page.principal(), &id, WorkFileAction::View).await?;
    let name = field(&form, "action").to_owned();
    let action: ListAction = name
        .parse()
        .map_err(|_| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    let note = field(&form, "Note").to_owned();
    let result = service::list_action(&state, &who(&user, &ip), &id, action, &note).await;
    let result = result.map(|()| id.clone());
    list_step_answer(&state, &page, &user, Some(&id), &name, form, result).await
}

#[derive(Deserialize, Default)]
struct FileQuery {
    done: Option<String>,
}

/// The `done` messages of the file page (`wf_done_<what>`).
const FILE_DONE: [&str; 3] = ["open", "close", "remove"];

/// One file: its facts, its documents in chronological order, the steps `user` may take.
async fn render_file(
    state: &Ctx,
    page: &Page,
    user: &User,
    f: &WorkFile,
    done: Option<&str>,
    kept: Option<&Kept>,
) -> PageResult<Response> {
    let list = wstore::list(&state.db, &f.list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let heading = wstore::headings(&state.db, &f.list_id)
        .await?
        .into_iter()
        .find(|h| h.id == f.heading_id)
        .map(|h| context! { number => numeral(h.position), abbreviation => h.abbreviation, title => h.title });
    let names = names_for(state, &[], std::slice::from_ref(f)).await?;
    let mut documents: Vec<(i64, Document)> = Vec::new();
    for p in wstore::placed(&state.db, &f.id).await? {
        if let Some(d) = crate::store::by_id(&state.db, &p.document_id).await? {
            documents.push((p.ordinal, d));
        }
    }
    documents.sort_by(|a, b| chronological(&a.1, &b.1));
    let documents: Vec<Value> = documents
        .iter()
        .map(|(ordinal, d)| context! { ordinal => ordinal, ..super::view(d) })
        .collect();
    let handles =
        WorkFilePolicy::decision(user, &keeping_of_file(f), WorkFileAction::Handle).is_ok();
    let accepting = service::accepting(f).is_ok();
    let exported = f.state == "closed" || f.state == "deposited";
    let may_open = handles && f.state == service::PLANNED;
    let may_fill = handles && accepting;
    let shown: Vec<&str> = [
        ("open", may_open),
        ("close", may_fill),
        ("remove", may_fill),
    ]
    .into_iter()
    .filter(|(_, visible)| *visible)
    .map(|(form, _)| form)
    .collect();
    let html = page.render(
        "work_file.html",
        context! {
            f => file_row(f, &names), year => list.year, list_id => list.id.clone(),
            list_approved => service::editable(&list).is_err(), heading => heading,
            documents => documents,
            may_open => may_open, may_fill => may_fill, exported => exported,
            orphan => orphan(kept, &shown),
            today => tinhso_kernel::time::local_now().date().to_string(),
            done => done.filter(|d| FILE_DONE.contains(d)), kept => kept_view(kept),
            section => super::section(user),
        },
    )?;
    Ok((status_of(kept), html).into_response())
}

async fn file_page(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<FileQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let f = checked_file(&state, &page.principal(), &id, WorkFileAction::View).await?;
    render_file(&state, &page, &user, &f, q.done.as_deref(), None).await
}

fn to_file(id: &str, done: &str) -> Response {
    Redirect::to(&format!("/office/work-files/{id}?done={done}")).into_response()
}

/// Opens a planned file, or closes an open one through the confirmation step (a closed file
/// takes and gives back no document).
async fn file_act(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let f = checked_file(&state, &page.principal(), &id, WorkFileAction::View).await?;
    let action = field(&form, "action").to_owned();
    if action != "open" && action != "close" {
        return Err(AppError::BadRequest("Thao tác không hợp lệ.".into()).into());
    }
    let step = FileStep {
        action: action.clone(),
        start_date: optional(&form, "StartDate"),
        end_date: optional(&form, "EndDate"),
        retention: optional(&form, "Maintenance"),
    };
    if action == "close" && !confirm::given(form.get("confirm").map(String::as_str)) {
        let back = format!("/office/work-files/{id}");
        let end = step.end_date.clone().unwrap_or_default();
        let retention = step.retention.clone().unwrap_or_default();
        return Confirmation::new("wf_close", format!("{back}/actions"), back)
            .keep("action", "close")
            .keep("EndDate", end.clone())
            .keep("Maintenance", retention.clone())
            .fact("wf_code", f.code.clone())
            .fact("wf_title", f.title.clone())
            .fact("wf_end_date", end)
            .fact("wf_retention", retention)
            .render(&page);
    }
    match service::file_action(&state, &who(&user, &ip), &id, step).await {
        Ok(()) => Ok(to_file(&id, &action)),
        Err(e) => {
            let kept = refused(page.lang, &action, form, e)?;
            let f = wstore::file(&state.db, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            render_file(&state, &page, &user, &f, None, Some(&kept)).await
        }
    }
}

/// Takes a document out of an open file (the document itself is unchanged).
async fn remove_document(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, document_id)): Path<(String, String)>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let f = checked_file(&state, &page.principal(), &id, WorkFileAction::View).await?;
    match service::unplace(&state, &who(&user, &ip), &id, &document_id).await {
        Ok(()) => Ok(to_file(&id, "remove")),
        Err(e) => {
            let kept = refused(page.lang, "remove", BTreeMap::new(), e)?;
            render_file(&state, &page, &user, &f, None, Some(&kept)).await
        }
    }
}

/// What a document's page shows of work files to `user`: the agency's files holding it, and
/// the open files `user` may place it in (none when it cannot go into a file yet).
pub async fn on_document(
    state: &Ctx,
    user: &User,
    d: &Document,
    kept: Option<&Kept>,
) -> Result<Value, AppError> {
    let keeping = Keeping {
        agency_id: d.agency_id.clone(),
        creator_id: None,
    };
    if WorkFilePolicy::decision(user, &keeping, WorkFileAction::View).is_err() {
        return Ok(Value::from(()));
    }
    let holding = wstore::files_holding(&state.db, &d.id).await?;
    let choices: Vec<Value> = if service::placeable(d).is_ok() {
        wstore::open_files_of(&state.db, &d.agency_id)
            .await?
            .into_iter()
            .filter(|f| service::accepting(f).is_ok())
            .filter(|f| !holding.iter().any(|h| h.id == f.id))
            .filter(|f| {
                WorkFilePolicy::decision(user, &keeping_of_file(f), WorkFileAction::Handle)
                    .is_ok()
            })
            .map(|f| context! { id => f.id, code => f.code, notation => f.notation, title => f.title })
            .collect()
    } else {
        Vec::new()
    };
    let holding: Vec<Value> = holding
        .into_iter()
        .map(|f| context! { id => f.id, code => f.code, title => f.title, state => f.state })
        .collect();
    Ok(context! {
        any => !holding.is_empty() || !choices.is_empty() || kept.is_some(),
        holding => holding, choices => choices, kept => kept_view(kept),
    })
}

/// "Đưa vào hồ sơ": places the document, by reference, in an open file of its agency.
async fn place(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): FormFields,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    // Someone who may not read the document learns nothing about it (404).
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    let file_id = field(&form, "file").to_owned();
    let result = if file_id.is_empty() {
        Err(AppError::validation(
            "file",
            "Chọn hồ sơ để đưa văn bản vào.",
        ))
    } else {
        service::place(&state, &who(&user, &ip), &file_id, &d.id)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/office/documents/{id}?done=place")).into_response()),
        Err(e) => {
            let kept = refused(page.lang, "place", form, e)?;
            let shown = Shown {
                placement: Some(&kept),
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
    }
}
