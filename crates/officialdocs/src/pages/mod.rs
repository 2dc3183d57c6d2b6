//! The officials' pages of the documents module ("Văn bản"): the outgoing list and the incoming
//! register of their agency, the new draft form, the document page with the steps the person
//! may take now, and the registration of a paper, emailed or scanned arrival with its duplicate
//! warning. Every page calls the module's service and decides with `DocumentPolicy`, as the
//! API does.

mod processing;
mod reports;
pub mod search;
mod store;
mod work_files;

use crate::policy::{self, DocumentAction, DocumentPolicy, checked};
use crate::service::{self, ActInput, Arrival, Draft, RecipientInput, Who};
use crate::{Direction, Document};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::official_doc::outgoing::{OutgoingAction, OutgoingState};
use tinhso_domain::official_doc::{AuthorityPrefix, DocType, Urgency};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor};
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Path, Query};
use tinhso_kernel::files::{self, FormData, IncomingFile};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::i18n;
use tinhso_kernel::web::{Page, form_errors_in, sv};

pub fn routes() -> Routes {
    let entity = Access::Entity("document");
    Routes::new("documents")
        .get("/office/documents", entity, outgoing_page)
        .get("/office/documents/incoming", entity, incoming_page)
        .get("/office/documents/new", entity, new_form)
        .post("/office/documents/new", entity, new_submit)
        .get("/office/documents/register", entity, register_form)
        .post("/office/documents/register", entity, register_submit)
        .get("/office/documents/{id}", entity, document_page)
        .post("/office/documents/{id}/actions", entity, take_action)
        .post("/office/documents/{id}/versions", entity, upload_version)
        .post(
            "/office/documents/{id}/digital-signature",
            entity,
            sign_digitally,
        )
        .get(
            "/office/documents/{id}/versions/{version}",
            entity,
            download,
        )
        .get(
            "/office/documents/{id}/versions/{version}/signatures",
            entity,
            signatures_page,
        )
        .post("/office/documents/{id}/appendices", entity, add_appendix)
        .get(
            "/office/documents/{id}/appendices/{appendix}",
            entity,
            appendix_download,
        )
        .post(
            "/office/documents/{id}/appendices/{appendix}/remove",
            entity,
            remove_appendix,
        )
        .get(
            "/office/documents/{id}/appendices/{appendix}/signatures",
            entity,
            appendix_signatures_page,
        )
        .get("/office/documents/{id}/reads", entity, reads_page)
        .post(
            "/office/documents/{id}/exchange/{recipient}/resend",
            entity,
            resend_page,
        )
        .merge(processing::routes())
        .merge(reports::routes())
        .merge(work_files::routes())
}

/// Documents per page of a list: small pages for phones on weak connections.
const PER_PAGE: i64 = 30;

/// The outgoing actions a page offers, in the order of the flow. `replace` is never a button:
/// a replacement is drafted from the issued document's page ("Thay thế", the new draft form
/// with `?replaces=`), and issuing it marks the original replaced.
const OFFERED: [OutgoingAction; 9] = [
    OutgoingAction::Submit,
    OutgoingAction::ApproveContent,
    OutgoingAction::ApproveForm,
    OutgoingAction::Sign,
    OutgoingAction::Issue,
    OutgoingAction::Send,
    OutgoingAction::ReturnForRevision,
    OutgoingAction::Recall,
    OutgoingAction::Cancel,
];

/// The signed-in official, or why not (the back office is for officials).
async fn official(state: &Ctx, page: &Page) -> Result<User, AppError> {
    tinhso_kernel::auth::platform::may(state, &page.principal(), PlatformAction::BackOffice)
        .await?;
    Ok(page.require_user()?.clone())
}

fn who<'a>(user: &'a User, ip: &str) -> Who<'a> {
    Who {
        user,
        actor: Actor {
            label: format!("user:{}", user.id),
            ip: ip.to_owned(),
        },
    }
}

/// Whether `user` drafts documents at all (`policy::may_draft` decides for a given issuer).
fn drafts(user: &User) -> bool {
    user.is_official() && (user.has_role(Role::Specialist) || user.has_role(Role::Leader))
}

/// What the "Văn bản" tabs and buttons show to `user`.
fn section(user: &User) -> Value {
    context! {
        keeps_incoming => policy::keeps_incoming(user, false),
        registers => policy::keeps_incoming(user, true),
        drafts => drafts(user),
        overdue => crate::assignments::sees_agency_reports(user),
        assigned => user.is_official(),
        registers_page => crate::work_files::policy::reads_registers(user),
        timeliness => crate::assignments::sees_agency_reports(user),
        work_files => user.is_official() && user.agency_id.is_some(),
    }
}

