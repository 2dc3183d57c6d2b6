//! The pages: for an agency's data officers and leaders ("Dữ liệu mở" in the back office) the
//! list of the agency's datasets, the new-dataset form, and the dataset page with its
//! resources, every version's check report, the upload and link forms and the publish flow's
//! buttons; for everyone, without signing in, the list of published datasets, a dataset's
//! public page and its files' downloads, counted. A refused form comes back with its message
//! and what was typed; a refused upload shows the check's report and stores nothing.

use crate::policy::{self, DatasetAction, OpenDatasetPolicy};
use crate::service::{self, Decision, MetadataInput, Upload, UploadInput, Who};
use crate::{OpenDataset, Resource, store};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::opendata::codes::{FIELDS, FileFormat, Frequency, Licence};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::auth::policy::{Cx, Subject, allowed};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors_in, sv};

/// The public list: the navigation's link.
pub const PUBLIC_LIST: &str = "/opendata";
/// The agency's datasets in the back office.
pub const OFFICE_LIST: &str = "/office/opendata";

pub fn routes() -> Routes {
    let entity = Access::Entity("dataset");
    Routes::new("opendata")
        .get(PUBLIC_LIST, Access::Public, public_list)
        .get("/opendata/datasets/{name}", Access::Public, public_page)
        .get(
            "/opendata/datasets/{name}/resources/{rid}/download",
            Access::Public,
            download,
        )
        .get(OFFICE_LIST, entity, office_list)
        .get("/office/opendata/new", entity, new_form)
        .post("/office/opendata/new", entity, new_submit)
        .get("/office/opendata/{id}", entity, dataset_page)
        .post("/office/opendata/{id}/upload", entity, upload_submit)
        .post("/office/opendata/{id}/links", entity, link_submit)
        .post("/office/opendata/{id}/decision", entity, decision_submit)
}

/// The signed-in official, or why not (the back office is for officials).
async fn official(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    Ok(page.require_user()?.clone())
}

fn actor(user: &User, ip: &str) -> Actor {
    Actor {
        label: format!("user:{}", user.id),
        ip: ip.to_owned(),
    }
}

fn choices() -> Value {
    context! {
        fields => FIELDS.iter().map(|(code, title)| context! { code => *code, title => *title }).collect::<Vec<_>>(),
        licences => Licence::ALL.iter().map(|l| context! { code => l.as_str(), title => l.title() }).collect::<Vec<_>>(),
        frequencies => Frequency::ALL.iter().map(|f| context! { code => f.as_str(), title => f.label_vi() }).collect::<Vec<_>>(),
        formats => FileFormat::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    }
}

/// A dataset as the pages show it: its metadata with the field's title and labels.
fn shown(d: &OpenDataset, public: bool) -> Value {
    let m = if public {
        d.published_metadata.as_ref().unwrap_or(&d.metadata)
    } else {
        &d.metadata
    };
    context! {
        id => d.id.clone(), name => d.name.clone(), state => d.state.as_str(),
        state_label => d.state.label_vi(),
        revision => d.revision.map(|r| r.as_str()),
        revision_label => d.revision.map(|r| r.label_vi()),
        agency_code => d.agency_code.clone(), agency_name => d.agency_name.clone(),
        title => m.title.clone(), notes => m.notes.clone(),
        field => m.field.clone(),
        field_title => tinhso_domain::opendata::codes::field_title(&m.field).unwrap_or_default(),
        tags => m.tags.clone(),
        licence => m.licence.as_str(), licence_title => m.licence.title(), licence_url => m.licence.url(),
        frequency => m.frequency.as_str(), frequency_label => m.frequency.label_vi(),
        temporal_start => m.temporal_start.clone(), temporal_end => m.temporal_end.clone(),
        spatial => m.spatial.clone(),
        contact_name => m.contact_name.clone(), contact_email => m.contact_email.clone(),
        issued_at => d.issued_at.clone(), modified_at => d.modified_at.clone(),
        review_due_on => d.review_due_on.clone(),
        return_reason => d.return_reason.clone(), unpublish_reason => d.unpublish_reason.clone(),
        live => d.live,
    }
}

// ---------------------------------------------------------------- public

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    page: Option<String>,
}

const PER_PAGE: i64 = 20;

/// "Dữ liệu mở": the published datasets, most recently updated first.
async fn public_list(
    State(ctx): State<Ctx>,
    page: Page,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let n = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1);
    let list = store::published(&ctx.db, PER_PAGE + 1, (n - 1) * PER_PAGE).await?;
    let more = list.len() as i64 > PER_PAGE;
    let shown: Vec<Value> = list
        .iter()
        .take(PER_PAGE as usize)
        .map(|d| shown(d, true))
        .collect();
    Ok(page
        .render(
            "opendata_public_list.html",
            context! { datasets => shown, page => n, more => more },
        )?
        .into_response())
}

async fn public_dataset(ctx: &Ctx, name: &str) -> Result<OpenDataset, AppError> {
    store::by_name(&ctx.db, name)
        .await?
        .filter(service::is_public)
        .ok_or(AppError::NotFound)
}

/// A published dataset's page: metadata, last update and review, resources with their
/// download counts, the API's address.
async fn public_page(
    State(ctx): State<Ctx>,
    page: Page,
    headers: axum::http::HeaderMap,
    Path(name): Path<String>,
) -> PageResult<Response> {
    // `<name>.ttl|.jsonld|.rdf`: the dataset as DCAT (slugs have no dot).
    if let Some(document) = crate::dcat::dataset_document(&ctx, &name, &headers).await {
        return Ok(document?);
    }
    let d = public_dataset(&ctx, &name).await?;
    let mut conn = ctx.db.pool.acquire().await?;
    let resources = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let mut shown_resources = Vec::new();
    for r in resources.iter().filter(|r| r.published) {
        let version = match r.published_version {
            Some(n) => store::version_of(&ctx.db, &r.id, n).await?,
            None => None,
        };
        shown_resources.push(context! {
            resource => sv(r), version => version.as_ref().map(sv),
        });
    }
    Ok(page
        .render(
            "opendata_public.html",
            context! { dataset => shown(&d, true), resources => shown_resources },
        )?
        .into_response())
}

/// A published resource's file as it was uploaded (the published version), counted.
async fn download(
    State(ctx): State<Ctx>,
    Path((name, rid)): Path<(String, String)>,
) -> PageResult<Response> {
    let d = public_dataset(&ctx, &name).await?;
    let mut conn = ctx.db.pool.acquire().await?;
    let resources = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let r: &Resource = resources
        .iter()
        .find(|r| r.id == rid && r.published && r.kind == "upload")
        .ok_or(AppError::NotFound)?;
    let n = r.published_version.ok_or(AppError::NotFound)?;
    let v = store::version_of(&ctx.db, &r.id, n)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(ctx.storage.as_ref(), &v.object_key)
        .await?
        .ok_or(AppError::NotFound)?;
    let day = tinhso_kernel::time::local_now().date().to_string();
    store::count_download(&ctx.db, &r.id, &day).await?;
    Ok(tinhso_kernel::web::download(
        &v.media_type,
        &v.file_name,
        bytes.to_vec(),
    ))
}

// ---------------------------------------------------------------- back office

/// "Dữ liệu mở" in the back office: the agency's datasets, for its data officers and leaders.
async fn office_list(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let agency = user.agency_id.clone().unwrap_or_default();
    let insider = user.has_role(tinhso_kernel::auth::Role::DataOfficer)
        || user.has_role(tinhso_kernel::auth::Role::Leader);
    let list = if insider {
        store::of_agency(&ctx.db, &agency).await?
    } else {
        Vec::new()
    };
    let shown: Vec<Value> = list.iter().map(|d| shown(d, false)).collect();
    Ok(page
        .render(
            "opendata_office_list.html",
            context! { datasets => shown, creates => policy::may_create(&user) },
        )?
        .into_response())
}