/// The signed-in official who drafts documents, or why not.
async fn drafter(state: &Ctx, page: &Page) -> Result<User, AppError> {
    let user = official(state, page).await?;
    if drafts(&user) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Number and notation as printed: `05/QĐ-STP`.
pub(crate) fn printed_number(d: &Document) -> Option<String> {
    match (&d.code_number, &d.code_notation) {
        (Some(n), Some(s)) => Some(format!("{n}/{s}")),
        _ => None,
    }
}

/// A document as the pages show it.
fn view(d: &Document) -> Value {
    let prefix = d
        .authority_prefix
        .as_deref()
        .and_then(|p| p.parse::<AuthorityPrefix>().ok());
    context! {
        id => d.id.clone(),
        direction => d.direction.as_str(),
        state => d.state.as_str(),
        type_code => d.doc_type.as_str(),
        type_name => d.doc_type.name_vi(),
        number => printed_number(d),
        issued_date => d.issued_date.clone(),
        organ_id => d.organ_id.clone(),
        organ_name => d.organ_name.clone(),
        subject => d.subject.clone(),
        urgency => d.urgency.as_str(),
        urgent => d.urgency.is_urgent(),
        signer_position => d.signer_position.clone(),
        signer_full_name => d.signer_full_name.clone(),
        authority_prefix => prefix.map(|p| p.abbreviation()),
        authority_prefix_code => prefix.map(|p| p.as_str()),
        page_amount => d.page_amount,
        issued_amount => d.issued_amount,
        description => d.description.clone(),
        due_date => d.due_date.clone(),
        arrival_number => (d.direction == Direction::In).then_some(d.reg_number).flatten(),
        arrival_year => (d.direction == Direction::In).then_some(d.reg_year).flatten(),
        arrival_date => d.arrival_date.clone(),
        source => d.source.clone(),
        created_at => d.created_at.clone(),
        updated_at => d.updated_at.clone(),
    }
}

fn page_links(page_number: i64, has_next: bool, query: impl Fn(i64) -> String) -> Value {
    context! {
        previous => (page_number > 1).then(|| query(page_number - 1)),
        next => has_next.then(|| query(page_number + 1)),
        number => page_number,
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    page: Option<i64>,
}

/// "Văn bản đi": the drafts and documents of the official's agency that they handle.
async fn outgoing_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let agency_id = user.agency_id.clone().ok_or(AppError::Forbidden)?;
    let filter = q
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse::<OutgoingState>().ok());
    let page_number = q.page.unwrap_or(1).max(1);
    let viewer = store::OutgoingViewer {
        user_id: &user.id,
        agency_id: &agency_id,
        leader: user.has_role(Role::Leader),
        clerk: user.has_role(Role::DocumentClerk),
    };
    let mut found = store::outgoing(
        &state.db,
        &viewer,
        filter.map(|s| s.as_str()),
        PER_PAGE + 1,
        (page_number - 1) * PER_PAGE,
    )
    .await?;
    let has_next = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    // The list is narrowed in SQL; the policy has the last word on every row.
    let documents: Vec<Value> = found
        .iter()
        .filter(|d| DocumentPolicy::decision(&user, d, DocumentAction::View).is_ok())
        .map(view)
        .collect();
    let state_text = filter.map(|s| s.as_str()).unwrap_or_default();
    let links = page_links(page_number, has_next, |n| {
        serde_urlencoded::to_string([("state", state_text.to_owned()), ("page", n.to_string())])
            .unwrap_or_default()
    });
    let states: Vec<&str> = OutgoingState::ALL.iter().map(|s| s.as_str()).collect();
    Ok(page
        .render(
            "documents_outgoing.html",
            context! { documents => documents, states => states, filter_state => state_text,
            pages => links, section => section(&user), tab => "outgoing" },
        )?
        .into_response())
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<i64>,
}

/// "Văn bản đến": the agency's incoming register, for its clerk and leaders.
async fn incoming_page(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    if !policy::keeps_incoming(&user, false) {
        return Err(AppError::Forbidden.into());
    }
    let agency_id = user.agency_id.clone().ok_or(AppError::Forbidden)?;
    let page_number = q.page.unwrap_or(1).max(1);
    let mut found = store::incoming(
        &state.db,
        &agency_id,
        PER_PAGE + 1,
        (page_number - 1) * PER_PAGE,
    )
    .await?;
    let has_next = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    let documents: Vec<Value> = found.iter().map(view).collect();
    let links = page_links(page_number, has_next, |n| format!("page={n}"));
    // Recalls from other platforms wait for the agency's document clerk.
    let recalls: Vec<Value> = if user.has_role(Role::DocumentClerk) {
        crate::exchange::store::pending_recalls(&state.db, &agency_id)
            .await?
            .into_iter()
            .map(|r| {
                let number = match (&r.code_number, &r.code_notation) {
                    (Some(n), Some(s)) => Some(format!("{n}/{s}")),
                    _ => None,
                };
                context! {
                    id => r.document_id, subject => r.subject, number => number,
                    organ_name => r.organ_name, description => r.description,
                    requested_at => r.requested_at,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(page
        .render(
            "documents_incoming.html",
            context! { documents => documents, pages => links, section => section(&user), tab => "incoming", recalls => recalls },
        )?
        .into_response())
}

/// The 29 types for a select: code, Vietnamese name and abbreviation.
fn doc_types() -> Vec<Value> {
    DocType::ALL
        .iter()
        .map(|t| context! { code => t.as_str(), name => t.name_vi(), abbreviation => t.abbreviation() })
        .collect()
}

fn prefixes() -> Vec<Value> {
    AuthorityPrefix::ALL
        .iter()
        .map(|p| context! { code => p.as_str(), abbreviation => p.abbreviation(), meaning => p.meaning_vi() })
        .collect()
}

fn urgencies() -> Vec<Value> {
    [
        Urgency::Normal,
        Urgency::Urgent,
        Urgency::VeryUrgent,
        Urgency::Flash,
    ]
    .iter()
    .map(|u| context! { code => u.as_str(), priority => u.edxml_priority() })
    .collect()
}

/// The new draft form's fields from top to bottom, which its error summary follows.
const DRAFT_ORDER: [&str; 15] = [
    "TypeName",
    "Subject",
    "Priority",
    "Secrecy",
    "To",
    "SignerInfo.Position",
    "SignerInfo.FullName",
    "SignerInfo.Competence",
    "PageAmount",
    "IssuedAmount",
    "DueDate",
    "Description",
    "DossierCode",
    "Replaces",
    "file",
];

/// The platform agencies a draft may be sent to: every one but the drafter's issuer.
async fn recipient_choices(state: &Ctx, user: &User) -> Result<Vec<Value>, AppError> {
    let own = user.agency_id.as_deref().unwrap_or_default();
    Ok(tinhso_directory::store::all(&state.db)
        .await?
        .into_iter()
        .filter(|a| a.id != own && a.parent_id.as_deref() != Some(own))
        .map(|a| context! { code => a.code.to_string(), name => a.name })
        .collect())
}

async fn render_draft_form(
    state: &Ctx,
    page: &Page,
    user: &User,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "documents_new.html",
        context! {
            types => doc_types(), prefixes => prefixes(), urgencies => urgencies(),
            agencies => recipient_choices(state, user).await?, values => sv(values),
            errors => form_errors_in(errors, &DRAFT_ORDER), section => section(user),
            picked => values.keys().any(|k| k.starts_with("to_")),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
struct NewQuery {
    /// The one-stop dossier the draft decides (from the dossier's office page).
    dossier: Option<String>,
    /// The issued document the draft replaces (from that document's page).
    replaces: Option<String>,
}

async fn new_form(
    State(state): State<Ctx>,
    page: Page,
    Query(q): Query<NewQuery>,
) -> PageResult<Response> {
    let user = drafter(&state, &page).await?;
    let mut values = BTreeMap::new();
    if let Some(code) = q.dossier.filter(|c| !c.trim().is_empty()) {
        values.insert("DossierCode".to_owned(), code);
        values.insert("TypeName".to_owned(), "decision".to_owned());
    }
    if let Some(id) = q.replaces.filter(|c| !c.trim().is_empty()) {
        values.insert("Replaces".to_owned(), id);
    }
    render_draft_form(&state, &page, &user, &values, &[]).await
}

/// Text of a form field, `None` when left empty.
fn optional(form: &FormData, key: &str) -> Option<String> {
    Some(form.text(key).to_owned()).filter(|t| !t.is_empty())
}

/// A whole number typed in a form field (`None` when empty).
fn whole_number(form: &FormData, key: &str) -> Result<Option<u32>, FieldError> {
    match optional(form, key) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| FieldError::new(key, "Nhập một số nguyên.")),
    }
}

/// The recipients ticked (`to_<agency code>`) and typed one per line (outside the platform).
fn recipients(form: &FormData) -> Vec<RecipientInput> {
    let mut out: Vec<RecipientInput> = form
        .fields
        .keys()
        .filter_map(|k| k.strip_prefix("to_"))
        .map(|code| RecipientInput {
            organ_id: Some(code.to_owned()),
            organ_name: None,
        })
        .collect();
    out.extend(
        form.text("ToOutside")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(outside_recipient),
    );
    out
}

/// A typed recipient: `000.00.00.G22 Văn phòng Chính phủ` (an agency code first: an agency on
/// another platform, reached through the exchange) or a name (`Lưu: VT, HCTP`).
fn outside_recipient(line: &str) -> RecipientInput {
    let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if looks_like_agency_code(first) {
        let name = rest.trim().trim_start_matches(['-', '–', ':']).trim();
        return RecipientInput {
            organ_id: Some(first.to_owned()),
            organ_name: (!name.is_empty()).then(|| name.to_owned()),
        };
    }
    RecipientInput {
        organ_id: None,
        organ_name: Some(line.to_owned()),
    }
}

/// `000.00.00.G22`: three digits, two, two, a capital letter and two digits (Decision
/// 20/2020/QĐ-TTg's agency codes).
fn looks_like_agency_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 13
        && b.iter().enumerate().all(|(i, c)| match i {
            3 | 6 | 9 => *c == b'.',
            10 => c.is_ascii_uppercase(),
            _ => c.is_ascii_digit(),
        })
}

/// The one file of a form, if chosen, checked to be a PDF or DOCX before anything is stored.
fn document_file(form: &FormData) -> Result<Option<&IncomingFile>, FieldError> {
    let Some(file) = form.files.first() else {
        return Ok(None);
    };
    let docx = tinhso_domain::attachment::FileKind::Docx.media_type();
    if file.media_type == "application/pdf" || file.media_type == docx {
        Ok(Some(file))
    } else {
        Err(FieldError::new(
            "file",
            "Tệp văn bản phải là PDF hoặc DOCX.",
        ))
    }
}

async fn new_submit(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = drafter(&state, &page).await?;
    let form = files::read(multipart).await?;
    let mut errors = form.file_errors.clone();
    let page_amount = whole_number(&form, "PageAmount").map_err(|e| errors.push(e));
    let issued_amount = whole_number(&form, "IssuedAmount").map_err(|e| errors.push(e));
    // Checked before the draft is created, so a wrong file leaves no draft behind.
    let file = document_file(&form).map_err(|e| errors.push(e));
    let (Ok(page_amount), Ok(issued_amount), Ok(file)) = (page_amount, issued_amount, file) else {
        return render_draft_form(&state, &page, &user, &form.fields, &errors).await;
    };
    if !errors.is_empty() {
        return render_draft_form(&state, &page, &user, &form.fields, &errors).await;
    }
    let draft = Draft {
        type_name: form.text("TypeName").to_owned(),
        priority: form.text("Priority").parse().ok(),
        secrecy: optional(&form, "Secrecy"),
        subject: form.text("Subject").to_owned(),
        organ_id: None,
        drafting_unit: None,
        signer_position: form.text("SignerInfo.Position").to_owned(),
        signer_full_name: form.text("SignerInfo.FullName").to_owned(),
        authority_prefix: optional(&form, "SignerInfo.Competence"),
        page_amount,
        issued_amount,
        description: form.text("Description").to_owned(),
        due_date: optional(&form, "DueDate"),
        to: recipients(&form),
        dossier_code: optional(&form, "DossierCode"),
        replaces: optional(&form, "Replaces"),
    };
    let who = who(&user, &ip);
    let id = match service::create(&state, &who, draft).await {
        Ok(id) => id,
        Err(AppError::Validation(errors)) => {
            return render_draft_form(&state, &page, &user, &form.fields, &errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(file) = file {
        service::upload_version(&state, &who, &id, file).await?;
    }
    Ok(Redirect::to(&format!("/office/documents/{id}?done=create")).into_response())
}

#[derive(Deserialize, Default)]
struct DocumentQuery {
    done: Option<String>,
}

/// How the document page is shown after a refused action: the message, the field errors and
/// what the person typed, back in the form they used.
#[derive(Default)]
struct Shown<'a> {
    done: Option<&'a str>,
    /// A refusal (wrong role, wrong state, a secrecy mark…), already in the page's language.
    refusal: Option<String>,
    errors: &'a [FieldError],
    kept: Option<&'a ActionForm>,
    /// What was typed in a form of the incoming flow.
    flow: Option<&'a processing::FlowKept>,
    /// The refused placement in a work file ("Đưa vào hồ sơ").
    placement: Option<&'a work_files::Kept>,
}

async fn document_page(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    // Decree 30 asks that every access be logged: a page view is a read.
    crate::store::record_read(&state.db, &d.id, &user.id, &ip).await?;
    // Only the messages there are: the link is anyone's to edit.
    let done = q.done.as_deref().filter(|a| {
        [
            "create",
            "upload",
            "register",
            "sign_digitally",
            "resend",
            "appendix_add",
            "appendix_remove",
        ]
        .contains(a)
            || processing::DONE.contains(a)
            || work_files::DONE.contains(a)
            || OFFERED.iter().any(|o| o.as_str() == *a)
    });
    let shown = Shown {
        done,
        ..Shown::default()
    };
    render_document(&state, &page, &user, &d, shown).await
}

/// The steps `user` may take on `d` now, as the policy decides them.
fn offered(user: &User, d: &Document) -> Vec<&'static str> {
    OFFERED
        .into_iter()
        .filter(|a| DocumentPolicy::actor(user, d, *a).is_ok())
        .map(|a| a.as_str())
        .collect()
}

/// The document's history from the audit trail, oldest first: each step, when, by whom, and
/// the comment given with it.
async fn history(state: &Ctx, lang: i18n::Lang, d: &Document) -> Result<Vec<Value>, AppError> {
    let entries = audit::search(
        &state.db,
        &audit::AuditFilter {
            entity_type: Some("document".into()),
            entity_id: Some(d.id.clone()),
            limit: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for e in entries.into_iter().rev() {
        let person = match e.actor.strip_prefix("user:") {
            Some(user_id) => {
                if !names.contains_key(user_id) {
                    let name = store::full_name(&state.db, user_id).await?;
                    names.insert(user_id.to_owned(), name);
                }
                names.get(user_id).cloned().flatten()
            }
            None => None,
        };
        let after: serde_json::Value = serde_json::from_str(&e.after).unwrap_or_default();
        let note = after
            .get("note")
            .and_then(|n| n.as_str())
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        out.push(context! {
            at => e.at,
            action => audit::http::audit_action_label(lang, &e.action),
            person => person,
            note => note,
        });
    }
    Ok(out)
}

async fn render_document(
    state: &Ctx,
    page: &Page,
    user: &User,
    d: &Document,
    shown: Shown<'_>,
) -> PageResult<Response> {
    let versions = crate::store::versions(&state.db, &d.id).await?;
    let appendices: Vec<Value> = crate::store::appendices::list(&state.db, &d.id)
        .await?
        .into_iter()
        .map(|a| {
            let served = a.served();
            context! {
                id => a.id.clone(), position => a.position, title => a.title.clone(),
                file_name => served.file_name, size_bytes => served.size_bytes,
                created_at => a.created_at.clone(), signed_at => a.signed_at.clone(),
            }
        })
        .collect();
    let arrival = if d.direction == Direction::In && d.source.as_deref() == Some("exchange") {
        crate::exchange::arrival::of_document_and_appendices(&state.db, &d.id).await?
    } else {
        Vec::new()
    };
    let copies = store::copy_states(&state.db, &d.id).await?;
    let recipients: Vec<Value> = if d.direction == Direction::Out {
        crate::store::recipients(&state.db, &d.id)
            .await?
            .into_iter()
            .map(|r| {
                let copy_state = r.incoming_id.as_ref().and_then(|c| {
                    copies
                        .iter()
                        .find(|(id, _)| id == c)
                        .map(|(_, s)| s.clone())
                });
                context! {
                    name => r.name, code => r.agency_code, on_platform => r.agency_id.is_some(),
                    delivered_at => r.delivered_at, copy_state => copy_state,
                    exchange_state => r.exchange_state, exchange_detail => r.exchange_detail,
                    exchange_status => r.exchange_status.as_deref()
                        .and_then(tinhso_edxml::StatusCode::from_code)
                        .map(|c| c.label()),
                    exchange_status_detail => r.exchange_status_detail,
                    exchange_recall => r.exchange_recall, exchange_recall_detail => r.exchange_recall_detail,
                    id => r.id,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let drafter = match d.drafter_id.as_deref() {
        Some(id) => store::full_name(&state.db, id).await?,
        None => None,
    };
    let may = |action| DocumentPolicy::decision(user, d, action).is_ok();
    let status = if shown.errors.is_empty() && shown.refusal.is_none() && shown.placement.is_none()
    {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let kept = shown.kept.map(|k| {
        context! {
            action => k.action.clone(), note => k.note.clone(), position => k.signer_position.clone(),
            full_name => k.signer_full_name.clone(), prefix => k.authority_prefix.clone(),
            seal => k.seal.as_deref() == Some("yes"), seal_key => k.seal_key.clone(),
        }
    });
    // What other modules offer on this document ("Tạo nhiệm vụ" on an incoming one), without
    // this module knowing them.
    let facets: &[&str] = if d.direction == Direction::In {
        &["incoming"]
    } else {
        &["outgoing"]
    };
    let record = tinhso_kernel::module::LinkedRecord {
        id: &d.id,
        agency_id: &d.agency_id,
        facets,
    };
    let links = tinhso_kernel::module::link::offered(state, user, "document", &record).await?;
    let html = page.render(
        "document.html",
        context! {
            links => sv(&links),
            d => view(d), versions => sv(&versions), recipients => recipients, drafter => drafter,
            appendices => appendices, may_edit_appendices => crate::appendices::may_edit(user, d),
            appendix_limit => crate::appendices::MAX_APPENDICES,
            arrival => sv(&arrival),
            actions => offered(user, d), prefixes => prefixes(),
            may_upload => may(DocumentAction::UploadVersion), may_read_log => may(DocumentAction::ReadLog),
            history => history(state, page.lang, d).await?,
            // The directions and assignments of an incoming document (bút phê, lead and
            // supporting units, deadlines): `document_directions.html`.
            directions => Value::from(minijinja::value::Serde(crate::processing_api::Extras::load(state, d).await?.assignments)),
            done => shown.done, refusal => shown.refusal, errors => form_errors_in(shown.errors, &["note", "SignerInfo.Position", "SignerInfo.FullName", "SignerInfo.Competence", "file", "appendix", "Title"]),
            kept => kept, section => section(user),
            flow => processing::offer(state, page.lang, user, d, shown.flow).await?,
            work_files => work_files::on_document(state, user, d, shown.placement).await?,
            may_replace => service::may_replace(state, user, d).await?,
            may_resend => crate::exchange::failures::may_resend(user, d),
            may_seal => state.pdf_signer.is_some()
                && versions.iter().max_by_key(|v| v.version).is_some_and(|v| v.media_type == "application/pdf"),
            may_sign_digitally => service::may_sign_digitally(user, d)
                && state.pdf_signer.is_some()
                && versions.iter().max_by_key(|v| v.version).is_some_and(|v| v.media_type == "application/pdf"),
            remote_providers => state.remote_signing_providers(),
            desk_command => desk_command(state, d),
            seal_command => format!("{} --seal", desk_command(state, d)),
            seal_waiting => crate::deferred_seal::waiting(state, d).await?
                .map(|r| format!("{}/{}", r.code_number, r.code_notation)),
            pending_signings => sv(&state.pending_signing_sessions(&user.id, "document", &d.id).await?),
        },
    )?;
    Ok((status, html).into_response())
}

/// The command that signs `d` with a USB token at the signer's desk (`tinhso desk-sign`), the
/// parts only the signer knows left as placeholders.
fn desk_command(state: &Ctx, d: &Document) -> String {
    format!(
        "tinhso desk-sign --server {} --document {} --module <thư-viện-PKCS#11-của-token> --token-label <nhãn-token> --pin-file <tệp-mã-PIN>",
        state.config.public_url.trim_end_matches('/'),
        d.id
    )
}

#[derive(Deserialize, Default, Clone)]
struct ActionForm {
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default, rename = "SignerInfo.Position")]
    signer_position: Option<String>,
    #[serde(default, rename = "SignerInfo.FullName")]
    signer_full_name: Option<String>,
    #[serde(default, rename = "SignerInfo.Competence")]
    authority_prefix: Option<String>,
    /// `yes` once the official saw the confirmation step of an irreversible action.
    confirm: Option<String>,
    /// `yes`: issue with the agency's digital seal.
    seal: Option<String>,
    /// Where the agency's key is: `server` (the default), or `remote:<provider>`.
    seal_key: Option<String>,
}

/// The refusal of an action in the page's language, or the error itself when it is not one
/// the page explains next to the buttons.
fn refusal_text(lang: i18n::Lang, e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Conflict(message) => Ok(i18n::message(lang, &message)),
        AppError::Forbidden => Ok(i18n::text(lang, "doc_refused_role")),
        other => Err(other),
    }
}

async fn take_action(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ActionForm>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let action: OutgoingAction = form
        .action
        .parse()
        .map_err(|_| AppError::BadRequest("Thao tác không hợp lệ.".into()))?;
    // Someone who may not read the document learns nothing about it (404); a refusal of the
    // step itself is explained on the page.
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    let refuse = |refusal: String| Shown {
        refusal: Some(refusal),
        kept: Some(&form),
        ..Shown::default()
    };
    if let Err(r) = DocumentPolicy::actor(&user, &d, action) {
        let text = refusal_text(page.lang, r.into())?;
        return render_document(&state, &page, &user, &d, refuse(text)).await;
    }
    if action == OutgoingAction::ReturnForRevision && form.note.trim().is_empty() {
        let errors = [FieldError::new(
            "note",
            "Ghi rõ cần sửa gì để người soạn thảo chỉnh sửa.",
        )];
        let shown = Shown {
            errors: &errors,
            kept: Some(&form),
            ..Shown::default()
        };
        return render_document(&state, &page, &user, &d, shown).await;
    }
    if action.is_irreversible() && !confirm::given(form.confirm.as_deref()) {
        let back = format!("/office/documents/{id}");
        return Confirmation::new(confirm_what(action), format!("{back}/actions"), back)
            .keep("action", action.as_str())
            .fact("doc_subject", d.subject.clone())
            .fact("doc_number", printed_number(&d).unwrap_or_default())
            .fact("doc_note", form.note.trim())
            .keep("note", form.note.trim())
            .keep("seal", form.seal.as_deref().unwrap_or_default())
            .keep("seal_key", form.seal_key.as_deref().unwrap_or_default())
            .render(&page);
    }
    let sealing = action == OutgoingAction::Issue && form.seal.as_deref() == Some("yes");
    if sealing
        && let Some(provider) = form
            .seal_key
            .as_deref()
            .and_then(|k| k.strip_prefix("remote:"))
    {
        // The agency's key at a remote provider: the number is reserved and the clerk follows
        // the session's page until they confirm on their phone.
        let key = crate::deferred_seal::SealKey::Remote {
            provider: provider.to_owned(),
        };
        return match crate::deferred_seal::start(&state, &who(&user, &ip), &id, key).await {
            Ok(crate::deferred_seal::SealStarted::Remote(started)) => {
                Ok(Redirect::to(&started.path).into_response())
            }
            Ok(crate::deferred_seal::SealStarted::Desk(started)) => {
                Ok(Redirect::to(&started.path).into_response())
            }
            Err(e) => refused_action(&state, &page, &user, &id, &form, e).await,
        };
    }
    let sign = action == OutgoingAction::Sign;
    let input = ActInput {
        action,
        note: form.note.clone(),
        signer_position: form.signer_position.clone().filter(|_| sign),
        signer_full_name: form.signer_full_name.clone().filter(|_| sign),
        authority_prefix: form.authority_prefix.clone().filter(|_| sign),
        // The confirmation step said what a recall does to recipients that started handling it.
        confirm: action == OutgoingAction::Recall,
        seal: sealing,
    };
    match service::act(&state, &who(&user, &ip), &id, input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/office/documents/{id}?done={}", action.as_str()))
                .into_response(),
        ),
        Err(e) => refused_action(&state, &page, &user, &id, &form, e).await,
    }
}

/// The document page again after action `form` on `id` failed with `e`: the fields' errors
/// beside them, or the refusal explained by the buttons (the document as it is now).
async fn refused_action(
    state: &Ctx,
    page: &Page,
    user: &User,
    id: &str,
    form: &ActionForm,
    e: AppError,
) -> PageResult<Response> {
    let d = crate::store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match e {
        AppError::Validation(errors) => {
            let shown = Shown {
                errors: &errors,
                kept: Some(form),
                ..Shown::default()
            };
            render_document(state, page, user, &d, shown).await
        }
        e => {
            let shown = Shown {
                refusal: Some(refusal_text(page.lang, e)?),
                kept: Some(form),
                ..Shown::default()
            };
            render_document(state, page, user, &d, shown).await
        }
    }
}

/// "Gửi lại" on a delivery that failed: the issuing agency's document clerk queues it again.
async fn resend_page(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, recipient)): Path<(String, String)>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    if !crate::exchange::failures::may_resend(&user, &d) {
        return Err(AppError::Forbidden.into());
    }
    match crate::exchange::failures::resend(&state, &who(&user, &ip).actor, &id, &recipient).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/documents/{id}?done=resend")).into_response()),
        Err(e) => {
            let text = refusal_text(page.lang, e)?;
            let shown = Shown {
                refusal: Some(text),
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
    }
}

#[derive(Deserialize, Default)]
struct SignForm {
    #[serde(default)]
    location: String,
    /// A remote-signing provider's id: the leader confirms on their phone instead.
    #[serde(default)]
    provider: String,
    /// `yes` once the leader saw the confirmation step.
    confirm: Option<String>,
}

/// The approving leader signs the latest version (a PDF) digitally with their own certificate,
/// after a confirmation step: the signed file becomes a new version.
async fn sign_digitally(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<SignForm>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    if !service::may_sign_digitally(&user, &d) {
        let text = refusal_text(page.lang, AppError::Forbidden)?;
        let shown = Shown {
            refusal: Some(text),
            ..Shown::default()
        };
        return render_document(&state, &page, &user, &d, shown).await;
    }
    let location = form.location.trim().to_owned();
    if !confirm::given(form.confirm.as_deref()) {
        let back = format!("/office/documents/{id}");
        return Confirmation::new(
            "doc_sign_digitally",
            format!("{back}/digital-signature"),
            back,
        )
        .fact("doc_subject", d.subject.clone())
        .keep("location", location)
        .keep("provider", form.provider.trim())
        .render(&page);
    }
    let location = Some(location).filter(|l| !l.is_empty());
    let provider = form.provider.trim();
    if !provider.is_empty() {
        // Remote signing: the session's page waits for the confirmation on the phone.
        return match service::sign_remotely(&state, &who(&user, &ip), &id, location, provider).await
        {
            Ok(started) => Ok(Redirect::to(&started.path).into_response()),
            Err(e) => {
                let text = refusal_text(page.lang, e)?;
                let shown = Shown {
                    refusal: Some(text),
                    ..Shown::default()
                };
                render_document(&state, &page, &user, &d, shown).await
            }
        };
    }
    match service::sign_digitally(&state, &who(&user, &ip), &id, location).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/office/documents/{id}?done=sign_digitally")).into_response(),
        ),
        Err(e) => {
            let text = refusal_text(page.lang, e)?;
            let shown = Shown {
                refusal: Some(text),
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
    }
}

/// The confirmation texts (`confirm_<what>_…`) of an irreversible step.
fn confirm_what(action: OutgoingAction) -> &'static str {
    match action {
        OutgoingAction::Issue => "doc_issue",
        OutgoingAction::Send => "doc_send",
        OutgoingAction::Recall => "doc_recall",
        _ => "doc_cancel",
    }
}

/// A new version of the draft (multipart, `file`), by its drafter.
async fn upload_version(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    let form = files::read(multipart).await?;
    let mut errors = form.file_errors.clone();
    let file = match document_file(&form) {
        Ok(Some(f)) => Some(f),
        Ok(None) => {
            errors.push(FieldError::new("file", "Chọn tệp văn bản (PDF hoặc DOCX)."));
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let Some(file) = file.filter(|_| errors.is_empty()) else {
        let shown = Shown {
            errors: &errors,
            ..Shown::default()
        };
        return render_document(&state, &page, &user, &d, shown).await;
    };
    match service::upload_version(&state, &who(&user, &ip), &id, file).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/documents/{id}?done=upload")).into_response()),
        Err(AppError::Validation(errors)) => {
            let shown = Shown {
                errors: &errors,
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
        Err(e) => {
            let shown = Shown {
                refusal: Some(refusal_text(page.lang, e)?),
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
    }
}

/// A version's file, for whoever reads the document (the download is a read too).
/// A version of a document the official may read, and its file.
async fn version_file(
    state: &Ctx,
    page: &Page,
    id: &str,
    version: i64,
) -> Result<(User, Document, crate::store::Version, bytes::Bytes), AppError> {
    let user = official(state, page).await?;
    let (d, _) = checked(state, &page.principal(), id, DocumentAction::View).await?;
    let v = crate::store::versions(&state.db, &d.id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(state.storage.as_ref(), &v.storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((user, d, v, bytes))
}

async fn download(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, version)): Path<(String, i64)>,
) -> PageResult<Response> {
    let (user, d, v, bytes) = version_file(&state, &page, &id, version).await?;
    crate::store::record_read(&state.db, &d.id, &user.id, &ip).await?;
    Ok(tinhso_kernel::web::download(
        &v.media_type,
        &v.file_name,
        bytes.to_vec(),
    ))
}

/// A new appendix in a separate file (multipart: `file_appendix`, a PDF, and `Title`), by the
/// drafter of a draft; refusals are shown next to its form.
async fn add_appendix(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    let form = files::read_accepting(multipart, crate::appendices::ACCEPTED).await?;
    // The upload's errors go next to the appendix form, not the version form's `file`.
    let to_form = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|e| match e.field.as_str() {
                "file" => FieldError::new("appendix", e.message),
                _ => e,
            })
            .collect()
    };
    let mut errors = to_form(form.file_errors.clone());
    let file = form.files.iter().find(|f| f.field_key == "appendix");
    if file.is_none() && errors.is_empty() {
        errors.push(FieldError::new("appendix", "Chọn tệp phụ lục (PDF)."));
    }
    let Some(file) = file.filter(|_| errors.is_empty()) else {
        let shown = Shown {
            errors: &errors,
            ..Shown::default()
        };
        return render_document(&state, &page, &user, &d, shown).await;
    };
    let title = Some(form.text("Title")).filter(|t| !t.is_empty());
    match crate::appendices::add(&state, &who(&user, &ip), &id, file, title).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/office/documents/{id}?done=appendix_add")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let errors = to_form(errors);
            let shown = Shown {
                errors: &errors,
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
        Err(e) => {
            let shown = Shown {
                refusal: Some(refusal_text(page.lang, e)?),
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
    }
}

/// "Gỡ" on an appendix: its drafter, while the document is a draft.
async fn remove_appendix(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, appendix)): Path<(String, String)>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::View).await?;
    match crate::appendices::remove(&state, &who(&user, &ip), &id, &appendix).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/office/documents/{id}?done=appendix_remove")).into_response(),
        ),
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(e) => {
            let shown = Shown {
                refusal: Some(refusal_text(page.lang, e)?),
                ..Shown::default()
            };
            render_document(&state, &page, &user, &d, shown).await
        }
    }
}

/// An appendix of a document the official may read, and its file (the agency-signed copy once
/// issued with the seal).
async fn appendix_file(
    state: &Ctx,
    page: &Page,
    id: &str,
    appendix: &str,
) -> Result<
    (
        User,
        Document,
        crate::store::appendices::Appendix,
        bytes::Bytes,
    ),
    AppError,
> {
    let user = official(state, page).await?;
    let (d, _) = checked(state, &page.principal(), id, DocumentAction::View).await?;
    let (a, bytes) = crate::appendix_api::file_of(state, &d.id, appendix).await?;
    Ok((user, d, a, bytes))
}

async fn appendix_download(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path((id, appendix)): Path<(String, String)>,
) -> PageResult<Response> {
    let (user, d, a, bytes) = appendix_file(&state, &page, &id, &appendix).await?;
    crate::store::record_read(&state.db, &d.id, &user.id, &ip).await?;
    Ok(tinhso_kernel::web::download(
        &a.media_type,
        a.served().file_name,
        bytes.to_vec(),
    ))
}

/// The digital signatures of an appendix's PDF (the agency's, once issued with the seal), each
/// checked by the platform's signature checker.
async fn appendix_signatures_page(
    State(state): State<Ctx>,
    page: Page,
    Path((id, appendix)): Path<(String, String)>,
) -> PageResult<Response> {
    let (user, d, a, bytes) = appendix_file(&state, &page, &id, &appendix).await?;
    let checks = state
        .check_signatures(bytes)
        .await
        .ok_or(AppError::NotFound)??;
    let shown = context! { position => a.position, file_name => a.served().file_name, title => a.title.clone() };
    Ok(page
        .render(
            "document_signatures.html",
            context! { d => view(&d), appendix => shown, checks => sv(&checks), section => section(&user) },
        )?
        .into_response())
}

/// The digital signatures of a version's PDF, each checked (who signed, when, valid or why
/// not), by the platform's signature checker.
async fn signatures_page(
    State(state): State<Ctx>,
    page: Page,
    Path((id, version)): Path<(String, i64)>,
) -> PageResult<Response> {
    let (user, d, v, bytes) = version_file(&state, &page, &id, version).await?;
    if v.media_type != "application/pdf" {
        return Err(AppError::NotFound.into());
    }
    let checks = state
        .check_signatures(bytes)
        .await
        .ok_or(AppError::NotFound)??;
    Ok(page
        .render(
            "document_signatures.html",
            context! { d => view(&d), version => sv(&v), checks => sv(&checks), section => section(&user) },
        )?
        .into_response())
}

/// Who read the document and when: for the clerks and leaders of the agency holding it.
async fn reads_page(
    State(state): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    let (d, _) = checked(&state, &page.principal(), &id, DocumentAction::ReadLog).await?;
    let reads = crate::store::reads(&state.db, &d.id, 200).await?;
    Ok(page
        .render(
            "documents_reads.html",
            context! { d => view(&d), reads => sv(&reads), section => section(&user) },
        )?
        .into_response())
}

/// The registration form's fields from top to bottom, which its error summary follows.
const REGISTER_ORDER: [&str; 14] = [
    "CodeNumber",
    "TypeName",
    "OrganName",
    "OrganId",
    "IssuedDate",
    "Subject",
    "Priority",
    "Secrecy",
    "Source",
    "ArrivalDate",
    "PageAmount",
    "DueDate",
    "Description",
    "file",
];

/// The registration form, blank, after mistakes, or with the duplicate warning (`duplicate`:
/// the warning, in the page's language) asking to confirm.
async fn render_register_form(
    page: &Page,
    user: &User,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
    duplicate: Option<String>,
) -> PageResult<Response> {
    let status = if errors.is_empty() && duplicate.is_none() {
        StatusCode::OK
    } else if duplicate.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "documents_register.html",
        context! {
            types => doc_types(), urgencies => urgencies(), values => sv(values),
            errors => form_errors_in(errors, &REGISTER_ORDER), duplicate => duplicate,
            today => tinhso_kernel::time::local_now().date().to_string(), section => section(user),
        },
    )?;
    Ok((status, html).into_response())
}

async fn register_form(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    if !policy::keeps_incoming(&user, true) {
        return Err(AppError::Forbidden.into());
    }
    render_register_form(&page, &user, &BTreeMap::new(), &[], None).await
}

async fn register_submit(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let user = official(&state, &page).await?;
    if !policy::keeps_incoming(&user, true) {
        return Err(AppError::Forbidden.into());
    }
    let form = files::read(multipart).await?;
    let mut errors = form.file_errors.clone();
    let page_amount = whole_number(&form, "PageAmount").map_err(|e| errors.push(e));
    let file = document_file(&form).map_err(|e| errors.push(e));
    let (Ok(page_amount), Ok(file)) = (page_amount, file) else {
        return render_register_form(&page, &user, &form.fields, &errors, None).await;
    };
    // The register keeps the document itself, not only its metadata.
    if file.is_none() && errors.is_empty() {
        errors.push(FieldError::new("file", "Chọn tệp văn bản (PDF hoặc DOCX)."));
    }
    if !errors.is_empty() {
        return render_register_form(&page, &user, &form.fields, &errors, None).await;
    }
    let arrival = Arrival {
        code_number: form.text("CodeNumber").to_owned(),
        organ_id: optional(&form, "OrganId"),
        organ_name: form.text("OrganName").to_owned(),
        subject: form.text("Subject").to_owned(),
        type_name: optional(&form, "TypeName"),
        priority: form.text("Priority").parse().ok(),
        secrecy: optional(&form, "Secrecy"),
        issued_date: optional(&form, "IssuedDate"),
        arrival_date: optional(&form, "ArrivalDate"),
        source: optional(&form, "Source"),
        page_amount,
        description: form.text("Description").to_owned(),
        due_date: optional(&form, "DueDate"),
        confirm_duplicate: form.text("ConfirmDuplicate") == "yes",
    };
    match service::register_incoming(&state, &who(&user, &ip), arrival, file).await {
        Ok(registered) => Ok(Redirect::to(&format!(
            "/office/documents/{}?done=register",
            registered.id
        ))
        .into_response()),
        Err(AppError::Validation(errors)) => {
            render_register_form(&page, &user, &form.fields, &errors, None).await
        }
        // The only conflict of a registration: the same document is in the register already.
        Err(AppError::Conflict(message)) => {
            let warning = i18n::message(page.lang, &message).replace(" (ConfirmDuplicate)", "");
            render_register_form(&page, &user, &form.fields, &[], Some(warning)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod outside_recipient_tests {
    use super::*;

    #[test]
    fn a_line_that_starts_with_an_agency_code_names_an_agency_of_another_platform() {
        let r = outside_recipient("000.00.00.G22 Văn phòng Chính phủ");
        assert_eq!(r.organ_id.as_deref(), Some("000.00.00.G22"));
        assert_eq!(r.organ_name.as_deref(), Some("Văn phòng Chính phủ"));
        let r = outside_recipient("000.00.00.G22 – Văn phòng Chính phủ");
        assert_eq!(r.organ_name.as_deref(), Some("Văn phòng Chính phủ"));
        let r = outside_recipient("000.00.00.G22");
        assert_eq!(
            (r.organ_id.as_deref(), r.organ_name),
            (Some("000.00.00.G22"), None)
        );
        for line in ["Lưu: VT, HCTP", "000.00.00.g22 Văn phòng", "12.00.00.G22 X"] {
            let r = outside_recipient(line);
            assert_eq!((r.organ_id, r.organ_name.as_deref()), (None, Some(line)));
        }
    }
}