/// The signed-in data officer, or why not.
async fn creator(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    let user = official(ctx, page).await?;
    if policy::may_create(&user) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

const NEW_ORDER: [&str; 12] = [
    "title",
    "name",
    "notes",
    "field",
    "tags",
    "licence",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "contact_name",
    "contact_email",
];

fn render_new(
    page: &Page,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "opendata_new.html",
        context! {
            values => sv(values), errors => form_errors_in(errors, &NEW_ORDER), choices => choices(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn new_form(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = creator(&ctx, &page).await?;
    let mut values = BTreeMap::new();
    values.insert("licence".to_owned(), Licence::default().as_str().to_owned());
    values.insert("contact_name".to_owned(), user.full_name.clone());
    values.insert(
        "contact_email".to_owned(),
        user.email.clone().unwrap_or_default(),
    );
    render_new(&page, &values, &[])
}

fn field(form: &BTreeMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

async fn new_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = creator(&ctx, &page).await?;
    let input = MetadataInput {
        name: field(&form, "name"),
        title: field(&form, "title"),
        notes: field(&form, "notes"),
        field: field(&form, "field"),
        tags: field(&form, "tags"),
        licence: field(&form, "licence"),
        frequency: field(&form, "frequency"),
        temporal_start: field(&form, "temporal_start"),
        temporal_end: field(&form, "temporal_end"),
        spatial: field(&form, "spatial"),
        contact_name: field(&form, "contact_name"),
        contact_email: field(&form, "contact_email"),
    };
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    match service::create(&ctx, &who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/opendata/{id}?done=create")).into_response()),
        Err(AppError::Validation(errors)) => render_new(&page, &form, &errors),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

/// How the dataset page is shown after a form: refused (its errors and what was typed, in the
/// form used, or a refused upload's report), or just done.
#[derive(Default)]
struct Kept {
    form: &'static str,
    status: Option<StatusCode>,
    message: Option<String>,
    errors: Vec<FieldError>,
    values: BTreeMap<String, String>,
    refused_report: Option<tinhso_tabular::Report>,
    done: Option<String>,
}

const DONE: [&str; 7] = [
    "create",
    "upload",
    "link",
    "submit",
    "approve",
    "return",
    "unpublish",
];

/// A report with its findings in the page's language (the check writes them in Vietnamese).
fn in_language(report: &tinhso_tabular::Report, page: &Page) -> tinhso_tabular::Report {
    let mut r = report.clone();
    for issue in r.errors.iter_mut().chain(r.warnings.iter_mut()) {
        issue.message = tinhso_kernel::web::i18n::message(page.lang, &issue.message);
    }
    r
}

async fn render_dataset(
    ctx: &Ctx,
    page: &Page,
    d: OpenDataset,
    kept: Kept,
) -> PageResult<Response> {
    let principal = page.principal();
    let offers = allowed::<OpenDatasetPolicy>(
        &Cx::from(ctx),
        &Subject::of(&principal),
        &d,
        &[
            DatasetAction::Edit,
            DatasetAction::Decide,
            DatasetAction::Unpublish,
        ],
    )
    .await?;
    let mut conn = ctx.db.pool.acquire().await?;
    let resources = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let mut versions = store::versions(&ctx.db, &d.id).await?;
    for v in &mut versions {
        v.report = in_language(&v.report, page);
    }
    let by_resource: Vec<Value> = resources
        .iter()
        .map(|r| {
            let of: Vec<&crate::Version> =
                versions.iter().filter(|v| v.resource_id == r.id).collect();
            context! { resource => sv(r), versions => sv(of) }
        })
        .collect();
    let open = d.revision.is_some();
    let editing = tinhso_domain::opendata::state::may_edit(d.revision);
    let submitted = d.revision == Some(tinhso_domain::opendata::state::RevisionState::Submitted);
    let status = kept.status.unwrap_or(StatusCode::OK);
    let html = page.render(
        "opendata_dataset.html",
        context! {
            dataset => shown(&d, false),
            resources => by_resource,
            edits => offers.contains(&DatasetAction::Edit) && editing,
            submits => offers.contains(&DatasetAction::Edit) && open && !submitted,
            decides => offers.contains(&DatasetAction::Decide) && submitted,
            unpublishes => offers.contains(&DatasetAction::Unpublish) && d.state.is_public(),
            public => d.state.is_public(),
            choices => choices(),
            kept_form => kept.form, message => kept.message,
            errors => form_errors_in(&kept.errors, &["name", "file", "link_name", "url", "link_format", "reason"]),
            values => sv(&kept.values),
            refused_report => kept.refused_report.as_ref().map(|r| sv(in_language(r, page))),
            done => kept.done.filter(|d| DONE.contains(&d.as_str())),
        },
    )?;
    Ok((status, html).into_response())
}

async fn dataset_page(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult<Response> {
    official(&ctx, &page).await?;
    let d = policy::checked(&ctx, &page.principal(), &id, DatasetAction::Manage).await?;
    let kept = Kept {
        done: q.done,
        ..Kept::default()
    };
    render_dataset(&ctx, &page, d, kept).await
}

/// A refused action shown on the dataset page in `form`.
async fn refused(
    ctx: &Ctx,
    page: &Page,
    id: &str,
    form: &'static str,
    values: BTreeMap<String, String>,
    e: AppError,
) -> PageResult<Response> {
    let (status, errors, message) = match e {
        AppError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        AppError::Conflict(m) => (StatusCode::CONFLICT, Vec::new(), Some(m)),
        other => return Err(other.into()),
    };
    let d = policy::checked(ctx, &page.principal(), id, DatasetAction::Manage).await?;
    let kept = Kept {
        form,
        status: Some(status),
        message,
        errors,
        values,
        ..Kept::default()
    };
    render_dataset(ctx, page, d, kept).await
}

/// The most a form's text field may carry.
const MAX_FIELD_BYTES: usize = 64 * 1024;

async fn upload_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    // Not the agency's officer: refused before the file is read.
    policy::checked(&ctx, &page.principal(), &id, DatasetAction::Edit).await?;
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Biểu mẫu tải tệp phải gửi dạng multipart/form-data.".into())
    })?;
    let broken = tinhso_kernel::web::multipart_error;
    let mut values = BTreeMap::new();
    let mut file: Option<(String, bytes::Bytes)> = None;
    while let Some(f) = multipart.next_field().await.map_err(broken)? {
        let key = f.name().unwrap_or_default().to_owned();
        match (key.as_str(), f.file_name().map(str::to_owned)) {
            ("file", Some(file_name)) => {
                let bytes = f.bytes().await.map_err(broken)?;
                let clean = tinhso_domain::attachment::clean_file_name(&file_name);
                file = Some((clean, bytes));
            }
            _ => {
                let value = f.text().await.map_err(broken)?;
                if value.len() > MAX_FIELD_BYTES {
                    return Err(AppError::PayloadTooLarge.into());
                }
                values.insert(key, value);
            }
        }
    }
    values.remove("_csrf");
    let (file_name, bytes) = file.unwrap_or_default();
    let input = UploadInput {
        name: values.get("name").cloned().unwrap_or_default(),
        file_name,
        bytes,
        resource: values
            .get("resource")
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
    };
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    match service::upload(&ctx, &who, &id, input).await {
        Ok(Upload::Stored { .. }) => {
            Ok(Redirect::to(&format!("/office/opendata/{id}?done=upload")).into_response())
        }
        Ok(Upload::Refused { report }) => {
            let d = policy::checked(&ctx, &principal, &id, DatasetAction::Manage).await?;
            let kept = Kept {
                form: "upload",
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                values,
                refused_report: Some(report),
                ..Kept::default()
            };
            render_dataset(&ctx, &page, d, kept).await
        }
        Err(e) => refused(&ctx, &page, &id, "upload", values, e).await,
    }
}

async fn link_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    let result = service::link(
        &ctx,
        &who,
        &id,
        &field(&form, "link_name"),
        &field(&form, "url"),
        &field(&form, "link_format"),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/office/opendata/{id}?done=link")).into_response()),
        Err(e) => refused(&ctx, &page, &id, "link", form, e).await,
    }
}

async fn decision_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let reason = field(&form, "reason");
    let (decision, done) = match field(&form, "decision").as_str() {
        "submit" => (Decision::Submit, "submit"),
        "approve" => (Decision::Approve, "approve"),
        "return" => (Decision::Return { reason }, "return"),
        "unpublish" => (Decision::Unpublish { reason }, "unpublish"),
        _ => {
            return Err(AppError::BadRequest(
                "Chọn gửi duyệt, phê duyệt, trả lại hoặc gỡ công khai.".into(),
            )
            .into());
        }
    };
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    match service::decide(&ctx, &who, &id, &decision).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/opendata/{id}?done={done}")).into_response()),
        Err(e) => refused(&ctx, &page, &id, "decision", form, e).await,
    }
}
